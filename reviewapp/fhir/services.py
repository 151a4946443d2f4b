"""Writes for the API: client organisations, requests in (through the intake, evidence and fact
services), the audit of every call, subscriptions and their notifications.

Each service is keyword-only. ``prior_auth_submit`` is one transaction: a request that cannot be
accepted stores nothing, files included.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import secrets
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from oauth2_provider.models import Application

from reviewapp.accounts.services import staff_upsert
from reviewapp.cases import services as cases
from reviewapp.cases.models import Case, EventKind, FactOrigin
from reviewapp.core.storage import files_atomic

from . import resources
from .access_log import api_read_record
from .models import (
    ApiCall,
    ApiClient,
    ApiRequest,
    NotificationDelivery,
    Plan,
    PlanPolicy,
    Scope,
    Subscription,
)
from .outcomes import Problem, RequestRefused
from .request_bundle import request_read
from .selectors import api_request_by_claim_identifier, api_request_for_client, decision_state

logger = logging.getLogger(__name__)

# --- client organisations --------------------------------------------------------------------


@transaction.atomic
def client_create(
    *,
    name: str,
    scopes: Iterable[str] = (Scope.SUBMIT, Scope.READ),
    plans: Iterable[Plan] = (),
    rate_limit_per_minute: int | None = None,
) -> tuple[ApiClient, str]:
    """Register a client organisation: its OAuth application (client credentials), its service
    account and the plans it may submit for. Returns the client and its secret, which is shown
    this once (only a hash is stored)."""
    name = " ".join(name.split())
    if not name:
        raise ValueError("A client needs a name.")
    if ApiClient.objects.filter(name__iexact=name).exists():
        raise ValueError(f"A client named {name!r} already exists.")
    scopes = sorted(set(scopes))
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise ValueError(
            f"Scopes are {', '.join(Scope.values)}; got {', '.join(scopes) or 'none'}."
        )
    user = staff_upsert(
        username=f"api-{slugify(name)[:40]}-{secrets.token_hex(3)}",
        password=None,
        role=None,
        display_name=f"{name} (API client)",
        credentials="",
    )
    secret = secrets.token_urlsafe(40)
    application = Application.objects.create(
        name=name,
        user=user,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,  # hashed on save
        hash_client_secret=True,
    )
    client = ApiClient.objects.create(
        name=name,
        application=application,
        user=user,
        scopes=" ".join(scopes),
        rate_limit_per_minute=rate_limit_per_minute,
    )
    client.plans.set(list(plans))
    return client, secret


@transaction.atomic
def client_deactivate(*, client: ApiClient) -> ApiClient:
    """Stop a client: its tokens are revoked and new ones carry no scope."""
    client.active = False
    client.save(update_fields=["active"])
    client.application.accesstoken_set.all().delete()
    return client


# --- plans -----------------------------------------------------------------------------------


@transaction.atomic
def plan_policy_assign(
    *, identifier: str, name: str, line_of_business: str, policy, effective_from: dt.date
) -> Plan:
    """Create or rename a plan and say which pump policy governs it from a date on (the plan's
    earlier assignment ends the day before)."""
    plan, _ = Plan.objects.update_or_create(
        identifier=identifier, defaults={"name": name, "line_of_business": line_of_business}
    )
    PlanPolicy.objects.update_or_create(
        plan=plan, effective_from=effective_from, defaults={"policy": policy}
    )
    previous = (
        PlanPolicy.objects.filter(plan=plan, effective_from__lt=effective_from)
        .order_by("-effective_from")
        .first()
    )
    if previous and (previous.effective_to is None or previous.effective_to >= effective_from):
        previous.effective_to = effective_from - dt.timedelta(days=1)
        previous.save(update_fields=["effective_to"])
    return plan


# --- the audit of every call -----------------------------------------------------------------

# The calls that concern one case, the timeline entry each makes, and how it reads.
INTERACTIONS = {
    "submit": (EventKind.API_SUBMIT, "submitted the prior-authorization request"),
    "read": (EventKind.API_READ, "read the decision (ClaimResponse)"),
    "inquire": (EventKind.API_INQUIRE, "inquired about the decision ($inquire)"),
    "letter": (EventKind.API_LETTER, "downloaded the signed determination letter"),
    "subscribe": (EventKind.API_SUBSCRIBE, "subscribed to the decision"),
}


@transaction.atomic
def api_call_record(
    *,
    client: ApiClient | None,
    request: HttpRequest,
    interaction: str,
    status_code: int,
    case: Case | None = None,
    detail: str = "",
) -> ApiCall:
    """Record a call to the API, answered or refused; a call about a case also goes into that
    case's timeline, with the client's service account as the actor.

    A read of member data (a decision, a letter) is also written to the access log, with the
    client as the reader.
    """
    call = ApiCall.objects.create(
        client=client,
        remote_addr=request.META.get("REMOTE_ADDR") or None,
        method=request.method or "",
        path=request.get_full_path()[:300],
        interaction=interaction,
        status_code=status_code,
        case=case,
        detail=detail[:500],
    )
    if client is not None:
        api_read_record(request=request, client=client, case=case, status=status_code)
    if case is not None and client is not None and interaction in INTERACTIONS:
        kind, words = INTERACTIONS[interaction]
        cases.event_record(
            case=case,
            actor=client.user,
            kind=kind,
            summary=f"{client.name} {words} over the FHIR API ({status_code})",
            after={"path": call.path, "status": status_code},
        )
    return call


# --- requests in -------------------------------------------------------------------------------


def prior_auth_submit(
    *, client: ApiClient, data: Any, body_sha256: str, received_at: dt.datetime | None = None
) -> tuple[ApiRequest, bool]:
    """Open a case from a request Bundle, through the intake, evidence and fact services.

    Returns the request and whether it is new: the same body sent again under the same
    Claim.identifier answers the existing request (a safe retry); a different body under a used
    identifier is refused. Any problem raises RequestRefused and stores nothing.
    """
    received_at = received_at or timezone.now()
    request = request_read(data=data, client=client, received_on=timezone.localdate(received_at))
    existing = api_request_by_claim_identifier(
        client=client,
        system=request.claim_identifier_system,
        value=request.claim_identifier_value,
    )
    if existing is not None:
        if existing.body_sha256 == body_sha256:
            return existing, False
        raise RequestRefused(
            [
                Problem(
                    f"Claim.identifier {request.claim_identifier_value!r} was already used for "
                    f"case {existing.case.reference}; a changed request needs a new identifier.",
                    "Claim.identifier",
                    "duplicate",
                )
            ]
        )
    try:
        # Documents are stored inside the transaction and removed if it does not commit.
        with files_atomic():
            case = cases.case_create(
                intake=cases.Intake(
                    member_name=request.member_name,
                    member_id=request.member_id,
                    member_dob=request.member_dob,
                    provider_name=request.provider_name,
                    provider_npi=request.provider_npi,
                    line_of_business=request.line_of_business,
                    priority=request.priority,
                    policy=request.policy,
                    indication=request.indication,
                    stage=request.stage,
                    received_at=received_at,
                    clinical_summary=request.clinical_summary,
                    services=[(item.code, item.units) for item in request.items],
                    diagnoses=tuple(request.diagnoses),
                ),
                by=client.user,
                assign_to_me=False,
            )
            for document in request.documents:
                cases.evidence_upload(
                    case=case,
                    by=client.user,
                    files=[document.upload()],
                    doc_type=document.doc_type,
                    document_date=document.document_date,
                    source=document.source or client.name,
                )
            facts = request.answers.facts if request.answers else {}
            for name, raw in facts.items():
                cases.fact_record(
                    case=case,
                    by=client.user,
                    name=name,
                    raw_value=raw,
                    expected_revision=0,
                    origin=FactOrigin.API,
                    origin_detail=f"{client.name}, QuestionnaireResponse",
                )
            api_request = ApiRequest.objects.create(
                case=case,
                client=client,
                plan=request.plan,
                claim_identifier_system=request.claim_identifier_system,
                claim_identifier_value=request.claim_identifier_value,
                bundle_identifier=request.bundle_identifier,
                body_sha256=body_sha256,
                provider_type=request.provider_type,
                items=[
                    {
                        "sequence": item.sequence,
                        "code": item.code,
                        "units": item.units,
                        "serviced": item.serviced,
                    }
                    for item in request.items
                ],
                received_at=received_at,
                checked_at=received_at,
            )
            cases.event_record(
                case=case,
                actor=client.user,
                kind=EventKind.API_REQUEST_RECEIVED,
                summary=f"Request received over the FHIR API from {client.name} (plan "
                f"{request.plan.identifier}): {len(request.documents)} document(s), "
                f"{len(facts)} fact(s) answered by the provider",
                after={
                    "client": client.name,
                    "claim_identifier": request.claim_identifier_value,
                    "plan": request.plan.identifier,
                    "documents": len(request.documents),
                    "facts": sorted(facts),
                },
            )
    except cases.CaseActionRefused as exc:
        raise RequestRefused([Problem(str(exc), code="business-rule")]) from None
    except IntegrityError:
        raise RequestRefused(
            [Problem("This request was received twice at the same moment.", code="duplicate")],
            409,
        ) from None
    return api_request, True


# --- subscriptions -----------------------------------------------------------------------------

PAYLOADS = ("", "application/fhir+json", "application/json")


def subscription_create(*, client: ApiClient, resource: Any) -> Subscription:
    """A rest-hook subscription on the client's ClaimResponses (all of them, or one case's)."""
    problems: list[Problem] = []
    if not isinstance(resource, dict) or resource.get("resourceType") != "Subscription":
        raise RequestRefused(
            [Problem("Expected a Subscription.", "Subscription", "structure")], 400
        )
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    try:
        get_fhir_model_class("Subscription").model_validate(resource)
    except ValidationError as exc:
        raise RequestRefused(
            [
                Problem(
                    f"Subscription: {e['msg']}.",
                    "Subscription." + ".".join(str(p) for p in e["loc"]),
                    "structure",
                )
                for e in exc.errors()[:10]
            ]
        ) from None
    except Exception as exc:  # the models' validators can fail on odd input with anything
        raise RequestRefused(
            [
                Problem(
                    f"Not an R4 Subscription ({exc.__class__.__name__}).",
                    "Subscription",
                    "structure",
                )
            ]
        ) from None
    channel = resource.get("channel") or {}
    if channel.get("type") != "rest-hook":
        problems.append(
            Problem(
                "Only rest-hook channels are supported.",
                "Subscription.channel.type",
                "not-supported",
            )
        )
    endpoint = str(channel.get("endpoint") or "")
    problem = endpoint_problem(endpoint)
    if problem:
        problems.append(Problem(problem, "Subscription.channel.endpoint", "value"))
    payload = str(channel.get("payload") or "")
    if payload not in PAYLOADS:
        problems.append(
            Problem(
                "payload is application/fhir+json, or absent for an empty notification.",
                "Subscription.channel.payload",
                "not-supported",
            )
        )
    headers = [str(h) for h in channel.get("header") or []]
    if len(headers) > 5 or any(
        "\n" in h or "\r" in h or ":" not in h or len(h) > 500 for h in headers
    ):
        problems.append(
            Problem(
                "Up to 5 headers, each 'Name: value' on one line.",
                "Subscription.channel.header",
                "value",
            )
        )
    criteria = str(resource.get("criteria") or "").strip()
    case = None
    kind, _, query = criteria.partition("?")
    params = parse_qs(query)
    if (
        kind != "ClaimResponse"
        or set(params) - {"identifier"}
        or len(params.get("identifier", [])) > 1
    ):
        problems.append(
            Problem(
                "criteria is 'ClaimResponse' (all of this client's requests) or "
                "'ClaimResponse?identifier=<case reference>'.",
                "Subscription.criteria",
                "not-supported",
            )
        )
    elif params.get("identifier"):
        reference = params["identifier"][0].split("|")[-1]
        api_request = api_request_for_client(client=client, reference=reference)
        if api_request is None:
            problems.append(
                Problem(
                    f"No request {reference!r} of this client.",
                    "Subscription.criteria",
                    "not-found",
                )
            )
        else:
            case = api_request.case
    end = None
    if resource.get("end"):
        try:
            end = dt.datetime.fromisoformat(str(resource["end"]).replace("Z", "+00:00"))
        except ValueError:
            problems.append(Problem("end is not a date and time.", "Subscription.end", "value"))
    if problems:
        raise RequestRefused(problems)
    return Subscription.objects.create(
        client=client,
        reason=str(resource.get("reason") or "")[:300],
        criteria=criteria,
        case=case,
        endpoint=endpoint,
        payload=payload,
        headers=headers,
        end=end,
    )


def subscription_delete(*, subscription: Subscription) -> None:
    subscription.status = Subscription.Status.OFF
    subscription.save(update_fields=["status"])
    subscription.deliveries.filter(status=NotificationDelivery.Status.PENDING).update(
        status=NotificationDelivery.Status.FAILED, last_error="Subscription deleted."
    )


def endpoint_problem(url: str) -> str:
    """Why a notification endpoint is refused, or "" (https only, no private addresses, unless
    FHIR_SUBSCRIPTION_ALLOW_PRIVATE is on for development and tests)."""
    parts = urlsplit(url)
    allow_private = settings.FHIR_SUBSCRIPTION_ALLOW_PRIVATE
    if (
        parts.scheme not in (("https", "http") if allow_private else ("https",))
        or not parts.hostname
    ):
        return "The endpoint must be an https URL."
    if allow_private:
        return ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except OSError:
        return f"The endpoint's host {parts.hostname!r} does not resolve."
    for address in addresses:
        ip = ipaddress.ip_address(str(address).split("%")[0])
        if not ip.is_global:
            return "The endpoint must be on a public address."
    return ""


# --- notifications -----------------------------------------------------------------------------

# After the first attempt fails: retry after 1 minute, 5 minutes, 30 minutes, 2 hours, 12 hours
# and a day; then the delivery has failed (the client can still poll).
RETRY_DELAYS = tuple(dt.timedelta(minutes=m) for m in (1, 5, 30, 120, 720, 1440))


@dataclass(frozen=True)
class NotifyReport:
    queued: int
    delivered: int
    retrying: int
    failed: int


def notifications_enqueue(*, now: dt.datetime | None = None) -> int:
    """Queue a notification for every subscription of every request whose decision changed
    (decided, withdrawn, or a correction signed) since it was last looked at."""
    now = now or timezone.now()
    queued = 0
    candidates = ApiRequest.objects.filter(case__updated_at__gt=F("checked_at")).select_related(
        "case", "client"
    )
    for api_request in candidates:
        state = decision_state(api_request)
        with transaction.atomic():
            if state.key != api_request.notified_state and not state.pended:
                subscriptions = Subscription.objects.filter(
                    client=api_request.client,
                    status__in=(Subscription.Status.ACTIVE, Subscription.Status.ERROR),
                ).exclude(end__lt=now)
                for subscription in subscriptions:
                    if subscription.case_id not in (None, api_request.case_id):
                        continue
                    _, created = NotificationDelivery.objects.get_or_create(
                        subscription=subscription,
                        api_request=api_request,
                        state=state.key,
                        defaults={
                            "event_number": subscription.deliveries.count() + 1,
                            "next_attempt_at": now,
                        },
                    )
                    queued += created
                api_request.notified_state = state.key
            api_request.checked_at = now
            api_request.save(update_fields=["notified_state", "checked_at"])
    return queued


Sender = Callable[[str, bytes, dict[str, str]], int]


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to a subscriber's endpoint (checked again before each attempt); its HTTP status."""
    problem = endpoint_problem(url)
    if problem:
        raise OSError(problem)
    # The scheme is https (or http in development) and the address public: checked just above.
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # nosec B310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def notification_attempt(
    *, delivery: NotificationDelivery, now: dt.datetime | None = None, send: Sender = http_post
) -> NotificationDelivery:
    """Try one delivery; on failure schedule the next retry, or give up after the last."""
    now = now or timezone.now()
    subscription = delivery.subscription
    api_request = delivery.api_request
    headers = {"X-Subscription-Id": str(subscription.pk), "User-Agent": "pumpreview-fhir"}
    for header in subscription.headers:
        name, _, value = header.partition(":")
        headers[name.strip()] = value.strip()
    body = b""
    if subscription.payload:
        state = decision_state(api_request)
        bundle = resources.response_bundle(api_request, state, base=settings.FHIR_BASE_URL)
        body = json.dumps(bundle, separators=(",", ":")).encode("utf-8")
        headers["Content-Type"] = "application/fhir+json; charset=utf-8"
    delivery.attempts += 1
    try:
        status = send(subscription.endpoint, body, headers)
        error = "" if 200 <= status < 300 else f"The endpoint answered HTTP {status}."
    except (OSError, ValueError) as exc:
        error = f"Could not reach the endpoint: {exc}"[:500]
    case = api_request.case
    if not error:
        delivery.status = NotificationDelivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.last_error = ""
        if subscription.status == Subscription.Status.ERROR:
            subscription.status, subscription.error = Subscription.Status.ACTIVE, ""
            subscription.save(update_fields=["status", "error"])
        summary = f"Notified {subscription.client.name} that the decision is available"
    else:
        delivery.last_error = error
        if delivery.attempts > len(RETRY_DELAYS):
            delivery.status = NotificationDelivery.Status.FAILED
            summary = (
                f"Notification to {subscription.client.name} failed after "
                f"{delivery.attempts} attempts: {error}"
            )
        else:
            delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
            summary = (
                f"Notification to {subscription.client.name} failed (attempt "
                f"{delivery.attempts}); retry at "
                f"{timezone.localtime(delivery.next_attempt_at):%Y-%m-%d %H:%M}: {error}"
            )
        subscription.status, subscription.error = Subscription.Status.ERROR, error
        subscription.save(update_fields=["status", "error"])
    with transaction.atomic():
        delivery.save()
        cases.event_record(
            case=case,
            actor=subscription.client.user,
            kind=EventKind.API_NOTIFIED,
            summary=summary,
            after={
                "subscription": subscription.pk,
                "state": delivery.state,
                "attempt": delivery.attempts,
                "status": delivery.status,
            },
        )
    return delivery


def notifications_run(*, now: dt.datetime | None = None, send: Sender = http_post) -> NotifyReport:
    """One pass: queue what changed, then attempt every delivery that is due."""
    now = now or timezone.now()
    queued = notifications_enqueue(now=now)
    due = NotificationDelivery.objects.filter(
        status=NotificationDelivery.Status.PENDING, next_attempt_at__lte=now
    ).select_related("subscription__client__user", "api_request__case", "api_request__plan")
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    for delivery in due[:200]:
        if delivery.subscription.status == Subscription.Status.OFF:
            continue
        done = notification_attempt(delivery=delivery, now=now, send=send)
        key = {"delivered": "delivered", "failed": "failed"}.get(done.status, "retrying")
        counts[key] += 1
    return NotifyReport(queued=queued, **counts)
