"""The document viewer: pages shown as pictures rendered on the server, in a frame where nothing
can run.

A PDF opened by the browser's own viewer may run the document's script; here a PDF's pages are
rendered to PNG by PDFium on the server (``reviewapp.core.pdfs``), the viewer page carries no
script and a Content-Security-Policy that allows none (and sandboxes it), and the case pages
frame it with a sandbox that does not allow scripts. The raw PDF is only ever a download.

- ``/cases/<pk>/evidence/<id>/view/?page=N`` opens the viewer at page N (the checklist's links
  and search hits open a document at its page this way);
- ``/cases/<pk>/evidence/<id>/pages/<N>.png`` is page N as an image (PDF and TIFF documents).

What is shown is read with its SHA-256 checked against the one recorded at upload: a file
changed in storage since then is not shown.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from reviewapp.core.pdfs import PdfRefused, pdf_page_png

from .. import selectors, services
from ..models import Evidence

VIEWER_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'self'; sandbox allow-same-origin allow-forms allow-downloads"
)
IMAGE_CSP = "default-src 'none'; sandbox; frame-ancestors 'self'"
MAX_SIDE = 2400  # pixels: an absurd page size is scaled down, never rendered whole
TEXT_SHOWN = 512 * 1024  # characters of a text document shown in the viewer


def _evidence(request: HttpRequest, pk: int, evidence_id: int) -> Evidence:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    return get_object_or_404(Evidence.objects.select_related("case"), pk=evidence_id, case=case)


def _page_count(evidence: Evidence) -> int:
    return evidence.page_count or 1


@require_safe
@xframe_options_sameorigin
def evidence_view(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    evidence = _evidence(request, pk, evidence_id)
    pages = _page_count(evidence)
    try:
        asked = int(request.GET.get("page") or 1)
    except ValueError:
        asked = 1
    page = min(max(asked, 1), pages)
    text = ""
    if evidence.content_type == "text/plain":
        try:
            data = services.evidence_read_verified(evidence=evidence)
        except services.EvidenceCorrupt as exc:
            return _corrupt(exc)
        text = data[: TEXT_SHOWN * 4].decode("utf-8", errors="replace")[:TEXT_SHOWN]
    context = {
        "evidence": evidence,
        "case": evidence.case,
        "page": page,
        "pages": pages,
        "asked": asked,
        "out_of_range": asked != page,
        "paged": evidence.content_type in ("application/pdf", "image/tiff"),
        "text": text,
        "text_cut": len(text) >= TEXT_SHOWN,
        "previous": page - 1 if page > 1 else None,
        "next": page + 1 if page < pages else None,
    }
    response = render(request, "cases/evidence_viewer.html", context)
    response["Content-Security-Policy"] = VIEWER_CSP
    return response


@require_safe
@xframe_options_sameorigin
def evidence_page(request: HttpRequest, pk: int, evidence_id: int, page: int) -> HttpResponse:
    """One page as a PNG. A page the document does not have is a 404, a page that cannot be
    rendered a 422: both with a message, never a server error."""
    evidence = _evidence(request, pk, evidence_id)
    if evidence.content_type not in ("application/pdf", "image/tiff"):
        raise Http404("Only PDF and TIFF documents are shown page by page.")
    pages = _page_count(evidence)
    if not 1 <= page <= pages:
        raise Http404(f"This document has {pages} page{'s' if pages > 1 else ''}.")
    try:
        data = services.evidence_read_verified(evidence=evidence)
    except services.EvidenceCorrupt as exc:
        return _corrupt(exc)
    try:
        if evidence.content_type == "application/pdf":
            png = pdf_page_png(data, page=page, dpi=settings.EVIDENCE_VIEWER_DPI, max_side=MAX_SIDE)
        else:
            png = _tiff_page_png(data, page=page)
    except PdfRefused as exc:
        return HttpResponse(
            f"Page {page} cannot be shown: {exc}.", status=422, content_type="text/plain"
        )
    response = HttpResponse(png, content_type="image/png")
    response["Content-Security-Policy"] = IMAGE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _corrupt(exc: Exception) -> HttpResponse:
    """A document whose bytes no longer match the SHA-256 recorded at upload is not shown."""
    return HttpResponse(str(exc), status=500, content_type="text/plain; charset=utf-8")


def _tiff_page_png(data: bytes, *, page: int) -> bytes:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.seek(page - 1)
            frame = image.convert("RGB") if image.mode not in ("1", "L", "RGB") else image.copy()
        frame.thumbnail((MAX_SIDE, MAX_SIDE))
        out = io.BytesIO()
        frame.save(out, format="PNG")
        return out.getvalue()
    except Exception as exc:  # any decoder failure is a refusal, not a 500
        raise PdfRefused(f"the image cannot be decoded ({exc.__class__.__name__})") from None
