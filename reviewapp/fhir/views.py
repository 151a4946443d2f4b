"""The FHIR R4 endpoints. Each is thin: the token, scope, rate limit and audit come from
``api_endpoint``; reading and writing from the request module, selectors and services."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from oauth2_provider.views import TokenView

from reviewapp.accounts.middleware import role_not_required
from reviewapp.letters.services import LetterRefused, letter_signed_bytes

from . import questionnaires, resources, selectors, services
from .auth import api_endpoint, base_url, client_address, fhir_response, read_json_body
from .models import ApiCall, ApiClient, ApiRequest, Scope, Subscription
from .outcomes import Problem, RequestRefused

READ = Scope.READ
SUBMIT = Scope.SUBMIT


@require_GET
@api_endpoint(scope=None, interaction="metadata")
def metadata(request: HttpRequest, *, client: ApiClient | None) -> HttpResponse:
    return fhir_response(resources.capability_statement(base=base_url(request)))


def _decision(api_request: ApiRequest, request: HttpRequest, interaction_status: int = 200):
    state = selectors.decision_state(api_request)
    response = fhir_response(
        resources.response_bundle(api_request, state, base=base_url(request)), interaction_status
    )
    response.api_case = api_request.case
    return response


@require_POST
@api_endpoint(scope=SUBMIT, interaction="submit")
def claim_submit(request: HttpRequest, *, client: ApiClient) -> HttpResponse:
    data, digest = read_json_body(request)
    api_request, created = services.prior_auth_submit(client=client, data=data, body_sha256=digest)
    response = _decision(api_request, request)
    response.api_detail = "new request" if created else "the same request resent"
    return response


@require_POST
@api_endpoint(scope=READ, interaction="inquire")
def claim_inquire(request: HttpRequest, *, client: ApiClient) -> HttpResponse:
    data, _ = read_json_body(request)
    api_request = _inquiry_match(client, data)
    if api_request is None:
        raise Http404("No request of this client matches the inquiry.")
    return _decision(api_request, request)


def _inquiry_match(client: ApiClient, data: Any) -> ApiRequest | None:
    """The request an inquiry Bundle's Claim names by identifier (the case reference or the
    Claim.identifier sent with the request); a member ID in the inquiry must match too."""
    if isinstance(data, dict) and data.get("resourceType") == "Parameters":
        data = next(
            (
                p.get("resource")
                for p in data.get("parameter") or []
                if isinstance(p, dict) and p.get("name") == "resource"
            ),
            None,
        )
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise RequestRefused(
            [Problem("Expected an inquiry Bundle with a Claim.", "Bundle", "structure")], 400
        )
    resources_ = [
        e.get("resource")
        for e in data.get("entry") or []
        if isinstance(e, dict) and isinstance(e.get("resource"), dict)
    ]
    claims = [r for r in resources_ if r.get("resourceType") == "Claim"]
    if len(claims) != 1:
        raise RequestRefused(
            [Problem("The inquiry Bundle carries exactly one Claim.", "Bundle.entry", "required")]
        )
    identifiers = [
        i for i in claims[0].get("identifier") or [] if isinstance(i, dict) and i.get("value")
    ]
    if not identifiers:
        raise RequestRefused(
            [
                Problem(
                    "Claim.identifier is required: the case reference or the request's own identifier.",
                    "Claim.identifier",
                    "required",
                )
            ]
        )
    found = None
    for identifier in identifiers:
        value = str(identifier["value"])
        found = selectors.api_request_for_client(client=client, reference=value) or (
            selectors.api_request_by_claim_identifier(
                client=client, system=str(identifier.get("system") or ""), value=value
            )
        )
        if found:
            break
    member_ids = {
        str(r.get("subscriberId")).upper()
        for r in resources_
        if r.get("resourceType") == "Coverage" and r.get("subscriberId")
    }
    if found and member_ids and found.case.member_id not in member_ids:
        return None
    return found


def _identifier_param(value: str) -> tuple[str, str]:
    system, bar, code = value.partition("|")
    return (system, code) if bar else ("", value)


@require_GET
@api_endpoint(scope=READ, interaction="read")
def claim_response_search(request: HttpRequest, *, client: ApiClient) -> HttpResponse:
    identifier = request.GET.get("identifier", "").strip()
    if not identifier:
        raise RequestRefused(
            [
                Problem(
                    "Search by identifier: ?identifier=<case reference>.", "identifier", "required"
                )
            ],
            400,
        )
    system, value = _identifier_param(identifier)
    api_request = None
    if not system or system == resources.v.case_reference_system():
        api_request = selectors.api_request_for_client(client=client, reference=value)
    if api_request is None:
        api_request = selectors.api_request_by_claim_identifier(
            client=client, system=system, value=value
        )
    base = base_url(request)
    entries = []
    if api_request is not None:
        state = selectors.decision_state(api_request)
        entries = resources.claim_response_search_entries(api_request, state, base=base)
    response = fhir_response(
        resources.searchset(entries, base=base, self_url=request.build_absolute_uri())
    )
    response.api_case = api_request.case if api_request else None
    return response


@require_GET
@api_endpoint(scope=READ, interaction="read")
def claim_response_read(request: HttpRequest, *, client: ApiClient, reference: str) -> HttpResponse:
    api_request = selectors.api_request_for_client(client=client, reference=reference)
    if api_request is None:
        raise Http404(f"No ClaimResponse {reference} for this client.")
    state = selectors.decision_state(api_request)
    response = fhir_response(resources.claim_response(api_request, state, base=base_url(request)))
    response.api_case = api_request.case
    return response


@require_GET
@api_endpoint(scope=READ, interaction="questionnaire")
def questionnaire_search(request: HttpRequest, *, client: ApiClient) -> HttpResponse:
    url = request.GET.get("url", "").strip()
    context = request.GET.get("context", "").strip()
    status = request.GET.get("status", "").strip()
    if url:
        found = questionnaires.checklists_for_canonical(url)
    elif context:
        found = questionnaires.checklists_for_code(_identifier_param(context)[1])
    else:
        found = list(questionnaires.checklists())
    base = base_url(request)
    entries = []
    for checklist in found:
        resource = questionnaires.questionnaire(checklist)
        if status and resource["status"] != status:
            continue
        entries.append((f"{base}/Questionnaire/{resource['id']}", resource, "match"))
    return fhir_response(
        resources.searchset(entries, base=base, self_url=request.build_absolute_uri())
    )


@require_GET
@api_endpoint(scope=READ, interaction="questionnaire")
def questionnaire_read(
    request: HttpRequest, *, client: ApiClient, questionnaire_id: str
) -> HttpResponse:
    checklist = questionnaires.checklist_for_id(questionnaire_id)
    if checklist is None:
        raise Http404(f"No Questionnaire {questionnaire_id}.")
    return fhir_response(questionnaires.questionnaire(checklist))


@require_GET
@api_endpoint(scope=READ, interaction="valueset")
def value_set_read(request: HttpRequest, *, client: ApiClient, value_set_id: str) -> HttpResponse:
    if value_set_id != "prior-authorization-codes":
        raise Http404(f"No ValueSet {value_set_id}.")
    return fhir_response(resources.prior_authorization_value_set())


@require_GET
@api_endpoint(scope=READ, interaction="letter")
def binary_read(request: HttpRequest, *, client: ApiClient, binary_id: str) -> HttpResponse:
    """The signed determination letter of one of the client's requests, as stored."""
    prefix, _, number = binary_id.partition("-")
    determination = (
        selectors.letter_determination_for_client(client=client, determination_id=int(number))
        if prefix == "letter" and number.isdigit()
        else None
    )
    if determination is None:
        raise Http404(f"No Binary {binary_id}.")
    try:
        data = letter_signed_bytes(determination=determination)
    except LetterRefused as exc:
        raise RequestRefused([Problem(str(exc), code="exception")], 500) from None
    accept = request.headers.get("Accept", "")
    if "application/pdf" in accept:
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{determination.case.reference}.pdf"'
        )
    else:
        response = fhir_response(
            {
                "resourceType": "Binary",
                "id": binary_id,
                "contentType": "application/pdf",
                "data": base64.b64encode(data).decode("ascii"),
            }
        )
    response.api_case = determination.case
    return response


@require_http_methods(["GET", "POST"])
@api_endpoint(scope=READ, interaction="subscribe")
def subscriptions(request: HttpRequest, *, client: ApiClient) -> HttpResponse:
    base = base_url(request)
    if request.method == "POST":
        data, _ = read_json_body(request)
        subscription = services.subscription_create(client=client, resource=data)
        response = fhir_response(
            resources.subscription_resource(subscription),
            201,
            {"Location": f"{base}/Subscription/{subscription.pk}"},
        )
        response.api_case = subscription.case
        return response
    entries = [
        (f"{base}/Subscription/{s.pk}", resources.subscription_resource(s), "match")
        for s in selectors.subscriptions_of(client)
    ]
    return fhir_response(
        resources.searchset(entries, base=base, self_url=request.build_absolute_uri())
    )


@require_http_methods(["GET", "DELETE"])
@api_endpoint(scope=READ, interaction="subscription")
def subscription_detail(request: HttpRequest, *, client: ApiClient, pk: int) -> HttpResponse:
    subscription = Subscription.objects.filter(client=client, pk=pk).first()
    if subscription is None:
        raise Http404(f"No Subscription {pk}.")
    if request.method == "DELETE":
        services.subscription_delete(subscription=subscription)
    return fhir_response(resources.subscription_resource(subscription))


@role_not_required
@login_not_required
@csrf_exempt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """The OAuth 2.0 token endpoint (django-oauth-toolkit), throttled per address on failures and
    audited like every other call."""
    address = client_address(request)
    since = timezone.now() - dt.timedelta(minutes=1)
    failures = ApiCall.objects.filter(
        interaction="token", remote_addr=address, at__gte=since, status_code__gte=400
    ).count()
    if failures >= settings.FHIR_TOKEN_FAILURES_PER_MINUTE:
        response = HttpResponse(
            '{"error": "slow_down", "error_description": "Too many failed attempts; retry '
            'in a minute."}',
            status=429,
            content_type="application/json",
        )
        response["Retry-After"] = "60"
    else:
        response = TokenView.as_view()(request)
    client_id = request.POST.get("client_id", "")
    if not client_id and request.headers.get("Authorization", "").lower().startswith("basic "):
        try:
            decoded = base64.b64decode(request.headers["Authorization"][6:]).decode("utf-8")
            client_id = unquote_plus(decoded.partition(":")[0])
        except (ValueError, UnicodeDecodeError):
            client_id = ""
    client = (
        ApiClient.objects.filter(application__client_id=client_id).first() if client_id else None
    )
    services.api_call_record(
        client=client,
        request=request,
        interaction="token",
        status_code=response.status_code,
        detail="" if client else f"client_id {client_id[:60]!r}",
    )
    return response
