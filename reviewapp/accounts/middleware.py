"""Sign-in, role and idle-session rules applied to every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse

from .roles import roles_of

_LAST_SEEN = "last_seen"
# Refresh the idle clock at most once a minute, so most requests do not write the session.
_TOUCH_EVERY_SECONDS = 60


class SessionIdleTimeoutMiddleware:
    """Sign out a staff member whose session has been idle longer than the configured minutes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(_LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity.")
                return _to_login(request)
            if now - last_seen >= _TOUCH_EVERY_SECONDS or _LAST_SEEN not in request.session:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)


def _to_login(request: HttpRequest) -> HttpResponse:
    login_url = resolve_url(settings.LOGIN_URL)
    if request.headers.get("HX-Request"):
        # htmx would swap the sign-in page into a fragment; ask it to navigate instead.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login_url
        return response
    return redirect(f"{login_url}?next={request.get_full_path()}")


class HtmxAwareLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, answering htmx requests with a full-page redirect."""

    def handle_no_permission(self, request: HttpRequest, view_func: Callable) -> HttpResponse:
        if request.headers.get("HX-Request"):
            return _to_login(request)
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
