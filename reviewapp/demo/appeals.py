"""A demo appeal: a Medicaid denial (no trial report for a permanent pump), decided by the
``director`` and signed, appealed by the provider with the trial report. It stays open in the
appeals queue for ``director2``, who had no part in the denial, to review; ``director`` sees why
she may not. Built through the real services; identified by its member ID, so running the demo
again adds nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from criteria import selectors as library
from criteria.models import Policy
from reviewapp.appeals import services as appeals
from reviewapp.cases import services
from reviewapp.cases.models import Answer, Case
from reviewapp.decisions import selectors as decision_selectors
from reviewapp.decisions import services as decisions
from reviewapp.letters.services import letter_digest, letter_render_html, letter_sign

from .cases import MOLINA_NONMAL_TRIAL_FACTS, _pdf

MEMBER_ID = "DM100020"


def demo_appeals_load() -> list[str]:
    """The demo appeal, unless it exists; returns its reference (or nothing)."""
    if Case.objects.filter(member_id=MEMBER_ID).exists():
        return []
    nurse = User.objects.get(username="nurse")
    director = User.objects.get(username="director")
    received = timezone.now() - dt.timedelta(days=12)
    case = services.case_create(
        intake=services.Intake(
            member_name="Celestine Arceneaux",
            member_id=MEMBER_ID,
            member_dob=dt.date(1964, 2, 9),
            provider_name="Acadiana Pain Associates",
            provider_npi="1659384724",
            line_of_business="medicaid",
            priority="standard",
            policy=Policy.objects.get(key="molina-mcp-160"),
            indication="non_malignant_pain",
            stage="permanent",
            received_at=received,
            clinical_summary="Permanent pump after a trial; the trial report was not sent.",
            services=[("62362", 1)],
            member_address_line1="418 Cypress Bend",
            member_city="Lafayette",
            member_state="LA",
            member_zip="70501",
            provider_address_line1="12 Teche Drive",
            provider_address_line2="Suite 210",
            provider_city="Lafayette",
            provider_state="LA",
            provider_zip="70503",
            provider_fax="3375550142",
        ),
        by=nurse,
    )
    for name, value in MOLINA_NONMAL_TRIAL_FACTS.items():
        services.fact_record(case=case, by=nurse, name=name, raw_value=value, expected_revision=0)
    note = services.evidence_upload(
        case=case,
        by=nurse,
        files=[
            SimpleUploadedFile(
                "office-note.pdf",
                _pdf("Office note", "Chronic low back pain, 8/10.\nTrial done last month."),
                "application/pdf",
            )
        ],
        doc_type="office_note",
        document_date=timezone.localdate(received),
        source="Acadiana Pain Associates",
    )[0].evidence
    for node in library.checklist_nodes(case.checklist).values():
        answer = Answer.objects.filter(case=case, criterion=node).first()
        proposed = answer.proposed_status if answer else "unknown"
        status = "not_documented" if proposed == "unknown" else proposed
        if status == "met" and node.requires_documentation:
            services.evidence_link(case=case, by=nurse, evidence=note, criterion=node, pages="1")
        services.answer_record(
            case=case,
            criterion=node,
            by=nurse,
            status=status,
            note="" if status != "not_documented" else "Not in the records sent.",
            override_reason="",
            expected_revision=answer.revision if answer else 0,
        )
    services.case_refer_to_director(
        case=case, by=nurse, summary="2.f not documented: the trial report was not sent."
    )
    drafts = decision_selectors.reason_drafts(case=case)
    determination = decisions.case_decide(
        case=case,
        by=director,
        code_decisions={"62362": "deny"},
        reasons={d.label: d.text for d in drafts},
        rationale="No trial report in the file.",
        peer_to_peer=decisions.PeerToPeer(
            offered_to="Acadiana Pain Associates (NPI 1659384724)", offered_at=timezone.now()
        ),
    )
    preview = letter_render_html(determination=determination)
    letter_sign(determination=determination, by=director, preview_digest=letter_digest(preview))
    appeal = appeals.appeal_file(
        case=case,
        by=nurse,
        filing=appeals.AppealFiling(
            requester="provider",
            requester_name="Acadiana Pain Associates",
            received_via="fax",
            received_at=timezone.now(),
            request_summary="The trial was done: the report shows 65% relief and better walking.",
            representative_authorized=True,
        ),
        documents=appeals.AppealDocuments(
            files=[
                SimpleUploadedFile(
                    "trial-report.pdf",
                    _pdf(
                        "Trial report",
                        "Intrathecal trial, 3 days.\nPain 8/10 before, 3/10 during: 65% "
                        "relief.\nWalks twice as far.",
                    ),
                    "application/pdf",
                )
            ],
            doc_type="trial_report",
            document_date=timezone.localdate(),
            source="Acadiana Pain Associates",
        ),
    )
    return [appeal.reference]
