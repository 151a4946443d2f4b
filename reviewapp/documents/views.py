"""The documents panel of a case (reading progress, suggested facts, search) and the nurse's
decision on each suggestion.

Shape: access (the case, for this user) -> form -> service -> respond. htmx requests get the
panel fragment; a decision also tells the case page (``case-updated``) to refresh its checklist,
facts, result and timeline. Plain requests are redirected back to the case page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from reviewapp.audit.services import access_note
from reviewapp.cases import rules as case_rules
from reviewapp.cases import selectors as case_selectors
from reviewapp.cases import services as case_services
from reviewapp.cases.models import Case, Evidence
from reviewapp.core.htmx import back_to

from . import selectors, services
from .forms import SearchForm
from .models import Suggestion

PAGE = "documents/case_documents.html"


def _panel_context(case: Case, user: Any, **extra: Any) -> dict[str, Any]:
    return {
        "case": case,
        "panel": selectors.documents_panel(case),
        # The same guards as the services' (suggestions are decided, documents read again, only
        # while this user may change the case's answers, facts and evidence: not a nurse on a
        # referred case, and only whoever works the case).
        "can_edit": not case_rules.edit_refusal(case=case, user=user)
        and not case_rules.work_refusal(case=case, user=user),
        **extra,
    }


def _evidence(case: Case, evidence_id: int) -> Evidence:
    evidence = case_selectors.evidence_get(case=case, pk=evidence_id)
    if evidence is None:
        raise Http404("No such document on this case.")
    return evidence


def _suggestion(case: Case, suggestion_id: int) -> Suggestion:
    suggestion = selectors.suggestion_get(case=case, pk=suggestion_id)
    if suggestion is None:
        raise Http404("No such suggestion on this case.")
    return suggestion


@require_GET
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    template = f"{PAGE}#documents-panel" if request.htmx else PAGE
    return render(request, template, _panel_context(case, request.user, search=SearchForm()))


@require_GET
def search(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    hits = selectors.case_search(case=case, query=query) if query else []
    access_note(request, result_count=len(hits))
    context = {"case": case, "search": form, "query": query, "hits": hits}
    if request.htmx:
        return render(request, f"{PAGE}#search-results", context)
    return render(request, PAGE, {**_panel_context(case, request.user), **context})


@require_GET
def page_text(request: HttpRequest, pk: int, evidence_id: int, number: int) -> HttpResponse:
    """The text read from one page (what OCR made of a scan), to check a suggestion's quote."""
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    evidence = _evidence(case, evidence_id)
    page = selectors.page_text(evidence=evidence, number=number)
    if page is None:
        raise Http404("That page has not been read.")
    return render(
        request, "documents/page_text.html", {"case": case, "evidence": evidence, "page": page}
    )


def _decided(
    request: HttpRequest, case: Case, *, error: str = "", status: int = 200
) -> HttpResponse:
    if not request.htmx:
        if error:
            messages.error(request, error)
        return back_to(reverse("cases:detail", args=[case.pk]), "documents")
    response = render(
        request,
        f"{PAGE}#documents-panel",
        _panel_context(case, request.user, error=error),
        status=status,
    )
    if not error:
        # The case page refreshes what the decision changed: facts, criteria, evidence links.
        trigger_client_event(response, "case-updated", after="settle")
    return response


@require_POST
def suggestion_accept(request: HttpRequest, pk: int, suggestion_id: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    suggestion = _suggestion(case, suggestion_id)
    try:
        accepted = services.suggestion_accept(suggestion=suggestion, by=request.user)
    except case_services.EditConflict as exc:
        return _decided(request, case, error=str(exc), status=409)
    except case_services.CaseActionRefused as exc:
        return _decided(request, case, error=str(exc), status=422)
    if not request.htmx:
        linked = ", ".join(accepted.criteria) or "no criterion"
        messages.success(request, f"Accepted from page {suggestion.page}; linked to {linked}.")
    return _decided(request, case)


@require_POST
def suggestion_dismiss(request: HttpRequest, pk: int, suggestion_id: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    suggestion = _suggestion(case, suggestion_id)
    try:
        services.suggestion_dismiss(suggestion=suggestion, by=request.user)
    except case_services.CaseActionRefused as exc:
        return _decided(request, case, error=str(exc), status=422)
    return _decided(request, case)


@require_POST
def read_again(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    evidence = _evidence(case, evidence_id)
    reading = selectors.reading_for(evidence=evidence)
    if reading is None:
        raise Http404("That document has no reading.")
    try:
        services.reading_restart(reading=reading, by=request.user)
    except case_services.CaseActionRefused as exc:
        return _decided(request, case, error=str(exc), status=422)
    return _decided(request, case)
