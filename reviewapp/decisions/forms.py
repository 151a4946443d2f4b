from __future__ import annotations

from django import forms
from django.utils import timezone

from .models import PeerToPeerOffer


class ExceptionForm(forms.Form):
    rationale = forms.CharField(
        label="Rationale", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # The policy's ground for its waiver (a key of the criterion's waiver options), or empty for
    # the director's own exception; the service checks it against the criterion and the case.
    waiver_condition = forms.CharField(max_length=40, required=False)


class DecisionForm(forms.Form):
    """One approve/deny choice per requested code, the reasons, and the peer-to-peer offer."""

    reasons = forms.CharField(
        label="Specific reasons (for anything not approved)",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    rationale = forms.CharField(
        label="Clinical rationale (for the record)",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3}),
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

    def __init__(self, *args, services=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.codes = [s.code for s in services]
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


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="What is being corrected", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason for withdrawal", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ApproveForm(forms.Form):
    rationale = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
