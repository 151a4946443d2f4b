from __future__ import annotations

from django import forms
from django.utils import timezone

from .models import NoticeChannel, PeerToPeerOffer


class ExceptionForm(forms.Form):
    rationale = forms.CharField(
        label="Rationale", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # The policy's ground for its waiver (a key of the criterion's waiver options), or empty for
    # the director's own exception; the service checks it against the criterion and the case.
    waiver_condition = forms.CharField(max_length=40, required=False)


REASON_PREFIX = "reason__"


class DecisionForm(forms.Form):
    """One approve/deny choice per requested code; for anything not approved, one reason per
    criterion not met (drafted, the wording editable) and an explanation to the member; the
    internal clinical rationale; and the peer-to-peer offer.

    The reason fields are the drafted criteria's, plus any the posted page carried (so that a
    page drafted before an exception changed reaches the service, which refuses it by name).
    """

    explanation = forms.CharField(
        label="Explanation to the member (printed in the letter)",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Plain words, in the member's language. Required when every criterion is met "
        "but a service is not approved.",
    )
    rationale = forms.CharField(
        label="Internal clinical rationale (never printed)",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For the record and for reviewers; the member's letter never shows it.",
    )
    p2p_offered_to = forms.CharField(
        label="Peer-to-peer offered to", required=False, max_length=160
    )
    p2p_offered_at = forms.DateTimeField(
        label="Offered on",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    p2p_result = forms.ChoiceField(
        label="Peer-to-peer outcome",
        choices=PeerToPeerOffer.Result.choices,
        initial=PeerToPeerOffer.Result.PENDING,
    )
    p2p_notes = forms.CharField(label="Notes", required=False, max_length=2000)

    def __init__(self, *args, services=(), drafts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.codes = [s.code for s in services]
        self.drafts = list(drafts)
        labels = [d.label for d in self.drafts]
        posted = [key[len(REASON_PREFIX) :] for key in self.data if key.startswith(REASON_PREFIX)]
        for label in labels + [p for p in posted if p not in labels]:
            draft = next((d for d in self.drafts if d.label == label), None)
            self.fields[REASON_PREFIX + label] = forms.CharField(
                label=f"Reason for {label}"
                + (f" ({draft.citation})" if draft and draft.citation else ""),
                required=False,
                max_length=2000,
                initial=draft.text if draft else "",
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        for service in services:
            self.fields[f"code_{service.code}"] = forms.ChoiceField(
                label=f"{service.code}: {service.description}",
                choices=[("approve", "Approve"), ("deny", "Deny")],
                widget=forms.RadioSelect,
            )
        self.fields["p2p_offered_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def code_fields(self):
        return [self[f"code_{code}"] for code in self.codes]

    def code_decisions(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"code_{code}"] for code in self.codes}

    def reason_fields(self):
        return [self[name] for name in self.fields if name.startswith(REASON_PREFIX)]

    def reasons(self) -> dict[str, str]:
        """Criterion label -> the wording, for every reason field (the service checks them)."""
        return {
            name[len(REASON_PREFIX) :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith(REASON_PREFIX)
        }


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="What is being corrected", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason for withdrawal", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    # The member notice, where the plan requires one (the service says when it is missing).
    notice_channel = forms.ChoiceField(
        label="How the member's notice is sent",
        choices=[("", "Choose"), *NoticeChannel.choices],
        required=False,
    )
    notice_text = forms.CharField(
        label="Notice to the member",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=5000,
        required=False,
    )


class ApproveForm(forms.Form):
    rationale = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
