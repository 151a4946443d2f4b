"""Staff pages for letters: preview and sign, download the signed PDF, verify a letter.

Shape: access -> form -> service -> respond. Every view on a determination starts with
``determination_get_for_user``, which applies the case's access rule.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.accounts.roles import REVIEW_CASES
from reviewapp.decisions.models import Determination, Outcome

from . import access_log, forms, selectors, services

PREVIEW = "letters/letter_preview.html"
VERIFY = "letters/letter_verify.html"


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
        f"The letter for {determination.case.reference} is signed and stored; the case is closed.",
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
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True,
        filename=f"{determination.case.reference}-determination-{determination.pk}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Upload a letter PDF: is its signature intact, who signed it, which determination it is."""
    if not request.user.has_perm(REVIEW_CASES):
        raise PermissionDenied("Only nurse reviewers and medical directors verify letters.")
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
    if determination.is_signed:
        problems = services.letter_integrity_problems(determination=determination)
    elif determination.outcome != Outcome.WITHDRAWN:
        letter_html = services.letter_render_html(determination=determination)
    return {
        "determination": determination,
        "case": case,
        # Rendered by our template with autoescaping; shown exactly as it will be signed.
        "letter_html": mark_safe(letter_html),  # nosec B308 B703
        "sign_form": forms.LetterSignForm(initial={"digest": services.letter_digest(letter_html)})
        if letter_html and not forbidden and not refused
        else None,
        "cannot_sign": refused or forbidden,
        "integrity_problems": problems,
        "error": error,
    }
