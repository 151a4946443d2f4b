"""Specimen letters for compliance review: one signed PDF of every variant.

State agencies and a plan's compliance officer approve notice templates before use. ``manage.py
letters specimens --out DIR`` writes, for each line of business (``medicaid``,
``medicare_advantage``, ``commercial``), outcome (``approved``, ``approved_by_exception``,
``partially_approved``, ``denied``) and language (``en``, ``es``), ``{lob}-{outcome}-{lang}.pdf``;
plus ``{lob}-extension-{lang}.pdf`` (the notice that a pend extended the clock) and
``{lob}-denied-en-large.pdf`` (large print). Apps above letters add their own kinds through
``specimens_register`` (appeals: ``{lob}-appeal-upheld-{lang}.pdf`` and
``{lob}-appeal-overturned-{lang}.pdf``), made in the same transaction from the same kit.

Each specimen comes from a synthetic case taken through the real services, exactly as a reviewer
would: intake, facts, evidence, answers, referral, exception, decision, signing. All of it runs in
one transaction that is rolled back at the end, and the stored files are removed: the database is
left as it was, and only the PDFs in DIR remain. The organisation's signing key signs them (the
demo key in a demo), so ``letters verify`` and ``pdfsig`` check them like real letters.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from criteria import selectors as library
from criteria.models import Policy
from reviewapp.accounts.roles import Role
from reviewapp.accounts.services import staff_upsert
from reviewapp.cases import services as cases
from reviewapp.cases.models import Answer, Case
from reviewapp.core.storage import private_storage
from reviewapp.decisions import selectors as decision_selectors
from reviewapp.decisions import services as decisions
from reviewapp.decisions.models import Determination

from . import services
from .models import Letter

LINES = ("medicaid", "medicare_advantage", "commercial")
OUTCOMES = ("approved", "approved_by_exception", "partially_approved", "denied")
LANGUAGES = ("en", "es")

POLICY = "molina-mcp-160"
# A Molina MCP-160 non-malignant trial whose facts meet every criterion (2025 version).
MEETS = {
    "age_years": 48,
    "pain_nrs": 7,
    "pain_limits_daily_function": True,
    "body_size_adequate": True,
    "underlying_cause_treatment_failed": True,
    "systemic_analgesics_failed": True,
    "analgesics_fixed_schedule": True,
    "medication_compliance": True,
    "conservative_care_not_appropriate": False,
    "conservative_care_weeks": 30,
    "conservative_care_failed": True,
    "psych_evaluation_done": True,
    "psych_no_acute_instability": True,
    "psych_favourable_candidate": True,
    "active_infection": False,
    "coagulopathy": False,
    "leukopenia_or_pancytopenia": False,
    "increased_intracranial_pressure": False,
    # 2025's contraindications are a closed list (no "other" fact); not a Washington member.
    "washington_medicaid_member": False,
}
NOT_MET = "2.a"  # the pain score: 5 out of 10, where the policy asks for more than 6
CODES = (("62322", 1), ("62323", 1))
PARTIAL_DENIED = "62323"


@dataclass
class SpecimenKit:
    """What a registered specimen maker gets: the synthetic staff, signed denials made through
    the real services, and a list to name any other stored file to remove at the end."""

    maker: _Maker
    files: list[str] = field(default_factory=list)

    @property
    def nurse(self):
        return self.maker.nurse

    @property
    def director(self):
        return self.maker.director

    def denial(self, lob: str, lang: str) -> Determination:
        """A signed denial (one criterion not met, one not documented) for this line of
        business, in this language."""
        letter = self.maker.determination_letter(lob, "denied", lang)
        assert letter.determination is not None
        return letter.determination


@dataclass(frozen=True)
class SpecimenSet:
    names: Callable[[], list[str]]
    make: Callable[[SpecimenKit], Iterable[tuple[str, Letter]]]


_REGISTERED: dict[str, SpecimenSet] = {}


def specimens_register(
    key: str,
    *,
    names: Callable[[], list[str]],
    make: Callable[[SpecimenKit], Iterable[tuple[str, Letter]]],
) -> None:
    """Add another app's letter specimens (its ``AppConfig.ready``): ``names`` lists the files,
    ``make`` yields (file name, signed letter) pairs, inside the specimens' transaction."""
    _REGISTERED[key] = SpecimenSet(names=names, make=make)


class SpecimenError(Exception):
    """The specimens cannot be made here (no library, no signing key...)."""


class _RollBack(Exception):
    pass


def specimen_names() -> list[str]:
    """Every file ``specimens_write`` makes, in order."""
    names = [
        f"{lob}-{outcome}-{lang}.pdf" for lob in LINES for outcome in OUTCOMES for lang in LANGUAGES
    ]
    names += [f"{lob}-extension-{lang}.pdf" for lob in LINES for lang in LANGUAGES]
    names += [f"{lob}-denied-en-large.pdf" for lob in LINES]
    for registered in _REGISTERED.values():
        names += registered.names()
    return names


def specimens_write(*, out: Path, progress: Callable[[str], object] = lambda _: None) -> list[Path]:
    """Write every specimen into ``out``; nothing else is kept. Returns the files written."""
    try:
        loaded = Policy.objects.filter(key=POLICY).exists()
    except DatabaseError:
        raise SpecimenError("The database is not set up: run manage.py migrate first.") from None
    if not loaded:
        raise SpecimenError(f"The policy library is not loaded ({POLICY}): run criteria load.")
    if not services.signing_key_path().exists():
        raise SpecimenError(
            f"No signing key at {services.signing_key_path()}: set LETTER_SIGNING_PKCS12, or run "
            "letters demo-key for a demo."
        )
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    stored: list[str] = []
    files: list[str] = []
    try:
        with transaction.atomic():
            maker = _Maker()
            for lob in LINES:
                for outcome in OUTCOMES:
                    for lang in LANGUAGES:
                        letter = maker.determination_letter(lob, outcome, lang)
                        written.append(_write(out, f"{lob}-{outcome}-{lang}.pdf", letter, stored))
                        progress(f"  {written[-1].name}")
            for lob in LINES:
                for lang in LANGUAGES:
                    letter = maker.extension_letter(lob, lang)
                    written.append(_write(out, f"{lob}-extension-{lang}.pdf", letter, stored))
                    progress(f"  {written[-1].name}")
            for lob in LINES:
                letter = maker.determination_letter(lob, "denied", "en", large_print=True)
                written.append(_write(out, f"{lob}-denied-en-large.pdf", letter, stored))
                progress(f"  {written[-1].name}")
            for registered in _REGISTERED.values():
                kit = SpecimenKit(maker=maker, files=files)
                for name, letter in registered.make(kit):
                    written.append(_write(out, name, letter, stored))
                    progress(f"  {written[-1].name}")
            raise _RollBack
    except _RollBack:
        pass
    finally:
        storage = services.letter_storage()
        for name in stored:
            if storage.exists(name):
                storage.delete(name)
        for name in files:
            if private_storage().exists(name):
                private_storage().delete(name)
    return written


def _write(out: Path, name: str, letter: Letter, stored: list[str]) -> Path:
    stored.append(letter.pdf.name)
    path = out / name
    path.write_bytes(services.letter_file_bytes(letter=letter))
    return path


class _Maker:
    """Synthetic cases taken through the real services, one per specimen."""

    def __init__(self) -> None:
        self.nurse = staff_upsert(
            username="specimen-nurse",
            password=None,
            role=Role.NURSE,
            display_name="Nora Specimen",
            credentials="RN",
        )
        self.director = staff_upsert(
            username="specimen-director",
            password=None,
            role=Role.DIRECTOR,
            display_name="Dr. Dana Specimen",
            credentials="MD",
            specialty="Pain Medicine",
            licence_number="MD-000000",
            licence_state="LA",
        )
        self.count = 0

    def _case(self, lob: str, lang: str, *, large_print: bool = False, facts: dict) -> Case:
        self.count += 1
        case = cases.case_create(
            intake=cases.Intake(
                member_name=f"Sample Member {self.count}",
                member_id=f"SPEC{self.count:05d}",
                member_dob=dt.date(1968, 3, 14),
                member_address_line1=f"{100 + self.count} Specimen Street",
                member_address_line2="",
                member_city="Baton Rouge",
                member_state="LA",
                member_zip="70801",
                preferred_language=lang,
                alternate_format="large_print" if large_print else "",
                provider_name="Dr. Pat Example, Example Pain Clinic",
                provider_npi="1234567893",
                provider_address_line1="200 Clinic Way",
                provider_address_line2="Suite 3",
                provider_city="Baton Rouge",
                provider_state="LA",
                provider_zip="70802",
                provider_fax="2255550123",
                servicing_provider_name="",
                servicing_provider_npi="",
                line_of_business=lob,
                priority="standard",
                policy=Policy.objects.get(key=POLICY),
                indication="non_malignant_pain",
                stage="trial",
                received_at=timezone.now() - dt.timedelta(hours=30),
                clinical_summary="Synthetic specimen case.",
                services=list(CODES),
            ),
            by=self.nurse,
        )
        for name, value in facts.items():
            cases.fact_record(
                case=case, by=self.nurse, name=name, raw_value=value, expected_revision=0
            )
        self._answer_as_proposed(case)
        return case

    def _answer_as_proposed(self, case: Case) -> None:
        """Every criterion answered as its facts propose, with the office note linked wherever a
        criterion needs documentation to be met."""
        note = cases.evidence_upload(
            case=case,
            by=self.nurse,
            files=[SimpleUploadedFile("office-note.pdf", _one_page_pdf(), "application/pdf")],
            doc_type="office_note",
            document_date=timezone.localdate() - dt.timedelta(days=10),
            source="Example Pain Clinic",
        )[0].evidence
        for node in library.checklist_nodes(case.checklist).values():
            answer = Answer.objects.filter(case=case, criterion=node).first()
            proposed = answer.proposed_status if answer else "unknown"
            status = {"unknown": "not_documented"}.get(proposed, proposed)
            if status == "met" and node.requires_documentation:
                cases.evidence_link(
                    case=case, by=self.nurse, evidence=note, criterion=node, pages="1"
                )
            cases.answer_record(
                case=case,
                criterion=node,
                by=self.nurse,
                status=status,
                note="",
                override_reason="",
                expected_revision=answer.revision if answer else 0,
            )

    def determination_letter(
        self, lob: str, outcome: str, lang: str, *, large_print: bool = False
    ) -> Letter:
        if outcome == "approved":
            case = self._case(lob, lang, large_print=large_print, facts=MEETS)
            determination = decisions.case_approve_by_nurse(case=case, by=self.nurse)
            return self._sign(determination, self.nurse)
        facts = MEETS if outcome == "partially_approved" else {**MEETS, "pain_nrs": 5}
        if outcome == "denied":
            # And one requirement the records do not show either way (2.c.vi, the mental health
            # professional's support): the letter says what would complete the request.
            facts = {k: v for k, v in facts.items() if k != "psych_favourable_candidate"}
        case = self._case(lob, lang, large_print=large_print, facts=facts)
        cases.case_refer_to_director(
            case=case, by=self.nurse, summary="Pain score below the policy's threshold."
        )
        if outcome == "approved_by_exception":
            decisions.exception_grant(
                case=case,
                criterion=library.checklist_nodes(case.checklist)[NOT_MET],
                by=self.director,
                rationale="Pain of 5 with severe functional loss; the trial is the next step.",
            )
        drafts = decision_selectors.reason_drafts(case=case)
        codes = {code: "approve" for code, _ in CODES}
        explanation = ""
        if outcome == "partially_approved":
            codes[PARTIAL_DENIED] = "deny"
            explanation = (
                "We approved the injection. We did not approve the imaging guidance: the "
                "records do not show why it is needed for this injection."
                if lang == "en"
                else "Aprobamos la inyección. No aprobamos la guía por imágenes: los registros "
                "no muestran por qué se necesita para esta inyección."
            )
        elif outcome == "denied":
            codes = {code: "deny" for code, _ in CODES}
        adverse = outcome in ("partially_approved", "denied")
        determination = decisions.case_decide(
            case=case,
            by=self.director,
            code_decisions=codes,
            reasons={d.label: d.text for d in drafts} if adverse else {},
            explanation=explanation,
            rationale="Specimen: internal note that never prints.",
            peer_to_peer=decisions.PeerToPeer(
                offered_to="Dr. Pat Example (NPI 1234567893)", offered_at=timezone.now()
            )
            if adverse
            else None,
        )
        return self._sign(determination, self.director)

    def _sign(self, determination: Determination, by) -> Letter:
        html = services.letter_render_html(determination=determination)
        services.letter_sign(
            determination=determination, by=by, preview_digest=services.letter_digest(html)
        )
        return Letter.objects.get(determination=determination)

    def extension_letter(self, lob: str, lang: str) -> Letter:
        case = self._case(lob, lang, facts={k: v for k, v in MEETS.items() if k != "pain_nrs"})
        before = case.due_at
        cases.case_pend(
            case=case,
            by=self.nurse,
            request_text="Office notes from the last three months with pain scores (0-10).",
        )
        case.refresh_from_db()
        return services.extension_notice_issue(case=case, by=self.nurse, previous_due_at=before)


def _one_page_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
