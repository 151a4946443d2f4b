"""The policy library in the database: loaded from criteria/library/*.yaml, never edited here.

Policy -> version -> edition -> checklist (indication x stage) -> a tree of nodes (groups,
criteria and inclusions of another checklist). A version is the payer's dated document; an edition
is one reviewed encoding of it in our library. Editions are immutable once loaded: correcting the
encoding adds a new edition of the same version, and a case keeps the checklist (and so the
edition) it was opened on until it is moved on deliberately. Cases point at nodes.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q

from .vocabulary import INDICATIONS, STAGES


class Fact(models.Model):
    """An entry of the clinical fact dictionary (criteria/library/facts.yaml)."""

    class Type(models.TextChoices):
        INTEGER = "integer"
        DECIMAL = "decimal"
        BOOLEAN = "boolean"
        CHOICE = "choice"
        DATE = "date"

    name = models.SlugField(max_length=60, unique=True)
    type = models.CharField(max_length=10, choices=Type.choices)
    label = models.CharField(max_length=200)
    unit = models.CharField(max_length=20, blank=True)
    help = models.TextField(blank=True)
    choices = models.JSONField(default=list, blank=True)  # [[value, label], ...]
    minimum = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    maximum = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    document = models.CharField(
        max_length=200, blank=True, help_text="The document that would settle the fact."
    )
    # A retired fact is kept so that values recorded under it stay readable; current criteria do
    # not read it, and replaced_by names the facts that say what it meant.
    retired = models.BooleanField(default=False)
    replaced_by = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.label


class Policy(models.Model):
    key = models.SlugField(max_length=60, unique=True)
    payer = models.CharField(max_length=120)
    number = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    # The lines of business the payer offers the policy under (criteria/library/policies.yaml);
    # empty: not stated, any line of business.
    lines_of_business = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["payer", "number"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return f"{self.payer} {self.number}: {self.title}"


class PolicyVersion(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    label = models.CharField(max_length=40)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    next_review = models.CharField(max_length=40, blank=True)
    # The last day the payer's own "next review" statement allows (None: the source states none).
    review_due = models.DateField(null=True, blank=True)
    approved_on = models.DateField(null=True, blank=True)
    source_document = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    # The current edition (number, file, hash); every edition is kept in VersionEdition.
    edition = models.PositiveIntegerField(default=1)
    file_name = models.CharField(max_length=200)
    content_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "label"], name="version_label_unique"),
            models.UniqueConstraint(
                fields=["policy", "effective_from"], name="version_effective_from_unique"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="version_effective_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.number} version {self.label}"

    def review_overdue_on(self, day: dt.date) -> bool:
        """Past the next review date the source states, and not replaced by then: the payer may
        have published a newer version we do not have."""
        return bool(
            self.review_due
            and day > self.review_due
            and (self.effective_to is None or self.effective_to >= day)
        )


class VersionEdition(models.Model):
    """One edition of our encoding of a policy version, as loaded from its library file."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="editions")
    number = models.PositiveIntegerField()
    changes = models.TextField(blank=True, help_text="What this edition changed, and why.")
    notes = models.TextField(blank=True)
    file_name = models.CharField(max_length=200)
    content_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="edition_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="edition_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.version} edition {self.number}"


class Checklist(models.Model):
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="checklists")
    edition = models.ForeignKey(VersionEdition, on_delete=models.PROTECT, related_name="checklists")
    key = models.SlugField(max_length=60)
    indication = models.CharField(max_length=30, choices=list(INDICATIONS.items()))
    stage = models.CharField(max_length=20, choices=list(STAGES.items()))
    title = models.CharField(max_length=200)
    external = models.CharField(max_length=200, blank=True)
    guidance = models.TextField(blank=True)
    documents_to_request = models.JSONField(default=list, blank=True)
    # [{outcome, reason, citation, external, when}] as written in the library file.
    routes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["version", "indication", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "key"], name="checklist_key_unique"),
            models.UniqueConstraint(
                fields=["edition", "indication", "stage"], name="checklist_indication_stage_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Node(models.Model):
    """One node of a checklist tree: a group, a criterion, or the inclusion of another checklist."""

    class Kind(models.TextChoices):
        ALL = "all", "ALL of"
        ANY = "any", "ANY of"
        ONE = "one", "ONE of"
        N_OF = "n_of", "AT LEAST N of"
        INCLUDE = "include", "Includes checklist"
        CRITERION = "criterion", "Criterion"

    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="nodes")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    position = models.PositiveIntegerField(help_text="Depth-first order within the checklist.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    label = models.CharField(max_length=40, blank=True)
    text = models.TextField(blank=True)
    n = models.PositiveSmallIntegerField(null=True, blank=True)
    included = models.ForeignKey(
        Checklist, on_delete=models.PROTECT, null=True, blank=True, related_name="included_by"
    )
    # Criteria only:
    member_reason = models.TextField(blank=True)
    citation = models.CharField(max_length=200, blank=True)
    met_when = models.JSONField(null=True, blank=True)
    applies_when = models.JSONField(null=True, blank=True)
    facts = models.JSONField(default=list, blank=True)
    requires_documentation = models.BooleanField(default=False)
    waivable = models.BooleanField(default=False)
    waiver_conditions = models.TextField(blank=True)
    waiver_applies_when = models.JSONField(null=True, blank=True)
    waiver_options = models.JSONField(default=list, blank=True)  # [[key, label], ...]
    documentation_only = models.BooleanField(default=False)
    guidance = models.TextField(blank=True)

    class Meta:
        ordering = ["checklist", "position"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "position"], name="node_position_unique"),
            models.UniqueConstraint(
                fields=["checklist", "label"],
                condition=Q(kind="criterion"),
                name="node_criterion_label_unique",
            ),
            models.CheckConstraint(
                condition=~Q(kind="include") | Q(included__isnull=False),
                name="node_include_has_checklist",
            ),
            models.CheckConstraint(
                condition=~Q(kind="criterion") | Q(met_when__isnull=False),
                name="node_criterion_has_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.text[:60]}".strip()


class LibraryRevision(models.Model):
    """One row: a number that moves on whenever a load changes the library (a new version, a new
    or changed fact). Every app server keys its cached engine objects on it, so a version loaded
    through one server is seen by all of them (``selectors``)."""

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="library_revision_single_row"),
        ]

    def __str__(self) -> str:
        return f"Library revision {self.number}"
