"""What the product read from a case's documents: the reading of each document (its progress),
the text of every page, and the facts it suggests (each waiting for a person's decision).

The original file is never changed: it stays on the ``Evidence`` record, with its SHA-256.
State changes live in ``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from criteria.models import Fact
from reviewapp.cases.models import Case, Evidence


class ReadingStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be read"
    READING = "reading", "Reading"
    DONE = "done", "Read"
    REFUSED = "refused", "Not read"  # the file is beyond the limits, or cannot be opened
    FAILED = "failed", "Reading failed"  # our side failed; it can be read again


class DocumentReading(models.Model):
    """The reading of one uploaded document, with its progress ("reading page 3 of 17")."""

    evidence = models.OneToOneField(Evidence, on_delete=models.CASCADE, related_name="reading")
    status = models.CharField(
        max_length=10, choices=ReadingStatus.choices, default=ReadingStatus.QUEUED
    )
    page_count = models.PositiveIntegerField(null=True, blank=True)
    pages_read = models.PositiveIntegerField(default=0)
    ocr_pages = models.PositiveIntegerField(default=0)
    unreadable_pages = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True, help_text="Why it was not read.")
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(page_count__isnull=True) | Q(pages_read__lte=F("page_count")),
                name="reading_pages_within_count",
            ),
            models.CheckConstraint(
                condition=Q(ocr_pages__lte=F("pages_read"))
                & Q(unreadable_pages__lte=F("pages_read")),
                name="reading_page_tallies_within_read",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evidence}: {self.progress}"

    @property
    def in_progress(self) -> bool:
        return self.status in (ReadingStatus.QUEUED, ReadingStatus.READING)

    @property
    def progress(self) -> str:
        if self.status == ReadingStatus.READING and self.page_count:
            current = min(self.pages_read + 1, self.page_count)
            return f"Reading page {current} of {self.page_count}"
        if self.status == ReadingStatus.READING:
            return "Opening the document"
        if self.status == ReadingStatus.DONE:
            pages = f"{self.page_count} page{'s' if self.page_count != 1 else ''}"
            parts = [f"Read {pages}"]
            if self.ocr_pages:
                parts.append(f"{self.ocr_pages} by OCR")
            if self.unreadable_pages:
                parts.append(f"{self.unreadable_pages} could not be read")
            return ", ".join(parts)
        if self.status in (ReadingStatus.REFUSED, ReadingStatus.FAILED):
            return f"{self.get_status_display()}: {self.message}"
        return self.get_status_display()


class PageMethod(models.TextChoices):
    TEXT = "text", "Text layer"
    OCR = "ocr", "OCR"
    NONE = "none", "Not read"


class PageStatus(models.TextChoices):
    READ = "read", "Read"
    EMPTY = "empty", "Blank"
    UNREADABLE = "unreadable", "Could not be read"


class PageText(models.Model):
    """The text of one page of a document, as read (PostgreSQL indexes it for search)."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="page_texts")
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    method = models.CharField(max_length=6, choices=PageMethod.choices)
    status = models.CharField(max_length=12, choices=PageStatus.choices)
    note = models.CharField(max_length=200, blank=True, help_text="Why it could not be read.")

    class Meta:
        ordering = ["evidence_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["evidence", "number"], name="page_text_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="page_text_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.evidence} p. {self.number}"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", "Awaiting review"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"


class Suggestion(models.Model):
    """A fact value read from a document page, with the sentence it was read from. It becomes a
    fact only when a person accepts it (PRODUCT.md invariant 8)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suggestions")
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="suggestions")
    fact = models.ForeignKey(Fact, on_delete=models.PROTECT, related_name="+")
    value = models.JSONField(help_text="In the fact dictionary's JSON form.")
    value_key = models.CharField(max_length=100, help_text="The value as text, for uniqueness.")
    page = models.PositiveIntegerField()
    quote = models.TextField()
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["evidence_id", "page", "id"]
        indexes = [models.Index(fields=["case", "status"], name="suggestion_case_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["evidence", "fact", "value_key"], name="suggestion_once_per_document"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=SuggestionStatus.PENDING, decided_by__isnull=True)
                    | (~Q(status=SuggestionStatus.PENDING) & Q(decided_by__isnull=False))
                ),
                name="suggestion_decided_by_a_person",
            ),
            models.CheckConstraint(condition=Q(page__gte=1), name="suggestion_page_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.fact_id}={self.value} ({self.evidence} p. {self.page})"
