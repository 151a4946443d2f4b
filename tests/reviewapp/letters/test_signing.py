"""Signing: once, by the decider, all or nothing; checked by pdfsig and in-process; any change
to the bytes is detected."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from reviewapp.accounts.roles import Role
from reviewapp.cases.models import Case, CaseEvent
from reviewapp.decisions.models import Determination
from reviewapp.letters import services, signing
from reviewapp.letters.models import Letter
from tests.conftest import make_staff
from tests.factories import CaseFactory

from .conftest import decided, flip_one_byte, pdfsig, sign, stored_letters

pytestmark = pytest.mark.django_db


# --- the signature -----------------------------------------------------------------------------


def test_signing_stores_the_letter_records_its_hash_and_queues_it_but_sends_nothing(
    denial, director
):
    signed = sign(denial, director)
    signed.refresh_from_db()
    case = Case.objects.get(pk=denial.case_id)
    data = services.letter_signed_bytes(determination=signed)
    assert signed.is_signed and signed.letter_sha256 == hashlib.sha256(data).hexdigest()
    assert signed.letter_pdf.name.startswith(f"letters/{case.pk}/")
    event = CaseEvent.objects.get(case=case, kind="letter_signed")
    assert event.actor == director and event.after["sha256"] == signed.letter_sha256
    assert "signed" in event.summary and "sent" not in event.summary
    # Signing is not notice: the case stays decided, the letter is queued, nothing is sent.
    assert case.status == "decided" and case.closed_at is None
    assert not CaseEvent.objects.filter(case=case, kind__in=["closed", "letter_sent"]).exists()
    letter = Letter.objects.get(determination=signed)
    assert (letter.sha256, letter.kind, letter.pdf.name) == (
        signed.letter_sha256,
        "determination",
        signed.letter_pdf.name,
    )
    deliveries = {d.recipient: d for d in letter.deliveries.all()}
    assert set(deliveries) == {"member", "provider"}
    assert deliveries["member"].channel == "mail" and not deliveries["member"].is_sent
    assert services.letter_integrity_problems(determination=signed) == []


def test_pdfsig_reports_the_signature_valid_and_names_the_organisation(denial, director, tmp_path):
    signed = sign(denial, director)
    out = pdfsig(services.letter_signed_bytes(determination=signed), tmp_path)
    assert "Signature is Valid." in out, out
    assert "Total document signed" in out, out
    assert "Test Valley Health Plan" in out


def test_in_process_verification_names_signer_reason_and_determination(denial, director):
    signed = sign(denial, director)
    result = services.letter_verify(data=services.letter_signed_bytes(determination=signed))
    assert result.verified and result.check.intact and result.check.trusted
    assert "Test Valley Health Plan" in result.check.signer_subject
    assert result.check.signer_name == "Dr. Grace, MD (Medical director)"
    assert result.check.reason == (
        f"Determination {signed.pk} on case {signed.case.reference}: Denied"
    )
    assert result.determination == signed
    assert result.check.problems == []


def test_one_flipped_byte_fails_verification_in_process_and_in_pdfsig(denial, director, tmp_path):
    signed = sign(denial, director)
    tampered = flip_one_byte(services.letter_signed_bytes(determination=signed))
    result = services.letter_verify(data=tampered)
    assert not result.check.intact and not result.verified
    assert result.determination is None  # the hash no longer matches anything
    assert any("changed" in p for p in result.check.problems)
    out = pdfsig(tampered, tmp_path)
    assert "Signature is Valid." not in out, out
    assert "Signature is Invalid" in out or "Digest Mismatch" in out, out


def test_content_appended_after_signing_is_detected(denial, director):
    signed = sign(denial, director)
    data = services.letter_signed_bytes(determination=signed)
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    info_ref = writer.trailer.raw_get("/Info")
    info_ref.get_object()[NameObject("/Title")] = TextStringObject("Approved after all")
    writer.mark_update(info_ref)
    out = io.BytesIO()
    writer.write(out)
    result = services.letter_verify(data=out.getvalue())
    assert not result.check.intact and not result.verified


def test_a_file_without_a_signature_or_not_a_pdf_is_reported_not_verified(denial):
    unsigned = services.letter_render_pdf(determination=denial)
    assert services.letter_verify(data=unsigned).check.problems == [
        "The file carries no digital signature."
    ]
    assert not services.letter_verify(data=b"%PDF-1.7 garbage").check.signed


def test_a_letter_signed_with_another_key_is_not_trusted(denial, tmp_path):
    other = tmp_path / "other.p12"
    signing.signing_key_create(path=other, organisation="Somebody Else")
    pdf = services.letter_render_pdf(determination=denial)
    forged = signing.pdf_sign(
        pdf, signer=signing.signer_load(path=other), signer_name="Dr. Grace", reason="x"
    )
    result = services.letter_verify(data=forged)
    assert result.check.intact and not result.check.trusted and not result.verified
    assert "Somebody Else" in result.check.signer_subject


def test_redownloading_returns_identical_bytes_matching_the_recorded_hash(denial, director):
    signed = sign(denial, director)
    first = services.letter_signed_bytes(determination=signed)
    again = services.letter_signed_bytes(determination=Determination.objects.get(pk=signed.pk))
    assert first == again
    assert hashlib.sha256(again).hexdigest() == signed.letter_sha256


# --- who signs, and when -----------------------------------------------------------------------


def test_a_nurse_cannot_sign_an_adverse_letter_and_the_attempt_is_audited(nurse, director):
    case = CaseFactory(by=nurse)
    denial = decided(case, nurse, "denied", reasons="Not met.")  # even one she "decided"
    html = services.letter_render_html(determination=denial)
    with pytest.raises(services.SigningForbidden, match="Only a medical director"):
        services.letter_sign(
            determination=denial, by=nurse, preview_digest=services.letter_digest(html)
        )
    assert isinstance(services.SigningForbidden("x"), PermissionDenied)
    denial.refresh_from_db()
    assert not denial.is_signed and denial.letter_sha256 == ""
    assert Case.objects.get(pk=case.pk).status == "decided"
    assert stored_letters(case) == []
    refusal = CaseEvent.objects.get(case=case, kind="refused")
    assert refusal.actor == nurse and "sign the letter" in refusal.summary


def test_only_the_decider_signs(denial, nurse):
    other_director = make_staff("henry", Role.DIRECTOR)
    for user in (other_director, nurse):
        with pytest.raises(services.SigningForbidden, match=r"Only Dr\. Grace"):
            sign(denial, user)
    assert not Determination.objects.get(pk=denial.pk).is_signed
    assert CaseEvent.objects.filter(case=denial.case, kind="refused").count() == 2


def test_a_nurse_signs_her_own_approval(approval, nurse):
    assert sign(approval, nurse).is_signed


def test_an_approval_by_exception_needs_a_medical_director(nurse, director):
    case = CaseFactory(by=nurse)
    by_exception = decided(case, nurse, "approved_exception", exceptions={"2.a": "Waived."})
    with pytest.raises(services.SigningForbidden):
        sign(by_exception, nurse)


def test_a_second_signing_is_refused_and_changes_nothing(denial, director):
    signed = sign(denial, director)
    before = (signed.letter_sha256, signed.signed_at, signed.letter_pdf.name)
    with pytest.raises(services.LetterRefused, match="can never change"):
        sign(Determination.objects.get(pk=signed.pk), director)
    signed.refresh_from_db()
    assert (signed.letter_sha256, signed.signed_at, signed.letter_pdf.name) == before
    assert len(stored_letters(signed.case)) == 1
    with pytest.raises(services.LetterRefused):
        services.determination_require_unsigned(determination=signed)


def test_a_withdrawn_or_superseded_determination_has_no_letter_to_sign(nurse, director):
    case = CaseFactory(by=nurse)
    withdrawn = decided(case, nurse, "withdrawn", rationale="Provider withdrew.")
    with pytest.raises(services.LetterRefused, match="withdrawn request has no"):
        sign(withdrawn, nurse)
    case = CaseFactory(by=nurse)
    old = decided(case, director, "denied", reasons="No.")
    new = decided(case, director, "denied", reasons="No, corrected.")
    Determination.objects.filter(pk=new.pk).update(supersedes=old)
    with pytest.raises(services.LetterRefused, match="supersedes this one"):
        sign(old, director)


def test_a_case_that_is_not_decided_cannot_have_its_letter_signed(denial, director):
    Case.objects.filter(pk=denial.case_id).update(status="in_review")
    denial.case.refresh_from_db()
    with pytest.raises(services.LetterRefused, match="in review"):
        sign(denial, director)


def test_signing_refuses_a_letter_that_changed_since_the_preview(denial, director):
    digest = services.letter_digest(services.letter_render_html(determination=denial))
    Determination.objects.filter(pk=denial.pk).update(reasons="Rewritten after the preview.")
    denial.refresh_from_db()
    with pytest.raises(services.LetterRefused, match="changed since you previewed"):
        services.letter_sign(determination=denial, by=director, preview_digest=digest)
    assert not Determination.objects.get(pk=denial.pk).is_signed


# --- failures leave nothing half-done ----------------------------------------------------------


def assert_untouched(determination):
    determination.refresh_from_db()
    assert not determination.is_signed and determination.letter_sha256 == ""
    assert not determination.letter_pdf
    assert Case.objects.get(pk=determination.case_id).status == "decided"
    assert stored_letters(determination.case) == []
    assert not CaseEvent.objects.filter(
        case=determination.case, kind__in=("letter_signed", "closed")
    ).exists()
    assert not Letter.objects.filter(case=determination.case).exists()


def test_a_signer_failure_leaves_the_determination_unsigned(denial, director, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("hardware token unplugged")

    monkeypatch.setattr(signing, "pdf_sign", broken)
    with pytest.raises(services.LetterFailed, match="Nothing was saved"):
        sign(denial, director)
    assert_untouched(denial)


def test_a_missing_signing_key_is_a_clear_failure(denial, director, settings, tmp_path):
    settings.LETTER_SIGNING_PKCS12 = tmp_path / "nowhere.p12"
    with pytest.raises(services.LetterFailed, match="signing key is not available"):
        sign(denial, director)
    assert_untouched(denial)


def test_a_wrong_passphrase_is_a_clear_failure(denial, director, settings):
    settings.LETTER_SIGNING_PASSPHRASE = "wrong"
    with pytest.raises(services.LetterFailed, match="LETTER_SIGNING_PASSPHRASE"):
        sign(denial, director)
    assert_untouched(denial)


def test_a_database_failure_after_storing_removes_the_file(denial, director, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_deliveries_queue", broken)
    with pytest.raises(RuntimeError, match="database went away"):
        sign(denial, director)
    assert_untouched(denial)


# --- after signing -----------------------------------------------------------------------------


def test_integrity_check_detects_a_changed_file_or_a_changed_determination(denial, director):
    signed = sign(denial, director)
    assert services.letter_integrity_problems(determination=signed) == []
    # Bypassing every guard (a raw update) is still detected against the signing record.
    Determination.objects.filter(pk=signed.pk).update(reasons="Quietly rewritten.")
    signed.refresh_from_db()
    assert services.letter_integrity_problems(determination=signed) == [
        "The determination was changed after its letter was signed."
    ]
    with services.letter_storage().open(signed.letter_pdf.name, "wb") as handle:
        handle.write(b"%PDF-1.7 replaced")
    with pytest.raises(services.LetterFailed, match="does not match"):
        services.letter_signed_bytes(determination=signed)


def test_demo_key_is_generated_once(settings, tmp_path):
    settings.LETTER_SIGNING_PKCS12 = tmp_path / "var" / "letter-signing.p12"
    settings.LETTER_SIGNING_PASSPHRASE = ""
    path, created = services.signing_key_ensure()
    assert created and path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    data = path.read_bytes()
    assert services.signing_key_ensure() == (path, False)
    assert path.read_bytes() == data
    cert = signing.certificate_load(path=path)
    assert "Test Valley Health Plan" in cert.subject.human_friendly
    days = (cert.not_valid_after - timezone.now()).days
    assert 3640 < days <= 3650
