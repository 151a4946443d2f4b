"""The medical director's queue and review page: exceptions and decisions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from criteria import selectors as library
from reviewapp.accounts.roles import DECIDE_ADVERSE
from reviewapp.audit.services import access_note
from reviewapp.cases import selectors as case_selectors
from reviewapp.cases.services import CaseActionRefused
from reviewapp.cases.views import _criterion_for, _ctx
from reviewapp.core.htmx import render_fragments

from . import forms, selectors, services
from .models import CriterionException

REVIEW = "decisions/director_review.html"


def _require_director(request: HttpRequest) -> None:
    if not request.user.has_perm(DECIDE_ADVERSE):
        raise PermissionDenied("The medical director's pages are for medical directors.")


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    _require_director(request)
    cases = list(selectors.director_queue())
    for case in cases:
        total = sum(1 for _ in library.engine_checklist(case.checklist).criteria())
        case.unknown = case.not_documented + (total - case.answered)
    access_note(request, result_count=len(cases))
    return render(request, "decisions/director_queue.html", {"cases": cases})


def _review_context(request: HttpRequest, case, *, decision_form=None, **extra) -> dict:
    ws = case_selectors.case_workspace(case)
    result = ws.rollup.result
    focus = [ws.rows[label] for label in result.failed + result.unknown]
    focus += [row for row in ws.rows.values() if row.exception and row not in focus]
    reasons_draft = services.draft_reasons(case, workspace=ws)
    if decision_form is None:
        decision_form = forms.DecisionForm(
            services=case.services.all(),
            initial={
                "reasons": reasons_draft,
                "p2p_offered_to": f"{case.provider_name} (NPI {case.provider_npi})",
            },
        )
    return {
        **_ctx(case, ws),
        "focus": focus,
        "others": [row for row in ws.rows.values() if row not in focus],
        "statuses": {c.label: c.status.value for c in result.criteria},
        "decision_form": decision_form,
        "reasons_draft": reasons_draft,
        "on_review_page": True,
        "determinations": selectors.determinations_for(case),
        "can_decide": case.status in services.DECIDABLE,
        **extra,
    }


@require_GET
def review(request: HttpRequest, pk: int) -> HttpResponse:
    _require_director(request)
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    return render(request, REVIEW, _review_context(request, case))


def _respond(
    request: HttpRequest, case, *, error: str = "", status: int = 200, done: str = ""
) -> HttpResponse:
    """``done`` says what changed; htmx puts it in the page's live region (errors are alerts)."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif done:
            messages.success(request, done)
        return redirect("decisions:review", pk=case.pk)
    ctx = _review_context(request, case, error=error)
    # The decision form is left alone, so nothing the director has typed there is lost; only the
    # reasons drafted from what is still open follow the change.
    fragments = [
        ("focus", ctx),
        ("reasons-draft", {**ctx, "oob": True}),
        ("timeline", {**ctx, "oob": True}),
    ]
    if done:
        fragments.append(("review-status", {"announcement": done}))
    return render_fragments(request, REVIEW, fragments, status=status)


@require_POST
def exception_grant(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    node = _criterion_for(case, node_id)
    form = forms.ExceptionForm(request.POST)
    if not form.is_valid():
        return _respond(
            request, case, error=f"{node.label}: an exception needs a rationale.", status=422
        )
    try:
        services.exception_grant(
            case=case, criterion=node, by=request.user, rationale=form.cleaned_data["rationale"]
        )
    except services.DecisionForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except CaseActionRefused as exc:
        return _respond(request, case, error=str(exc), status=422)
    return _respond(request, case, done=f"Exception granted: {node.label} now counts as met.")


@require_POST
def exception_withdraw(request: HttpRequest, pk: int, exception_id: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    exception = get_object_or_404(
        CriterionException.objects.select_related("criterion"), pk=exception_id, case=case
    )
    try:
        services.exception_withdraw(case=case, exception=exception, by=request.user)
    except services.DecisionForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except CaseActionRefused as exc:
        return _respond(request, case, error=str(exc), status=422)
    return _respond(request, case, done=f"Exception for {exception.criterion.label} withdrawn.")


@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    form = forms.DecisionForm(request.POST, services=case.services.all())
    if form.is_valid():
        data = form.cleaned_data
        p2p = None
        if data["p2p_offered_to"].strip():
            p2p = services.PeerToPeer(
                offered_to=data["p2p_offered_to"],
                offered_at=data["p2p_offered_at"] or timezone.now(),
                result=data["p2p_result"],
                notes=data["p2p_notes"],
            )
        try:
            determination = services.case_decide(
                case=case,
                by=request.user,
                code_decisions=form.code_decisions(),
                reasons=data["reasons"],
                rationale=data["rationale"],
                peer_to_peer=p2p,
            )
        except services.DecisionForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except CaseActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"{case.reference}: {determination.get_outcome_display().lower()}. "
                "Preview and sign the letter.",
            )
            return redirect("decisions:review", pk=case.pk)
    else:
        # The server decides who may decide: a nurse is refused (and audited) even on bad input.
        if not request.user.has_perm(DECIDE_ADVERSE):
            services.refusal_record(
                case=case,
                by=request.user,
                action="decide the case",
                reason="Only a medical director may do this.",
            )
            raise PermissionDenied("Only a medical director may do this.")
    return render(request, REVIEW, _review_context(request, case, decision_form=form), status=422)
