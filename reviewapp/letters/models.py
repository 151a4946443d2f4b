"""Letters as issued and delivered, and what a plan sets per state.

- ``StateNoticeSettings``: per state, the contacts and limits letters print (the Medicaid fair
  hearing agency, consumer assistance, Medicare counselling) and the 15 tagline languages.
  Administrators edit them in the admin, with their history kept.
- ``Letter``: one issued letter (a determination letter, an extension notice, an appeal
  decision letter), signed once and stored privately with its SHA-256. Its bytes never change.
- ``Delivery``: one recipient's copy of a letter (the member, the requesting provider) and how it
  reached them: channel, queued, sent at, by whom. The member's delivery being sent is the notice:
  the turnaround clock stops there, not at signing.
- ``MailBatch``: the letters printed together for mail, with an address page for window envelopes
  before each, and when the batch went out.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from reviewapp.core.storage import private_storage


class StateNoticeSettings(models.Model):
    """What letters print for members in one state. Demo values must be confirmed by the plan's
    compliance officer before use."""

    state = models.CharField(
        max_length=2, unique=True, help_text="Two-letter postal code, e.g. LA."
    )
    state_name = models.CharField(max_length=60)
    # Medicaid: 42 CFR 438.408(f) (the state sets the limit, at most 120 days).
    fair_hearing_agency = models.CharField(
        "fair hearing agency", max_length=200, help_text="Who holds Medicaid state fair hearings."
    )
    fair_hearing_address = models.CharField(max_length=300)
    fair_hearing_phone = models.CharField(max_length=60)
    fair_hearing_days = models.PositiveSmallIntegerField(
        default=120,
        help_text="Days after the plan's appeal decision to ask for a fair hearing (90-120).",
    )
    medicaid_agency = models.CharField(
        max_length=200, help_text="The state Medicaid agency (named to members with Medicare too)."
    )
    medicaid_agency_phone = models.CharField(max_length=60)
    # Commercial plans: 45 CFR 147.136(b)(2)(ii)(E), the consumer assistance contact.
    consumer_assistance_name = models.CharField(max_length=200)
    consumer_assistance_phone = models.CharField(max_length=60)
    # Medicare Advantage: the state's free Medicare counselling programme (CMS-10003).
    medicare_counseling_name = models.CharField(max_length=200)
    medicare_counseling_phone = models.CharField(max_length=60)
    # Section 1557, 45 CFR 92.11: the 15 languages most spoken by people with limited English.
    tagline_languages = models.JSONField(
        default=list,
        help_text="Language codes, most spoken first (e.g. es, vi, zh-Hant); at least 15.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["state"]
        verbose_name = "state notice settings"
        verbose_name_plural = "state notice settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(state__regex=r"^[A-Z]{2}$"), name="state_notice_state_code"
            ),
            models.CheckConstraint(
                condition=Q(fair_hearing_days__gte=1) & Q(fair_hearing_days__lte=120),
                name="state_notice_fair_hearing_days",
            ),
        ]

    def __str__(self) -> str:
        return f"Letters for members in {self.state_name} ({self.state})"


class Letter(models.Model):
    """One issued letter: rendered, signed once, stored. Never changed after signing."""

    class Kind(models.TextChoices):
        DETERMINATION = "determination", "Determination letter"
        EXTENSION = "extension", "Extension notice"
        APPEAL_DECISION = "appeal_decision", "Appeal decision letter"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    determination = models.OneToOneField(
        "decisions.Determination",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letter",
    )
    language = models.CharField(max_length=8, default="en")
    large_print = models.BooleanField(default=False)
    # What an extension notice was built from (reason, new due time, information wanted...):
    # a letter is rebuilt from its own record, never from the live case.
    details = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(storage=private_storage, max_length=300)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    signed_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(max_length=200)

    class Meta:
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="determination") | Q(determination__isnull=False),
                name="letter_determination_has_determination",
            ),
            models.CheckConstraint(condition=~Q(sha256=""), name="letter_has_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} for {self.case.reference}"


class MailBatch(models.Model):
    """Letters printed together for mail: one PDF, an address page before each letter."""

    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    pdf = models.FileField(storage=private_storage, max_length=300)
    sha256 = models.CharField(max_length=64)
    page_count = models.PositiveIntegerField()
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "mail batches"
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True, sent_by__isnull=True)
                | Q(sent_at__isnull=False, sent_by__isnull=False),
                name="mail_batch_sent_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return f"Mail batch {self.pk} of {self.created_at:%Y-%m-%d %H:%M}"


class Delivery(models.Model):
    """One recipient's copy of a letter, and how and when it was sent."""

    class Recipient(models.TextChoices):
        MEMBER = "member", "Member"
        PROVIDER = "provider", "Requesting provider"

    class Channel(models.TextChoices):
        MAIL = "mail", "Mail"
        FAX = "fax", "Fax"
        PORTAL = "portal", "Provider portal"

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="deliveries")
    recipient = models.CharField(max_length=10, choices=Recipient.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    name = models.CharField(max_length=160)
    address_lines = models.JSONField(default=list, blank=True)
    fax = models.CharField(max_length=20, blank=True)
    queued_at = models.DateTimeField()
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        MailBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["letter", "recipient"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "recipient"], name="delivery_once_per_recipient"
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True, sent_by__isnull=True)
                | Q(sent_at__isnull=False, sent_by__isnull=False),
                name="delivery_sent_by_whom",
            ),
            models.CheckConstraint(
                condition=~Q(channel="fax") | ~Q(fax=""), name="delivery_fax_has_number"
            ),
            models.CheckConstraint(
                condition=~Q(recipient="member") | ~Q(channel="fax"),
                name="delivery_member_not_by_fax",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_recipient_display()} copy of {self.letter} by {self.channel}"

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None
