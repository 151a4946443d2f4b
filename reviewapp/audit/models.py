"""The access log: every read of member data, who read it, from where, and when.

Kept apart from the case timeline (which records changes to a case): a read changes nothing, and
the people who review reads (administrators, UM managers, compliance) are not the people who work
cases. Rows are only inserted (``services.access_record``); the model refuses updates and deletes,
and the database refuses updates (and on PostgreSQL deletes of rows younger than the retention
floor). Everything needed to read a row is copied into it (username, roles, case reference,
member ID), so the log stands on its own.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class AccessKind(models.TextChoices):
    CASE = "case", "Case page"
    TIMELINE = "timeline", "Case timeline"
    EVIDENCE = "evidence", "Evidence document"
    LETTER = "letter", "Determination letter"
    DIRECTOR_REVIEW = "director_review", "Medical director review"
    CASE_LIST = "case_list", "Case list"
    SEARCH = "search", "Search"
    ACCESS_LOG = "access_log", "Access log"
    API = "api", "API read"


class AccessEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(max_length=150)
    roles = models.CharField(max_length=200, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=AccessKind.choices)
    # The case read (by its id, reference and member), without a foreign key: the log does not
    # depend on the cases app, and a row outlives anything it names.
    case_pk = models.BigIntegerField(null=True, blank=True)
    case_reference = models.CharField(max_length=32, blank=True)
    member_id = models.CharField(max_length=64, blank=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_pk = models.BigIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    terms = models.CharField(max_length=500, blank=True)
    result_count = models.IntegerField(null=True, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    view_name = models.CharField(max_length=100, blank=True)
    status = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case_pk", "-at"], name="access_case_at"),
            models.Index(fields=["member_id", "-at"], name="access_member_at"),
            models.Index(fields=["user", "-at"], name="access_user_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__gte=100, status__lt=600), name="access_status_http"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_kind_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The access log is append-only.")

    @property
    def refused(self) -> bool:
        return self.status >= 400
