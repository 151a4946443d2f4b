"""Determinations, the authorizations approvals grant, and peer-to-peer offers.

A determination records who decided what, when and why, with the criteria statuses as they stood.
Once signed (its letter issued) it never changes: a correction reopens the case and a new
determination supersedes it, and the old one stays readable.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from reviewapp.cases.models import Case
from reviewapp.core.storage import private_storage


class NoticeChannel(models.TextChoices):
    """How a member's notice of a withdrawal is sent (recorded in the case timeline)."""

    MAIL = "mail", "Letter by post"
    PORTAL = "portal", "Secure message in the member portal"
    PHONE_AND_MAIL = "phone_and_mail", "Telephone call, confirmed by letter"


class Outcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    APPROVED_BY_EXCEPTION = "approved_exception", "Approved by exception"
    PARTIALLY_APPROVED = "partially_approved", "Partially approved"
    DENIED = "denied", "Denied"
    WITHDRAWN = "withdrawn", "Withdrawn"


ADVERSE_OUTCOMES = (Outcome.PARTIALLY_APPROVED, Outcome.DENIED)


class Determination(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="determinations")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    decider_name = models.CharField(max_length=120)
    decider_credentials = models.CharField(max_length=60, blank=True)
    decider_role = models.CharField(max_length=40)
    decided_at = models.DateTimeField()
    reasons = models.TextField(
        blank=True,
        help_text="The specific reasons for anything not fully approved, as one text (the "
        "explanation and each criterion's reason), for the record and the API.",
    )
    # What the member reads: the decider's explanation, and one reason per criterion that was not
    # met and not excepted when the decision was made, in the letter's language:
    # [{label, status, citation, text}] (derived by the service; only the wording is edited).
    explanation = models.TextField(blank=True)
    reason_items = models.JSONField(default=list, blank=True)
    letter_language = models.CharField(max_length=8, default="en")
    # Internal: the clinical rationale for the record. Never printed in a member letter.
    rationale = models.TextField(blank=True, help_text="Internal clinical rationale (not printed).")
    # The checklist as it stood when decided: [{label, text, status, proposed, member_reason,
    # citation, note, exception: {kind, rationale} | None, evidence: [{name, pages, doc_type}]}]
    criteria_snapshot = models.JSONField(default=list)
    policy_snapshot = models.JSONField(default=dict)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    correction_reason = models.TextField(blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    letter_pdf = models.FileField(storage=private_storage, max_length=300, blank=True)
    letter_sha256 = models.CharField(max_length=64, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_at", "-id"]
        get_latest_by = "decided_at"
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | ~Q(letter_sha256=""),
                name="determination_signed_has_hash",
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=["partially_approved", "denied"]) | ~Q(reasons=""),
                name="determination_adverse_has_reasons",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.get_outcome_display()}"

    def save(self, *args, **kwargs) -> None:
        # Invariant 6: once signed, a determination never changes (a correction supersedes it).
        if self.pk is not None and self._stored_signed():
            raise ValidationError(
                "A signed determination cannot change; reopen the case to correct it."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_signed():
            raise ValidationError("A signed determination cannot be deleted.")
        return super().delete(*args, **kwargs)

    def _stored_signed(self) -> bool:
        return Determination.objects.filter(pk=self.pk, signed_at__isnull=False).exists()

    @property
    def is_adverse(self) -> bool:
        return self.outcome in ADVERSE_OUTCOMES

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class CodeDecision(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve", "Approve"
        DENY = "deny", "Deny"

    determination = models.ForeignKey(
        Determination, on_delete=models.PROTECT, related_name="code_decisions"
    )
    code = models.CharField(max_length=10)
    units = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(max_length=300)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["determination", "code"], name="code_decision_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.decision}"


class PeerToPeerOffer(models.Model):
    """The offer of a peer-to-peer discussion to the requesting provider, and what came of it."""

    class Result(models.TextChoices):
        PENDING = "pending", "Offered, no answer yet"
        HELD = "held", "Discussion held"
        DECLINED = "declined", "Provider declined"
        NO_RESPONSE = "no_response", "No response within the window"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="peer_to_peer_offers")
    determination = models.ForeignKey(
        Determination, on_delete=models.PROTECT, null=True, blank=True, related_name="p2p_offers"
    )
    offered_at = models.DateTimeField()
    offered_to = models.CharField(max_length=160)
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    result = models.CharField(max_length=12, choices=Result.choices, default=Result.PENDING)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-offered_at"]

    def __str__(self) -> str:
        return f"Peer-to-peer offered to {self.offered_to}"


class Authorization(models.Model):
    """What an approval grants: the number the servicing provider bills against, the approved
    codes and units, who performs the service, and the dates it is valid.

    One per approving determination (approved, approved by exception, or the approved part of a
    partial approval); a correction's new determination brings its own. Read it through
    ``selectors.authorization_for`` / ``case_authorization``; the letter prints it and the API
    returns it.
    """

    determination = models.OneToOneField(
        Determination, on_delete=models.PROTECT, related_name="authorization"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="authorizations")
    number = models.CharField(max_length=20, unique=True)
    valid_from = models.DateField()
    valid_to = models.DateField()
    servicing_provider_name = models.CharField(max_length=120)
    servicing_provider_npi = models.CharField(max_length=10)
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")),
                name="authorization_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(servicing_provider_npi__regex=r"^[0-9]{10}$"),
                name="authorization_npi_ten_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"Authorization {self.number}"

    @property
    def servicing_provider_display(self) -> str:
        return f"{self.servicing_provider_name} (NPI {self.servicing_provider_npi})"


class AuthorizationItem(models.Model):
    """One approved code of an authorization, with the units approved."""

    authorization = models.ForeignKey(Authorization, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(max_length=10)
    description = models.CharField(max_length=300)
    units = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["authorization", "code"], name="authorization_code_once"
            ),
            models.CheckConstraint(condition=Q(units__gte=1), name="authorization_units_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} x{self.units}"
