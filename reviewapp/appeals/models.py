"""Appeals: the member, the provider or a representative asks the plan to look again at an
adverse determination; a physician who had no part in it decides, on the appeal's own clock, in
the appeal's own record, and a signed appeal decision letter ends it.

- ``AppealClockRule``: per line of business and priority, the time to decide, the filing limit
  and the extension each allows (administrators edit them in the admin, with their history).
- ``AppealReviewerRule``: per line of business (and indication), the specialties an appeal
  reviewer must have.
- ``Appeal``: the request as received, its clock, who reviews it, and what was decided. An
  overturn's new determination (``new_determination``) supersedes the one appealed; the appeal's
  signed letter is a ``letters.Letter``.
- ``AppealDocument``: the documents that came with the appeal (stored as the case's evidence).
- ``AppealAnswer``: the appeal reviewer's own answer for a criterion; the case's answers and the
  determination appealed are never changed.
- ``IndependentReview``: Medicare Advantage only: the case file forwarded to the independent
  review entity when the plan does not overturn in full.

State changes live in ``services.py``; these models hold fields, constraints and small properties.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from criteria.models import Node
from reviewapp.cases.models import Case, Evidence, LineOfBusiness, Priority
from reviewapp.core.storage import private_storage
from reviewapp.decisions.models import Determination
from reviewapp.letters.models import Letter


class AppealStatus(models.TextChoices):
    OPEN = "open", "Open"
    DECIDED = "decided", "Decided"
    WITHDRAWN = "withdrawn", "Withdrawn"


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    OVERTURNED = "overturned", "Overturned"
    PARTIALLY_OVERTURNED = "partially_overturned", "Partially overturned"


OVERTURNING = (AppealOutcome.OVERTURNED, AppealOutcome.PARTIALLY_OVERTURNED)


class Requester(models.TextChoices):
    MEMBER = "member", "The member"
    PROVIDER = "provider", "The requesting provider"
    REPRESENTATIVE = "representative", "An authorised representative"


class ReceivedVia(models.TextChoices):
    PHONE = "phone", "Phone"
    MAIL = "mail", "Mail"
    FAX = "fax", "Fax"
    PORTAL = "portal", "Provider portal"


class ExtensionAsker(models.TextChoices):
    MEMBER = "member", "The member asked for more time"
    PLAN = "plan", "The plan needs more information, in the member's interest"


class AppealAnswerStatus(models.TextChoices):
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    NOT_DOCUMENTED = "not_documented", "Not documented"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    EXCEPTED = "excepted", "Met by exception"


class AppealClockRule(models.Model):
    """How long an appeal may take, per line of business and priority, how long after the notice
    a member may file it, and the extension the line of business allows (set by administrators).

    Defaults (migration 0001): Medicaid 30 days / 72 hours, +14 days when the member asks or the
    plan needs information in the member's interest (42 CFR 438.408(b)(2)-(3), (c)), filed within
    60 days of the notice (438.402(c)(2)(ii)); Medicare Advantage pre-service reconsideration
    30 days / 72 hours, +14 days (422.590(a), (e), (f)), 65 days (CMS-10003); commercial
    pre-service 30 days / 72 hours, no extension (29 CFR 2560.503-1(i)(2)), 180 days
    ((h)(3)(i)).
    """

    line_of_business = models.CharField(max_length=20, choices=LineOfBusiness.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices)
    hours = models.PositiveIntegerField(
        help_text="Hours from receipt of the appeal to the decision's notice."
    )
    filing_limit_days = models.PositiveIntegerField(
        help_text="Days from the date of the determination's notice within which an appeal is "
        "on time (a later one is recorded as late, with the member's good cause)."
    )
    extension_hours = models.PositiveIntegerField(
        default=0,
        help_text="Hours an extension adds to the due time, once per appeal (0: no extension).",
    )
    extension_on_member_request = models.BooleanField(
        default=False, help_text="The member (or their representative) may ask for the extension."
    )
    extension_on_plan_request = models.BooleanField(
        default=False,
        help_text="The plan may extend when it needs more information and the delay is in the "
        "member's interest.",
    )
    extension_notice_days = models.PositiveSmallIntegerField(
        default=2,
        help_text="Days within which the member must get written notice of an extension the plan "
        "started (or of an expedited request moved to the standard clock).",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["line_of_business", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["line_of_business", "priority"], name="appeal_clock_rule_unique"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="appeal_clock_hours_positive"),
            models.CheckConstraint(
                condition=Q(filing_limit_days__gt=0), name="appeal_clock_filing_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(extension_hours=0)
                | Q(extension_on_member_request=True)
                | Q(extension_on_plan_request=True),
                name="appeal_clock_extension_has_grounds",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Appeals, {self.get_line_of_business_display()}, {self.get_priority_display()}: "
            f"{describe_hours(self.hours)}"
        )

    def describe(self) -> str:
        return describe_hours(self.hours)

    @property
    def allows_extension(self) -> bool:
        return self.extension_hours > 0

    def describe_extension(self) -> str:
        if not self.allows_extension:
            return "No extension."
        grounds = []
        if self.extension_on_member_request:
            grounds.append("the member asks")
        if self.extension_on_plan_request:
            grounds.append("the plan needs information in the member's interest")
        return (
            f"Once, by {describe_hours(self.extension_hours)}, when "
            + " or ".join(grounds)
            + (
                f"; a plan-started extension is told to the member in writing within "
                f"{self.extension_notice_days} days."
                if self.extension_on_plan_request
                else "."
            )
        )


def describe_hours(hours: int) -> str:
    if hours % 24 == 0 and hours > 72:
        days = hours // 24
        return f"{days} calendar day{'s' if days != 1 else ''}"
    return f"{hours} hours"


class AppealReviewerRule(models.Model):
    """The specialties an appeal reviewer must have, per line of business and, optionally, per
    indication (the rule for the case's indication wins over the one for every indication).

    A medical-necessity appeal goes to a physician in a field fit for the case: Medicaid, the
    expertise the State deems fit (42 CFR 438.406(b)(2)(iii)); Medicare Advantage, a fitting field
    though not the same specialty (422.590(h)); ERISA, a health professional with training and
    experience in the field (29 CFR 2560.503-1(h)(3)(iii)).
    """

    line_of_business = models.CharField(max_length=20, choices=LineOfBusiness.choices)
    indication = models.CharField(
        max_length=30,
        blank=True,
        help_text="Blank: every indication (a rule for the case's own indication wins).",
    )
    specialties = models.TextField(
        help_text="One specialty per line. A reviewer qualifies when the specialty on their staff "
        'profile names one of them (e.g. "Pain Medicine" matches "Anesthesiology and Pain '
        'Medicine").'
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["line_of_business", "indication"]
        constraints = [
            models.UniqueConstraint(
                fields=["line_of_business", "indication"], name="appeal_reviewer_rule_unique"
            ),
            models.CheckConstraint(
                condition=~Q(specialties=""), name="appeal_reviewer_rule_has_specialties"
            ),
        ]

    def __str__(self) -> str:
        scope = self.indication.replace("_", " ") if self.indication else "every indication"
        return f"Appeal reviewers, {self.get_line_of_business_display()}, {scope}"

    @property
    def specialty_list(self) -> list[str]:
        return [line.strip() for line in self.specialties.splitlines() if line.strip()]

    def admits(self, specialty: str) -> bool:
        held = " ".join(specialty.casefold().split())
        return bool(held) and any(
            " ".join(wanted.casefold().split()) in held for wanted in self.specialty_list
        )


class Appeal(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="appeals")
    determination = models.ForeignKey(
        Determination,
        on_delete=models.PROTECT,
        related_name="appeals",
        help_text="The adverse determination appealed.",
    )
    status = models.CharField(max_length=10, choices=AppealStatus.choices, default="open")

    # The request, as received.
    requester = models.CharField(max_length=20, choices=Requester.choices)
    requester_name = models.CharField("who asked", max_length=160)
    representative_relationship = models.CharField(
        max_length=120, blank=True, help_text="A representative's relation to the member."
    )
    representative_authorized = models.BooleanField(
        "member's written authorization on file",
        default=False,
        help_text="A representative (or a provider appealing for the member) acts with the "
        "member's written authorization.",
    )
    received_via = models.CharField("how received", max_length=10, choices=ReceivedVia.choices)
    received_at = models.DateTimeField("appeal received")
    request_summary = models.TextField("what is asked")

    # The clock.
    expedited_requested = models.BooleanField(default=False)
    provider_supports_expedited = models.BooleanField(
        "provider says waiting could seriously harm the member's health", default=False
    )
    priority = models.CharField(max_length=10, choices=Priority.choices)
    due_at = models.DateTimeField()
    notice_date = models.DateField(
        help_text="The date of the determination's notice the filing limit counts from."
    )
    filing_deadline = models.DateField()
    filed_late = models.BooleanField(default=False)
    good_cause = models.TextField(blank=True)
    # An expedited request the plan declined: moved to the standard clock, the member told.
    expedite_declined_at = models.DateTimeField(null=True, blank=True)
    expedite_declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expedite_decline_reason = models.TextField(blank=True)
    expedite_decline_member_told = models.CharField(max_length=300, blank=True)
    # The one extension the rule may allow.
    extended_at = models.DateTimeField(null=True, blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    extension_asked_by = models.CharField(max_length=10, choices=ExtensionAsker.choices, blank=True)
    extension_reason = models.TextField(blank=True)
    extension_member_told = models.CharField(max_length=300, blank=True)

    # Who reviews it, and what was decided.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals_reviewing",
    )
    outcome = models.CharField(max_length=24, choices=AppealOutcome.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decider_name = models.CharField(max_length=120, blank=True)
    decider_credentials = models.CharField(max_length=60, blank=True)
    decider_specialty = models.CharField(max_length=120, blank=True)
    # {code: "approve" | "deny"} for each code the determination appealed did not approve.
    code_decisions = models.JSONField(default=dict, blank=True)
    # As a determination's: one reason per criterion still not met and not excepted, worded by
    # the reviewer; the explanation the member reads; the internal rationale (never printed).
    reason_items = models.JSONField(default=list, blank=True)
    explanation = models.TextField(blank=True)
    rationale = models.TextField(blank=True)
    # The checklist as the appeal left it (the determination's snapshot shape, with the appeal's
    # answers over the original ones).
    criteria_snapshot = models.JSONField(default=list, blank=True)
    new_determination = models.OneToOneField(
        Determination,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="made_on_appeal",
        help_text="On an overturn: the determination that supersedes the one appealed.",
    )
    letter = models.OneToOneField(
        Letter, on_delete=models.PROTECT, null=True, blank=True, related_name="appeal"
    )
    withdrawn_reason = models.TextField(blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at", "id"], name="appeal_status_due")]
        constraints = [
            # One appeal per determination at the plan's level (a withdrawn one may be filed
            # again); the next level is outside the plan (a fair hearing, the IRE, an external
            # review).
            models.UniqueConstraint(
                fields=["determination"],
                condition=~Q(status="withdrawn"),
                name="appeal_once_per_determination",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gt=models.F("received_at")), name="appeal_due_after_received"
            ),
            models.CheckConstraint(
                condition=Q(status="decided", decided_at__isnull=False) & ~Q(outcome="")
                | ~Q(status="decided") & Q(outcome=""),
                name="appeal_decided_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(filed_late=False) | ~Q(good_cause=""),
                name="appeal_late_has_good_cause",
            ),
            models.CheckConstraint(
                condition=Q(new_determination__isnull=True)
                | Q(outcome__in=["overturned", "partially_overturned"]),
                name="appeal_new_determination_only_on_overturn",
            ),
            models.CheckConstraint(
                condition=Q(priority__in=["standard", "expedited"]), name="appeal_priority_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == AppealStatus.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()

    @property
    def time_remaining(self) -> dt.timedelta:
        return self.due_at - timezone.now()

    @property
    def is_signed(self) -> bool:
        return self.letter_id is not None


class AppealDocument(models.Model):
    """A document that came with the appeal (or later, while it was open). The file is the
    case's evidence (private, checked, with its SHA-256); this says it belongs to the appeal."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="documents")
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "evidence"], name="appeal_document_once"),
        ]

    def __str__(self) -> str:
        return f"{self.evidence} for {self.appeal}"


class AppealAnswer(models.Model):
    """The appeal reviewer's status for one criterion, in the appeal's own record; the case's
    answer and the determination appealed stay as they were."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="answers")
    criterion = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=AppealAnswerStatus.choices)
    note = models.TextField(help_text="What the appeal showed (for an exception: the rationale).")
    evidence = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pages = models.CharField(max_length=60, blank=True)
    revision = models.PositiveIntegerField(default=1)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    answered_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appeal", "criterion"], name="appeal_answer_once_per_criterion"
            ),
            models.CheckConstraint(condition=~Q(note=""), name="appeal_answer_has_note"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal}: {self.criterion.label} {self.status}"


class IndependentReview(models.Model):
    """Medicare Advantage: a reconsideration the plan does not overturn in full goes, without the
    member asking, to the independent review entity, with the plan's explanation and the case
    file, by the end of the appeal's clock (an expedited one within 24 hours of the decision):
    42 CFR 422.590(a)(2), (e)(5), 422.592. The case file is exported as one PDF; the forwarding
    (when, by whom, the entity's confirmation) is recorded."""

    appeal = models.OneToOneField(Appeal, on_delete=models.PROTECT, related_name="ire")
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    case_file = models.FileField(storage=private_storage, max_length=300, blank=True)
    case_file_sha256 = models.CharField(max_length=64, blank=True)
    case_file_pages = models.PositiveIntegerField(null=True, blank=True)
    prepared_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmation = models.CharField(
        max_length=120, blank=True, help_text="The independent review entity's receipt number."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = "independent review forwarding"
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True, sent_by__isnull=True)
                | Q(sent_at__isnull=False, sent_by__isnull=False) & ~Q(case_file_sha256=""),
                name="independent_review_sent_with_file",
            ),
            models.CheckConstraint(
                condition=Q(prepared_at__isnull=True) | ~Q(case_file_sha256=""),
                name="independent_review_prepared_has_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"Independent review of {self.appeal}"

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None
