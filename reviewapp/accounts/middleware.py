"""Sign-in, role and idle-session rules applied to every request."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse

from . import drafts
from .roles import roles_of

LAST_SEEN = "last_seen"


def idle_timeout_seconds() -> int:
    return int(settings.SESSION_IDLE_TIMEOUT_SECONDS)


def _touch_every() -> int:
    # Refresh the idle clock at most once a minute (a tenth of the timeout when that is
    # shorter), so most requests do not write the session.
    return max(1, min(60, idle_timeout_seconds() // 10))


@cache
def _session_paths() -> tuple[str, str]:
    return reverse("accounts:session"), reverse("accounts:session-drafts")


def seconds_left(request: HttpRequest, now: int | None = None) -> int:
    """Seconds until this signed-in session ends for inactivity."""
    now = int(time.time()) if now is None else now
    return idle_timeout_seconds() - (now - request.session.get(LAST_SEEN, now))


class SessionIdleTimeoutMiddleware:
    """Sign out a staff member whose session has been idle longer than the configured time.

    What the request carried when the session had ended (a form posted after the end, or the
    drafts the page sends as the session ends) is kept for after signing in again
    (``drafts``), and signing in returns to the page the reviewer was on. Asking how long the
    session has left (``GET accounts:session``) does not count as activity.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            status_path, _ = _session_paths()
            # Asking how long is left is answered (even "it has ended"), never activity: the page
            # then sends its unsaved text, and that request signs out.
            asking = request.path == status_path and request.method == "GET"
            if seconds_left(request, now) < 0 and not asking:
                return self._expired(request)
            last_seen = request.session.get(LAST_SEEN)
            if not asking and (last_seen is None or now - last_seen >= _touch_every()):
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    def _expired(self, request: HttpRequest) -> HttpResponse:
        user_id = request.user.pk
        page = drafts.page_of(request)
        typed = _typed(request) if request.method == "POST" else {}
        logout(request)
        if typed:
            drafts.draft_stash(request, user_id=user_id, page=urlsplit(page).path, forms=typed)
        messages.info(
            request,
            "You were signed out after a period of inactivity. "
            + ("Sign in again: what you had typed is kept for you." if typed else "Sign in again."),
        )
        return _to_login(request, next_path=page)


def _typed(request: HttpRequest) -> dict:
    """What a post made after the session ended carried: the form it posted, or (from the page's
    script, as the session ends) every form with unsaved text. Only a post that passes the CSRF
    check is kept: nothing another site sends ends up in a reviewer's forms."""
    refused = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(
        request, lambda r: HttpResponse(), (), {}
    )
    if refused is not None:
        return {}
    _, drafts_path = _session_paths()
    if request.path == drafts_path:
        try:
            forms = json.loads(request.POST.get("drafts", "{}"))
        except ValueError:
            return {}
        return forms if isinstance(forms, dict) else {}
    return {request.path: {key: request.POST.get(key, "") for key in request.POST}}


def _to_login(request: HttpRequest, *, next_path: str = "") -> HttpResponse:
    login_url = resolve_url(settings.LOGIN_URL)
    if next_path:
        login_url = f"{login_url}?{urlencode({'next': next_path})}"
    if request.headers.get("HX-Request"):
        # htmx would swap the sign-in page into a fragment; ask it to navigate instead.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login_url
        return response
    return redirect(login_url)


class HtmxAwareLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, answering htmx requests with a full-page redirect back
    to the page they came from."""

    def handle_no_permission(self, request: HttpRequest, view_func: Callable) -> HttpResponse:
        if request.headers.get("HX-Request"):
            return _to_login(request, next_path=drafts.page_of(request))
        return super().handle_no_permission(request, view_func)


def role_not_required(view_func: Callable) -> Callable:
    """Mark a view that a signed-in user without a role may still reach (sign-out, password)."""
    view_func.role_required = False
    return view_func


class RoleRequiredMiddleware:
    """A signed-in user with no role sees a clear 'no access' page on every page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        if not request.user.is_authenticated or not getattr(view_func, "role_required", True):
            return None
        if roles_of(request.user):
            return None
        response = TemplateResponse(request, "accounts/no_access.html", status=403)
        return response.render()
