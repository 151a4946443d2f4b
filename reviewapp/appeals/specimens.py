"""Specimen appeal decision letters, made by ``manage.py letters specimens`` beside the others.

For each line of business, outcome (``upheld``, ``overturned``) and language (``en``, ``es``):
``{lob}-appeal-{outcome}-{lang}.pdf``. Each comes from a signed specimen denial taken through
the real appeal services: filed by the member by phone with a new document, reviewed by a second
medical director (no part in the denial, a fitting specialty), decided, and its letter signed.
An overturn answers the denial's open criteria again with the new document; an upheld appeal
keeps the drafted reasons. Everything is rolled back with the other specimens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reviewapp.accounts.roles import Role
from reviewapp.accounts.services import staff_upsert
from reviewapp.letters import specimens as letter_specimens
from reviewapp.letters.models import Letter

from . import selectors, services
from .models import AppealAnswerStatus

OUTCOMES = ("upheld", "overturned")


def specimen_names() -> list[str]:
    return [
        f"{lob}-appeal-{outcome}-{lang}.pdf"
        for lob in letter_specimens.LINES
        for outcome in OUTCOMES
        for lang in letter_specimens.LANGUAGES
    ]


def specimens_make(kit: letter_specimens.SpecimenKit) -> Iterator[tuple[str, Letter]]:
    reviewer = staff_upsert(
        username="specimen-appeal-director",
        password=None,
        role=Role.DIRECTOR,
        display_name="Dr. Robin Specimen",
        credentials="DO",
        specialty="Physical Medicine and Rehabilitation",
        licence_number="DO-000000",
        licence_state="LA",
    )
    for lob in letter_specimens.LINES:
        for outcome in OUTCOMES:
            for lang in letter_specimens.LANGUAGES:
                letter = _appeal_letter(kit, reviewer, lob, outcome, lang)
                yield f"{lob}-appeal-{outcome}-{lang}.pdf", letter


def _appeal_letter(kit, reviewer, lob: str, outcome: str, lang: str) -> Letter:
    denial = kit.denial(lob, lang)
    case = denial.case
    appeal = services.appeal_file(
        case=case,
        by=kit.nurse,
        filing=services.AppealFiling(
            requester="member",
            requester_name=case.member_name,
            received_via="phone",
            received_at=timezone.now(),
            request_summary="The member asks us to approve the trial; her doctor sent new notes.",
        ),
        documents=services.AppealDocuments(
            files=[
                SimpleUploadedFile(
                    "office-note-appeal.pdf",
                    _one_page_pdf(),
                    "application/pdf",
                )
            ],
            doc_type="office_note",
            document_date=timezone.localdate() - dt.timedelta(days=2),
            source="Example Pain Clinic",
        ),
    )
    kit.files.extend(d.evidence.file.name for d in appeal.documents.all())
    workspace = selectors.appeal_workspace(appeal, events=False)
    denied = [c.code for c in workspace.denied_codes]
    if outcome == "overturned":
        document = appeal.documents.first()
        for label in workspace.reasons_required:
            services.appeal_answer_record(
                appeal=appeal,
                criterion=workspace.rows[label].node,
                by=reviewer,
                status=AppealAnswerStatus.MET,
                note="The office note sent with the appeal shows this requirement is met.",
                evidence=document.evidence if document else None,
                pages="1",
                expected_revision=0,
            )
        services.appeal_decide(
            appeal=appeal,
            by=reviewer,
            code_decisions={code: "approve" for code in denied},
            reasons={},
        )
    else:
        drafts = selectors.appeal_reason_drafts(workspace)
        services.appeal_decide(
            appeal=appeal,
            by=reviewer,
            code_decisions={code: "deny" for code in denied},
            reasons={d.label: d.text for d in drafts},
            rationale="Specimen: internal note that never prints.",
        )
    appeal.refresh_from_db()
    html = services.appeal_letter_content(appeal=appeal).html()
    letter = services.appeal_letter_sign(
        appeal=appeal, by=reviewer, preview_digest=services.letters.letter_digest(html)
    )
    ire = selectors.independent_review_for(appeal)
    if ire is not None and ire.case_file:
        kit.files.append(ire.case_file.name)
    return letter


def _one_page_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Title": "Office note sent with the appeal"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def register_specimens() -> None:
    letter_specimens.specimens_register("appeals", names=specimen_names, make=specimens_make)
