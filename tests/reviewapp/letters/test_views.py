"""The staff pages: preview and sign, download, verify; who may use each."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviewapp.cases.models import Case, CaseEvent
from reviewapp.decisions.models import Determination
from reviewapp.letters import services

from .conftest import flip_one_byte, sign, stored_letters

pytestmark = pytest.mark.django_db


def digest_on(page: str) -> str:
    return re.search(r'name="digest" value="([0-9a-f]{64})"', page).group(1)


def upload(data: bytes, name: str = "letter.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "application/pdf")


# --- preview and sign --------------------------------------------------------------------------


def test_the_decider_previews_the_letter_with_the_sign_form(denial, director_client):
    response = director_client.get(reverse("letters:preview", args=[denial.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="letter-preview"' in page and 'data-testid="sign-form"' in page
    for item in denial.criteria_snapshot:
        assert f"Requirement {item['label']}" in page
    html = services.letter_render_html(determination=denial)
    assert html in page  # the page shows exactly the letter that will be signed
    assert digest_on(page) == services.letter_digest(html)
    assert "not signed yet" in page


def test_a_nurse_sees_an_adverse_letter_but_no_sign_form(denial, nurse_client):
    page = nurse_client.get(reverse("letters:preview", args=[denial.pk])).content.decode()
    assert 'data-testid="letter-preview"' in page
    assert 'data-testid="sign-form"' not in page
    assert "Only Dr. Grace, who made this determination, can sign its letter." in page


def test_signing_through_the_page_then_downloading_the_identical_bytes(denial, director_client):
    url = reverse("letters:preview", args=[denial.pk])
    digest = digest_on(director_client.get(url).content.decode())
    response = director_client.post(
        reverse("letters:sign", args=[denial.pk]), {"digest": digest, "confirm": "on"}
    )
    assert response.status_code == 302 and response["Location"] == url
    signed = Determination.objects.get(pk=denial.pk)
    assert signed.is_signed
    assert Case.objects.get(pk=denial.case_id).status == "decided"  # closed at notice
    page = director_client.get(url).content.decode()
    assert 'data-testid="letter-signed"' in page and signed.letter_sha256 in page
    assert 'data-testid="sign-form"' not in page
    assert "matches its recorded fingerprint" in page

    downloads = [
        director_client.get(reverse("letters:download", args=[denial.pk])) for _ in range(2)
    ]
    for response in downloads:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert (
            f"{signed.case.reference}-determination-{signed.pk}.pdf"
            in response["Content-Disposition"]
        )
        assert "no-store" in response["Cache-Control"]
        assert response["X-Content-Type-Options"] == "nosniff"
    assert downloads[0].content == downloads[1].content
    assert hashlib.sha256(downloads[0].content).hexdigest() == signed.letter_sha256


def test_anyone_allowed_on_the_case_downloads_the_same_letter(denial, director, nurse_client):
    signed = sign(denial, director)
    response = nurse_client.get(reverse("letters:download", args=[signed.pk]))
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == signed.letter_sha256


def test_download_is_404_until_signed(denial, director_client):
    assert director_client.get(reverse("letters:download", args=[denial.pk])).status_code == 404


def test_a_nurse_posting_the_sign_form_of_an_adverse_letter_is_refused_403(denial, nurse_client):
    html = services.letter_render_html(determination=denial)
    response = nurse_client.post(
        reverse("letters:sign", args=[denial.pk]),
        {"digest": services.letter_digest(html), "confirm": "on"},
    )
    assert response.status_code == 403
    assert "Only Dr. Grace" in response.content.decode()
    assert not Determination.objects.get(pk=denial.pk).is_signed
    assert CaseEvent.objects.filter(case=denial.case, kind="refused").count() == 1
    assert stored_letters(denial.case) == []


def test_signing_needs_the_confirmation_and_a_current_digest(denial, director_client):
    url = reverse("letters:sign", args=[denial.pk])
    digest = services.letter_digest(services.letter_render_html(determination=denial))
    response = director_client.post(url, {"digest": digest})
    assert response.status_code == 422
    assert "Confirm that you have read the letter" in response.content.decode()
    response = director_client.post(url, {"digest": "0" * 64, "confirm": "on"})
    assert response.status_code == 409
    assert "changed since you previewed it" in response.content.decode()
    assert not Determination.objects.get(pk=denial.pk).is_signed


def test_a_second_signing_through_the_page_is_refused(denial, director, director_client):
    digest = services.letter_digest(services.letter_render_html(determination=denial))
    sign(denial, director)
    before = Determination.objects.filter(pk=denial.pk).values().get()
    response = director_client.post(
        reverse("letters:sign", args=[denial.pk]), {"digest": digest, "confirm": "on"}
    )
    assert response.status_code == 409
    assert "can never change" in response.content.decode()
    assert Determination.objects.filter(pk=denial.pk).values().get() == before
    assert len(stored_letters(denial.case)) == 1


def test_a_signing_failure_is_shown_and_nothing_is_signed(
    denial, director_client, settings, tmp_path
):
    settings.LETTER_SIGNING_PKCS12 = tmp_path / "missing.p12"
    digest = services.letter_digest(services.letter_render_html(determination=denial))
    response = director_client.post(
        reverse("letters:sign", args=[denial.pk]), {"digest": digest, "confirm": "on"}
    )
    assert response.status_code == 503
    page = response.content.decode()
    assert "signing key is not available" in page and "still unsigned" in page
    assert not Determination.objects.get(pk=denial.pk).is_signed
    assert Case.objects.get(pk=denial.case_id).status == "decided"


def test_a_withdrawn_determination_has_no_letter(nurse, nurse_client):
    from tests.factories import CaseFactory

    from .conftest import decided

    withdrawn = decided(CaseFactory(by=nurse), nurse, "withdrawn", rationale="Withdrawn.")
    page = nurse_client.get(reverse("letters:preview", args=[withdrawn.pk])).content.decode()
    assert "A withdrawn request has no determination letter." in page
    assert 'data-testid="letter-preview"' not in page


def test_unknown_determination_is_404(director_client):
    assert director_client.get(reverse("letters:preview", args=[999999])).status_code == 404


# --- verification ------------------------------------------------------------------------------


def test_verification_page_reports_an_intact_letter_and_its_determination(
    denial, director, nurse_client
):
    signed = sign(denial, director)
    assert nurse_client.get(reverse("letters:verify")).status_code == 200
    data = services.letter_signed_bytes(determination=signed)
    response = nurse_client.post(reverse("letters:verify"), {"file": upload(data)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Verified" in page and "Yes: the file is exactly as it was signed" in page
    assert "Test Valley Health Plan" in page and "Dr. Grace, MD (Medical director)" in page
    assert signed.letter_sha256 in page
    assert f"Determination {signed.pk}</a> on case" in page and signed.case.reference in page


def test_verification_page_reports_a_changed_file(denial, director, nurse_client):
    signed = sign(denial, director)
    tampered = flip_one_byte(services.letter_signed_bytes(determination=signed))
    page = nurse_client.post(reverse("letters:verify"), {"file": upload(tampered)}).content
    page = page.decode()
    assert "Not verified" in page and "No: the file was changed after signing" in page
    assert "No determination has a letter with this SHA-256." in page


def test_verification_refuses_a_file_that_is_not_a_pdf(nurse_client):
    response = nurse_client.post(
        reverse("letters:verify"), {"file": upload(b"hello", "letter.pdf")}
    )
    assert response.status_code == 422
    assert "That file is not a PDF." in response.content.decode()


# --- who may use the pages ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "no_role", "administrator"])
def test_every_letters_page_refuses_anonymous_no_role_and_administrators(
    role, denial, director, role_clients
):
    signed = sign(denial, director)
    client = role_clients[role]
    calls = [
        ("get", reverse("letters:preview", args=[signed.pk]), {}),
        ("post", reverse("letters:sign", args=[signed.pk]), {"digest": "0" * 64, "confirm": "on"}),
        ("get", reverse("letters:download", args=[signed.pk]), {}),
        ("get", reverse("letters:verify"), {}),
        ("post", reverse("letters:verify"), {"file": upload(b"%PDF-1.7")}),
    ]
    for method, url, data in calls:
        response = getattr(client, method)(url, data)
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403, (method, url, response.status_code)
        assert b"%PDF" not in response.content


def test_reads_refuse_post_and_sign_refuses_get(denial, director_client):
    assert director_client.post(reverse("letters:preview", args=[denial.pk])).status_code == 405
    assert director_client.post(reverse("letters:download", args=[denial.pk])).status_code == 405
    assert director_client.get(reverse("letters:sign", args=[denial.pk])).status_code == 405
