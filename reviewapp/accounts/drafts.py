"""Text a reviewer had typed when her session ended, kept to be put back after she signs in.

When a signed-in session ends for inactivity, what the request carried (a form posted after the
end, or the unsaved forms the page sends as it ends) is kept in the new, anonymous session,
keyed by the page it was typed on and the form's action URL, together with the user's id. The
session survives signing in again (Django keeps an anonymous session's data when the user signs
in), so the page, opened again, fills its forms from it once. Another user signing in on that
browser gets nothing, and the drafts are dropped; signing out drops them with the session.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

SESSION_KEY = "restore_drafts"
MAX_FORMS = 60  # a case page has at most a few dozen forms
MAX_FIELDS = 60  # the intake form, the largest, has about 35 (member, delivery, request)
MAX_VALUE = 10_000  # characters kept of any one field
SKIPPED = frozenset({"csrfmiddlewaretoken"})

Drafts = dict[str, dict[str, str]]  # form action URL -> field -> value


def _clean(forms: Mapping[str, Mapping[str, object]]) -> Drafts:
    cleaned: Drafts = {}
    for action, fields in list(forms.items())[:MAX_FORMS]:
        if (
            not isinstance(action, str)
            or not action.startswith("/")
            or not isinstance(fields, Mapping)
        ):
            continue
        typed = [
            (str(name), str(value)[:MAX_VALUE])
            for name, value in fields.items()
            if name not in SKIPPED and isinstance(value, str | int | float)
        ]
        kept = dict(typed[:MAX_FIELDS])
        if any(value.strip() for value in kept.values()):
            cleaned[action] = kept
    return cleaned


def draft_stash(request: HttpRequest, *, user_id: int, page: str, forms: Mapping) -> None:
    """Keep ``forms`` typed on ``page`` (a path) for ``user_id`` in the current session."""
    forms = _clean(forms)
    if not forms:
        return
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict) or stored.get("user") != user_id:
        stored = {"user": user_id, "pages": {}}
    stored["pages"].setdefault(page, {}).update(forms)
    request.session[SESSION_KEY] = stored


def draft_pop(request: HttpRequest, *, page: str) -> Drafts:
    """The drafts typed on ``page`` by the signed-in user, removed from the session (once)."""
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return {}
    if stored.get("user") != getattr(request.user, "pk", None):
        if request.user.is_authenticated:
            del request.session[SESSION_KEY]  # someone else's: never shown, and dropped
        return {}
    forms = stored["pages"].pop(page, None)
    if forms is None:
        return {}
    if stored["pages"]:
        request.session[SESSION_KEY] = stored
    else:
        del request.session[SESSION_KEY]
    return forms


def page_of(request: HttpRequest) -> str:
    """The path of the page the reviewer was on when this request was made: htmx says it; a
    plain form post comes from its referring page (same site only); otherwise the request."""
    candidates = [request.headers.get("HX-Current-URL", "")]
    if request.method != "GET":
        candidates.append(request.headers.get("Referer", ""))
    for url in candidates:
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            parts = urlsplit(url)
            return parts.path + (f"?{parts.query}" if parts.query else "")
    if request.method == "GET":
        return request.get_full_path()
    return resolve_url(settings.LOGIN_REDIRECT_URL)
