"""PDF evidence is checked by its structure, not by a byte scan: active content hidden with name
escapes, hex strings, name trees, automatic actions, embedded files or markup after the end is
refused; a PDF that breaks the parser is refused with a message, never a server error."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from reviewapp.cases.models import Evidence
from tests import hostile_pdfs

from .test_evidence import upload

pytestmark = pytest.mark.django_db

REFUSALS = {
    "escaped-names": "JavaScript",
    "hex-string": "JavaScript",
    "names-tree": "JavaScript",
    "openaction-launch": "launches a program",
    "openaction-uri": "opens a web address by itself",
    "aa-submitform": "submits a form by itself",
    "embedded-file": "embedded file",
    "html-after-eof": "HTML or script",
}


@pytest.mark.parametrize("sample", sorted(REFUSALS))
def test_active_content_hidden_from_a_byte_scan_is_refused(case, nurse_client, sample):
    response = upload(
        nurse_client, case, SimpleUploadedFile("note.pdf", hostile_pdfs.HOSTILE[sample])
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was uploaded" in html and REFUSALS[sample] in html, html[-600:]
    assert not Evidence.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (hostile_pdfs.LOOPING_PAGE_TREE, "page tree loops back on itself"),
        (hostile_pdfs.deep_page_tree(3000), "nests too deeply"),
        (hostile_pdfs.wide_page_tree(40), "more than 30 pages"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n", "not a readable PDF"),
        (hostile_pdfs.raw_pdf(b"<< /Type /Catalog >>"), "not a readable PDF"),
    ],
    ids=["loop", "deep", "huge", "truncated", "no-pages"],
)
@override_settings(EVIDENCE_MAX_PDF_PAGES=30)
def test_pdfs_that_break_the_parser_are_refused_with_a_message(
    case, nurse_client, content, message
):
    response = upload(nurse_client, case, SimpleUploadedFile("scan.pdf", content))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Evidence.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    "content",
    [hostile_pdfs.LINK_ANNOTATION, hostile_pdfs.HUGE_MEDIABOX],
    ids=["clickable-link-and-open-at-page-1", "large-page"],
)
def test_ordinary_pdf_features_are_accepted(case, nurse_client, content):
    response = upload(nurse_client, case, SimpleUploadedFile("report.pdf", content))
    assert response.status_code == 200, response.content.decode()[-600:]
    assert Evidence.objects.get(case=case).page_count == 1


def test_a_pdf_made_by_a_real_generator_is_accepted(case, nurse_client):
    """WeasyPrint (what makes our own letters) writes fonts, metadata, outlines and links."""
    from weasyprint import HTML

    pdf = HTML(
        string="<h1>Office note</h1><p>Pain 8/10. See <a href='https://example.org/'>guide</a>."
        "</p><p style='break-before: page'>Page two.</p>"
    ).write_pdf()
    response = upload(nurse_client, case, SimpleUploadedFile("office-note.pdf", pdf))
    assert response.status_code == 200
    assert Evidence.objects.get(case=case).page_count == 2
