"""Determinations of every kind for the letter tests, and a signing key made for the test run.

Adverse determinations are built directly (the medical director's services are tested on their
own): the criteria snapshot comes from a real case, with statuses chosen here.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from reviewapp.cases.models import Case, CaseStatus
from reviewapp.decisions.models import CodeDecision, Determination, PeerToPeerOffer
from reviewapp.decisions.services import determination_snapshot
from reviewapp.letters import services, signing
from tests.factories import CaseFactory

KEY_PASSPHRASE = "test-letter-passphrase"
ORGANISATION = "Test Valley Health Plan"
PDFSIG = Path("/usr/bin/pdfsig")


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory) -> Path:
    """One key for the whole run, made by the same function as the demo key."""
    path = tmp_path_factory.mktemp("letter-key") / "letter-signing.p12"
    signing.signing_key_create(path=path, organisation=ORGANISATION, passphrase=KEY_PASSPHRASE)
    return path


@pytest.fixture(autouse=True)
def _no_letters_left_behind():
    """Each test starts and ends with no stored letters (primary keys repeat between tests)."""
    storage = services.letter_storage()

    def clear():
        if storage.exists("letters"):
            shutil.rmtree(storage.path("letters"))

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def _letter_settings(settings, signing_key):
    settings.LETTER_SIGNING_PKCS12 = signing_key
    settings.LETTER_SIGNING_PASSPHRASE = KEY_PASSPHRASE
    settings.ORGANISATION_NAME = ORGANISATION
    settings.ORGANISATION_PHONE = "1-800-555-0199"
    settings.ORGANISATION_ADDRESS = "1 Test Street, Testville, ST 00000"


def decided(
    case: Case,
    by,
    outcome: str,
    *,
    statuses: dict[str, str] | None = None,
    exceptions: dict[str, str] | None = None,
    codes: dict[str, tuple[str, str]] | None = None,
    reasons: str = "",
    rationale: str = "",
    p2p_to: str = "",
) -> Determination:
    """A determination on ``case`` with the criteria statuses given (the rest met)."""
    criteria, policy = determination_snapshot(case)
    statuses = statuses or {}
    exceptions = exceptions or {}
    for item in criteria:
        item["status"] = statuses.get(item["label"], "met")
        if item["label"] in exceptions:
            item["status"] = "excepted"
            item["exception"] = {
                "kind": "director_discretion",
                "kind_label": "Medical director's exception",
                "rationale": exceptions[item["label"]],
                "granted_by": by.staff_profile.signature_name,
            }
    profile = by.staff_profile
    determination = Determination.objects.create(
        case=case,
        outcome=outcome,
        decided_by=by,
        decider_name=profile.display_name,
        decider_credentials=profile.credentials,
        decider_role="Medical director"
        if by.has_perm("accounts.decide_adverse")
        else "Nurse reviewer",
        decided_at=timezone.now(),
        reasons=reasons,
        rationale=rationale,
        criteria_snapshot=criteria,
        policy_snapshot=policy,
    )
    codes = codes or {}
    CodeDecision.objects.bulk_create(
        CodeDecision(
            determination=determination,
            code=s.code,
            units=s.units,
            description=s.description,
            decision=codes.get(s.code, ("approve", ""))[0],
            reason=codes.get(s.code, ("approve", ""))[1],
        )
        for s in case.services.all()
    )
    if p2p_to:
        PeerToPeerOffer.objects.create(
            case=case,
            determination=determination,
            offered_at=timezone.now(),
            offered_to=p2p_to,
            offered_by=by,
        )
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.DECIDED)
    determination.case.refresh_from_db()
    return determination


# The Molina 2025 non-malignant trial checklist (the factory's default case).
NOT_MET = "2.a"
NOT_DOCUMENTED = "2.d"
NOT_APPLICABLE = "2.c.iv"


@pytest.fixture
def denial(nurse, director) -> Determination:
    case = CaseFactory(by=nurse, line_of_business="commercial", codes=(("62322", 1),))
    return decided(
        case,
        director,
        "denied",
        statuses={
            NOT_MET: "not_met",
            NOT_DOCUMENTED: "not_documented",
            NOT_APPLICABLE: "not_applicable",
        },
        codes={"62322": ("deny", "The pain score does not meet the policy's threshold.")},
        reasons="The records show a pain score of 5 out of 10; the policy asks for more than 6.",
        rationale="Reviewed the office notes of the last six months.",
        p2p_to="Dr. Test Provider",
    )


@pytest.fixture
def partial(nurse, director) -> Determination:
    case = CaseFactory(
        by=nurse,
        line_of_business="medicaid",
        codes=(("62322", 1), ("62323", 1)),
        provider_fax="",  # the provider's copy goes by mail
    )
    return decided(
        case,
        director,
        "partially_approved",
        statuses={NOT_MET: "not_met"},
        codes={"62323": ("deny", "Imaging guidance is not needed for this trial.")},
        reasons="One of the two injections is approved; imaging guidance is not.",
    )


@pytest.fixture
def by_exception(nurse, director) -> Determination:
    case = CaseFactory(by=nurse, line_of_business="medicare_advantage")
    return decided(
        case,
        director,
        "approved_exception",
        exceptions={NOT_MET: "Advanced disease: waiting for more therapy would cause harm."},
    )


@pytest.fixture
def approval(nurse) -> Determination:
    case = CaseFactory(by=nurse)
    return decided(case, nurse, "approved", rationale="Every criterion documented.")


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def page_texts(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages]


def sign(determination: Determination, by) -> Determination:
    html = services.letter_render_html(determination=determination)
    return services.letter_sign(
        determination=determination, by=by, preview_digest=services.letter_digest(html)
    )


def stored_letters(case) -> list[str]:
    storage = services.letter_storage()
    folder = f"letters/{case.pk}"
    return storage.listdir(folder)[1] if storage.exists(folder) else []


def flip_one_byte(data: bytes) -> bytes:
    """Change one byte inside the signed content (the middle of the longest stream: a font or a
    page, never the cross-reference data), so the file still parses but is not what was signed."""
    spans = [
        (m.end(), data.index(b"endstream", m.end()))
        for m in re.finditer(rb"(?<!end)stream\r?\n", data)
    ]
    start, end = max(spans, key=lambda span: span[1] - span[0])
    middle = (start + end) // 2
    signature_start = data.index(b"/Contents <")
    assert middle < signature_start, "the byte must be in the signed part of the file"
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def pdfsig(data: bytes, tmp_path) -> str:
    if not PDFSIG.exists():
        pytest.skip("pdfsig (poppler-utils) is not installed; bin/setup --test installs it")
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        [str(PDFSIG), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    return result.stdout + result.stderr
