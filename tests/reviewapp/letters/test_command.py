"""manage.py letters verify | write-signed | demo-key (specimens: test_specimens.py)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reviewapp.letters import services, signing

from .conftest import flip_one_byte, sign

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("letters", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_verify_reports_an_intact_letter_and_its_determination(denial, director, tmp_path):
    signed = sign(denial, director)
    path = tmp_path / "letter.pdf"
    path.write_bytes(services.letter_signed_bytes(determination=signed))
    out = run("verify", str(path))
    assert "intact:      yes" in out and "trusted:     yes" in out
    assert "Test Valley Health Plan" in out and "Dr. Grace, MD (Medical director)" in out
    assert f"determination {signed.pk}, case {signed.case.reference} (denied)" in out
    data = json.loads(run("verify", str(path), "--json"))
    assert data["intact"] and data["trusted"] and data["sha256"] == signed.letter_sha256
    assert data["matches"]["determination"] == signed.pk
    assert data["reason"] == f"Determination {signed.pk} on case {signed.case.reference}: Denied"


def test_verify_fails_with_status_1_when_one_byte_changed(denial, director, tmp_path):
    signed = sign(denial, director)
    path = tmp_path / "letter.pdf"
    path.write_bytes(flip_one_byte(services.letter_signed_bytes(determination=signed)))
    with pytest.raises(CommandError, match="NOT verified") as raised:
        run("verify", str(path))
    assert raised.value.returncode == 1


def test_verify_fails_with_status_2_for_a_good_signature_on_no_determination(denial, tmp_path):
    pdf = services.letter_render_pdf(determination=denial)
    signer = signing.signer_load(
        path=services.signing_key_path(), passphrase="test-letter-passphrase"
    )
    path = tmp_path / "unknown.pdf"
    path.write_bytes(signing.pdf_sign(pdf, signer=signer, signer_name="Someone", reason="x"))
    with pytest.raises(CommandError, match="no letter on record has this file") as raised:
        run("verify", str(path))
    assert raised.value.returncode == 2


def test_verify_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run("verify", str(tmp_path / "nope.pdf"))


def test_write_signed_writes_the_cases_signed_letter_bytes(denial, director, tmp_path):
    signed = sign(denial, director)
    out_path = tmp_path / "out" / "letter.pdf"
    out = run("write-signed", "--case", signed.case.reference.lower(), "--out", str(out_path))
    assert out_path.read_bytes() == services.letter_signed_bytes(determination=signed)
    assert signed.letter_sha256 in out


def test_write_signed_without_a_signed_letter_is_a_clear_error(denial, tmp_path):
    with pytest.raises(CommandError, match="no signed determination letter yet"):
        run("write-signed", "--case", denial.case.reference, "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="No case with reference"):
        run("write-signed", "--case", "UM-1900-000000", "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_demo_key_creates_the_key_once(settings, tmp_path):
    settings.LETTER_SIGNING_PKCS12 = tmp_path / "k.p12"
    assert "Created" in run("demo-key")
    assert "Kept" in run("demo-key")
    assert signing.signer_load(path=tmp_path / "k.p12", passphrase="test-letter-passphrase")


def test_the_deployment_check_warns_when_the_signing_key_is_missing(settings, tmp_path):
    from reviewapp.letters.checks import signing_key_check

    assert signing_key_check(None) == []
    settings.LETTER_SIGNING_PKCS12 = tmp_path / "missing.p12"
    [warning] = signing_key_check(None)
    assert warning.id == "letters.W001" and "not available" in warning.msg


def test_the_old_render_name_is_gone(tmp_path):
    """``render`` wrote the stored signed PDF, not a new rendering: it is named write-signed."""
    with pytest.raises(CommandError):
        run("render", "--case", "UM-1900-000000", "--out", str(tmp_path / "x.pdf"))
