"""Each document's own type, date and source when several are uploaded together; corrected after
upload (audited); what an upload did said at the upload control."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviewapp.cases.models import CaseEvent, EventKind, Evidence
from tests.factories import EvidenceFactory, pdf_bytes

from .conftest import HTMX

pytestmark = pytest.mark.django_db


def test_several_files_each_with_its_own_type_date_and_source(case, nurse_client):
    data = {
        "files": [
            SimpleUploadedFile("office.pdf", pdf_bytes(2, "a")),
            SimpleUploadedFile("trial.pdf", pdf_bytes(1, "b")),
        ],
        "doc_type": "office_note",
        "document_date": "2026-01-10",
        "source": "Clinic",
        "file_doc_type": ["office_note", "trial_report"],
        "file_document_date": ["2026-01-10", "2026-01-20"],
        "file_source": ["Clinic", "Bayou Surgical Center"],
    }
    response = nurse_client.post(f"/cases/{case.pk}/evidence/", data, headers=HTMX)
    assert response.status_code == 200
    docs = {e.original_name: e for e in Evidence.objects.filter(case=case)}
    assert docs["office.pdf"].doc_type == "office_note"
    trial = docs["trial.pdf"]
    assert trial.doc_type == "trial_report" and trial.source == "Bayou Surgical Center"
    assert trial.document_date.isoformat() == "2026-01-20"
    uploaded = CaseEvent.objects.get(case=case, after__name="trial.pdf")
    assert uploaded.after["doc_type"] == "trial_report"


def test_a_files_own_details_are_checked_too(case, nurse_client):
    data = {
        "files": [SimpleUploadedFile("office.pdf", pdf_bytes(2))],
        "doc_type": "office_note",
        "file_doc_type": ["office_note"],
        "file_document_date": ["2999-01-01"],
        "file_source": [""],
    }
    response = nurse_client.post(f"/cases/{case.pk}/evidence/", data, headers=HTMX)
    assert response.status_code == 422 and not Evidence.objects.exists()
    assert "File 1: The document date is in the future." in response.content.decode()


def test_a_documents_details_are_corrected_after_upload_and_audited(case, nurse, nurse_client):
    evidence = EvidenceFactory(case=case, by=nurse, name="trial.pdf")  # uploaded as an office note
    url = f"/cases/{case.pk}/evidence/{evidence.pk}/details/"
    response = nurse_client.post(
        url,
        {"doc_type": "trial_report", "document_date": "2026-01-20", "source": "Surgical center"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="mb-2 evidence-item" id="evidence-{evidence.pk}"')
    assert "Trial report" in html and 'id="timeline"' in html
    evidence.refresh_from_db()
    assert evidence.doc_type == "trial_report" and evidence.source == "Surgical center"
    event = CaseEvent.objects.get(case=case, kind=EventKind.EVIDENCE_UPDATED)
    assert event.actor == nurse
    assert event.before["doc_type"] == "office_note" and event.after["doc_type"] == "trial_report"
    assert "type office_note → trial_report" in event.summary
    # Saving the same details again records nothing.
    nurse_client.post(
        url,
        {"doc_type": "trial_report", "document_date": "2026-01-20", "source": "Surgical center"},
    )
    assert CaseEvent.objects.filter(case=case, kind=EventKind.EVIDENCE_UPDATED).count() == 1


def test_correcting_details_is_refused_for_a_bad_type_or_another_case(case, nurse, nurse_client):
    evidence = EvidenceFactory(case=case, by=nurse)
    response = nurse_client.post(
        f"/cases/{case.pk}/evidence/{evidence.pk}/details/", {"doc_type": "letter"}, headers=HTMX
    )
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    response = nurse_client.post(f"/cases/{case.pk}/evidence/99999/details/", {"doc_type": "other"})
    assert response.status_code == 404


def test_a_refused_upload_is_said_at_the_upload_control(case, nurse_client):
    files = [
        SimpleUploadedFile("fine.pdf", pdf_bytes(1)),
        SimpleUploadedFile("script.pdf", b"<html><script>alert(1)</script></html>"),
        SimpleUploadedFile("empty.pdf", b""),
    ]
    data = {"files": files, "doc_type": "office_note"}
    response = nurse_client.post(f"/cases/{case.pk}/evidence/", data, headers=HTMX)
    assert response.status_code == 422 and not Evidence.objects.exists()
    # Only the status at the control is replaced: the form keeps the chosen files.
    assert response["HX-Retarget"] == "#upload-status" and response["HX-Reswap"] == "innerHTML"
    html = response.content.decode()
    assert "Nothing was uploaded." in html and 'role="alert"' in html
    assert "script.pdf" in html and "empty.pdf" in html  # every bad file, each with its reason
    # Without JavaScript: the page again (422), the reasons at the control.
    files = [SimpleUploadedFile("script.pdf", b"<html><script>alert(1)</script></html>")]
    response = nurse_client.post(f"/cases/{case.pk}/evidence/", {"files": files, "doc_type": "x"})
    page = response.content.decode()
    assert response.status_code == 422
    status = page.split('data-testid="upload-status">')[1].split("</form>")[0]
    assert "Nothing was uploaded" in status


def test_a_duplicate_is_said_at_the_upload_control(case, nurse, nurse_client):
    EvidenceFactory(case=case, by=nurse, name="first.pdf", pages=2)
    again = SimpleUploadedFile("again.pdf", pdf_bytes(2, "first.pdf"))
    response = nurse_client.post(
        f"/cases/{case.pk}/evidence/", {"files": [again], "doc_type": "office_note"}, headers=HTMX
    )
    html = response.content.decode()
    status = html.split('data-testid="upload-status">')[1].split("</form>")[0]
    assert "again.pdf is already on this case as first.pdf (same content)" in status
    assert Evidence.objects.filter(case=case).count() == 1
