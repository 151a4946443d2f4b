"""Forms for appeals: validate and normalise only (the services decide)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone

from reviewapp.cases.forms import MultipleFileField
from reviewapp.cases.models import DocumentType

from .models import AppealAnswerStatus, ExtensionAsker, ReceivedVia, Requester

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class _DocumentsMixin:
    def _check_files(self, files: list) -> list:
        most = settings.EVIDENCE_MAX_FILES_PER_UPLOAD
        if len(files) > most:
            raise forms.ValidationError(f"{len(files)} files at once; upload at most {most}.")
        total = sum(f.size or 0 for f in files)
        if total > settings.EVIDENCE_MAX_REQUEST_MB * 1024 * 1024:
            raise forms.ValidationError(
                f"These files add up to {total / 1024 / 1024:.1f} MB; upload at most "
                f"{settings.EVIDENCE_MAX_REQUEST_MB} MB at a time."
            )
        return files

    def _check_date(self, value: dt.date | None) -> dt.date | None:
        if value and value > timezone.localdate():
            raise forms.ValidationError("The document date is in the future.")
        return value


class AppealFileForm(_DocumentsMixin, forms.Form):
    requester = forms.ChoiceField(
        label="Who is asking", choices=Requester.choices, widget=forms.RadioSelect
    )
    requester_name = forms.CharField(label="Name of the person asking", max_length=160)
    representative_relationship = forms.CharField(
        label="Representative's relation to the member",
        required=False,
        max_length=120,
        help_text="For a representative: e.g. daughter, attorney.",
    )
    representative_authorized = forms.BooleanField(
        label="The member's written authorization is on file",
        required=False,
        help_text="A representative, or a provider appealing for the member, acts with it.",
    )
    received_via = forms.ChoiceField(label="How it was received", choices=ReceivedVia.choices)
    received_at = forms.DateTimeField(label="Appeal received", widget=DATETIME)
    request_summary = forms.CharField(
        label="What is asked",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="In the appellant's words: what they want and why they disagree.",
    )
    expedited_requested = forms.BooleanField(
        label="A fast (expedited) appeal is asked for", required=False
    )
    provider_supports_expedited = forms.BooleanField(
        label="The provider says waiting could seriously harm the member's health",
        required=False,
        help_text="The appeal is then expedited, and the plan cannot move it to the standard clock.",
    )
    good_cause = forms.CharField(
        label="Good cause for filing late",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only for an appeal received after the filing limit: the reason the member gave.",
    )
    files = MultipleFileField(
        label="Documents sent with the appeal",
        required=False,
        help_text="PDF, PNG, JPEG, TIFF or plain text.",
    )
    doc_type = forms.ChoiceField(
        label="Document type", choices=DocumentType.choices, initial=DocumentType.OFFICE_NOTE
    )
    document_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(required=False, max_length=160, help_text="Who sent or wrote them.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean_requester_name(self) -> str:
        return " ".join(self.cleaned_data["requester_name"].split())

    def clean_files(self) -> list:
        files = self.cleaned_data.get("files") or []
        return self._check_files([f for f in files if f])

    def clean_document_date(self) -> dt.date | None:
        return self._check_date(self.cleaned_data["document_date"])

    def clean(self) -> dict:
        data = super().clean()
        if (
            data.get("requester") == Requester.REPRESENTATIVE
            and not (data.get("representative_relationship") or "").strip()
        ):
            self.add_error(
                "representative_relationship",
                "Say how the representative is related to the member.",
            )
        return data


class AppealDocumentsForm(_DocumentsMixin, forms.Form):
    files = MultipleFileField(label="Documents", help_text="PDF, PNG, JPEG, TIFF or plain text.")
    doc_type = forms.ChoiceField(label="Document type", choices=DocumentType.choices)
    document_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(required=False, max_length=160, help_text="Who sent or wrote it.")

    def clean_files(self) -> list:
        return self._check_files(self.cleaned_data["files"])

    def clean_document_date(self) -> dt.date | None:
        return self._check_date(self.cleaned_data["document_date"])


class AppealAnswerForm(forms.Form):
    status = forms.ChoiceField(choices=AppealAnswerStatus.choices)
    note = forms.CharField(max_length=4000, required=False)
    evidence = forms.IntegerField(required=False)
    pages = forms.CharField(required=False, max_length=60)
    revision = forms.IntegerField(min_value=0)


class ExpediteDeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why the standard clock will not harm the member's health",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    member_told = forms.CharField(
        label="How and when the member was told",
        max_length=300,
        help_text='E.g. "Phoned the member 2026-03-02 10:40; written notice mailed the same day".',
    )


class ExtendForm(forms.Form):
    asked_by = forms.ChoiceField(
        label="Who asked", choices=ExtensionAsker.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    member_told = forms.CharField(
        label="How and when the member was told",
        max_length=300,
        required=False,
        help_text="Required when the plan starts the extension.",
    )


REASON_PREFIX = "reason__"


class AppealDecisionForm(forms.Form):
    """One choice per service the determination appealed did not approve; for anything still
    not approved, one reason per criterion still not met (drafted, editable) or an explanation;
    the internal rationale."""

    explanation = forms.CharField(
        label="Explanation to the member (printed in the letter)",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rationale = forms.CharField(
        label="Internal clinical rationale (never printed; sent to an independent reviewer)",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, codes=(), drafts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.codes = [c.code for c in codes]
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
        for code in codes:
            self.fields[f"code_{code.code}"] = forms.ChoiceField(
                label=f"{code.code}: {code.description}",
                choices=[("approve", "Approve on appeal"), ("deny", "Keep the denial")],
                widget=forms.RadioSelect,
            )

    def code_fields(self):
        return [self[f"code_{code}"] for code in self.codes]

    def reason_fields(self):
        return [self[name] for name in self.fields if name.startswith(REASON_PREFIX)]

    def code_decisions(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"code_{code}"] for code in self.codes}

    def reasons(self) -> dict[str, str]:
        return {
            name[len(REASON_PREFIX) :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith(REASON_PREFIX)
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Who withdrew the appeal, and how",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IndependentReviewSentForm(forms.Form):
    confirmation = forms.CharField(
        label="The independent review entity's receipt number", max_length=120
    )
