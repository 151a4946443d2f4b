"""The work queue: my cases, unassigned, pended, referred, all open; filters and search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reviewapp.audit.services import access_note
from reviewapp.core.pagination import paginate

from .. import forms, rules, selectors
from ._case_page import require_reviewer

PAGE_SIZE = 25


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    require_reviewer(request)
    form = forms.QueueFilterForm(request.GET)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if v} if form.is_bound else {}
    filters = selectors.QueueFilters(
        tab=data.get("tab") or "mine",
        status=data.get("status", ""),
        policy=data.get("policy", ""),
        priority=data.get("priority", ""),
        q=data.get("q", ""),
    )
    cases = selectors.queue_cases(user=request.user, filters=filters)
    params = request.GET.copy()
    params.pop("page", None)
    page = paginate(cases, request.GET.get("page"), size=PAGE_SIZE)
    access_note(request, result_count=len(page.object_list))
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "tabs": selectors.QUEUE_TABS,
        "claimable": rules.CLAIMABLE,  # the states a case can be claimed in
        "querystring": params.urlencode(),
    }
    template = "cases/queue.html#queue-results" if request.htmx else "cases/queue.html"
    return render(request, template, context)
