"""What determination letters need beyond the determination itself: the appeal-rights text.

The letter's content comes from the determination's snapshots; the signed PDF and its SHA-256 are
stored on the determination (``Determination.letter_pdf`` / ``letter_sha256``). The appeal-rights
block depends on the member's line of business and is the one part of the letter an administrator
edits, in the admin, within the rules of each programme.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from reviewapp.cases.models import LineOfBusiness

PLACEHOLDERS = ("{organisation_name}", "{organisation_phone}", "{organisation_address}")


class AppealRightsText(models.Model):
    """The appeal-rights block printed on adverse letters, one per line of business."""

    line_of_business = models.CharField(max_length=20, choices=LineOfBusiness.choices, unique=True)
    title = models.CharField(max_length=120, help_text="The heading of the block on the letter.")
    body = models.TextField(
        help_text="Plain, member-facing words. A blank line starts a new paragraph; lines that "
        'start with "- " form a list. {organisation_name}, {organisation_phone} and '
        "{organisation_address} are replaced with the letterhead's values. Spell out every "
        "abbreviation."
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["line_of_business"]
        verbose_name = "appeal rights text"
        verbose_name_plural = "appeal rights texts"
        constraints = [
            models.CheckConstraint(condition=~models.Q(body=""), name="appeal_rights_has_body"),
        ]

    def __str__(self) -> str:
        return f"Appeal rights: {self.get_line_of_business_display()}"
