"""The documents panel of a case (reading progress, suggested facts, search) and the nurse's
decision on each suggestion.

Shape: access (the case, for this user) -> form -> service -> respond. htmx requests get the
panel fragment; a decision also tells the case page (``case-updated``) to refresh its checklist,
facts, result and timeline. Plain requests are redirected back to the case page.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from reviewapp.cases import selectors as case_selectors
from reviewapp.cases import services as case_services
from reviewapp.cases.models import Evidence
from reviewapp.core.htmx import back_to

from . import selectors, services
from .models import Suggestion

PAGE = "documents/case_documents.html"


class SearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, strip=True)


def _panel_context(request: HttpRequest, case, **extra) -> dict:
    return {
        "case": case,
        "panel": selectors.documents_panel(case),
        "can_edit": case.status in case_services.EDITABLE,
        **extra,
    }


@require_GET
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    template = f"{PAGE}#documents-panel" if request.htmx else PAGE
    return render(request, template, _panel_context(request, case, search=SearchForm()))


@require_GET
def search(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    hits = selectors.case_search(case=case, query=query) if query else []
    context = {"case": case, "search": form, "query": query, "hits": hits}
    if request.htmx:
        return render(request, f"{PAGE}#search-results", context)
    return render(request, PAGE, {**_panel_context(request, case), **context})


@require_GET
def page_text(request: HttpRequest, pk: int, evidence_id: int, number: int) -> HttpResponse:
    """The text read from one page (what OCR made of a scan), to check a suggestion's quote."""
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    evidence = get_object_or_404(Evidence, pk=evidence_id, case=case)
    page = selectors.page_text(evidence=evidence, number=number)
    if page is None:
        raise Http404("That page has not been read.")
    return render(
        request, "documents/page_text.html", {"case": case, "evidence": evidence, "page": page}
    )


def _decided(request: HttpRequest, case, *, error: str = "", status: int = 200) -> HttpResponse:
    if not request.htmx:
        if error:
            messages.error(request, error)
        return back_to(reverse("cases:detail", args=[case.pk]), "documents")
    response = render(
        request,
        f"{PAGE}#documents-panel",
        _panel_context(request, case, error=error),
        status=status,
    )
    if not error:
        # The case page refreshes what the decision changed: facts, criteria, evidence links.
        trigger_client_event(response, "case-updated", after="settle")
    return response


@require_POST
def suggestion_accept(request: HttpRequest, pk: int, suggestion_id: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    suggestion = get_object_or_404(Suggestion, pk=suggestion_id, case=case)
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
    suggestion = get_object_or_404(Suggestion, pk=suggestion_id, case=case)
    try:
        services.suggestion_dismiss(suggestion=suggestion, by=request.user)
    except case_services.CaseActionRefused as exc:
        return _decided(request, case, error=str(exc), status=422)
    return _decided(request, case)


@require_POST
def read_again(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    evidence = get_object_or_404(Evidence, pk=evidence_id, case=case)
    reading = selectors.reading_for(evidence=evidence)
    if reading is None:
        raise Http404("That document has no reading.")
    try:
        services.reading_restart(reading=reading, by=request.user)
    except case_services.CaseActionRefused as exc:
        return _decided(request, case, error=str(exc), status=422)
    return _decided(request, case)
