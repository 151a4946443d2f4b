"""Case actions with a short form: claim, reassign, pend for information, resume, refer to a
director."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.accounts.roles import REVIEW_CASES

from .. import forms, rules, selectors, services
from ._case_page import DETAIL, page_context


@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    try:
        services.case_claim(case=case, by=request.user)
        messages.success(request, f"Case {case.reference} is assigned to you.")
    except services.CaseActionRefused as exc:
        messages.error(request, str(exc))
    back_to_queue = request.POST.get("next") == reverse("cases:queue")
    return redirect("cases:queue" if back_to_queue else reverse("cases:detail", args=[case.pk]))


def _restored(context: dict, field: str) -> str | None:
    """What was typed into this page's form before the session ended, if anything."""
    typed = context["restored"].get(context["request_path"], {})
    return typed.get(field) or None


@require_http_methods(["GET", "POST"])
def pend(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    if request.method == "GET":
        workspace = selectors.case_workspace(case)
        context = page_context(request, case, workspace=workspace, request_path=request.path)
        draft = _restored(context, "request_text") or selectors.information_request_draft(
            workspace=workspace
        )
        context["action_form"] = forms.PendForm(initial={"request_text": draft})
        context["missing"] = selectors.information_missing(workspace=workspace)
        return render(request, "cases/case_pend.html", context)
    form = forms.PendForm(request.POST)
    if form.is_valid():
        try:
            services.case_pend(
                case=case, by=request.user, request_text=form.cleaned_data["request_text"]
            )
        except services.CaseActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Case {case.reference} pended; the request to the provider is recorded."
            )
            return redirect("cases:detail", pk=case.pk)
    context = page_context(request, case, action_form=form)
    context["missing"] = selectors.information_missing(workspace=context["ws"])
    return render(request, "cases/case_pend.html", context, status=422)


@require_POST
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    form = forms.ResumeForm(request.POST)
    if form.is_valid():
        try:
            services.case_resume(case=case, by=request.user, note=form.cleaned_data["note"])
        except services.CaseActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Review of {case.reference} resumed.")
            return redirect("cases:detail", pk=case.pk)
    return render(request, DETAIL, page_context(request, case, action_form=form), status=422)


@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    if request.method == "GET":
        workspace = selectors.case_workspace(case)
        context = page_context(request, case, workspace=workspace, request_path=request.path)
        draft = _restored(context, "summary") or selectors.referral_summary_draft(
            workspace=workspace
        )
        context["action_form"] = forms.ReferForm(initial={"summary": draft})
        return render(request, "cases/case_refer.html", context)
    form = forms.ReferForm(request.POST)
    if form.is_valid():
        try:
            services.case_refer_to_director(
                case=case, by=request.user, summary=form.cleaned_data["summary"]
            )
        except services.CaseActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Case {case.reference} referred to a medical director.")
            return redirect("cases:detail", pk=case.pk)
    context = page_context(request, case, action_form=form)
    return render(request, "cases/case_refer.html", context, status=422)


@require_POST
def recall(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a referral back (while no medical director has acted) to work the checklist again."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    if refusal := rules.recall_role_refusal(user=request.user):
        raise PermissionDenied(refusal)
    try:
        services.case_recall_referral(case=case, by=request.user)
    except services.CaseActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Referral of {case.reference} recalled; the checklist is open again."
        )
    return redirect("cases:detail", pk=case.pk)


@require_GET
def reassign_find(request: HttpRequest) -> HttpResponse:
    """Find a case by its reference to reassign it (a UM manager's way in: managers have no
    work queue)."""
    selectors.reassigners_only(request.user)
    reference = request.GET.get("reference", "").strip()[:30]
    case = selectors.case_by_reference(reference=reference) if reference else None
    if case is not None:
        return redirect("cases:reassign", pk=case.pk)
    error = f"No case has the reference {reference}." if reference else ""
    context = {"reference": reference, "error": error}
    return render(request, "cases/case_reassign_find.html", context, status=404 if error else 200)


@require_http_methods(["GET", "POST"])
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the case to another reviewer: the assigned reviewer, a medical director or a UM
    manager (who reaches the case from here, not through the case page)."""
    case = selectors.case_get_for_reassignment(user=request.user, pk=pk)
    closed = rules.status_refusal(case, rules.REASSIGNABLE, "reassigned")
    refusal = rules.reassign_refusal(case=case, user=request.user)
    if request.method == "GET" and refusal and not closed:
        raise PermissionDenied(refusal)
    reviewers = selectors.reviewers_for_assignment()
    form = forms.ReassignForm(request.POST or None, reviewers=reviewers)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_reassign(
                case=case,
                by=request.user,
                to=form.cleaned_data["assign_to"],
                reason=form.cleaned_data["reason"],
            )
        except services.ReassignForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except services.CaseActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Case {case.reference} reassigned.")
            mine = request.user.has_perm(REVIEW_CASES)
            return redirect("cases:detail" if mine else "cases:reassign", pk=case.pk)
    status = 422 if request.method == "POST" else 200
    context = {"case": case, "form": form, "closed": closed}
    return render(request, "cases/case_reassign.html", context, status=status)
