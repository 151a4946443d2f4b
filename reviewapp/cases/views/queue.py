"""The work queue: my cases, unassigned, pended, referred, all open; filters and search.

Reviewers work it; a UM manager reads it (``selectors.queue_access_for``), filtered as the
dashboard's counts link to it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reviewapp.audit.services import access_note
from reviewapp.core.pagination import paginate

from .. import forms, rules, selectors

PAGE_SIZE = 25


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    access = selectors.queue_access_for(user=request.user)
    form = forms.QueueFilterForm(request.GET)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if v} if form.is_bound else {}
    tab = data.get("tab") or access.default_tab
    filters = selectors.QueueFilters(
        tab=tab if tab in access.tabs else access.default_tab,
        status=data.get("status", ""),
        policy=data.get("policy", ""),
        priority=data.get("priority", ""),
        q=data.get("q", ""),
        due=data.get("due", ""),
        age=data.get("age", ""),
        reviewer=data.get("reviewer"),
        line_of_business=data.get("line_of_business", ""),
    )
    cases = selectors.queue_cases(user=request.user, filters=filters)
    params = request.GET.copy()
    params.pop("page", None)
    page = paginate(cases, request.GET.get("page"), size=PAGE_SIZE)
    access_note(request, result_count=len(page.object_list))
    context = {
        "form": form,
        "filters": filters,
        "access": access,
        "page": page,
        "tabs": access.tabs,
        "claimable": rules.CLAIMABLE,  # the states a case can be claimed in
        "querystring": params.urlencode(),
        "dashboard_filters": _dashboard_filters(filters, params),
    }
    template = "cases/queue.html#queue-results" if request.htmx else "cases/queue.html"
    return render(request, template, context)


def _dashboard_filters(filters: selectors.QueueFilters, params) -> list[dict[str, str]]:
    """The filters the queue's form does not show (set by a dashboard link), each with the
    query string that removes it."""
    shown = []
    for name, label in selectors.queue_filter_labels(filters).items():
        rest = params.copy()
        rest.pop(name, None)
        shown.append({"label": label, "remove": rest.urlencode()})
    return shown
