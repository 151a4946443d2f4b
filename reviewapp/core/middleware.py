"""Request and response rules that hold for every URL."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

# The policy of a response that no inner middleware gave one (an error raised before them, such
# as the 400 for a disallowed Host header): nothing may run, load or frame it.
FALLBACK_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class ResponseHeadersMiddleware:
    """Outermost: every response carries the security headers and, unless it is a static file,
    ``Cache-Control: no-store, private`` (pages, htmx fragments, files and errors alike: nothing
    a signed-in reviewer saw may stay in a shared or browser cache).

    Being first in MIDDLEWARE, it also sees responses that never reached the inner middleware:
    the 400 Django answers to a disallowed Host header is raised inside SecurityMiddleware, so
    without this it would go out with no security headers at all.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            patch_cache_control(response, no_store=True, private=True)
            response.headers.pop("Expires", None)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        response.headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        response.headers.setdefault(
            "Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
        )
        response.headers.setdefault("Content-Security-Policy", FALLBACK_CSP)
        if settings.SECURE_HSTS_SECONDS and request.is_secure():
            response.headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={settings.SECURE_HSTS_SECONDS}; includeSubDomains; preload",
            )
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than the largest upload allowed, before
    any byte of the body is read or spooled to disk (Django's own limits apply to form fields,
    not to files). The reverse proxy should refuse it even earlier (README: "Production").
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = -1
        if declared < 0 or declared > settings.REQUEST_MAX_BYTES:
            return _refusal(
                request,
                413,
                f"The upload is too large: at most {settings.EVIDENCE_MAX_REQUEST_MB} MB per "
                f"upload (and {settings.EVIDENCE_MAX_UPLOAD_MB} MB per file). Nothing was stored.",
            )
        return self.get_response(request)


class DatabaseBusyMiddleware:
    """SQLite (the demo) allows one writer at a time. Saves wait for each other (the connection
    begins write transactions IMMEDIATE, with a busy timeout); a save that still finds the
    database locked after the timeout is answered 409 with a message, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError) and "locked" in str(exception).lower():
            logger.warning("Database busy on %s %s", request.method, request.path)
            return _refusal(
                request,
                409,
                "Someone else was saving at the same moment and the database stayed busy. "
                "Nothing of yours was saved: try again.",
            )
        return None


def _refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """A short refusal page; inside an htmx request, the message goes to the page's messages."""
    htmx = bool(request.headers.get("HX-Request"))
    template = "_request_refused.html" if htmx else "request_refused.html"
    response = HttpResponse(
        loader.get_template(template).render({"message": message}), status=status
    )
    if htmx:
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
    return response
