"""Evidence: uploading documents, serving them privately, linking them to criteria."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from reviewapp.core.htmx import back_to, render_fragments

from .. import forms, selectors, services
from ._case_page import DETAIL, fragment_context, page_context, row_refused, row_response

# A PDF is never opened inline (a browser's PDF viewer may run the document's script): it is a
# download, and the viewer (views/viewer.py) shows its pages as server-rendered pictures.
INLINE_TYPES = ("image/png", "image/jpeg", "text/plain")


@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Several files at once, each with its own type, date and source when the page gave them.
    What happened to each file (stored, already on the case, refused and why) is said at the
    upload control, in a live region; a refusal stores nothing and keeps the form's choices."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    form = forms.EvidenceUploadForm(request.POST, request.FILES)
    problems: list[str] = []
    results: list[services.UploadResult] = []
    per_file = form.per_file(request.POST) if form.is_valid() else []
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
                details=[services.EvidenceDetails(**row) if row else None for row in per_file],
            )
        except services.EvidenceRefused as exc:
            problems = exc.problems
        except services.CaseActionRefused as exc:
            problems = [str(exc)]
    else:
        problems = [str(e) for errors in form.errors.values() for e in errors]
    upload = UploadOutcome(problems=problems, results=results)
    if not request.htmx:
        if problems:
            # The page again, with the reasons at the upload control.
            context = page_context(request, case, upload=upload)
            return render(request, DETAIL, context, status=422)
        messages.success(request, upload.summary)
        return back_to(reverse("cases:detail", args=[case.pk]), "evidence")
    if problems:
        # Only the status at the upload control changes: the files chosen (and each file's
        # details) stay in the form, to correct and send again.
        response = render_fragments(
            request, DETAIL, [("upload-status", {"upload": upload})], status=422
        )
        return reswap(retarget(response, "#upload-status"), "innerHTML")
    context = fragment_context(request, case)
    # Each row's and each fact's choice of documents follows the upload; the rows themselves
    # are left alone, so an answer being typed in one of them is not lost.
    options = [("document-options", {**context, "row": row}) for row in context["ws"].rows.values()]
    sources = [("fact-source-options", {**context, "item": item}) for item in context["ws"].facts]
    panel = {**context, "upload": upload}
    fragments = [
        ("evidence-panel", panel),
        *options,
        *sources,
        ("timeline", {**context, "oob": True}),
    ]
    fragments.append(("announce", {"announcement": upload.summary}))
    response = render_fragments(request, DETAIL, fragments)
    # Whatever else shows the case's documents (their reading progress) refreshes itself.
    return trigger_client_event(response, "evidence-changed", after="settle")


@dataclass(frozen=True)
class UploadOutcome:
    """What an upload did, said at the upload control."""

    problems: list[str]
    results: list[services.UploadResult]

    @property
    def stored(self) -> list[services.UploadResult]:
        return [r for r in self.results if not r.duplicate]

    @property
    def duplicates(self) -> list[services.UploadResult]:
        return [r for r in self.results if r.duplicate]

    @property
    def summary(self) -> str:
        if self.problems:
            return "Nothing was uploaded: " + " ".join(self.problems)
        parts = [f"{r.evidence.original_name} uploaded." for r in self.stored]
        parts += [
            f"{r.name} is already on this case as {r.evidence.original_name} (same content); "
            "it was not stored again."
            for r in self.duplicates
        ]
        return " ".join(parts)


@require_POST
def evidence_details(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    """Correct a document's type, date or source after upload (audited)."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    evidence = selectors.evidence_get(case=case, pk=evidence_id)
    if evidence is None:
        raise Http404("No such document on this case.")
    form = forms.EvidenceDetailsForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            evidence = services.evidence_update(
                case=case,
                by=request.user,
                evidence=evidence,
                details=services.EvidenceDetails(**form.cleaned_data),
            )
        except services.CaseActionRefused as exc:
            error = str(exc)
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    if not request.htmx:
        if error:
            messages.error(request, f"{evidence.original_name}: {error}")
        else:
            messages.success(request, f"{evidence.original_name}: details saved.")
        return back_to(reverse("cases:detail", args=[case.pk]), f"evidence-{evidence.pk}")
    context = fragment_context(request, case)
    item = next(e for e in context["ws"].evidence if e.pk == evidence.pk)
    done = error or f"{item.original_name}: {item.get_doc_type_display()} saved."
    fragments = [
        ("evidence-item", {**context, "item": item, "error": error}),
        ("timeline", {**context, "oob": True}),
        ("announce", {"announcement": done}),
    ]
    response = render_fragments(request, DETAIL, fragments, status=422 if error else 200)
    # The documents' reading panel names each document by its type: it refreshes too.
    return response if error else trigger_client_event(response, "evidence-changed", after="settle")


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
