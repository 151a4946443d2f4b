"""Appeal pages: the queue, filing, the appeal page (documents, the clock, the appeal's own
answers, the decision), the appeal letter, and the independent review case file.

Shape: access -> form -> service -> respond. A refusal on who the person is answers 403 (the
service has recorded it in the case timeline); a refusal on state or input re-renders the page
with the reason and everything typed kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.audit.services import access_note
from reviewapp.cases import rules as case_rules
from reviewapp.cases.models import DocumentType, LineOfBusiness
from reviewapp.cases.selectors import case_get_for_user, checklist_criterion_get, evidence_get
from reviewapp.core.htmx import back_to, render_fragments
from reviewapp.decisions.selectors import authorization_for, current_determination
from reviewapp.letters import services as letters
from reviewapp.letters.content.readability import letter_readability
from reviewapp.letters.forms import LetterSignForm
from reviewapp.letters.selectors import letter_for_determination, letters_for_case

from . import forms, rules, selectors, services
from .models import Appeal, AppealStatus

QUEUE = "appeals/queue.html"
DETAIL = "appeals/appeal_detail.html"
FILE = "appeals/appeal_file.html"
LETTER = "appeals/appeal_letter.html"


def _require_staff(request: HttpRequest) -> None:
    if refusal := rules.staff_refusal(user=request.user):
        raise PermissionDenied(refusal)


# --- the queue ---------------------------------------------------------------------------------


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    tab = request.GET.get("tab") or "open"
    if tab not in selectors.QUEUE_TABS:
        tab = "open"
    lob = request.GET.get("lob", "")
    if lob not in LineOfBusiness.values:
        lob = ""
    appeals = list(selectors.appeal_queue(user=request.user, tab=tab, line_of_business=lob))
    access_note(request, result_count=len(appeals))
    counts = selectors.queue_counts()
    context = {
        "appeals": appeals,
        "tab": tab,
        "tab_label": selectors.QUEUE_TABS[tab],
        "tabs": [(key, label, counts.get(key)) for key, label in selectors.QUEUE_TABS.items()],
        "lob": lob,
        "lines": LineOfBusiness.choices,
    }
    return render(request, f"{QUEUE}#appeal-list" if request.htmx else QUEUE, context)


# --- filing ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def file(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an appeal of the case's adverse determination, with the documents sent with it."""
    case = case_get_for_user(user=request.user, pk=pk)
    form = forms.AppealFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        filing = services.AppealFiling(
            requester=data["requester"],
            requester_name=data["requester_name"],
            received_via=data["received_via"],
            received_at=data["received_at"],
            request_summary=data["request_summary"],
            expedited_requested=data["expedited_requested"],
            provider_supports_expedited=data["provider_supports_expedited"],
            representative_relationship=data["representative_relationship"],
            representative_authorized=data["representative_authorized"],
            good_cause=data["good_cause"],
        )
        documents = (
            services.AppealDocuments(
                files=data["files"],
                doc_type=data["doc_type"],
                document_date=data["document_date"],
                source=data["source"],
            )
            if data["files"]
            else None
        )
        try:
            appeal = services.appeal_file(
                case=case, by=request.user, filing=filing, documents=documents
            )
        except services.AppealForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except services.AppealRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Appeal {appeal.reference} recorded ({appeal.get_priority_display().lower()}); "
                "it is in the appeals queue.",
            )
            return redirect("appeals:detail", pk=appeal.pk)
    current = current_determination(case)
    refusal = case_rules.appeal_file_refusal(case=case, user=request.user, current=current)
    windows = {}
    if current is not None and not refusal:
        refusal = rules.appeal_again_refusal(
            determination=current,
            appeals=list(current.appeals.all()),
            made_on_appeal=Appeal.objects.filter(new_determination=current).exists(),
        )
        current.case = case
        windows = {
            priority: selectors.filing_window(determination=current, priority=priority)
            for priority in ("standard", "expedited")
        }
    context = {
        "case": case,
        "current": current,
        "form": form,
        "refusal": refusal,
        "window": windows.get("standard"),
        "rules": {
            r.priority: r
            for r in selectors.clock_rules().filter(line_of_business=case.line_of_business)
        },
    }
    return render(request, FILE, context, status=422 if request.method == "POST" else 200)


# --- the appeal page ---------------------------------------------------------------------------


def _context(request: HttpRequest, appeal: Appeal, **extra: Any) -> dict[str, Any]:
    ws = selectors.appeal_workspace(appeal)
    actions = selectors.appeal_actions(user=request.user, appeal=appeal)
    decision_form = extra.pop("decision_form", None)
    typed = extra.pop("typed", None) or {}
    drafts = selectors.appeal_reason_drafts(ws) if actions.review else []
    if decision_form is None and actions.review:
        # What the reviewer had typed in the decision form (sent along with an answer) is kept
        # for the criteria whose reasons are still required.
        decision_form = forms.AppealDecisionForm(
            codes=ws.denied_codes, drafts=drafts, initial={k: v for k, v in typed.items() if v}
        )
    elif decision_form is not None:
        decision_form.drafts = drafts
    clock_rule = selectors.clock_rule_for(
        line_of_business=appeal.case.line_of_business, priority=appeal.priority
    )
    return {
        "appeal": appeal,
        "case": appeal.case,
        "ws": ws,
        "actions": actions,
        "clock_rule": clock_rule,
        "reviewer_rule": selectors.reviewer_rule_for(appeal.case),
        "decision_form": decision_form,
        "answer_form_statuses": forms.AppealAnswerStatus.choices,
        "documents_form": extra.pop("documents_form", None) or forms.AppealDocumentsForm(),
        "decline_form": extra.pop("decline_form", None) or forms.ExpediteDeclineForm(),
        "extend_form": extra.pop("extend_form", None) or forms.ExtendForm(),
        "withdraw_form": extra.pop("withdraw_form", None) or forms.WithdrawForm(),
        "sent_form": extra.pop("sent_form", None) or forms.IndependentReviewSentForm(),
        "doc_types": DocumentType.choices,
        "ire": selectors.independent_review_for(appeal)
        if appeal.status == AppealStatus.DECIDED
        else None,
        "notice_sent_at": selectors.appeal_notice_sent_at(appeal),
        "authorization": authorization_for(appeal.new_determination)
        if appeal.new_determination_id
        else None,
        **extra,
    }


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_get_for_user(user=request.user, pk=pk)
    return render(request, DETAIL, _context(request, appeal))


def _done(request: HttpRequest, appeal: Appeal, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("appeals:detail", pk=appeal.pk)


def _refused(request: HttpRequest, appeal: Appeal, error: str, **forms_kept: Any) -> HttpResponse:
    context = _context(request, appeal, error=error, **forms_kept)
    return render(request, DETAIL, context, status=422)


@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_get_for_user(user=request.user, pk=pk)
    try:
        services.appeal_claim(appeal=appeal, by=request.user)
    except services.AppealForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except services.AppealRefused as exc:
        return _refused(request, appeal, str(exc))
    return _done(request, appeal, f"Appeal {appeal.reference} is yours to review.")


@require_POST
def documents(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_get_for_user(user=request.user, pk=pk)
    form = forms.AppealDocumentsForm(request.POST, request.FILES)
    if not form.is_valid():
        return _refused(
            request, appeal, "Nothing was added; see the documents form.", documents_form=form
        )
    data = form.cleaned_data
    try:
        added = services.appeal_documents_add(
            appeal=appeal,
            by=request.user,
            documents=services.AppealDocuments(
                files=data["files"],
                doc_type=data["doc_type"],
                document_date=data["document_date"],
                source=data["source"],
            ),
        )
    except services.AppealForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except services.AppealRefused as exc:
        return _refused(request, appeal, f"Nothing was added: {exc}", documents_form=form)
    if not added:
        messages.info(request, "Those documents are on the appeal already.")
        return redirect("appeals:detail", pk=appeal.pk)
    return _done(
        request, appeal, f"Added to the appeal: {', '.join(e.original_name for e in added)}."
    )


@require_POST
def answer(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    """The appeal reviewer answers a criterion again (one row; htmx swaps it and the result)."""
    appeal = selectors.appeal_get_for_user(user=request.user, pk=pk)
    node = checklist_criterion_get(case=appeal.case, node_id=node_id)
    form = forms.AppealAnswerForm(request.POST)
    error, status, conflict = "", 200, None
    if not form.is_valid():
        error, status = "Choose a status and say what the appeal showed.", 422
    else:
        data = form.cleaned_data
        evidence = None
        if data["evidence"]:
            evidence = evidence_get(case=appeal.case, pk=data["evidence"])
            if evidence is None:
                error, status = "That document is not on this case.", 422
        if not error:
            try:
                services.appeal_answer_record(
                    appeal=appeal,
                    criterion=node,
                    by=request.user,
                    status=data["status"],
                    note=data["note"] or "",
                    evidence=evidence,
                    pages=data["pages"] or "",
                    expected_revision=data["revision"],
                )
            except services.AppealForbidden as exc:
                raise PermissionDenied(str(exc)) from None
            except services.AppealConflict as exc:
                error, status, conflict = str(exc), 409, exc.current
            except services.AppealRefused as exc:
                error, status = str(exc), 422
    if not request.htmx:
        if error:
            messages.error(request, f"{node.label}: {error}")
        return back_to(reverse("appeals:detail", args=[appeal.pk]), f"appeal-criterion-{node.pk}")
    appeal.refresh_from_db()
    typed = {
        key: value
        for key, value in request.POST.items()
        if key.startswith((forms.REASON_PREFIX, "code_")) or key in ("explanation", "rationale")
    }
    context = _context(request, appeal, typed=typed)
    row = context["ws"].rows[node.label]
    attempt = dict(request.POST.items()) if error else {}
    fragments = [
        (
            "appeal-row",
            {**context, "row": row, "error": error, "conflict": conflict, "attempt": attempt},
        ),
        ("appeal-result", {**context, "oob": True}),
        ("appeal-decision", {**context, "oob": True}),
        ("appeal-timeline", {**context, "oob": True}),
    ]
    return render_fragments(request, DETAIL, fragments, status=status)


@require_POST
def expedite_decline(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_get_for_user(user=request.user, pk=pk)
    form = forms.ExpediteDeclineForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_expedite_decline(
                appeal=appeal,
                by=request.user,
                reason=form.cleaned_data["reason"],
                member_told=form.cleaned_data["member_told"],
            )
        except services.AppealForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except services.AppealRefused as exc:
            form.add_error(None, str(exc))
        else:
            return _done(
                request, appeal, f"Appeal {appeal.reference} is on the standard clock now."
            )
    elif rules.director_refusal(user=request.user):
        raise PermissionDenied(rules.ONLY_DIRECTORS)
    return _refused(request, appeal, "The expedited request was not declined.", decline_form=form)


@require_POST
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_get_for_user(user=request.user, pk=pk)
    form = forms.ExtendForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_extend(appeal=appeal, by=request.user, **form.cleaned_data)
        except services.AppealForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except services.AppealRefused as exc:
            form.add_error(None, str(exc))
        else:
            return _done(request, appeal, f"Appeal {appeal.reference} extended.")
    return _refused(request, appeal, "The appeal was not extended.", extend_form=form)


@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_get_for_user(user=request.user, pk=pk)
    form = forms.WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_withdraw(
                appeal=appeal, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.AppealForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except services.AppealRefused as exc:
            form.add_error(None, str(exc))
        else:
            return _done(request, appeal, f"Appeal {appeal.reference} withdrawn.")
    return _refused(request, appeal, "The appeal was not withdrawn.", withdraw_form=form)


@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_get_for_user(user=request.user, pk=pk)
    ws = selectors.appeal_workspace(appeal, events=False)
    drafts = selectors.appeal_reason_drafts(ws)
    form = forms.AppealDecisionForm(request.POST, codes=ws.denied_codes, drafts=drafts)
    if not form.is_valid():
        # Who may decide is the server's to say: a refused reviewer is refused (and audited)
        # even on bad input.
        if refusal := selectors.reviewer_refusal(appeal=appeal, user=request.user):
            services.refusal_record(
                appeal=appeal, by=request.user, action="decide the appeal", reason=refusal
            )
            raise PermissionDenied(refusal)
        return _refused(
            request,
            appeal,
            "The appeal was not decided: see the decision form.",
            decision_form=form,
        )
    data = form.cleaned_data
    decisions = form.code_decisions()
    try:
        services.appeal_decide(
            appeal=appeal,
            by=request.user,
            code_decisions=decisions,
            reasons=form.reasons() if "deny" in decisions.values() else {},
            explanation=data["explanation"],
            rationale=data["rationale"],
        )
    except services.AppealForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except services.AppealRefused as exc:
        posted = request.POST.copy()
        required = {d.label: d.text for d in drafts}
        for key in [k for k in posted if k.startswith(forms.REASON_PREFIX)]:
            if key[len(forms.REASON_PREFIX) :] not in required:
                del posted[key]
        for label, text in required.items():
            posted.setdefault(forms.REASON_PREFIX + label, text)
        refreshed = forms.AppealDecisionForm(posted, codes=ws.denied_codes, drafts=drafts)
        refreshed.is_valid()
        refreshed.add_error(None, str(exc))
        return _refused(request, appeal, str(exc), decision_form=refreshed)
    appeal.refresh_from_db()
    return _done(
        request,
        appeal,
        f"Appeal {appeal.reference} {appeal.get_outcome_display().lower()}. Preview and sign its letter.",
    )


# --- the appeal's letter -----------------------------------------------------------------------


def _letter_context(request: HttpRequest, appeal: Appeal, *, error: str = "") -> dict[str, Any]:
    html, content_error = "", ""
    letter = None
    if appeal.letter_id is not None:
        letter = next(
            (item for item in letters_for_case(appeal.case) if item.pk == appeal.letter_id), None
        )
    elif appeal.status == AppealStatus.DECIDED:
        try:
            html = services.appeal_letter_content(appeal=appeal).html()
        except services.AppealRefused as exc:
            content_error = str(exc)
    forbidden = rules.sign_forbidden(appeal=appeal, user=request.user)
    refused = rules.sign_refusal(appeal=appeal)
    language, large_print = selectors.appeal_letter_language(appeal)
    return {
        "appeal": appeal,
        "case": appeal.case,
        "letter_html": mark_safe(html),  # nosec B308 B703 - our template's output, autoescaped
        "sign_form": LetterSignForm(initial={"digest": letters.letter_digest(html)})
        if html and not forbidden and not refused
        else None,
        "cannot_sign": refused or forbidden or content_error,
        "readability": letter_readability(html) if html else None,
        "language": language,
        "large_print": large_print,
        "letter": letter,
        "new_determination_letter": letter_for_determination(appeal.new_determination)
        if appeal.new_determination_id and letter is None
        else None,
        "error": error,
    }


@require_GET
@never_cache
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_get_for_user(user=request.user, pk=pk)
    return render(request, LETTER, _letter_context(request, appeal))


@require_POST
def letter_sign(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_get_for_user(user=request.user, pk=pk)
    form = LetterSignForm(request.POST)
    if not form.is_valid():
        error = " ".join(e for errors in form.errors.values() for e in errors)
        if refusal := rules.sign_forbidden(appeal=appeal, user=request.user):
            services.refusal_record(
                appeal=appeal, by=request.user, action="sign the appeal letter", reason=refusal
            )
            raise PermissionDenied(refusal)
        return render(
            request,
            LETTER,
            _letter_context(request, appeal, error=f"Not signed. {error}"),
            status=422,
        )
    try:
        services.appeal_letter_sign(
            appeal=appeal, by=request.user, preview_digest=form.cleaned_data["digest"]
        )
    except services.AppealForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except services.AppealRefused as exc:
        return render(request, LETTER, _letter_context(request, appeal, error=str(exc)), status=409)
    except letters.LetterRefused as exc:
        return render(
            request, LETTER, _letter_context(request, appeal, error=str(exc)), status=exc.status
        )
    messages.success(
        request,
        f"The letter of appeal {appeal.reference} is signed and stored, and queued for the member and "
        "the provider. The appeal's clock stops when the member's copy is sent.",
    )
    return redirect("appeals:detail", pk=appeal.pk)


# --- the independent review entity -------------------------------------------------------------


@require_GET
def case_file(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_get_for_user(user=request.user, pk=pk)
    ire = selectors.independent_review_for(appeal)
    if ire is None or not ire.case_file_sha256:
        raise Http404("No case file has been exported for this appeal.")
    try:
        data = services.case_file_bytes(ire=ire)
    except services.AppealRefused as exc:
        return HttpResponse(str(exc), status=409, content_type="text/plain")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{appeal.case.reference}-{appeal.reference}-case-file.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def case_file_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_get_for_user(user=request.user, pk=pk)
    try:
        ire = services.independent_review_prepare(appeal=appeal, by=request.user)
    except services.AppealForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except services.AppealRefused as exc:
        return _refused(request, appeal, str(exc))
    return _done(request, appeal, f"Case file exported: {ire.case_file_pages} pages.")


@require_POST
def case_file_sent(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_get_for_user(user=request.user, pk=pk)
    form = forms.IndependentReviewSentForm(request.POST)
    if form.is_valid():
        try:
            services.independent_review_sent(
                appeal=appeal, by=request.user, confirmation=form.cleaned_data["confirmation"]
            )
        except services.AppealForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except services.AppealRefused as exc:
            form.add_error(None, str(exc))
        else:
            return _done(
                request, appeal, "Recorded: the case file went to the independent review entity."
            )
    return _refused(request, appeal, "The forwarding was not recorded.", sent_form=form)
