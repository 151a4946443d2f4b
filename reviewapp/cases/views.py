"""Views for the nurse's day: queue, intake, the case checklist, evidence, pend and refer.

Shape: access -> form -> service -> respond. htmx requests get the fragment (and out-of-band
updates of the rollup and timeline); plain requests get a redirect back to the case page.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from criteria import selectors as library
from criteria.codes import catalogue, parse_code_list, suggest_stage
from criteria.library_files import STAGES
from criteria.models import Node
from reviewapp.accounts.roles import REVIEW_CASES
from reviewapp.core.htmx import back_to, render_fragments, url_pattern
from reviewapp.decisions import services as decision_services

from . import forms, selectors, services
from .models import AnswerStatus, CaseStatus, DocumentType, Evidence, EvidenceLink, TurnaroundRule

DETAIL = "cases/case_detail.html"
PAGE_SIZE = 25


def _require_reviewer(request: HttpRequest) -> None:
    if not request.user.has_perm(REVIEW_CASES):
        raise PermissionDenied("Only nurse reviewers and medical directors work cases.")


class NoCountPage(Page):
    """A page that knows whether there is a next one without counting every case."""

    def __init__(self, items, number: int, has_next: bool) -> None:
        self.object_list, self.number, self._has_next = items, number, has_next

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def paginate(queryset, page_param: str | None) -> NoCountPage:
    try:
        number = max(1, int(page_param or 1))
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    # Keys first, in the same query: the offset is walked on the index alone, and only the rows
    # shown are joined with their policy and reviewer (a deep page used to join every row
    # before it, so page 200 cost three times page 1).
    keys = queryset.values("pk")[start : start + PAGE_SIZE + 1]
    items = list(queryset.filter(pk__in=keys))
    return NoCountPage(items[:PAGE_SIZE], number, len(items) > PAGE_SIZE)


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
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
    page = paginate(
        selectors.queue_cases(user=request.user, filters=filters), request.GET.get("page")
    )
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "tabs": selectors.QUEUE_TABS,
        "querystring": _querystring(request, exclude=("page",)),
    }
    template = "cases/queue.html#queue-results" if request.htmx else "cases/queue.html"
    return render(request, template, context)


def _querystring(request: HttpRequest, exclude=()) -> str:
    params = request.GET.copy()
    for key in exclude:
        params.pop(key, None)
    return params.urlencode()


@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    form = forms.IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        intake_data = services.Intake(
            member_name=data["member_name"],
            member_id=data["member_id"],
            member_dob=data["member_dob"],
            provider_name=data["provider_name"],
            provider_npi=data["provider_npi"],
            line_of_business=data["line_of_business"],
            priority=data["priority"],
            policy=data["policy"],
            indication=data["indication"],
            stage=data["stage"],
            received_at=data["received_at"],
            clinical_summary=data["clinical_summary"],
            services=data["codes"],
        )
        try:
            case = services.case_create(
                intake=intake_data, by=request.user, assign_to_me=data["assign_to_me"]
            )
        except services.CaseActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Case {case.reference} opened.")
            return redirect("cases:detail", pk=case.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "cases/intake.html",
        {
            "form": form,
            "known_codes": forms.known_codes(),
            "rules": TurnaroundRule.objects.all(),
        },
        status=status,
    )


@require_GET
def stage_hint(request: HttpRequest) -> HttpResponse:
    """What the typed codes suggest (the intake form asks as the nurse types)."""
    _require_reviewer(request)
    try:
        codes = parse_code_list(request.GET.get("codes", ""))
    except ValueError as exc:
        return HttpResponse(str(exc) if request.GET.get("codes") else "")
    stage = suggest_stage([code for code, _ in codes])
    described = "; ".join(f"{c}: {catalogue()[c].description}" for c, _ in codes)
    hint = (
        f"Stage from the codes: {STAGES[stage]}. "
        if stage
        else "The codes do not say which stage. "
    )
    return HttpResponse(hint + described)


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    return render(request, DETAIL, _detail_context(request, case))


def _detail_context(request: HttpRequest, case, **extra) -> dict:
    from reviewapp.decisions import selectors as decision_selectors

    workspace = selectors.case_workspace(case)
    rule = TurnaroundRule.objects.get(
        line_of_business=case.line_of_business, priority=case.priority
    )
    return {
        **_ctx(case, workspace),
        "rule": rule,
        "determinations": decision_selectors.determinations_for(case),
        "is_director": request.user.has_perm("accounts.decide_adverse"),
        "pend_draft": _pend_draft(workspace),
        **extra,
    }


class CaseUrls:
    """The case page's per-row URLs, reversed once per page (see ``url_pattern``)."""

    def __init__(self, case) -> None:
        self.answer = url_pattern("cases:criterion-answer", case.pk)
        self.link = url_pattern("cases:evidence-link", case.pk)
        self.unlink = url_pattern("cases:evidence-unlink", case.pk)
        self.file = url_pattern("cases:evidence-file", case.pk)
        self.fact = url_pattern("cases:fact-save", case.pk)


def _ctx(case, ws) -> dict:
    """What every case fragment needs."""
    return {
        "case": case,
        "ws": ws,
        "can_edit": case.status in services.EDITABLE,
        "answer_statuses": AnswerStatus.choices,
        "doc_types": DocumentType.choices,
        "urls": CaseUrls(case),
        # Every criterion row offers the case's documents: built once, not once per row.
        "evidence_options": format_html_join(
            "", '<option value="{}">{}</option>', ((e.pk, e.original_name) for e in ws.evidence)
        ),
    }


def _pend_draft(workspace) -> str:
    """The information request drafted from unknown / undocumented criteria and the checklist's
    documents to request."""
    rows = workspace.rows
    missing = [
        row
        for row in rows.values()
        if (row.status in ("", "not_documented") and row.proposed in ("unknown", ""))
        or row.status == "not_documented"
    ]
    lines = [
        f"Re: {workspace.case.reference}, {workspace.case.member_name} "
        f"(member ID {workspace.case.member_id})",
        "",
        "To complete the review we need documentation for the following:",
    ]
    for row in missing:
        lines.append(f"- {row.criterion.label}: {row.criterion.text}")
    docs = workspace.documents_to_request
    if docs:
        lines += ["", "Please send:"] + [f"- {doc}" for doc in docs]
    return "\n".join(lines)


def _row_response(
    request,
    case,
    label: str,
    *,
    status: int = 200,
    error: str = "",
    conflict=None,
    attempt: dict | None = None,
    extra_rows=(),
    facts_panel: bool = False,
) -> HttpResponse:
    ws = selectors.case_workspace(case)
    ctx = _ctx(case, ws)
    fragments = [
        (
            "criterion-row",
            {
                **ctx,
                "row": ws.rows[label],
                "error": error,
                "conflict": conflict,
                "attempt": attempt or {},
            },
        )
    ]
    for other in extra_rows:
        if other != label:
            fragments.append(("criterion-row", {**ctx, "row": ws.rows[other], "oob": True}))
    if facts_panel:
        fragments.append(("facts-panel", {**ctx, "oob": True}))
    fragments += _result_fragments(case, ctx)
    return render_fragments(request, DETAIL, fragments, status=status)


def _result_fragments(case, ctx: dict) -> list[tuple[str, dict]]:
    """What every save changes besides its own row: the result, the approve button (in the case
    header, enabled once every criterion is met) and the timeline, all out of band."""
    oob = {**ctx, "oob": True}
    fragments = [("rollup", oob)]
    if case.status == CaseStatus.IN_REVIEW:
        fragments.append(("approve-action", oob))
    return [*fragments, ("timeline", oob)]


def _criterion_for(case, node_id: int) -> Node:
    for node in library.checklist_nodes(case.checklist).values():
        if node.pk == node_id:
            return node
    raise Http404("That criterion is not on this case's checklist.")


@require_POST
def answer_save(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    node = _criterion_for(case, node_id)
    form = forms.AnswerForm(request.POST)
    attempt = {k: request.POST.get(k, "") for k in ("status", "note", "override_reason")}
    if not form.is_valid():
        error = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return _fail(request, case, node, error, attempt=attempt)
    data = form.cleaned_data
    try:
        services.answer_record(
            case=case,
            criterion=node,
            by=request.user,
            status=data["status"],
            note=data["note"],
            override_reason=data["override_reason"],
            expected_revision=data["revision"],
        )
    except services.EditConflict as exc:
        return _fail(
            request, case, node, str(exc), conflict=exc.current, attempt=attempt, status=409
        )
    except services.CaseActionRefused as exc:
        return _fail(request, case, node, str(exc), attempt=attempt)
    if not request.htmx:
        messages.success(request, f"{node.label} saved.")
        return back_to(reverse("cases:detail", args=[case.pk]), f"criterion-{node.pk}")
    criterion = library.engine_checklist(case.checklist).criterion(node.label)
    single = services.single_fact_of(criterion)
    related = _rows_reading({single[0]} if single else set(), case)
    return _row_response(request, case, node.label, extra_rows=related, facts_panel=bool(single))


def _rows_reading(names: set[str], case) -> list[str]:
    checklist = library.engine_checklist(case.checklist)
    return [c.label for c in checklist.criteria() if names & set(c.facts)]


def _fail(request, case, node, error: str, *, conflict=None, attempt=None, status=422):
    if request.htmx:
        return _row_response(
            request,
            case,
            node.label,
            status=status,
            error=error,
            conflict=conflict,
            attempt=attempt,
        )
    messages.error(request, f"{node.label}: {error}")
    return back_to(reverse("cases:detail", args=[case.pk]), f"criterion-{node.pk}")


@require_POST
def fact_save(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    if name not in selectors.checklist_facts(case):
        raise Http404("That fact is not used by this case's checklist.")
    form = forms.FactForm(request.POST)
    error, status = "", 200
    if not form.is_valid():
        error, status = "Enter a valid value.", 422
    else:
        try:
            services.fact_record(
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
    ws = selectors.case_workspace(case)
    ctx = _ctx(case, ws)
    fragments = [
        (
            "fact-row",
            {
                **ctx,
                "item": next(i for i in ws.facts if i[0].name == name),
                "error": error,
                "attempt": request.POST.get("value", "") if error else None,
            },
        )
    ]
    fragments += [
        ("criterion-row", {**ctx, "row": ws.rows[label], "oob": True})
        for label in _rows_reading({name}, case)
    ]
    fragments += _result_fragments(case, ctx)
    return render_fragments(request, DETAIL, fragments, status=status)


@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    try:
        services.case_claim(case=case, by=request.user)
        messages.success(request, f"Case {case.reference} is assigned to you.")
    except services.CaseActionRefused as exc:
        messages.error(request, str(exc))
    return redirect(
        request.POST.get("next")
        if request.POST.get("next") == reverse("cases:queue")
        else reverse("cases:detail", args=[case.pk])
    )


@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    form = forms.EvidenceUploadForm(request.POST, request.FILES)
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            results = services.evidence_upload(
                case=case,
                by=request.user,
                files=data["files"],
                doc_type=data["doc_type"],
                document_date=data["document_date"],
                source=data["source"],
            )
        except services.CaseActionRefused as exc:
            error = str(exc)
        else:
            for result in results:
                if result.duplicate:
                    messages.info(
                        request,
                        f"{result.evidence.original_name} is already on this "
                        "case (same content); it was not stored again.",
                    )
                else:
                    messages.success(request, f"{result.evidence.original_name} uploaded.")
    else:
        error = " ".join(f"{e}" for errs in form.errors.values() for e in errs)
    if error:
        messages.error(request, f"Nothing was uploaded: {error}")
    if not request.htmx:
        return back_to(reverse("cases:detail", args=[case.pk]), "evidence")
    ctx = _detail_context(request, case, oob=True)
    # Each criterion's document list follows the upload; the rows themselves are left alone, so
    # an answer being typed in one of them is not lost.
    links = [("link-form", {**ctx, "row": row}) for row in ctx["ws"].rows.values()]
    response = render_fragments(
        request,
        DETAIL,
        [
            ("evidence-panel", {**ctx, "oob": False, "upload_form": form if error else None}),
            *links,
            ("timeline", ctx),
            ("messages", ctx),
        ],
        status=422 if error else 200,
    )
    # Whatever else shows the case's documents (their reading progress) refreshes itself.
    return trigger_client_event(response, "evidence-changed", after="settle")


@require_GET
@xframe_options_sameorigin
def evidence_file(request: HttpRequest, pk: int, evidence_id: int) -> FileResponse:
    """The document itself, to signed-in staff allowed on the case; never a public URL."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    evidence = get_object_or_404(Evidence, pk=evidence_id, case=case)
    inline = (
        evidence.content_type in ("application/pdf", "image/png", "image/jpeg", "text/plain")
        and request.GET.get("download") != "1"
    )
    try:
        data = services.evidence_read_verified(evidence=evidence)
    except services.EvidenceCorrupt as exc:
        return HttpResponse(str(exc), status=500, content_type="text/plain; charset=utf-8")
    response = FileResponse(io.BytesIO(data), content_type=evidence.content_type)
    if evidence.content_type == "text/plain":
        response["Content-Type"] = "text/plain; charset=utf-8"
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not inline, filename=evidence.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; "
        "style-src 'unsafe-inline'; frame-ancestors 'self'"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def evidence_link(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    node = _criterion_for(case, node_id)
    form = forms.EvidenceLinkForm(request.POST)
    if not form.is_valid():
        return _fail(request, case, node, "Choose a document to link.")
    evidence = Evidence.objects.filter(pk=form.cleaned_data["evidence"], case=case).first()
    if evidence is None:
        return _fail(request, case, node, "That document is not on this case.")
    try:
        services.evidence_link(
            case=case,
            by=request.user,
            evidence=evidence,
            criterion=node,
            pages=form.cleaned_data["pages"],
        )
    except services.CaseActionRefused as exc:
        return _fail(request, case, node, str(exc))
    if not request.htmx:
        return back_to(reverse("cases:detail", args=[case.pk]), f"criterion-{node.pk}")
    return _row_response(request, case, node.label)


@require_POST
def evidence_unlink(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    link = get_object_or_404(
        EvidenceLink.objects.select_related("criterion", "evidence"), pk=link_id, case=case
    )
    node = link.criterion
    try:
        services.evidence_unlink(case=case, by=request.user, link=link)
    except services.CaseActionRefused as exc:
        return _fail(request, case, node, str(exc))
    if not request.htmx:
        return back_to(reverse("cases:detail", args=[case.pk]), f"criterion-{node.pk}")
    return _row_response(request, case, node.label)


def _action(
    request: HttpRequest, pk: int, form_class, template: str, run, *, success: str, initial=None
) -> HttpResponse:
    """A case action with a short form: GET shows it, POST runs the service."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    form = form_class(
        request.POST if request.method == "POST" else None,
        initial=initial(case) if initial else None,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                run(case, form.cleaned_data)
            except services.CaseActionRefused as exc:
                form.add_error(None, str(exc))
            except decision_services.DecisionForbidden as exc:
                raise PermissionDenied(str(exc)) from None
            else:
                messages.success(request, success.format(case=case))
                return redirect("cases:detail", pk=case.pk)
        status = 422
    context = _detail_context(request, case, action_form=form)
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def pend(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        forms.PendForm,
        "cases/case_pend.html",
        lambda case, d: services.case_pend(
            case=case, by=request.user, request_text=d["request_text"]
        ),
        success="Case {case.reference} pended; the request to the provider is recorded.",
        initial=lambda case: {"request_text": _pend_draft(selectors.case_workspace(case))},
    )


@require_POST
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        forms.ResumeForm,
        "cases/case_detail.html",
        lambda case, d: services.case_resume(case=case, by=request.user, note=d["note"]),
        success="Review of {case.reference} resumed.",
    )


@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        forms.ReferForm,
        "cases/case_refer.html",
        lambda case, d: services.case_refer_to_director(
            case=case, by=request.user, summary=d["summary"]
        ),
        success="Case {case.reference} referred to a medical director.",
        initial=lambda case: {"summary": _referral_draft(selectors.case_workspace(case))},
    )


def _referral_draft(ws) -> str:
    lines = [
        f"{ws.case.checklist.title} under {ws.case.policy_version}.",
        f"Answers: {ws.rollup.answered} of {ws.rollup.total}; result {ws.rollup.outcome.value}.",
    ]
    for label in ws.rollup.failed:
        lines.append(f"Not met: {label} {ws.rows[label].criterion.text}")
    for label in ws.rollup.unknown:
        lines.append(f"Not documented: {label} {ws.rows[label].criterion.text}")
    return "\n".join(lines)


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        forms.WithdrawForm,
        "cases/case_withdraw.html",
        lambda case, d: decision_services.case_withdraw(
            case=case, by=request.user, reason=d["reason"]
        ),
        success="Case {case.reference} withdrawn.",
    )


@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        forms.ApproveForm,
        "cases/case_detail.html",
        lambda case, d: decision_services.case_approve_by_nurse(
            case=case, by=request.user, rationale=d["rationale"]
        ),
        success="Case {case.reference} approved. Review and sign the letter.",
    )


@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    from reviewapp.decisions.forms import ReopenForm

    return _action(
        request,
        pk,
        ReopenForm,
        "cases/case_detail.html",
        lambda case, d: decision_services.case_reopen(
            case=case, by=request.user, reason=d["reason"]
        ),
        success="Case {case.reference} reopened for correction; the earlier determination stays on record.",
    )


@require_GET
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    events = case.events.select_related("actor__staff_profile")
    return render(request, "cases/case_timeline.html", {"case": case, "events": events})
