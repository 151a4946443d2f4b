"""Staff pages for letters: preview and sign, download, verify, and send (the mail room).

Shape: access -> form -> service -> respond. Every view on a determination or a letter starts
with its access selector, which applies the case's access rule.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.accounts.roles import REVIEW_CASES
from reviewapp.cases.selectors import case_get_for_user
from reviewapp.decisions.models import Determination, Outcome

from . import access_log, forms, selectors, services
from .content.readability import letter_readability
from .models import Delivery, MailBatch

PREVIEW = "letters/letter_preview.html"
VERIFY = "letters/letter_verify.html"
MAIL_ROOM = "letters/mail_room.html"


def _require_reviewer(request: HttpRequest, what: str) -> None:
    if not request.user.has_perm(REVIEW_CASES):
        raise PermissionDenied(f"Only nurse reviewers and medical directors {what}.")


@require_GET
@never_cache
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    determination = selectors.determination_get_for_user(user=request.user, pk=pk)
    return render(request, PREVIEW, _preview_context(request, determination))


@require_POST
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    determination = selectors.determination_get_for_user(user=request.user, pk=pk)
    form = forms.LetterSignForm(request.POST)
    if not form.is_valid():
        error = " ".join(e for errors in form.errors.values() for e in errors)
        context = _preview_context(request, determination, error=f"Not signed. {error}")
        return render(request, PREVIEW, context, status=422)
    try:
        services.letter_sign(
            determination=determination,
            by=request.user,
            preview_digest=form.cleaned_data["digest"],
        )
    except services.LetterRefused as exc:
        context = _preview_context(request, determination, error=str(exc))
        return render(request, PREVIEW, context, status=exc.status)
    messages.success(
        request,
        f"The letter for {determination.case.reference} is signed and stored, and queued for "
        "the member and the provider. The case closes when the member's copy is sent.",
    )
    return redirect("letters:preview", pk=determination.pk)


@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed letter's stored bytes, identical on every download."""
    determination = selectors.determination_get_for_user(user=request.user, pk=pk)
    if not determination.is_signed:
        raise Http404("This letter is not signed yet.")
    try:
        data = services.letter_signed_bytes(determination=determination)
    except services.LetterRefused as exc:
        context = _preview_context(request, determination, error=str(exc))
        return render(request, PREVIEW, context, status=exc.status)
    return _pdf_response(data, f"{determination.case.reference}-determination-{determination.pk}")


@require_GET
def letter_file(request: HttpRequest, pk: int) -> HttpResponse:
    """Any issued letter's stored bytes (an extension notice, a determination letter)."""
    letter = selectors.letter_get_for_user(user=request.user, pk=pk)
    try:
        data = services.letter_file_bytes(letter=letter)
    except services.LetterRefused as exc:
        return HttpResponse(str(exc), status=exc.status, content_type="text/plain")
    return _pdf_response(data, f"{letter.case.reference}-{letter.kind}-{letter.pk}")


def _pdf_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{name}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Upload a letter PDF: is its signature intact, who signed it, which letter it is."""
    _require_reviewer(request, "verify letters")
    form = forms.LetterVerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = services.letter_verify(data=form.cleaned_data["file"].read())
        access_log.verification_note(request, result.determinations)
    status = 422 if request.method == "POST" and result is None else 200
    return render(request, VERIFY, {"form": form, "result": result}, status=status)


def _preview_context(request: HttpRequest, determination: Determination, *, error: str = ""):
    case = determination.case
    forbidden = selectors.sign_forbidden_reason(determination=determination, user=request.user)
    refused = selectors.sign_refused_reason(determination=determination, case=case)
    letter_html = ""
    problems: list[str] = []
    content_error = ""
    letter = None
    if determination.is_signed:
        problems = services.letter_integrity_problems(determination=determination)
        letter = selectors.letter_for_determination(determination)
    elif determination.outcome != Outcome.WITHDRAWN:
        try:
            letter_html = services.letter_render_html(determination=determination)
        except services.LetterRefused as exc:
            content_error = str(exc)
    options = selectors.case_print_options(case)
    return {
        "determination": determination,
        "case": case,
        # Rendered by our template with autoescaping; shown exactly as it will be signed.
        "letter_html": mark_safe(letter_html),  # nosec B308 B703
        "sign_form": forms.LetterSignForm(initial={"digest": services.letter_digest(letter_html)})
        if letter_html and not forbidden and not refused
        else None,
        "cannot_sign": refused or forbidden or content_error,
        "integrity_problems": problems,
        "readability": letter_readability(letter_html) if letter_html else None,
        "options": options,
        "letter": letter,
        "error": error,
    }


@require_POST
def extension_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign the notice that a pend extended the due time, and queue it for the member."""
    _require_reviewer(request, "sign extension notices")
    case = case_get_for_user(user=request.user, pk=pk)
    previous = selectors.extension_notice_due(case)
    if previous is None:
        messages.error(request, "No extension notice is due on this case.")
        return redirect("cases:detail", pk=case.pk)
    try:
        services.extension_notice_issue(case=case, by=request.user, previous_due_at=previous)
    except services.LetterRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            "The extension notice is signed and queued for the member and the provider "
            "(see the mail room).",
        )
    return redirect("cases:detail", pk=case.pk)


# --- sending -----------------------------------------------------------------------------------


@require_POST
def delivery_sent(request: HttpRequest, pk: int) -> HttpResponse:
    """A faxed or portal copy went out: record when and by whom."""
    _require_reviewer(request, "send letters")
    delivery = get_object_or_404(Delivery.objects.select_related("letter"), pk=pk)
    case_get_for_user(user=request.user, pk=delivery.letter.case_id)
    try:
        services.delivery_mark_sent(delivery=delivery, by=request.user)
    except services.LetterRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"The {delivery.get_recipient_display().lower()}'s copy is recorded as sent by "
            f"{delivery.get_channel_display().lower()}.",
        )
    if delivery.letter.determination_id:
        return redirect("letters:preview", pk=delivery.letter.determination_id)
    return redirect("letters:mail-room")


@require_GET
@never_cache
def mail_room(request: HttpRequest) -> HttpResponse:
    """Copies waiting to go out, and the mail batches printed so far."""
    _require_reviewer(request, "send letters")
    unsent = list(selectors.unsent_deliveries())
    batches = list(
        selectors.mail_batches().annotate(copies=Count("deliveries")).order_by("-created_at")[:20]
    )
    return render(
        request,
        MAIL_ROOM,
        {
            "to_print": [
                d for d in unsent if d.channel == Delivery.Channel.MAIL and not d.batch_id
            ],
            "in_batches": [d for d in unsent if d.batch_id],
            "other": [d for d in unsent if d.channel != Delivery.Channel.MAIL],
            "batches": batches,
        },
    )


@require_POST
def mail_batch_create(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request, "send letters")
    try:
        batch = services.mail_batch_create(by=request.user)
    except services.LetterRefused as exc:
        messages.error(request, str(exc))
        return redirect("letters:mail-room")
    messages.success(
        request,
        f"Mail batch {batch.pk} is ready to print ({batch.page_count} pages). Download it, print "
        "it, fold each letter into a window envelope, then mark the batch sent.",
    )
    return redirect("letters:mail-room")


@require_GET
def mail_batch_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request, "print letters")
    batch = get_object_or_404(MailBatch, pk=pk)
    try:
        data = services.mail_batch_bytes(batch=batch)
    except services.LetterRefused as exc:
        return HttpResponse(str(exc), status=exc.status, content_type="text/plain")
    return _pdf_response(data, f"mail-batch-{batch.pk}")


@require_POST
def mail_batch_sent(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request, "send letters")
    batch = get_object_or_404(MailBatch, pk=pk)
    try:
        services.mail_batch_mark_sent(batch=batch, by=request.user)
    except services.LetterRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Mail batch {batch.pk} is recorded as sent.")
    return redirect("letters:mail-room")
