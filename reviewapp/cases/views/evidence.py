"""Evidence: uploading documents, serving them privately, linking them to criteria."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from reviewapp.core.htmx import back_to, render_fragments

from .. import forms, selectors, services
from ._case_page import DETAIL, page_context, row_refused, row_response

# A PDF is never opened inline (a browser's PDF viewer may run the document's script): it is a
# download, and the viewer (views/viewer.py) shows its pages as server-rendered pictures.
INLINE_TYPES = ("image/png", "image/jpeg", "text/plain")


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
                name = result.evidence.original_name
                if result.duplicate:
                    messages.info(
                        request,
                        f"{name} is already on this case (same content); it was not stored again.",
                    )
                else:
                    messages.success(request, f"{name} uploaded.")
    else:
        error = " ".join(f"{e}" for errs in form.errors.values() for e in errs)
    if error:
        messages.error(request, f"Nothing was uploaded: {error}")
    if not request.htmx:
        return back_to(reverse("cases:detail", args=[case.pk]), "evidence")
    context = page_context(request, case, oob=True)
    # Each criterion's document list follows the upload; the rows themselves are left alone, so
    # an answer being typed in one of them is not lost.
    links = [("link-form", {**context, "row": row}) for row in context["ws"].rows.values()]
    panel = {**context, "oob": False, "upload_form": form if error else None}
    fragments = [("evidence-panel", panel), *links, ("timeline", context), ("messages", context)]
    response = render_fragments(request, DETAIL, fragments, status=422 if error else 200)
    # Whatever else shows the case's documents (their reading progress) refreshes itself.
    return trigger_client_event(response, "evidence-changed", after="settle")


@require_GET
@xframe_options_sameorigin
def evidence_file(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    """The document itself, to signed-in staff allowed on the case; never a public URL. Served
    only when its bytes still match the SHA-256 recorded at upload."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    evidence = selectors.evidence_get(case=case, pk=evidence_id)
    if evidence is None:
        raise Http404("No such document on this case.")
    inline = evidence.content_type in INLINE_TYPES and request.GET.get("download") != "1"
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
    node = selectors.checklist_criterion_get(case=case, node_id=node_id)
    form = forms.EvidenceLinkForm(request.POST)
    if not form.is_valid():
        return row_refused(request, case, node, "Choose a document to link.")
    evidence = selectors.evidence_get(case=case, pk=form.cleaned_data["evidence"])
    if evidence is None:
        return row_refused(request, case, node, "That document is not on this case.")
    try:
        services.evidence_link(
            case=case,
            by=request.user,
            evidence=evidence,
            criterion=node,
            pages=form.cleaned_data["pages"],
        )
    except services.CaseActionRefused as exc:
        return row_refused(request, case, node, str(exc))
    if not request.htmx:
        return back_to(reverse("cases:detail", args=[case.pk]), f"criterion-{node.pk}")
    return row_response(request, case, node.label)


@require_POST
def evidence_unlink(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    link = selectors.evidence_link_get(case=case, pk=link_id)
    node = link.criterion
    try:
        services.evidence_unlink(case=case, by=request.user, link=link)
    except services.CaseActionRefused as exc:
        return row_refused(request, case, node, str(exc))
    if not request.htmx:
        return back_to(reverse("cases:detail", args=[case.pk]), f"criterion-{node.pk}")
    return row_response(request, case, node.label)
