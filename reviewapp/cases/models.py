"""Prior-authorization cases: the request, the reviewer's facts and answers, evidence, audit.

State changes live in ``services.py``; these models hold fields, constraints and small properties.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from criteria.engine import Status
from criteria.models import Checklist, Fact, Node, Policy, PolicyVersion
from reviewapp.core.storage import private_storage


class LineOfBusiness(models.TextChoices):
    MEDICAID = "medicaid", "Medicaid"
    MEDICARE_ADVANTAGE = "medicare_advantage", "Medicare Advantage"
    COMMERCIAL = "commercial", "Commercial"


class Priority(models.TextChoices):
    EXPEDITED = "expedited", "Expedited"
    STANDARD = "standard", "Standard"


class PreferredLanguage(models.TextChoices):
    """The member's preferred language, recorded at intake. Letters are written in English or in
    Spanish; every letter also carries taglines offering free help in the state's languages."""

    ENGLISH = "en", "English"
    SPANISH = "es", "Spanish"
    VIETNAMESE = "vi", "Vietnamese"
    CHINESE = "zh", "Chinese"
    ARABIC = "ar", "Arabic"
    FRENCH = "fr", "French"
    TAGALOG = "tl", "Tagalog"
    KOREAN = "ko", "Korean"
    PORTUGUESE = "pt", "Portuguese"
    LAO = "lo", "Lao"
    GERMAN = "de", "German"
    JAPANESE = "ja", "Japanese"
    PERSIAN = "fa", "Persian (Farsi)"
    RUSSIAN = "ru", "Russian"
    HINDI = "hi", "Hindi"
    THAI = "th", "Thai"
    OTHER = "other", "Another language"


class AlternateFormat(models.TextChoices):
    STANDARD = "", "Standard print"
    LARGE_PRINT = "large_print", "Large print (18 point)"


# US states, the District of Columbia and the territories, by postal code.
US_STATES = frozenset(
    """AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ
    NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP""".split()  # noqa: SIM905
)


class CaseStatus(models.TextChoices):
    INTAKE = "intake", "Intake"
    IN_REVIEW = "in_review", "In review"
    PENDED = "pended", "Pended for information"
    REFERRED = "referred", "Referred to medical director"
    DECIDED = "decided", "Decided"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = (CaseStatus.INTAKE, CaseStatus.IN_REVIEW, CaseStatus.PENDED, CaseStatus.REFERRED)

# A turnaround alert: an open case that has used this share of its clock (from receipt to its due
# time, extensions included) is highlighted in the queues and named in the managers' digest.
CLOCK_ALERT_SHARE = 0.75


class TurnaroundRule(models.Model):
    """How long a decision may take, per line of business and priority (set by administrators)."""

    line_of_business = models.CharField(max_length=20, choices=LineOfBusiness.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices)
    hours = models.PositiveIntegerField(help_text="Hours from receipt of the request to decision.")
    pend_extension_hours = models.PositiveIntegerField(
        default=0,
        help_text="Hours a pend for missing information may add to the due time, once per case "
        "(0: pending does not stop the clock).",
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["line_of_business", "priority"], name="turnaround_rule_unique"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="turnaround_hours_positive"),
        ]
        ordering = ["line_of_business", "priority"]

    def __str__(self) -> str:
        return f"{self.get_line_of_business_display()}, {self.get_priority_display()}: {self.describe()}"

    def describe(self) -> str:
        return _describe_hours(self.hours)

    def describe_pend(self) -> str:
        if not self.pend_extension_hours:
            return "Pending for information does not stop or extend the clock."
        return (
            f"Pending for information extends the due time once, by "
            f"{_describe_hours(self.pend_extension_hours)}."
        )


def _describe_hours(hours: int) -> str:
    if hours % 24 == 0 and hours >= 24 * 3 and hours != 72:
        days = hours // 24
        return f"{days} calendar day{'s' if days != 1 else ''}"
    return f"{hours} hours"


class Case(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.INTAKE)

    member_name = models.CharField(max_length=120)
    member_id = models.CharField(max_length=30, db_index=True)
    member_dob = models.DateField("member date of birth")
    # Where letters go (blank on cases opened before intake recorded them).
    member_address_line1 = models.CharField("member mailing address", max_length=120, blank=True)
    member_address_line2 = models.CharField(max_length=120, blank=True)
    member_city = models.CharField(max_length=60, blank=True)
    member_state = models.CharField(max_length=2, blank=True)
    member_zip = models.CharField("member ZIP code", max_length=10, blank=True)
    preferred_language = models.CharField(
        max_length=10, choices=PreferredLanguage.choices, default=PreferredLanguage.ENGLISH
    )
    alternate_format = models.CharField(
        max_length=20, choices=AlternateFormat.choices, blank=True, default=AlternateFormat.STANDARD
    )
    provider_name = models.CharField("requesting provider", max_length=120)
    provider_npi = models.CharField("provider NPI", max_length=10)
    provider_address_line1 = models.CharField("provider address", max_length=120, blank=True)
    provider_address_line2 = models.CharField(max_length=120, blank=True)
    provider_city = models.CharField(max_length=60, blank=True)
    provider_state = models.CharField(max_length=2, blank=True)
    provider_zip = models.CharField("provider ZIP code", max_length=10, blank=True)
    provider_fax = models.CharField("provider fax", max_length=10, blank=True)
    # Who will perform the service, when not the requesting provider (printed on authorizations).
    servicing_provider_name = models.CharField(max_length=120, blank=True)
    servicing_provider_npi = models.CharField("servicing provider NPI", max_length=10, blank=True)
    line_of_business = models.CharField(max_length=20, choices=LineOfBusiness.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices)

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="cases")
    policy_version = models.ForeignKey(
        PolicyVersion,
        on_delete=models.PROTECT,
        related_name="cases",
        help_text="Pinned at intake: the version in effect on the received date.",
    )
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="cases")
    indication = models.CharField(max_length=30)
    stage = models.CharField(max_length=20)

    service_date = models.DateField(
        "date of service", null=True, blank=True, help_text="When the service is planned."
    )
    # Database defaults too, so rows written outside the ORM (the benchmark's bulk loads) are valid.
    servicing_facility = models.CharField(
        max_length=160,
        blank=True,
        default="",
        db_default="",
        help_text="Where the service is to be performed.",
    )
    servicing_facility_npi = models.CharField(
        "servicing facility NPI", max_length=10, blank=True, default="", db_default=""
    )
    # A permanent implant's request may be linked to the member's trial case; its trial results
    # are carried over as facts when the case is opened.
    trial_case = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="permanent_cases"
    )

    received_at = models.DateTimeField("request received")
    due_at = models.DateTimeField()
    due_extended = models.BooleanField(default=False)
    clinical_summary = models.TextField(blank=True)

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_cases"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    referral_summary = models.TextField(blank=True)
    referred_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The notice: when the member's copy of the determination letter was sent. The turnaround
    # clock stops here (not at the decision, not at signing); reopening clears it.
    notice_sent_at = models.DateTimeField("member notified", null=True, blank=True)
    # Set while a decided case is reopened to correct its determination: the next determination
    # supersedes the one in force, and records this reason.
    correction_reason = models.TextField(blank=True)
    # The intake form's one-time token: the same form posted twice opens one case.
    intake_token = models.UUIDField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["status", "due_at", "id"], name="case_status_due"),
            models.Index(fields=["assigned_to", "status", "due_at"], name="case_assignee_due"),
            models.Index(fields=["due_at", "id"], name="case_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_at__gt=models.F("received_at")), name="case_due_after_received"
            ),
            models.CheckConstraint(
                condition=Q(provider_npi__regex=r"^[0-9]{10}$"), name="case_npi_ten_digits"
            ),
            models.CheckConstraint(
                condition=Q(servicing_facility_npi="")
                | Q(servicing_facility_npi__regex=r"^[0-9]{10}$"),
                name="case_facility_npi_ten_digits",
            ),
            models.CheckConstraint(
                condition=~Q(trial_case=models.F("id")), name="case_trial_case_not_itself"
            ),
            models.CheckConstraint(
                condition=Q(member_state="") | Q(member_state__regex=r"^[A-Z]{2}$"),
                name="case_member_state_code",
            ),
            models.CheckConstraint(
                condition=Q(provider_state="") | Q(provider_state__regex=r"^[A-Z]{2}$"),
                name="case_provider_state_code",
            ),
            models.CheckConstraint(
                condition=Q(member_zip="") | Q(member_zip__regex=r"^[0-9]{5}(-[0-9]{4})?$"),
                name="case_member_zip_format",
            ),
            models.CheckConstraint(
                condition=Q(provider_zip="") | Q(provider_zip__regex=r"^[0-9]{5}(-[0-9]{4})?$"),
                name="case_provider_zip_format",
            ),
            models.CheckConstraint(
                condition=Q(provider_fax="") | Q(provider_fax__regex=r"^[0-9]{10}$"),
                name="case_provider_fax_ten_digits",
            ),
            models.CheckConstraint(
                condition=Q(servicing_provider_npi="")
                | Q(servicing_provider_npi__regex=r"^[0-9]{10}$"),
                name="case_servicing_npi_ten_digits",
            ),
            models.UniqueConstraint(fields=["intake_token"], name="case_intake_token_once"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()

    @property
    def time_remaining(self) -> dt.timedelta:
        return self.due_at - timezone.now()

    @property
    def clock_used(self) -> float:
        """The share of the clock (receipt to due time) used so far; above 1 when overdue."""
        clock = (self.due_at - self.received_at).total_seconds()
        return (timezone.now() - self.received_at).total_seconds() / clock

    @property
    def clock_alert(self) -> bool:
        """Open, not yet overdue, and past ``CLOCK_ALERT_SHARE`` of its clock."""
        return self.is_open and not self.is_overdue and self.clock_used >= CLOCK_ALERT_SHARE


class RequestedService(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    code = models.CharField(max_length=10)
    units = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "code"], name="service_code_once_per_case"),
            models.CheckConstraint(condition=Q(units__gte=1), name="service_units_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} x{self.units}"


class CaseDiagnosis(models.Model):
    """An ICD-10-CM diagnosis of the request, in the order sent: position 1 is the primary one.

    Codes are stored in their dotted form (``G89.29``); the format is checked, not the code's
    existence (there is no ICD-10 table in the product yet).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="diagnoses")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=8)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name_plural = "case diagnoses"
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="diagnosis_position_once"),
            models.UniqueConstraint(fields=["case", "code"], name="diagnosis_code_once"),
            models.CheckConstraint(condition=Q(position__gte=1), name="diagnosis_position_from_1"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$"),
                name="diagnosis_icd10_format",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_primary(self) -> bool:
        return self.position == 1


class FactOrigin(models.TextChoices):
    """Where a recorded fact came from (PRODUCT.md invariant 8): typed by a reviewer, accepted
    from a document page, or received from the provider over the API (the FHIR interface)."""

    TYPED = "typed", "Typed by a reviewer"
    DOCUMENT = "document", "Accepted from a document"
    API = "api", "Received from the provider over the API"
    TRIAL_CASE = "trial_case", "Carried over from the member's trial case"


class CaseFact(models.Model):
    """One clinical fact recorded for a case (value stored in JSON form: numbers as text)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="facts")
    fact = models.ForeignKey(Fact, on_delete=models.PROTECT, related_name="+")
    value = models.JSONField()
    # Database defaults too, so rows written outside the ORM (bulk loads) say "typed".
    origin = models.CharField(
        max_length=12,
        choices=FactOrigin.choices,
        default=FactOrigin.TYPED,
        db_default=FactOrigin.TYPED,
    )
    # Who or what it came from beyond the kind ("Example EHR, QuestionnaireResponse", "trial
    # case UM-2025-000008").
    origin_detail = models.CharField(max_length=200, blank=True, default="", db_default="")
    # The case's document (and pages) that shows the fact: applying the facts' proposal to a
    # criterion links it as that criterion's evidence.
    source_evidence = models.ForeignKey(
        "Evidence", on_delete=models.SET_NULL, null=True, blank=True, related_name="facts_shown"
    )
    source_pages = models.CharField(max_length=60, blank=True, default="", db_default="")
    revision = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "fact"], name="case_fact_once"),
        ]

    def __str__(self) -> str:
        return f"{self.fact.name}={self.value}"


class AnswerStatus(models.TextChoices):
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    NOT_DOCUMENTED = "not_documented", "Not documented"
    NOT_APPLICABLE = "not_applicable", "Not applicable"

    @property
    def engine_status(self) -> Status:
        """What the engine makes of this answer: "not documented" is unknown to it."""
        return Status.UNKNOWN if self is AnswerStatus.NOT_DOCUMENTED else Status(self.value)


# A criterion's status on a case page or in a determination, beyond the answer's own: excepted by
# a medical director (counts as met), or not answered yet.
EXCEPTED = "excepted"
UNANSWERED = "unanswered"


class AnswerOrigin(models.TextChoices):
    """How an answer was given (PRODUCT.md invariant 8): chosen by the reviewer, or the facts'
    proposal applied by the reviewer in one action (never applied without a person)."""

    TYPED = "typed", "Answered by the reviewer"
    PROPOSAL = "proposal", "Facts' proposal applied by the reviewer"


class Answer(models.Model):
    """The reviewer's status for one criterion of a case, with what the facts proposed.

    ``status`` is empty while the facts' proposal is not yet confirmed. A status that differs from
    the proposal carries the reviewer's reason (the override); both are kept.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=AnswerStatus.choices, blank=True)
    proposed_status = models.CharField(max_length=16, blank=True)
    override_reason = models.TextField(blank=True)
    note = models.TextField(blank=True)
    origin = models.CharField(
        max_length=12,
        choices=AnswerOrigin.choices,
        default=AnswerOrigin.TYPED,
        db_default=AnswerOrigin.TYPED,
    )
    revision = models.PositiveIntegerField(default=0)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "criterion"], name="answer_once_per_criterion"),
            models.CheckConstraint(
                condition=Q(status="") | Q(answered_by__isnull=False),
                name="answer_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.label}: {self.status or 'unanswered'}"

    @property
    def disagrees_with_facts(self) -> bool:
        """Answered differently from what the facts now propose, without a recorded reason."""
        return bool(
            self.status
            and self.status != AnswerStatus.NOT_DOCUMENTED
            and self.proposed_status
            and self.proposed_status != "unknown"
            and AnswerStatus(self.status).engine_status != self.proposed_status
            and not self.override_reason
        )


class CriterionException(models.Model):
    """A medical director's case-by-case decision to count a criterion as met, with rationale.

    An input to the case's evaluation, like the answers: the engine counts an excepted criterion
    as met. Granting and withdrawing are decisions' services (only a medical director may).
    """

    class Kind(models.TextChoices):
        POLICY_WAIVER = "policy_waiver", "Case-by-case waiver the policy provides for"
        DIRECTOR_DISCRETION = "director_discretion", "Medical director's exception"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="exceptions")
    criterion = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # For a policy waiver whose policy names its grounds (LHCC II.A.1: advanced disease, limited
    # survival, high procedural risk): the one the director found applies, as the key and the
    # label the library gives it (the letter prints the label).
    waiver_condition = models.CharField(max_length=40, blank=True)
    waiver_condition_label = models.CharField(max_length=200, blank=True)
    rationale = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The tables keep the names they had when exceptions lived in the decisions app (migration
    # cases.0005 moved the model without touching the data).
    history = HistoricalRecords(table_name="decisions_historicalcriterionexception")

    class Meta:
        db_table = "decisions_criterionexception"
        ordering = ["granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "criterion"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_active_exception_per_criterion",
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="exception_has_rationale"),
            # A director's own exception names no policy ground.
            models.CheckConstraint(
                condition=Q(kind="policy_waiver") | Q(waiver_condition=""),
                name="exception_condition_only_on_waiver",
            ),
        ]

    def __str__(self) -> str:
        return f"Exception for {self.criterion.label}"


class DocumentType(models.TextChoices):
    OFFICE_NOTE = "office_note", "Office note"
    IMAGING = "imaging", "Imaging report"
    PSYCHOLOGICAL_EVALUATION = "psych_evaluation", "Psychological evaluation"
    TRIAL_REPORT = "trial_report", "Trial report"
    PUMP_ANALYSIS = "pump_analysis", "Pump analysis report"
    THERAPY_RECORDS = "therapy_records", "Therapy records"
    EXTERNAL_REVIEW = "external_review", "External criteria review"
    OTHER = "other", "Other"


class Evidence(models.Model):
    """An uploaded clinical document. Private: served only through the case's evidence view."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(storage=private_storage, max_length=300)
    original_name = models.CharField(max_length=160)
    content_type = models.CharField(max_length=60)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    doc_type = models.CharField("document type", max_length=20, choices=DocumentType.choices)
    document_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=160, blank=True, help_text="Who sent or wrote it.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "sha256"], name="evidence_once_per_case"),
        ]

    def __str__(self) -> str:
        return self.original_name


class EvidenceLink(models.Model):
    """Evidence relied on for one criterion of a case, with page references."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence_links")
    criterion = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="links")
    pages = models.CharField(max_length=60, blank=True, help_text='e.g. "2" or "3-5, 8"')
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    linked_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "criterion", "evidence"], name="evidence_link_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evidence} p. {self.pages or '-'} for {self.criterion.label}"


class InformationRequest(models.Model):
    """What a pend asked the provider for, and when it was answered."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="information_requests")
    text = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    requested_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Information request of {self.requested_at:%Y-%m-%d}"


class EventKind(models.TextChoices):
    """What a timeline entry records. The one list of event kinds: a new kind is added here.

    Not declared as the field's ``choices``, so that adding a kind needs no migration; services
    pass an ``EventKind`` (typed, so mypy refuses a free string).
    """

    CREATED = "created", "Case opened"
    TRIAL_CASE_LINKED = "trial_case_linked", "Linked to the member's trial case"
    CLAIMED = "claimed", "Assigned"
    REASSIGNED = "reassigned", "Reassigned"
    MEMBER_NOTIFIED = "member_notified", "Member notice recorded"
    FACT_RECORDED = "fact_recorded", "Fact recorded"
    ANSWER_RECORDED = "answer_recorded", "Answer recorded"
    PROPOSAL_APPLIED = "proposal_applied", "Facts' proposal applied"
    EVIDENCE_UPLOADED = "evidence_uploaded", "Evidence uploaded"
    EVIDENCE_UPDATED = "evidence_updated", "Evidence details corrected"
    EVIDENCE_LINKED = "evidence_linked", "Evidence linked"
    EVIDENCE_UNLINKED = "evidence_unlinked", "Evidence unlinked"
    PENDED = "pended", "Pended for information"
    RESUMED = "resumed", "Review resumed"
    REFERRED = "referred", "Referred to a medical director"
    REFERRAL_RECALLED = "referral_recalled", "Referral recalled"
    EXCEPTION_GRANTED = "exception_granted", "Exception granted"
    EXCEPTION_WITHDRAWN = "exception_withdrawn", "Exception withdrawn"
    DECIDED = "decided", "Decided"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REOPENED = "reopened", "Reopened for correction"
    LETTER_SIGNED = "letter_signed", "Letter signed"
    EXTENSION_NOTICE_SIGNED = "extension_notice_signed", "Extension notice signed"
    MAIL_BATCH_PRINTED = "mail_batch_printed", "Letter printed for mail"
    LETTER_SENT = "letter_sent", "Letter sent"
    CLOSED = "closed", "Closed"
    REFUSED = "refused", "Refused attempt"
    CRITERIA_EDITION_UPGRADED = (
        "criteria_edition_upgraded",
        "Moved to a later edition of the criteria",
    )
    # Appeals (``reviewapp.appeals``): each event's ``after`` names the appeal.
    APPEAL_FILED = "appeal_filed", "Appeal filed"
    APPEAL_DOCUMENTS = "appeal_documents", "Appeal documents received"
    APPEAL_CLAIMED = "appeal_claimed", "Appeal assigned"
    APPEAL_EXPEDITE_DECLINED = "appeal_expedite_declined", "Expedited appeal declined"
    APPEAL_EXTENDED = "appeal_extended", "Appeal due time extended"
    APPEAL_ANSWER_RECORDED = "appeal_answer_recorded", "Appeal answer recorded"
    APPEAL_DECIDED = "appeal_decided", "Appeal decided"
    APPEAL_WITHDRAWN = "appeal_withdrawn", "Appeal withdrawn"
    APPEAL_FORWARDED = "appeal_forwarded", "Appeal forwarded for independent review"
    # The FHIR prior-authorization API (reviewapp/fhir): the client organisation is the actor.
    API_REQUEST_RECEIVED = "api_request_received", "Request received over the API"
    API_SUBMIT = "api_submit", "Submitted over the API"
    API_READ = "api_read", "Decision read over the API"
    API_INQUIRE = "api_inquire", "Decision inquired over the API"
    API_LETTER = "api_letter", "Letter downloaded over the API"
    API_SUBSCRIBE = "api_subscribe", "Subscribed over the API"
    API_NOTIFIED = "api_notified", "API client notified"
    # Documents read for the reviewer (the documents app) and the suggestions read from them.
    DOCUMENT_READ = "document_read", "Document read"
    DOCUMENT_NOT_READ = "document_not_read", "Document could not be read"
    DOCUMENT_READ_AGAIN = "document_read_again", "Document sent to be read again"
    SUGGESTION_ACCEPTED = "suggestion_accepted", "Suggestion accepted"
    SUGGESTION_DISMISSED = "suggestion_dismissed", "Suggestion dismissed"


class CaseEvent(models.Model):
    """The case timeline: an append-only record of every change, who made it, before and after.

    Rows are only ever inserted (by ``services.event_record``); the model refuses updates and
    deletes so that no code path can rewrite history.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    kind = models.CharField(max_length=40)
    summary = models.CharField(max_length=500)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "-at"], name="event_case_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.summary}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("Case events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Case events are append-only.")
