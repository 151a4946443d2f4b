"""The case page: the checklist with its facts and answers, and the full audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from reviewapp.core.htmx import back_to, render_fragments

from .. import forms, selectors, services
from ._case_page import (
    DETAIL,
    fragment_context,
    page_context,
    result_fragments,
    row_refused,
    row_response,
)


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    return render(request, DETAIL, page_context(request, case))


@require_POST
def answer_save(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    node = selectors.checklist_criterion_get(case=case, node_id=node_id)
    form = forms.AnswerForm(request.POST)
    attempt = {k: request.POST.get(k, "") for k in ("status", "note", "override_reason")}
    if not form.is_valid():
        error = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return row_refused(request, case, node, error, attempt=attempt)
    data = form.cleaned_data
    try:
        saved = services.answer_record(
            case=case,
            criterion=node,
            by=request.user,
            status=data["status"],
            note=data["note"],
            override_reason=data["override_reason"],
            expected_revision=data["revision"],
        )
    except services.EditConflict as exc:
        return row_refused(
            request, case, node, str(exc), conflict=exc.current, attempt=attempt, status=409
        )
    except services.CaseActionRefused as exc:
        return row_refused(request, case, node, str(exc), attempt=attempt)
    if not request.htmx:
        messages.success(request, f"{node.label} saved.")
        return back_to(reverse("cases:detail", args=[case.pk]), f"criterion-{node.pk}")
    return row_response(
        request, case, node.label, also=saved.criteria, facts_panel=bool(saved.facts)
    )


@require_POST
def fact_save(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    if name not in selectors.checklist_facts(case):
        raise Http404("That fact is not used by this case's checklist.")
    form = forms.FactForm(request.POST)
    saved, error, status = services.Saved(), "", 200
    if not form.is_valid():
        error, status = "Enter a valid value.", 422
    else:
        try:
            saved = services.fact_record(
                case=case,
                by=request.user,
                name=name,
                raw_value=form.cleaned_data["value"],
                expected_revision=form.cleaned_data["revision"],
            )
        except services.EditConflict as exc:
            error, status = str(exc), 409
        except services.CaseActionRefused as exc:
            error, status = str(exc), 422
    if not request.htmx:
        if error:
            messages.error(request, error)
        return back_to(reverse("cases:detail", args=[case.pk]), f"fact-{name}")
    context = fragment_context(request, case)
    typed = request.POST.get("value", "") if error else None
    fact = {"item": context["ws"].fact_row(name), "error": error, "attempt": typed}
    fragments = [("fact-row", {**context, **fact})]
    fragments += [
        ("criterion-row", {**context, "row": context["ws"].rows[label], "oob": True})
        for label in saved.criteria
    ]
    fragments += result_fragments(context)
    return render_fragments(request, DETAIL, fragments, status=status)


@require_GET
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The full audit trail of the case."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    events = selectors.case_events(case)
    return render(request, "cases/case_timeline.html", {"case": case, "events": events})
