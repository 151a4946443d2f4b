"""Inter-rater reliability studies: do reviewers apply the criteria the same way?

A UM manager draws a sample of closed cases (by policy, original reviewer and decision period),
and assigns each case to other reviewers, who answer its checklist again without seeing the
original answers. Their answers are compared with a reference: the original reviewer's answers
as they stood when the sample was drawn, or reference answers a manager records. NCQA expects a
plan to test the consistency of its criteria's application at least once a year; each study is
kept, with its sample, its assignments and every answer.

The dashboard, productivity and the CMS-0057-F metrics are reads of the cases, determinations
and appeals (``selectors``); they have no tables of their own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from criteria.models import Node, Policy
from reviewapp.cases.models import AnswerStatus, Case


class IrrReference(models.TextChoices):
    ORIGINAL = "original", "The original reviewer's answers"
    MANAGER = "manager", "Reference answers recorded by a manager"


class IrrStudy(models.Model):
    """One study: what was sampled, how, against which reference; open until closed."""

    title = models.CharField(max_length=120)
    reference = models.CharField(
        max_length=10, choices=IrrReference.choices, default=IrrReference.ORIGINAL
    )
    # The sample as asked for (kept so the study says what it covered).
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    original_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Only cases this reviewer worked (blank: any reviewer).",
    )
    decided_from = models.DateField()
    decided_to = models.DateField()
    sample_size = models.PositiveSmallIntegerField()
    reviewers_per_case = models.PositiveSmallIntegerField(default=1)
    # The random draw is reproducible: the same candidates and seed give the same sample.
    seed = models.PositiveIntegerField()
    candidates = models.PositiveIntegerField(help_text="Closed cases that matched the sample.")
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "inter-rater reliability study"
        verbose_name_plural = "inter-rater reliability studies"
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_to__gte=F("decided_from")), name="irr_study_period_order"
            ),
            models.CheckConstraint(condition=Q(sample_size__gte=1), name="irr_study_sample_size"),
            models.CheckConstraint(
                condition=Q(reviewers_per_case__gte=1), name="irr_study_reviewers_per_case"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, closed_by__isnull=True)
                | Q(closed_at__isnull=False, closed_by__isnull=False),
                name="irr_study_closed_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class IrrStudyCase(models.Model):
    """A sampled case, with the original answers as they stood when it was drawn and, when the
    study compares with a manager's reference, the reference answers."""

    study = models.ForeignKey(IrrStudy, on_delete=models.PROTECT, related_name="cases")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    original_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # {criterion node id (as text): answer status}, criteria answered on the case only.
    original_answers = models.JSONField(default=dict)
    reference_answers = models.JSONField(default=dict, blank=True)
    reference_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reference_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["study", "position"]
        constraints = [
            models.UniqueConstraint(fields=["study", "case"], name="irr_case_once_per_study"),
            models.UniqueConstraint(fields=["study", "position"], name="irr_case_position"),
        ]

    def __str__(self) -> str:
        return f"Case {self.position} of {self.study}"


class IrrAssignment(models.Model):
    """One reviewer's blind re-review of one sampled case."""

    study_case = models.ForeignKey(
        IrrStudyCase, on_delete=models.PROTECT, related_name="assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="irr_assignments"
    )
    assigned_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["study_case__position", "reviewer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["study_case", "reviewer"], name="irr_assignment_once_per_reviewer"
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "submitted_at"], name="irr_reviewer_open")]

    def __str__(self) -> str:
        return f"{self.study_case} for reviewer {self.reviewer_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class IrrAnswer(models.Model):
    """A reviewer's status for one criterion in a blind re-review. Written once, on submit."""

    assignment = models.ForeignKey(IrrAssignment, on_delete=models.PROTECT, related_name="answers")
    criterion = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=AnswerStatus.choices)

    class Meta:
        ordering = ["assignment", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"], name="irr_answer_once_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AnswerStatus.values), name="irr_answer_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.status}"
