"""Decisions on a case: the medical director's queue and review page (exceptions, the decision
per code), and the decisions any reviewer may reach from the case page (approve, withdraw,
reopen for correction), whose URLs sit under the case's.

Shape: access -> form -> service -> respond. A refusal on the rules of who may decide answers 403
(and is recorded in the case timeline by the service); a refusal on the case's state re-renders
the page with the reason.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from criteria import selectors as library
from reviewapp.audit.services import access_note
from reviewapp.cases import pages, rules
from reviewapp.cases import selectors as case_selectors
from reviewapp.cases.models import Case
from reviewapp.cases.services import CaseActionRefused
from reviewapp.core.htmx import render_fragments
from reviewapp.core.pagination import paginate

from . import forms, selectors, services

REVIEW = "decisions/director_review.html"
CASE_PAGE = "cases/case_detail.html"
QUEUE_PAGE_SIZE = 25


def _require_director(request: HttpRequest) -> None:
    if rules.director_refusal(user=request.user):
        raise PermissionDenied("The medical director's pages are for medical directors.")


def _case_page(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    context = pages.case_context(
        case=case, user=request.user, determinations=selectors.determinations_for(case)
    )
    return {**context, **extra}


# --- the medical director ----------------------------------------------------------------------


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    _require_director(request)
    # A page at a time: a plan can have thousands of referred cases.
    page = paginate(
        selectors.director_queue(),
        request.GET.get("page"),
        size=QUEUE_PAGE_SIZE,
        rows=selectors.director_queue_rows(),
    )
    cases = page.object_list
    for case in cases:
        total = sum(1 for _ in library.engine_checklist(case.checklist).criteria())
        case.unknown = case.not_documented + (total - case.answered)
    access_note(request, result_count=len(cases))
    return render(request, "decisions/director_queue.html", {"cases": cases, "page": page})


def _review_context(
    request: HttpRequest, case: Case, *, decision_form=None, typed: dict | None = None, **extra
) -> dict:
    """The review page. ``typed``: reason wording the director had typed (posted along with an
    exception), kept for the criteria whose reasons are still required."""
    context = _case_page(request, case, on_review_page=True, **extra)
    ws = context["ws"]
    result = ws.rollup.result
    focus = [ws.rows[label] for label in result.failed + result.unknown]
    focus += [row for row in ws.rows.values() if row.exception and row not in focus]
    for row in focus:
        row.waiver_open = result.by_label[row.criterion.label].waiver_open
    drafts = selectors.reason_drafts(case=case, workspace=ws)
    if decision_form is None:
        typed = typed or {}
        decision_form = forms.DecisionForm(
            services=case.services.all(),
            drafts=drafts,
            initial={
                "p2p_offered_to": f"{case.provider_name} (NPI {case.provider_npi})",
                **{
                    forms.REASON_PREFIX + d.label: typed[d.label]
                    for d in drafts
                    if typed.get(d.label, "").strip()
                },
            },
        )
    else:
        decision_form.drafts = drafts
    return {
        **context,
        "focus": focus,
        "others": [row for row in ws.rows.values() if row not in focus],
        "decision_form": decision_form,
        "letter_language": selectors.letter_language(case),
    }


@require_GET
def review(request: HttpRequest, pk: int) -> HttpResponse:
    _require_director(request)
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    return render(request, REVIEW, _review_context(request, case))


def _respond(
    request: HttpRequest, case: Case, *, error: str = "", status: int = 200, done: str = ""
) -> HttpResponse:
    """``done`` says what changed; htmx puts it in the page's live region (errors are alerts)."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif done:
            messages.success(request, done)
        return redirect("decisions:review", pk=case.pk)
    # The reasons follow the exception at once (the criteria they cover changed); the wording the
    # director had typed for a criterion still open comes with the request and is kept. The rest
    # of the decision form is left alone.
    typed = {
        key[len(forms.REASON_PREFIX) :]: value
        for key, value in request.POST.items()
        if key.startswith(forms.REASON_PREFIX)
    }
    context = _review_context(request, case, error=error, typed=typed)
    fragments = [
        ("focus", context),
        ("decision-reasons", {**context, "oob": True}),
        ("timeline", {**context, "oob": True}),
    ]
    if done:
        fragments.append(("review-status", {"announcement": done}))
    return render_fragments(request, REVIEW, fragments, status=status)


@require_POST
def exception_grant(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    node = case_selectors.checklist_criterion_get(case=case, node_id=node_id)
    form = forms.ExceptionForm(request.POST)
    if not form.is_valid():
        return _respond(
            request, case, error=f"{node.label}: an exception needs a rationale.", status=422
        )
    try:
        services.exception_grant(
            case=case,
            criterion=node,
            by=request.user,
            rationale=form.cleaned_data["rationale"],
            waiver_condition=form.cleaned_data["waiver_condition"],
        )
    except services.DecisionForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except CaseActionRefused as exc:
        return _respond(request, case, error=str(exc), status=422)
    return _respond(request, case, done=f"Exception granted: {node.label} now counts as met.")


@require_POST
def exception_withdraw(request: HttpRequest, pk: int, exception_id: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    exception = case_selectors.exception_get(case=case, pk=exception_id)
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
    drafts = selectors.reason_drafts(case=case)
    form = forms.DecisionForm(request.POST, services=case.services.all(), drafts=drafts)
    if not form.is_valid():
        # The server decides who may decide: a nurse is refused (and audited) even on bad input.
        if refusal := rules.director_refusal(user=request.user):
            services.refusal_record(
                case=case, by=request.user, action="decide the case", reason=refusal
            )
            raise PermissionDenied(refusal)
        return render(
            request, REVIEW, _review_context(request, case, decision_form=form), status=422
        )
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
            reasons=form.reasons() if "deny" in form.code_decisions().values() else {},
            explanation=data["explanation"],
            rationale=data["rationale"],
            peer_to_peer=p2p,
        )
    except services.DecisionForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except CaseActionRefused as exc:
        # The reasons are drafted again from the criteria as they stand (the wording typed for a
        # criterion still open is kept); everything else stays as posted.
        required = {d.label: d.text for d in drafts}
        posted = request.POST.copy()
        for key in [k for k in posted if k.startswith(forms.REASON_PREFIX)]:
            if key[len(forms.REASON_PREFIX) :] not in required or not posted[key].strip():
                del posted[key]
        for label, text in required.items():
            posted.setdefault(forms.REASON_PREFIX + label, text)
        refreshed = forms.DecisionForm(posted, services=case.services.all(), drafts=drafts)
        refreshed.is_valid()
        refreshed.add_error(None, str(exc))
        return render(
            request, REVIEW, _review_context(request, case, decision_form=refreshed), status=422
        )
    outcome = determination.get_outcome_display().lower()
    messages.success(request, f"{case.reference}: {outcome}. Preview and sign the letter.")
    return redirect("decisions:review", pk=case.pk)


# --- decisions from the case page --------------------------------------------------------------


@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    """A reviewer approves a case whose answers meet every criterion."""
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    form = forms.ApproveForm(request.POST)
    if form.is_valid():
        try:
            services.case_approve_by_nurse(
                case=case, by=request.user, rationale=form.cleaned_data["rationale"]
            )
        except services.DecisionForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except CaseActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Case {case.reference} approved. Review and sign the letter."
            )
            return redirect("cases:detail", pk=case.pk)
    return render(request, CASE_PAGE, _case_page(request, case, action_form=form), status=422)


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The request is withdrawn (by the provider or the member) before a decision: by a medical
    director or the assigned reviewer, with a reason and, where the plan requires one, the
    member's notice."""
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    closed = rules.status_refusal(case, rules.WITHDRAWABLE, "withdrawn")
    refusal = rules.withdraw_refusal(case=case, user=request.user)
    if request.method == "GET" and refusal and not closed:
        raise PermissionDenied(refusal)
    notice_required = services.withdrawal_notice_required(case)
    initial = (
        {"notice_text": services.withdrawal_notice_draft(case=case)} if notice_required else {}
    )
    form = forms.WithdrawForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        notice = services.MemberNotice(channel=data["notice_channel"], text=data["notice_text"])
        try:
            services.case_withdraw(
                case=case,
                by=request.user,
                reason=data["reason"],
                member_notice=notice if notice_required else None,
            )
        except services.DecisionForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except CaseActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Case {case.reference} withdrawn.")
            return redirect("cases:detail", pk=case.pk)
    status = 422 if request.method == "POST" else 200
    context = _case_page(request, case, action_form=form, notice_required=notice_required)
    return render(request, "decisions/case_withdraw.html", context, status=status)


@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Reopen a decided case to correct its determination (which stays on record)."""
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    form = forms.ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.case_reopen(case=case, by=request.user, reason=form.cleaned_data["reason"])
        except services.DecisionForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except CaseActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Case {case.reference} reopened for correction; the earlier determination "
                "stays on record.",
            )
            return redirect("cases:detail", pk=case.pk)
    return render(request, CASE_PAGE, _case_page(request, case, action_form=form), status=422)
