"""The access log and security events, for UM managers and administrators, with CSV export.

These pages are themselves reads of member data (member IDs, case references): each is logged
with its filters as terms.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reviewapp.accounts.roles import VIEW_AUDIT
from reviewapp.core.csvexport import csv_response

from . import selectors
from .forms import AccessLogFilterForm, SecurityEventFilterForm
from .services import access_note

PAGE_SIZE = 50


def _require_auditor(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_AUDIT):
        raise PermissionDenied("The access log is for UM managers and administrators.")


def _filters(form) -> selectors.LogFilters:
    form.is_valid()
    data = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v}
    return selectors.LogFilters(**data)


def _page(queryset, number: str | None) -> tuple[list, int, bool]:
    try:
        page = max(1, int(number or 1))
    except ValueError:
        page = 1
    start = (page - 1) * PAGE_SIZE
    rows = list(queryset[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE


def _querystring(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    form = AccessLogFilterForm(request.GET or None)
    filters = _filters(form)
    rows, page, has_next = _page(selectors.access_events(filters=filters), request.GET.get("page"))
    access_note(request, terms=filters.describe(), result_count=len(rows))
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "querystring": _querystring(request),
    }
    template = "audit/access_log.html#results" if request.htmx else "audit/access_log.html"
    return render(request, template, context)


@require_GET
def security_events(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    form = SecurityEventFilterForm(request.GET or None)
    filters = _filters(form)
    rows, page, has_next = _page(
        selectors.security_events(filters=filters), request.GET.get("page")
    )
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "querystring": _querystring(request),
    }
    template = (
        "audit/security_events.html#results" if request.htmx else "audit/security_events.html"
    )
    return render(request, template, context)


# --- CSV export --------------------------------------------------------------------------------


def _when(at) -> str:
    return timezone.localtime(at).isoformat(timespec="seconds")


@require_GET
def access_log_export(request: HttpRequest) -> StreamingHttpResponse:
    _require_auditor(request)
    filters = _filters(AccessLogFilterForm(request.GET or None))
    access_note(request, terms=f"export {filters.describe()}".strip())
    events = selectors.access_events(filters=filters).iterator(chunk_size=2000)
    header = [
        "at",
        "username",
        "roles",
        "address",
        "what",
        "case_reference",
        "member_id",
        "object_type",
        "object_id",
        "detail",
        "terms",
        "result_count",
        "method",
        "path",
        "status",
    ]
    rows = (
        [
            _when(e.at),
            e.username,
            e.roles,
            e.address,
            e.get_kind_display(),
            e.case_reference,
            e.member_id,
            e.object_type,
            e.object_pk,
            e.detail,
            e.terms,
            e.result_count,
            e.method,
            e.path,
            e.status,
        ]
        for e in events
    )
    return csv_response(f"access-log-{timezone.localdate():%Y-%m-%d}.csv", header, rows)


@require_GET
def security_events_export(request: HttpRequest) -> StreamingHttpResponse:
    _require_auditor(request)
    filters = _filters(SecurityEventFilterForm(request.GET or None))
    events = selectors.security_events(filters=filters).iterator(chunk_size=2000)
    header = ["at", "event", "by", "account", "summary", "before", "after", "address"]
    rows = (
        [
            _when(e.at),
            e.get_kind_display(),
            e.actor_name,
            e.target_name,
            e.summary,
            e.before,
            e.after,
            e.address,
        ]
        for e in events
    )
    return csv_response(f"security-events-{timezone.localdate():%Y-%m-%d}.csv", header, rows)
