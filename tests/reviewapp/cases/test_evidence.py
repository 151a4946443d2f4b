"""Evidence uploads: type from content, limits, hostile names, duplicates; private serving."""

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from reviewapp.cases.evidence_files import safe_file_name
from reviewapp.cases.models import Evidence
from tests.factories import pdf_bytes

from .conftest import HTMX

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def upload(client, case, *files, doc_type="office_note", htmx=True):
    data = {
        "files": list(files),
        "doc_type": doc_type,
        "document_date": "2026-01-10",
        "source": "Clinic",
    }
    return client.post(f"/cases/{case.pk}/evidence/", data, headers=HTMX if htmx else {})


def test_upload_several_documents_at_once(case, nurse_client):
    response = upload(
        nurse_client,
        case,
        SimpleUploadedFile("note.pdf", pdf_bytes(3)),
        SimpleUploadedFile("wound.png", PNG),
        SimpleUploadedFile("summary.txt", b"Pain 8/10.\nNo infection.\n"),
    )
    assert response.status_code == 200
    docs = {e.original_name: e for e in Evidence.objects.filter(case=case)}
    assert set(docs) == {"note.pdf", "wound.png", "summary.txt"}
    assert docs["note.pdf"].content_type == "application/pdf" and docs["note.pdf"].page_count == 3
    assert docs["wound.png"].content_type == "image/png"
    assert docs["summary.txt"].content_type == "text/plain"
    assert docs["note.pdf"].sha256 == hashlib.sha256(pdf_bytes(3)).hexdigest()
    assert docs["note.pdf"].file.name.startswith(f"cases/{case.pk}/")
    assert "note" not in docs["note.pdf"].file.name  # stored under a generated name
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="evidence"')
    # Each row's document list follows out of band; the rows (and any typing in them) stay.
    assert html.count('<select id="link-doc-') == 12 and 'hx-swap-oob="innerHTML"' in html
    assert 'id="criterion-' not in html
    assert 'class="list-group-item criterion-row"' not in html and 'id="checklist"' not in html
    assert "wound.png</option>" in html
    # What else shows the case's documents (the documents panel) is told to refresh.
    assert json.loads(response["HX-Trigger-After-Settle"]) == {"evidence-changed": {}}


def test_a_duplicate_upload_is_recognised(case, nurse_client):
    upload(nurse_client, case, SimpleUploadedFile("note.pdf", pdf_bytes(2)))
    response = upload(
        nurse_client, case, SimpleUploadedFile("same-again.pdf", pdf_bytes(2)), htmx=False
    )
    assert Evidence.objects.filter(case=case).count() == 1
    page = nurse_client.get(response["Location"].split("#")[0]).content.decode()
    assert "same-again.pdf is already on this case as note.pdf (same content)" in page


SCRIPT = b"<script>fetch('/steal')</script>"
POLYGLOT = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF"
PDF_WITH_JS = pdf_bytes(1).replace(
    b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "report.pdf",
            b"Just some text pretending.",
            "the content is plain text, but the name says .pdf",
        ),
        ("report.pdf", SCRIPT, "contains HTML or script"),
        ("evil.pdf", POLYGLOT, "carries HTML or script outside its pages"),
        ("evil.pdf", PDF_WITH_JS, "JavaScript"),
        ("photo.jpg", PNG, "the content is a PNG image, but the name says .jpg"),
        ("empty.pdf", b"", "is empty"),
        ("note.txt", b"ok\x00\x01binary", "is not a PDF, PNG, JPEG, TIFF"),
        ("page.html", b"<html><body>hi</body></html>", "contains HTML or script"),
        ("broken.pdf", b"%PDF-1.7\nnot really a pdf", "is not a readable PDF"),
        (
            "archive.zip",
            b"PK\x03\x04\x14\x00\x00\x00",
            "is not a PDF, PNG, JPEG, TIFF or plain-text",
        ),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(case, nurse_client, name, content, message):
    good = SimpleUploadedFile("good.pdf", pdf_bytes(1))
    response = upload(nurse_client, case, good, SimpleUploadedFile(name, content))
    assert response.status_code == 422
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Evidence.objects.filter(case=case).exists()  # one bad file: none stored


@override_settings(EVIDENCE_MAX_UPLOAD_MB=1)
def test_oversized_upload_is_refused(case, nurse_client):
    big = SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 1))
    response = upload(nurse_client, case, big)
    assert "the limit is 1 MB" in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system.ini.PDF", "system.ini.pdf"),
        ("note\x00\x1b[31m.pdf", "note31m.pdf"),
        ("  .hidden.pdf", "hidden.pdf"),
        ("my report (final).pdf", "my_report_final.pdf"),
        ("", "document"),
        ("/", "document"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
    ],
)
def test_hostile_file_names_are_sanitised(raw, safe):
    assert safe_file_name(raw) == safe


def test_a_hostile_name_is_stored_only_as_a_sanitised_display_name(case, nurse_client):
    upload(nurse_client, case, SimpleUploadedFile("../../../tmp/x<script>.pdf", pdf_bytes(1)))
    evidence = Evidence.objects.get()
    assert evidence.original_name == "xscript.pdf"
    assert ".." not in evidence.file.name


def test_evidence_is_served_privately_with_safe_headers(case, nurse_client, role_clients):
    upload(nurse_client, case, SimpleUploadedFile("note.pdf", pdf_bytes(2)))
    evidence = Evidence.objects.get()
    url = f"/cases/{case.pk}/evidence/{evidence.pk}/file/"
    response = nurse_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # A PDF is only ever a download: the viewer shows its pages as images (test_viewer.py).
    assert response["Content-Disposition"].startswith('attachment; filename="note.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # viewable in the case page's frame
    assert b"".join(response.streaming_content) == pdf_bytes(2)
    download = nurse_client.get(url + "?download=1")
    assert download["Content-Disposition"].startswith("attachment")
    for role in ("administrator", "no_role"):
        assert role_clients[role].get(url).status_code == 403
    anonymous = role_clients["anonymous"].get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert role_clients["director"].get(url).status_code == 200


def test_a_document_changed_since_its_upload_is_not_served(case, nurse_client):
    upload(nurse_client, case, SimpleUploadedFile("note.pdf", pdf_bytes(2)))
    evidence = Evidence.objects.get()
    url = f"/cases/{case.pk}/evidence/{evidence.pk}/file/"
    assert nurse_client.get(url).status_code == 200
    with evidence.file.storage.open(evidence.file.name, "wb") as stored:
        stored.write(pdf_bytes(2) + b"% appended behind the application's back\n")
    # Neither the file nor the viewer's picture of a page is shown.
    for refused in (nurse_client.get(url), nurse_client.get(url.replace("file/", "pages/1.png"))):
        assert refused.status_code == 500
        assert refused["Content-Type"] == "text/plain; charset=utf-8"
        assert "note.pdf does not match the SHA-256 recorded" in refused.content.decode()


def test_evidence_files_are_not_under_any_public_url(case, nurse_client, client):
    upload(nurse_client, case, SimpleUploadedFile("note.pdf", pdf_bytes(2)))
    evidence = Evidence.objects.get()
    for url in (
        f"/static/{evidence.file.name}",
        f"/media/{evidence.file.name}",
        f"/{evidence.file.name}",
        f"/nowhere/{evidence.file.name}",
    ):
        assert client.get(url).status_code in (302, 404)


def test_upload_roles(case, role_clients):
    for role in ("administrator", "no_role"):
        response = upload(role_clients[role], case, SimpleUploadedFile("n.pdf", pdf_bytes(1)))
        assert response.status_code == 403
    assert not Evidence.objects.exists()
