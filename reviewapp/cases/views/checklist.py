"""The case page: the checklist with its facts and answers, the facts' proposals applied, and
the full audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from reviewapp.core.htmx import back_to, render_fragments

from .. import forms, selectors, services
from ..models import AnswerStatus
from ._case_page import (
    DETAIL,
    fragment_context,
    page_context,
    result_fragments,
    row_refused,
    row_response,
    saved_redirect,
)

ATTEMPT_FIELDS = ("evidence", "pages", "status", "note", "override_reason")


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    return render(request, DETAIL, page_context(request, case))


@require_POST
def answer_save(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    """One step: the document and pages chosen in the row (linked first), then the status."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    node = selectors.checklist_criterion_get(case=case, node_id=node_id)
    form = forms.AnswerForm(request.POST)
    attempt = {k: request.POST.get(k, "") for k in ATTEMPT_FIELDS}
    if not form.is_valid():
        error = " ".join(e for errors in form.errors.values() for e in errors)
        return row_refused(request, case, node, error, attempt=attempt)
    data = form.cleaned_data
    link = None
    if data["evidence"]:
        evidence = selectors.evidence_get(case=case, pk=data["evidence"])
        if evidence is None:
            return row_refused(request, case, node, "That document is not on this case.")
        link = selectors.EvidenceChoice(evidence, data["pages"])
    try:
        if data["status"]:
            saved = services.answer_record(
                case=case,
                criterion=node,
                by=request.user,
                status=data["status"],
                note=data["note"],
                override_reason=data["override_reason"],
                expected_revision=data["revision"],
                link=link,
            )
            done = f"{node.label} saved as {AnswerStatus(data['status']).label.lower()}"
        else:
            assert link is not None  # the form asks for a status or a document
            services.evidence_link(
                case=case, by=request.user, evidence=link.evidence, criterion=node, pages=link.pages
            )
            saved, done = services.Saved(criteria=(node.label,)), f"{link.describe()} linked"
    except services.EditConflict as exc:
        return row_refused(
            request, case, node, str(exc), conflict=exc.current, attempt=attempt, status=409
        )
    except services.CaseActionRefused as exc:
        return row_refused(request, case, node, str(exc), attempt=attempt)
    if link and data["status"]:
        done += f", with {link.describe()}"
    if not request.htmx:
        return saved_redirect(request, case, f"criterion-{node.pk}", f"{done}.")
    return row_response(
        request,
        case,
        node.label,
        also=saved.criteria,
        facts_panel=bool(saved.facts),
        announcement=f"{done}.",
    )


@require_POST
def proposal_apply(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    """Answer one criterion with its facts' proposal, linking the documents they came from."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    node = selectors.checklist_criterion_get(case=case, node_id=node_id)
    form = forms.ProposalApplyForm(request.POST)
    if not form.is_valid():
        return row_refused(request, case, node, "Reload the page and try again.")
    try:
        applied = services.proposal_apply(
            case=case,
            criterion=node,
            by=request.user,
            expected_revision=form.cleaned_data["revision"],
        )
    except services.EditConflict as exc:
        return row_refused(request, case, node, str(exc), conflict=exc.current, status=409)
    except services.CaseActionRefused as exc:
        return row_refused(request, case, node, str(exc))
    done = (
        f"{node.label}: the facts' proposal, {AnswerStatus(applied.status).label.lower()}, applied"
        + (f", with {', '.join(applied.linked)}" if applied.linked else "")
        + "."
    )
    if not request.htmx:
        return saved_redirect(request, case, f"criterion-{node.pk}", done)
    return row_response(request, case, node.label, announcement=done)


@require_POST
def proposals_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply the facts' proposal to every unanswered criterion they decide; say which ones are
    left (a document missing, or facts that do not decide them)."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    error, result = "", None
    try:
        result = services.proposals_apply_all(case=case, by=request.user)
    except services.CaseActionRefused as exc:
        error = str(exc)
    summary = error or _applied_summary(result)
    if not request.htmx:
        (messages.error if error else messages.success)(request, summary)
        return back_to(reverse("cases:detail", args=[case.pk]), "checklist")
    context = fragment_context(request, case)
    rows = context["ws"].rows
    fragments = [("apply-all", {**context, "apply_result": result, "apply_error": error})]
    fragments += [
        ("criterion-row", {**context, "row": rows[label], "oob": True})
        for label in (result.labels if result else ())
    ]
    if result and result.applied:
        # The documents' "relied on by" lists follow the links just made.
        fragments.append(("evidence-panel", {**context, "oob": True}))
    fragments += [f for f in result_fragments(context, announcement=summary) if f[0] != "apply-all"]
    return render_fragments(request, DETAIL, fragments, status=422 if error else 200)


def _applied_summary(result: services.AppliedAll | None) -> str:
    if result is None:
        return ""
    parts = []
    if result.applied:
        count = len(result.applied)
        parts.append(
            f"Applied the facts' proposals to {count} criteri{'a' if count != 1 else 'on'}: "
            + ", ".join(f"{a.label} {AnswerStatus(a.status).label.lower()}" for a in result.applied)
            + "."
        )
    else:
        parts.append("No proposal was applied.")
    if result.needs_document:
        parts.append(f"Still need a document: {', '.join(result.needs_document)}.")
    if result.undecided:
        parts.append(f"Not decided by the facts: {', '.join(result.undecided)}.")
    return " ".join(parts)


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
        data = form.cleaned_data
        source = None
        if data["source"]:
            evidence = selectors.evidence_get(case=case, pk=data["source"])
            if evidence is None:
                error, status = "That document is not on this case.", 422
            else:
                source = selectors.EvidenceChoice(evidence, data["source_pages"])
        if not error:
            try:
                saved = services.fact_record(
                    case=case,
                    by=request.user,
                    name=name,
                    raw_value=data["value"],
                    expected_revision=data["revision"],
                    source=source,
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
    """The full audit trail of the case (reviewers, and UM managers reading a case's clock)."""
    case = selectors.case_get_for_oversight(user=request.user, pk=pk)
    events = selectors.case_events(case)
    # A manager reads the trail, not the case page.
    open_case = selectors.queue_access_for(user=request.user).work
    context = {"case": case, "events": events, "open_case": open_case}
    return render(request, "cases/case_timeline.html", context)
