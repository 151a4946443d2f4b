"""Medicare Advantage: a reconsideration not overturned in full goes to the independent review
entity by itself: the case file is exported as one PDF when the appeal letter is signed, and
the forwarding is recorded."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from reviewapp.appeals import services
from reviewapp.appeals.models import IndependentReview
from reviewapp.cases.models import CaseEvent
from tests.appeal_factories import decide_upheld, denied, file_appeal, sign_appeal_letter

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def forwarded(nurse, director, appeal_director, letter_settings):
    appeal = file_appeal(denied(nurse, director, line_of_business="medicare_advantage"), nurse)
    services.appeal_documents_add(
        appeal=appeal,
        by=nurse,
        documents=services.AppealDocuments(
            files=[
                SimpleUploadedFile("wound-photo.png", png_bytes(), "image/png"),
                SimpleUploadedFile("member-statement.txt", b"I can no longer walk.", "text/plain"),
            ],
            doc_type="other",
        ),
    )
    appeal = decide_upheld(appeal, appeal_director)
    sign_appeal_letter(appeal, appeal_director)
    appeal.refresh_from_db()
    return appeal


def test_the_case_file_is_exported_when_the_letter_is_signed(forwarded):
    ire = IndependentReview.objects.get(appeal=forwarded)
    assert ire.prepared_at is not None and ire.case_file_sha256
    data = services.case_file_bytes(ire=ire)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == ire.case_file_pages
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    assert "Case file for independent review" in text
    assert forwarded.reference in text and "Upheld" in text
    assert "Internal: nothing new in the notes." in text  # the plan's rationale goes to the IRE
    assert "member-statement.txt" in text and "I can no longer walk." in text
    assert "wound-photo.png" in text
    # cover, the denial's letter (none signed in this test), the appeal letter, the documents
    assert len(reader.pages) >= 6


def test_forwarding_is_recorded_once_with_its_receipt(forwarded, nurse):
    with pytest.raises(services.AppealRefused, match="receipt number"):
        services.independent_review_sent(appeal=forwarded, by=nurse, confirmation=" ")
    ire = services.independent_review_sent(appeal=forwarded, by=nurse, confirmation="MAX-123456")
    assert ire.is_sent and ire.sent_by == nurse and ire.confirmation == "MAX-123456"
    assert CaseEvent.objects.filter(
        case=forwarded.case, kind="appeal_forwarded", after__confirmation="MAX-123456"
    ).exists()
    with pytest.raises(services.AppealRefused, match="was sent on"):
        services.independent_review_sent(appeal=forwarded, by=nurse, confirmation="again")
    with pytest.raises(services.AppealRefused, match="sent already"):
        services.independent_review_prepare(appeal=forwarded, by=nurse)


def test_a_tampered_case_file_is_not_served(forwarded):
    ire = IndependentReview.objects.get(appeal=forwarded)
    with ire.case_file.open("wb") as handle:
        handle.write(b"%PDF-1.7 not what was exported")
    with pytest.raises(services.AppealRefused, match="does not match"):
        services.case_file_bytes(ire=ire)


def test_the_pages_offer_the_case_file_and_its_forwarding(forwarded, nurse_client):
    html = nurse_client.get(f"/appeals/{forwarded.pk}/").content.decode()
    assert 'data-testid="independent-review"' in html and "Record it as sent" in html
    response = nurse_client.get(f"/appeals/{forwarded.pk}/case-file.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    queue = nurse_client.get("/appeals/?tab=ire").content.decode()
    assert forwarded.reference in queue
    response = nurse_client.post(
        f"/appeals/{forwarded.pk}/case-file/sent/", {"confirmation": "MAX-9"}
    )
    assert response.status_code == 302
    assert forwarded.reference not in nurse_client.get("/appeals/?tab=ire").content.decode()
