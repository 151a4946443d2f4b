"""The document viewer shows a PDF's pages as server-rendered images in a frame where no script
can run; the raw PDF is only ever a download; a page out of range is a clear 404."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from reviewapp.cases.models import Evidence
from tests import hostile_pdfs
from tests.factories import pdf_bytes

from .test_evidence import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdf(case, nurse_client) -> Evidence:
    upload(nurse_client, case, SimpleUploadedFile("office-note.pdf", pdf_bytes(3)))
    return Evidence.objects.get(case=case)


def base(evidence: Evidence) -> str:
    return f"/cases/{evidence.case_id}/evidence/{evidence.pk}"


def test_a_pdf_is_served_only_as_a_download(pdf, nurse_client):
    for query in ("", "?download=1"):
        response = nurse_client.get(f"{base(pdf)}/file/{query}")
        assert response["Content-Disposition"].startswith("attachment"), query


def test_the_viewer_opens_at_the_page_asked_for_with_no_script(pdf, nurse_client):
    response = nurse_client.get(f"{base(pdf)}/view/?page=2")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'src="{base(pdf)}/pages/2.png"' in html
    assert "page 2 of 3" in html
    assert "<script" not in html
    csp = response["Content-Security-Policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp
    assert "sandbox" in csp and "allow-scripts" not in csp
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert 'href="?page=1"' in html and 'href="?page=3"' in html


def test_a_page_is_a_png_rendered_on_the_server(pdf, nurse_client):
    response = nurse_client.get(f"{base(pdf)}/pages/3.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    # A US letter page at the viewer's resolution (110 dpi): 8.5 x 11 in.
    assert image.size == (935, 1210)
    assert "sandbox" in response["Content-Security-Policy"]
    assert nurse_client.head(f"{base(pdf)}/pages/1.png").status_code == 200


def test_pages_out_of_range_are_clear_errors_not_server_errors(pdf, nurse_client):
    for page in (0, 4, 99999999):
        response = nurse_client.get(f"{base(pdf)}/pages/{page}.png")
        assert response.status_code == 404, page
    response = nurse_client.get(f"{base(pdf)}/view/?page=40")
    assert response.status_code == 200
    html = response.content.decode()
    assert "page 40 does not exist" in html and f'src="{base(pdf)}/pages/3.png"' in html
    for junk in ("abc", "-5", "1e9"):
        assert nurse_client.get(f"{base(pdf)}/view/?page={junk}").status_code == 200


def test_an_absurd_page_size_is_scaled_down(case, nurse_client):
    upload(nurse_client, case, SimpleUploadedFile("poster.pdf", hostile_pdfs.HUGE_MEDIABOX))
    evidence = Evidence.objects.get(case=case)
    image = Image.open(io.BytesIO(nurse_client.get(f"{base(evidence)}/pages/1.png").content))
    assert max(image.size) <= 2400


def test_a_stored_hostile_pdf_is_still_only_a_picture(case, nurse, nurse_client):
    """A file stored before these checks existed (or one that evaded them) still cannot run: the
    viewer shows an image of its page, and the file itself is a download."""
    evidence = Evidence(
        case=case,
        original_name="hostile.pdf",
        content_type="application/pdf",
        size=1,
        sha256=hashlib.sha256(hostile_pdfs.HOSTILE["escaped-names"]).hexdigest(),
        page_count=1,
        doc_type="office_note",
        uploaded_by=nurse,
    )
    evidence.file.save("cases/hostile.pdf", ContentFile(hostile_pdfs.HOSTILE["escaped-names"]))
    image = nurse_client.get(f"{base(evidence)}/pages/1.png")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    raw = nurse_client.get(f"{base(evidence)}/file/")
    assert raw["Content-Disposition"].startswith("attachment")


def test_tiff_pages_and_images_and_text_open_in_the_viewer(case, nurse_client):
    frames = [Image.new("L", (200, 260), color) for color in (255, 128)]
    tiff = io.BytesIO()
    frames[0].save(tiff, format="TIFF", save_all=True, append_images=frames[1:])
    upload(
        nurse_client,
        case,
        SimpleUploadedFile("fax.tif", tiff.getvalue()),
        SimpleUploadedFile("note.txt", b"Pain 8/10 <not markup>.\n"),
    )
    docs = {e.original_name: e for e in Evidence.objects.filter(case=case)}
    assert docs["fax.tif"].page_count == 2
    page = nurse_client.get(f"{base(docs['fax.tif'])}/pages/2.png")
    assert page.status_code == 200
    assert Image.open(io.BytesIO(page.content)).convert("L").getpixel((5, 5)) == 128
    text = nurse_client.get(f"{base(docs['note.txt'])}/view/").content.decode()
    assert "Pain 8/10 &lt;not markup&gt;." in text


def test_case_pages_frame_the_viewer_in_a_sandbox_without_scripts(
    pdf, nurse_client, director_client
):
    from reviewapp.cases import services

    html = nurse_client.get(f"/cases/{pdf.case_id}/").content.decode()
    assert f'href="{base(pdf)}/view/" target="evidence-viewer"' in html
    services.case_refer_to_director(case=pdf.case, by=pdf.uploaded_by, summary="Review.")
    review = director_client.get(f"/director/cases/{pdf.case_id}/").content.decode()
    for page in (html, review):
        frames = re.findall(r"<iframe[^>]*>", page)
        assert frames and all('sandbox="' in f and "allow-scripts" not in f for f in frames)


def test_only_reviewers_open_the_viewer(pdf, role_clients):
    for role in ("administrator", "manager", "no_role"):
        assert role_clients[role].get(f"{base(pdf)}/view/").status_code == 403
        assert role_clients[role].get(f"{base(pdf)}/pages/1.png").status_code == 403
    assert role_clients["director"].get(f"{base(pdf)}/view/").status_code == 200
