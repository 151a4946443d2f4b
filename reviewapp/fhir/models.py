"""The FHIR prior-authorization API's own records: plans, client organisations, the requests they
sent, their subscriptions and notification deliveries, and the log of every call.

Cases, evidence, facts and determinations are the review product's own models; this app links a
case to the client that submitted it and never stores clinical data of its own. State changes live
in ``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from criteria.models import Policy
from reviewapp.cases.models import Case, LineOfBusiness


class Plan(models.Model):
    """A health plan (benefit plan) named in a request's Coverage, with its line of business.

    Which payer policy governs the pump requests of a plan is a dated assignment (``PlanPolicy``):
    a request is reviewed under the policy assigned on the day it is received, and the case then
    pins that policy's version in effect on the same day.
    """

    identifier = models.SlugField(
        max_length=60,
        unique=True,
        help_text="The plan identifier clients send in Coverage.class (type plan).",
    )
    name = models.CharField(max_length=160)
    line_of_business = models.CharField(max_length=20, choices=LineOfBusiness.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.identifier})"


class PlanPolicy(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="policies")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Inclusive; empty: open.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "-effective_from"]
        verbose_name = "plan policy assignment"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "effective_from"], name="plan_policy_from_unique"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="plan_policy_range_valid",
            ),
        ]

    def __str__(self) -> str:
        until = f" to {self.effective_to}" if self.effective_to else ""
        return f"{self.plan.identifier}: {self.policy.key} from {self.effective_from}{until}"


class Scope(models.TextChoices):
    SUBMIT = "submit", "Submit prior-authorization requests"
    READ = "read", "Read decisions, questionnaires and subscriptions"


class ApiClient(models.Model):
    """A client organisation (an EHR or a provider portal) registered by an administrator.

    Each has its own OAuth 2.0 application (client credentials), the scopes it may ask for, the
    plans whose members it may submit for, and a service account that appears as the actor of
    what it does in case timelines (it has no role and no password: it cannot sign in).
    """

    name = models.CharField(max_length=120, unique=True)
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.PROTECT,
        related_name="api_client",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    scopes = models.CharField(
        max_length=60, default="submit read", help_text='Space-separated: "submit", "read".'
    )
    plans = models.ManyToManyField(Plan, related_name="clients", blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Calls per minute; empty: FHIR_RATE_LIMIT_PER_MINUTE."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_limit_per_minute__isnull=True) | Q(rate_limit_per_minute__gt=0),
                name="api_client_rate_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_set(self) -> set[str]:
        return set(self.scopes.split())

    @property
    def rate_limit(self) -> int:
        return self.rate_limit_per_minute or settings.FHIR_RATE_LIMIT_PER_MINUTE


class ApiRequest(models.Model):
    """A case that arrived over the API: which client sent it, under which identifiers, and the
    items as sent (their sequence numbers are echoed in every ClaimResponse)."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="api_request")
    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="requests")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    claim_identifier_system = models.CharField(max_length=200, blank=True)
    claim_identifier_value = models.CharField(max_length=100)
    bundle_identifier = models.CharField(max_length=200, blank=True)
    body_sha256 = models.CharField(max_length=64)
    provider_type = models.CharField(
        max_length=20, default="Practitioner", help_text="Practitioner or Organization, as sent."
    )
    # [{"sequence": 1, "code": "62350", "units": 1, "serviced": {"start": ...} | None}]
    items = models.JSONField(default=list)
    received_at = models.DateTimeField(default=timezone.now)
    # Notification bookkeeping: the decision state last notified, and when the case was last
    # looked at for a change (``case.updated_at`` moving past it means: look again).
    notified_state = models.CharField(max_length=40, default="pended")
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "claim_identifier_system", "claim_identifier_value"],
                name="api_request_claim_identifier_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} from {self.client}"


class Subscription(models.Model):
    """An R4 rest-hook subscription: POST a notification to the client's endpoint when one of
    its requests is decided (or withdrawn)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ERROR = "error", "Error (deliveries failing; still retried)"
        OFF = "off", "Off"

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    reason = models.CharField(max_length=300, blank=True)
    criteria = models.CharField(max_length=300)
    # The case the criteria name (identifier=<reference>), or none: every request of the client.
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    endpoint = models.URLField(max_length=500)
    payload = models.CharField(max_length=40, blank=True, help_text="Empty: no body.")
    headers = models.JSONField(default=list, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Subscription {self.pk} of {self.client}: {self.criteria}"


class NotificationDelivery(models.Model):
    """One notification owed to one subscription for one decision state, with its retries."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed after every retry"

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    api_request = models.ForeignKey(ApiRequest, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=40)
    event_number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["next_attempt_at", "id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "api_request", "state"], name="delivery_once_per_state"
            ),
        ]

    def __str__(self) -> str:
        return f"Notification {self.event_number} for {self.subscription_id}: {self.status}"


class ApiCall(models.Model):
    """Every call to the API, answered or refused: who, when, what, with which result.

    Append-only (the model refuses updates and deletes). Calls about a case are also recorded in
    that case's timeline.
    """

    at = models.DateTimeField(default=timezone.now)
    client = models.ForeignKey(
        ApiClient, on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    interaction = models.CharField(max_length=30)
    status_code = models.PositiveSmallIntegerField()
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["client", "at"], name="api_call_client_at"),
            models.Index(fields=["remote_addr", "at"], name="api_call_addr_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.method} {self.path} {self.status_code}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("API calls are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("API calls are append-only.")
