"""The case file a Medicare Advantage plan sends the independent review entity, as one PDF.

In this order: a cover (the plan's explanation of its decision, the appeal as received, the
checklist as the appeal left it, and the list of what follows with each part's pages), the signed
letter of the determination appealed, the signed appeal decision letter, then every document on
the case: the appeal's own first, then the rest, oldest first. PDFs are appended page for page;
images become PDF pages (Pillow); a text document is set in a plain page. Nothing is fetched from
outside: the letters' renderer draws the cover and the text pages.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from reviewapp.cases.models import Evidence
from reviewapp.letters import rendering
from reviewapp.letters import services as letters

from . import selectors
from .models import Appeal, IndependentReview


@dataclass(frozen=True)
class Part:
    title: str
    data: bytes
    pages: int


def case_file_pdf(*, appeal: Appeal) -> tuple[bytes, int]:
    """The case file and its page count."""
    from pypdf import PdfReader, PdfWriter

    workspace = selectors.appeal_workspace(appeal, events=False)
    parts: list[Part] = []
    original = workspace.original_letter
    if original is not None:
        parts.append(
            _pdf_part(
                "Letter of the determination appealed", letters.letter_file_bytes(letter=original)
            )
        )
    if appeal.letter is not None:
        parts.append(
            _pdf_part("Appeal decision letter", letters.letter_file_bytes(letter=appeal.letter))
        )
    appeal_documents = [d.evidence for d in workspace.documents]
    seen = {e.pk for e in appeal_documents}
    others = [e for e in workspace.evidence if e.pk not in seen]
    for evidence in appeal_documents:
        parts.append(_evidence_part(evidence, "Sent with the appeal"))
    for evidence in others:
        parts.append(_evidence_part(evidence, "In the case file before the appeal"))
    # The cover lists where each part starts: drawn once to learn its own length, then again.
    cover = _cover(appeal, workspace, parts, start=1)
    cover_pages = len(PdfReader(io.BytesIO(cover)).pages)
    if cover_pages > 1:
        cover = _cover(appeal, workspace, parts, start=cover_pages)
    writer = PdfWriter()
    for data in [cover, *(part.data for part in parts)]:
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    writer.add_metadata(
        {
            "/Title": f"Case file for independent review: {appeal.case.reference} {appeal.reference}",
            "/Author": settings.ORGANISATION_NAME,
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def _pdf_part(title: str, data: bytes) -> Part:
    from pypdf import PdfReader

    return Part(title=title, data=data, pages=len(PdfReader(io.BytesIO(data)).pages))


def _evidence_part(evidence: Evidence, where: str) -> Part:
    with evidence.file.open("rb") as handle:
        data = handle.read()
    title = f"{evidence.get_doc_type_display()}: {evidence.original_name} ({where})"
    if evidence.content_type == "application/pdf":
        return _pdf_part(title, data)
    if evidence.content_type.startswith("image/"):
        return _pdf_part(title, _image_pdf(data))
    text = data.decode("utf-8", errors="replace")
    body = render_to_string("appeals/case_file_text.html", {"title": title, "text": text})
    return _pdf_part(title, _render(body, title=title, identifier=f"text-{evidence.pk}"))


def _image_pdf(data: bytes) -> bytes:
    """An image (every frame of a TIFF) as PDF pages, at its own resolution."""
    from PIL import Image, ImageSequence

    with Image.open(io.BytesIO(data)) as image:
        frames = [frame.convert("RGB") for frame in ImageSequence.Iterator(image)]
    out = io.BytesIO()
    frames[0].save(out, format="PDF", save_all=True, append_images=frames[1:], resolution=150)
    return out.getvalue()


def _cover(
    appeal: Appeal, workspace: selectors.AppealWorkspace, parts: list[Part], *, start: int
) -> bytes:
    ire: IndependentReview | None = selectors.independent_review_for(appeal)
    contents = []
    page = start
    for part in parts:
        contents.append({"title": part.title, "pages": part.pages, "first": page + 1})
        page += part.pages
    body = render_to_string(
        "appeals/case_file_cover.html",
        {
            "appeal": appeal,
            "case": appeal.case,
            "ws": workspace,
            "snapshot": appeal.criteria_snapshot,
            "code_rows": [
                {
                    "code": c.code,
                    "description": c.description,
                    "units": c.units,
                    "words": _code_words(c.decision, (appeal.code_decisions or {}).get(c.code)),
                }
                for c in workspace.codes
            ],
            "contents": contents,
            "ire": ire,
            "organisation": settings.ORGANISATION_NAME,
            "prepared_on": timezone.localdate(),
        },
    )
    return _render(
        body,
        title=f"Case file {appeal.case.reference} {appeal.reference}",
        identifier=f"{appeal.case.reference}/case-file-{appeal.pk}-{uuid.uuid4().hex[:8]}",
    )


def _code_words(before: str, after: str | None) -> str:
    first = "approved" if before == "approve" else "denied"
    if after is None:
        return f"{first} (not under appeal)"
    return f"{first}; on reconsideration " + ("approved" if after == "approve" else "denial upheld")


def _render(body: str, *, title: str, identifier: str) -> bytes:
    return rendering.pdf_render(
        body=body,
        title=title,
        description="Case file for the independent review entity",
        author=settings.ORGANISATION_NAME,
        identifier=identifier,
    )
