"""Who is calling, and may they: OAuth 2.0 bearer tokens (django-oauth-toolkit, client
credentials), scopes per client, per-client rate limits, and the audit of every call.

``api_endpoint`` wraps every API view: it answers 401 without a valid token, 403 when the token
lacks the endpoint's scope, 429 over the client's rate, turns refusals into OperationOutcomes, and
records the call (``services.api_call_record``) whatever the answer.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import AccessToken
from oauth2_provider.scopes import BaseScopes

from reviewapp.accounts.middleware import role_not_required

from .models import ApiCall, ApiClient, Scope
from .outcomes import Problem, RequestRefused, operation_outcome

FHIR_JSON = "application/fhir+json; charset=utf-8"


class ClientScopes(BaseScopes):
    """Scopes per client organisation: a token gets at most the scopes its client was given,
    and none at all when the client is deactivated."""

    def get_all_scopes(self) -> dict[str, str]:
        return dict(Scope.choices)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        client = _client_of(application)
        return sorted(client.scope_set & set(Scope.values)) if client and client.active else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return self.get_available_scopes(application, request)


def _client_of(application) -> ApiClient | None:
    if application is None:
        return None
    try:
        return application.api_client
    except ApiClient.DoesNotExist:
        return None


def fhir_response(data: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, separators=(",", ":"), ensure_ascii=False),
        status=status,
        content_type=FHIR_JSON,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def outcome_response(problems: list[Problem], status: int, headers=None) -> HttpResponse:
    return fhir_response(operation_outcome(problems), status, headers)


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/r4").rstrip("/")


def client_address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _bearer_token(request: HttpRequest) -> AccessToken | None:
    """The unexpired access token sent as ``Authorization: Bearer``, with its application and
    client (one query). Tokens in the query string are never accepted (RFC 6750 5.3)."""
    kind, _, value = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() != "bearer" or not value.strip():
        return None
    checksum = hashlib.sha256(value.strip().encode("utf-8")).hexdigest()
    token = (
        AccessToken.objects.select_related("application__api_client__user")
        .filter(token_checksum=checksum)
        .first()
    )
    return token if token is not None and not token.is_expired() else None


def _authenticate(request: HttpRequest, scope: str) -> tuple[ApiClient | None, HttpResponse | None]:
    token = _bearer_token(request)
    client = _client_of(token.application) if token else None
    if client is None or not client.active:
        return None, outcome_response(
            [Problem("A valid bearer token is required (POST /o/token/).", code="login")],
            401,
            {"WWW-Authenticate": 'Bearer realm="fhir", error="invalid_token"'},
        )
    if not token.allow_scopes([scope]) or scope not in client.scope_set:
        return client, outcome_response(
            [Problem(f"This call needs the '{scope}' scope.", code="forbidden")],
            403,
            {
                "WWW-Authenticate": f'Bearer realm="fhir", error="insufficient_scope", scope="{scope}"'
            },
        )
    return client, None


def _over_rate(client: ApiClient) -> bool:
    since = timezone.now() - dt.timedelta(minutes=1)
    calls = ApiCall.objects.filter(client=client, at__gte=since).exclude(interaction="token")
    return calls.count() >= client.rate_limit


def api_endpoint(*, scope: str | None, interaction: str) -> Callable:
    """Decorate an API view ``view(request, *, client, **kwargs)``.

    ``scope`` None: no token needed (the CapabilityStatement). The view may set
    ``response.api_case`` (the case the call concerned) and ``response.api_detail``.
    """

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            from . import services

            client: ApiClient | None = None
            response: HttpResponse | None = None
            if scope is not None:
                client, response = _authenticate(request, scope)
            if response is None and client is not None and _over_rate(client):
                response = outcome_response(
                    [
                        Problem(
                            f"More than {client.rate_limit} calls in a minute; retry later.",
                            code="throttled",
                        )
                    ],
                    429,
                    {"Retry-After": "60"},
                )
            if response is None:
                try:
                    response = view(request, *args, client=client, **kwargs)
                except RequestRefused as refused:
                    response = outcome_response(refused.problems, refused.status)
                    response.api_detail = "; ".join(p.text for p in refused.problems)
                except Http404 as missing:
                    response = outcome_response(
                        [Problem(str(missing) or "Not found.", code="not-found")], 404
                    )
            services.api_call_record(
                client=client,
                request=request,
                interaction=interaction,
                status_code=response.status_code,
                case=getattr(response, "api_case", None),
                detail=getattr(response, "api_detail", ""),
            )
            return response

        # Tokens, not staff sessions: neither the sign-in nor the staff-role rule applies.
        return role_not_required(login_not_required(csrf_exempt(wrapper)))

    return decorate


def read_json_body(request: HttpRequest) -> tuple[Any, str]:
    """The request's JSON body and the SHA-256 of its bytes; refused before it is read when its
    declared length is too large, and as soon as more than the limit has arrived."""
    content_type = request.content_type or ""
    if content_type not in ("application/fhir+json", "application/json"):
        raise RequestRefused(
            [Problem("Send the body as application/fhir+json.", code="not-supported")], 415
        )
    limit = settings.FHIR_MAX_REQUEST_MB * 1024 * 1024
    too_large = RequestRefused(
        [
            Problem(
                f"The request is larger than {settings.FHIR_MAX_REQUEST_MB} MB; documents are "
                f"limited to {settings.EVIDENCE_MAX_UPLOAD_MB} MB each.",
                code="too-costly",
            )
        ],
        413,
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large
    body = request.read(limit + 1)
    if len(body) > limit:
        raise too_large
    try:
        return json.loads(body), hashlib.sha256(body).hexdigest()
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestRefused(
            [Problem(f"The body is not valid JSON ({exc}).", code="structure")], 400
        ) from None
