"""Forms validate and normalise; they never save (services do)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Fieldset, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from criteria.codes import (
    CodeListError,
    catalogue,
    parse_code_list,
    stage_conflict,
    suggest_stage,
)
from criteria.models import Policy
from criteria.vocabulary import INDICATIONS, LINES_OF_BUSINESS, STAGES
from reviewapp.accounts.models import staff_display_name

from .models import (
    US_STATES,
    AlternateFormat,
    AnswerStatus,
    CaseStatus,
    DocumentType,
    LineOfBusiness,
    PreferredLanguage,
    Priority,
)
from .selectors import AGE_BANDS, DUE_FILTERS
from .services import icd10_normalise


def npi_is_valid(npi: str) -> bool:
    """The NPI check digit: Luhn over the constant prefix 80840 and the first nine digits."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    total = 24  # the Luhn contribution of the prefix 80840
    for position, char in enumerate(reversed(npi[:9])):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10 == int(npi[9])


class AutofocusFirstError:
    """Every field error is shown at once; the first invalid field gets the focus (``autofocus``
    on its input, so it works without JavaScript too)."""

    def autofocus_first_error(self) -> None:
        for name in self.fields:  # type: ignore[attr-defined]
            if name in self.errors:  # type: ignore[attr-defined]
                self.fields[name].widget.attrs["autofocus"] = True  # type: ignore[attr-defined]
                return


class IntakeForm(AutofocusFirstError, forms.Form):
    member_name = forms.CharField(max_length=120)
    member_id = forms.CharField(label="Member ID", max_length=30)
    member_dob = forms.DateField(
        label="Member date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )
    member_address_line1 = forms.CharField(label="Member mailing address", max_length=120)
    member_address_line2 = forms.CharField(
        label="Member address line 2", max_length=120, required=False
    )
    member_city = forms.CharField(label="Member city", max_length=60)
    member_state = forms.CharField(label="Member state", max_length=2, min_length=2)
    member_zip = forms.CharField(label="Member ZIP code", max_length=10)
    preferred_language = forms.ChoiceField(
        choices=PreferredLanguage.choices,
        initial=PreferredLanguage.ENGLISH,
        help_text="Letters are written in English or Spanish; every letter offers free help in "
        "other languages.",
    )
    alternate_format = forms.ChoiceField(
        label="Letter format", choices=AlternateFormat.choices, required=False
    )
    provider_name = forms.CharField(label="Requesting provider", max_length=120)
    provider_npi = forms.CharField(label="Provider NPI", max_length=10, min_length=10)
    provider_address_line1 = forms.CharField(label="Provider address", max_length=120)
    provider_address_line2 = forms.CharField(
        label="Provider address line 2", max_length=120, required=False
    )
    provider_city = forms.CharField(label="Provider city", max_length=60)
    provider_state = forms.CharField(label="Provider state", max_length=2, min_length=2)
    provider_zip = forms.CharField(label="Provider ZIP code", max_length=10)
    provider_fax = forms.CharField(
        label="Provider fax",
        max_length=20,
        required=False,
        help_text="The provider's copy of each letter is faxed when a number is given.",
    )
    servicing_provider_name = forms.CharField(
        label="Servicing provider",
        max_length=120,
        required=False,
        help_text="Who will perform the service, if not the requesting provider.",
    )
    servicing_provider_npi = forms.CharField(
        label="NPI of the servicing provider", max_length=10, required=False
    )
    line_of_business = forms.ChoiceField(choices=LineOfBusiness.choices)
    policy = forms.ModelChoiceField(
        label="Payer policy",
        queryset=Policy.objects.all(),
        to_field_name="key",
        empty_label="Choose the payer's policy",
    )
    indication = forms.ChoiceField(choices=[("", "Choose"), *INDICATIONS.items()])
    codes = forms.CharField(
        label="Requested codes",
        max_length=300,
        help_text="CPT/HCPCS codes with optional units, separated by commas: 62350, 62362, E0783 x1",
    )
    stage = forms.ChoiceField(
        choices=[("", "Suggest from the codes"), *STAGES.items()],
        required=False,
        help_text="Left empty, the stage is taken from the requested codes.",
    )
    diagnoses = forms.CharField(
        label="Diagnoses (ICD-10-CM)",
        max_length=200,
        help_text="Primary diagnosis first, separated by commas: G89.4, M96.1",
    )
    service_date = forms.DateField(
        label="Date of service", widget=forms.DateInput(attrs={"type": "date"})
    )
    servicing_facility = forms.CharField(
        label="Servicing facility",
        max_length=160,
        help_text="Where the service is to be performed.",
    )
    servicing_facility_npi = forms.CharField(
        label="Servicing facility NPI", max_length=10, required=False
    )
    trial_case = forms.CharField(
        label="Trial case",
        max_length=20,
        required=False,
        help_text="For a permanent implant: the reference of the member's trial case "
        "(e.g. UM-2025-000008). Its trial results carry over as facts.",
    )
    received_at = forms.DateTimeField(
        label="Request received",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.STANDARD)
    clinical_summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )
    assign_to_me = forms.BooleanField(label="Assign the case to me", required=False, initial=True)
    confirm_duplicate = forms.BooleanField(
        label="Open a new case anyway: this is not a duplicate of the open case above",
        required=False,
    )
    # One token per intake form shown: the same form posted twice (a double click, a resubmit
    # after a timeout, the back button) opens one case (``services.case_create``).
    intake_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        self.fields["intake_token"].initial = uuid.uuid4()
        self.fields["codes"].widget.attrs.update(
            {
                "list": "known-codes",
                "autocomplete": "off",
                "hx-get": "stage-hint/",
                "hx-trigger": "keyup changed delay:400ms, change",
                "hx-target": "#stage-hint",
                "hx-include": "[name=indication]",
            }
        )
        self.fields["member_id"].widget.attrs.update(
            {
                "hx-get": "member-cases/",
                "hx-trigger": "change",
                "hx-target": "#member-cases",
                "hx-include": "[name=codes]",
            }
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "Member",
                Row(Column("member_name"), Column("member_id"), Column("member_dob")),
                Row(Column("member_address_line1"), Column("member_address_line2")),
                Row(Column("member_city"), Column("member_state"), Column("member_zip")),
                Row(Column("preferred_language"), Column("alternate_format")),
            ),
            Div(
                HTML('{% include "cases/_member_cases.html" %}'),
                css_id="member-cases",
                css_class="mb-3",
                role="status",
                **{"aria-live": "polite"},
            ),
            Fieldset(
                "Requesting provider",
                Row(Column("provider_name"), Column("provider_npi"), Column("provider_fax")),
                Row(Column("provider_address_line1"), Column("provider_address_line2")),
                Row(Column("provider_city"), Column("provider_state"), Column("provider_zip")),
                Row(Column("servicing_provider_name"), Column("servicing_provider_npi")),
            ),
            Fieldset(
                "Request",
                Row(Column("line_of_business"), Column("policy"), Column("indication")),
                Row(Column("codes", css_class="col-md-6"), Column("stage")),
                Div(
                    css_id="stage-hint",
                    css_class="form-text mb-3",
                    role="status",
                    **{"aria-live": "polite"},
                ),
                Row(Column("diagnoses", css_class="col-md-6"), Column("trial_case")),
                Row(
                    Column("service_date"),
                    Column("servicing_facility", css_class="col-md-5"),
                    Column("servicing_facility_npi"),
                ),
                Row(Column("received_at"), Column("priority")),
                "clinical_summary",
                Field("assign_to_me"),
                "intake_token",
            ),
            Submit("submit", "Open case"),
        )

    def offer_duplicate_confirmation(self) -> None:
        """Show the "not a duplicate" box (only when an open case of the member was found)."""
        self.helper.layout.insert(len(self.helper.layout) - 1, Field("confirm_duplicate"))

    def clean_member_name(self) -> str:
        return " ".join(self.cleaned_data["member_name"].split())

    def clean_member_id(self) -> str:
        value = self.cleaned_data["member_id"].strip().upper()
        if not value.replace("-", "").isalnum():
            raise forms.ValidationError("Use letters, digits and hyphens only.")
        return value

    def clean_member_dob(self) -> dt.date:
        dob = self.cleaned_data["member_dob"]
        today = timezone.localdate()
        if dob > today:
            raise forms.ValidationError("The date of birth is in the future.")
        if dob < today.replace(year=today.year - 125):
            raise forms.ValidationError("The date of birth is more than 125 years ago.")
        return dob

    def _state(self, name: str) -> str:
        state = self.cleaned_data[name].strip().upper()
        if state not in US_STATES:
            raise forms.ValidationError("Use the two-letter postal code of a US state, e.g. LA.")
        return state

    def clean_member_state(self) -> str:
        return self._state("member_state")

    def clean_provider_state(self) -> str:
        return self._state("provider_state")

    def _zip(self, name: str) -> str:
        value = self.cleaned_data[name].strip()
        if not re.fullmatch(r"[0-9]{5}(-[0-9]{4})?", value):
            raise forms.ValidationError("A ZIP code is 5 digits, or 5 + 4 (70801-1234).")
        return value

    def clean_member_zip(self) -> str:
        return self._zip("member_zip")

    def clean_provider_zip(self) -> str:
        return self._zip("provider_zip")

    def clean_provider_fax(self) -> str:
        digits = re.sub(r"[\s().+-]", "", self.cleaned_data["provider_fax"])
        if not digits:
            return ""
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if not digits.isdigit() or len(digits) != 10 or digits[0] in "01":
            raise forms.ValidationError("A US fax number has 10 digits: 225-555-0123.")
        return digits

    def clean_servicing_provider_npi(self) -> str:
        npi = self.cleaned_data["servicing_provider_npi"].strip()
        if npi and (not npi.isdigit() or len(npi) != 10 or not npi_is_valid(npi)):
            raise forms.ValidationError("An NPI is 10 digits and passes its check digit.")
        return npi

    def clean_provider_npi(self) -> str:
        return _npi(self.cleaned_data["provider_npi"])

    def clean_servicing_facility_npi(self) -> str:
        value = self.cleaned_data["servicing_facility_npi"].strip()
        return _npi(value) if value else ""

    def clean_received_at(self) -> dt.datetime:
        received = self.cleaned_data["received_at"]
        if received > timezone.now() + dt.timedelta(minutes=5):
            raise forms.ValidationError("The request cannot be received in the future.")
        if received.year < 2000:
            raise forms.ValidationError("Check the year of the received date.")
        return received

    def clean_codes(self) -> list[tuple[str, int]]:
        try:
            codes = parse_code_list(self.cleaned_data["codes"])
        except CodeListError as exc:
            raise forms.ValidationError(str(exc)) from None
        if conflict := stage_conflict([code for code, _ in codes]):
            raise forms.ValidationError(str(conflict))
        return codes

    def clean_diagnoses(self) -> tuple[str, ...]:
        raw = [p for p in re.split(r"[,;\s]+", self.cleaned_data["diagnoses"]) if p]
        codes, bad = [], []
        for item in raw:
            code = icd10_normalise(item)
            if code is None:
                bad.append(item)
            elif code in codes:
                raise forms.ValidationError(f"{code} is listed twice.")
            else:
                codes.append(code)
        if bad:
            raise forms.ValidationError(
                f"Not in the ICD-10-CM form (a letter, two characters, then up to four after a "
                f"dot, e.g. G89.4): {', '.join(bad)}."
            )
        if not codes:
            raise forms.ValidationError("Enter the primary diagnosis.")
        return tuple(codes)

    def clean_trial_case(self) -> str:
        return self.cleaned_data["trial_case"].strip().upper()

    def clean(self) -> dict:
        data = super().clean()
        policy, line = data.get("policy"), data.get("line_of_business")
        if policy and line and policy.lines_of_business and line not in policy.lines_of_business:
            offered = ", ".join(LINES_OF_BUSINESS[x] for x in policy.lines_of_business)
            self.add_error(
                "line_of_business",
                f"{policy.payer} offers {policy.number} for {offered} only; check the member's "
                "plan or the policy.",
            )
        received, service_date = data.get("received_at"), data.get("service_date")
        if received and service_date:
            received_on = timezone.localdate(received)
            if abs((service_date - received_on).days) > 366:
                self.add_error(
                    "service_date", "The date of service is more than a year from the request."
                )
        codes = data.get("codes")
        if not codes:
            return data
        suggested = suggest_stage([code for code, _ in codes])
        stage = data.get("stage") or suggested
        if not stage:
            self.add_error("stage", "These codes do not say which stage this is; choose one.")
            return data
        if suggested and data.get("stage") and data["stage"] != suggested:
            self.add_error(
                "stage",
                f"The codes point to {STAGES[suggested].lower()}, not {STAGES[data['stage']].lower()}"
                "; correct the stage or the codes.",
            )
        if data.get("indication") == "replacement" and stage != "replacement":
            self.add_error("stage", "A pump replacement is reviewed at the replacement stage.")
        if stage == "replacement" and data.get("indication") not in (None, "replacement"):
            self.add_error(
                "indication", "Replacement codes: choose the pump replacement indication."
            )
        if data.get("trial_case") and stage != "permanent":
            self.add_error(
                "trial_case", "Only a permanent implant's request is linked to a trial case."
            )
        data["stage"] = stage
        return data


def _npi(value: str) -> str:
    npi = value.strip()
    if not npi.isdigit() or len(npi) != 10:
        raise forms.ValidationError("An NPI is 10 digits.")
    if not npi_is_valid(npi):
        raise forms.ValidationError("This NPI fails its check digit; check it for a typo.")
    return npi


class FactForm(forms.Form):
    """One fact's value, typed by the fact dictionary entry it edits, and where it is documented
    (a document of the case and its pages; optional)."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    value = forms.CharField(required=False, max_length=40)
    source = forms.IntegerField(required=False, min_value=1)
    source_pages = forms.CharField(required=False, max_length=60)


class AnswerForm(forms.Form):
    """A reviewer's answer on one criterion, with the evidence chosen in the same step (document
    and pages, before the status in the row). The case page's rows draw their inputs from these
    fields (choices, labels, length limits), so the limits live here only. A document without a
    status only links it."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    evidence = forms.IntegerField(required=False, min_value=1)
    pages = forms.CharField(label="Pages", required=False, max_length=60)
    status = forms.ChoiceField(choices=AnswerStatus.choices, required=False)
    note = forms.CharField(label="Note", required=False, max_length=4000)
    override_reason = forms.CharField(
        label="Reason if different from facts",
        help_text="Reason when different from the facts",
        required=False,
        max_length=2000,
    )

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("status") and not data.get("evidence"):
            raise forms.ValidationError(
                "Choose a status (or a document to link).", code="nothing_to_save"
            )
        if data.get("pages") and not data.get("evidence"):
            self.add_error("pages", "Choose the document these pages are in.")
        return data


class ProposalApplyForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        # An empty file is refused by the upload's own checks, with every other bad file of the
        # same upload (``evidence_files.inspect_upload``), rather than alone here.
        kwargs.setdefault("allow_empty_file", True)
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.tif,.tiff,.txt"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        """Every file checked; every problem named with its file (a refusal stores none)."""
        single = super().clean
        items = list(data) if isinstance(data, list | tuple) else [data]
        if not [item for item in items if item]:
            raise forms.ValidationError("Choose at least one file.")
        cleaned, problems = [], []
        for item in items:
            try:
                cleaned.append(single(item, initial))
            except forms.ValidationError as exc:
                name = getattr(item, "name", "") or "A file"
                problems += [f"{name}: {message}" for message in exc.messages]
        if problems:
            raise forms.ValidationError(problems)
        return cleaned


def _not_in_future(value: dt.date | None) -> dt.date | None:
    if value and value > timezone.localdate():
        raise forms.ValidationError("The document date is in the future.")
    return value


class EvidenceDetailsForm(forms.Form):
    """What a document is: type, date, source (at upload for all files, or one document's)."""

    doc_type = forms.ChoiceField(label="Document type", choices=DocumentType.choices)
    document_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(
        required=False,
        max_length=160,
        help_text="Who sent or wrote it, e.g. the requesting provider's office.",
    )

    def clean_files(self) -> list:
        files = self.cleaned_data["files"]
        most = settings.EVIDENCE_MAX_FILES_PER_UPLOAD
        if len(files) > most:
            raise forms.ValidationError(
                f"{len(files)} files at once; upload at most {most} at a time."
            )
        total = sum(f.size or 0 for f in files)
        if total > settings.EVIDENCE_MAX_REQUEST_MB * 1024 * 1024:
            raise forms.ValidationError(
                f"These files add up to {total / 1024 / 1024:.1f} MB; upload at most "
                f"{settings.EVIDENCE_MAX_REQUEST_MB} MB at a time."
            )
        return files

    def clean_document_date(self) -> dt.date | None:
        return _not_in_future(self.cleaned_data["document_date"])


class EvidenceUploadForm(EvidenceDetailsForm):
    """Several files at once: the type, date and source above apply to every file, and each file
    may carry its own (``file_doc_type``, ``file_document_date``, ``file_source``: one value per
    file, in the order the files were chosen; the page adds a row per file)."""

    files = MultipleFileField(label="Documents", help_text="PDF, PNG, JPEG, TIFF or plain text.")

    def per_file(self, data) -> list[dict | None]:
        """Each file's own details, validated (None where a file has none of its own)."""
        types = data.getlist("file_doc_type")
        dates = data.getlist("file_document_date")
        sources = data.getlist("file_source")
        result: list[dict | None] = []
        for index in range(len(self.cleaned_data.get("files") or [])):
            if index >= len(types) or not types[index]:
                result.append(None)
                continue
            row = EvidenceDetailsForm(
                {
                    "doc_type": types[index],
                    "document_date": dates[index] if index < len(dates) else "",
                    "source": sources[index] if index < len(sources) else "",
                }
            )
            if not row.is_valid():
                for errors in row.errors.values():
                    for error in errors:
                        self.add_error(None, f"File {index + 1}: {error}")
                result.append(None)
            else:
                result.append(row.cleaned_data)
        return result


class EvidenceLinkForm(forms.Form):
    evidence = forms.IntegerField(widget=forms.Select)
    pages = forms.CharField(required=False, max_length=60)


class PendForm(forms.Form):
    request_text = forms.CharField(
        label="Request to the provider",
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=8000,
    )


class ResumeForm(forms.Form):
    note = forms.CharField(label="What was received", required=False, max_length=2000)


class ReferForm(forms.Form):
    summary = forms.CharField(
        label="Summary for the medical director",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=8000,
    )


class ReassignForm(forms.Form):
    assign_to = forms.ModelChoiceField(
        label="Assign to",
        queryset=User.objects.none(),
        empty_label="Choose a nurse reviewer or medical director",
    )
    reason = forms.CharField(
        label="Why the case changes hands",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args, reviewers: QuerySet[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assign_to"]
        field.queryset = reviewers
        field.label_from_instance = staff_display_name


class QueueFilterForm(forms.Form):
    tab = forms.CharField(required=False)
    status = forms.ChoiceField(required=False)
    policy = forms.ChoiceField(required=False)
    priority = forms.ChoiceField(required=False, choices=[("", "Any priority"), *Priority.choices])
    q = forms.CharField(required=False, max_length=40, label="Reference or member ID")
    # Set by the managers' dashboard links (shown as removable filters above the results).
    due = forms.ChoiceField(required=False)
    age = forms.ChoiceField(required=False)
    reviewer = forms.IntegerField(required=False, min_value=1)
    line_of_business = forms.ChoiceField(
        required=False, choices=[("", "Any line of business"), *LineOfBusiness.choices]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status"), *CaseStatus.choices]
        self.fields["policy"].choices = [("", "Any policy")] + [
            (p.key, f"{p.payer} {p.number}") for p in Policy.objects.all()
        ]
        self.fields["due"].choices = [("", "Any due time"), *DUE_FILTERS.items()]
        self.fields["age"].choices = [("", "Any age")] + [
            (key, label) for key, (label, _, _) in AGE_BANDS.items()
        ]
        for name in ("status", "policy", "priority"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["q"].widget.attrs.update({"class": "form-control", "type": "search"})


def known_codes() -> list[tuple[str, str]]:
    return [(c.code, c.description) for c in catalogue().values()]
