"""Who may do what: every state-changing endpoint x every role, generated from the URL resolver.

Every endpoint must be classified here, as state-changing (with the roles allowed and how to call
it) or read-only (which must refuse POST), so a new endpoint cannot be forgotten. For each
state-changing endpoint and each role, a fresh case is set up in a state where the action can
succeed; an allowed role passes the gate, a refused role gets 403 (anonymous: the sign-in page)
and nothing about the case changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from criteria import selectors as library
from reviewapp.cases import services
from reviewapp.cases.models import (
    Answer,
    Case,
    CaseEvent,
    CaseFact,
    CriterionException,
    Evidence,
    EvidenceLink,
)
from reviewapp.decisions import services as decisions
from reviewapp.decisions.models import Determination
from reviewapp.documents.models import DocumentReading, Suggestion
from reviewapp.letters.models import Delivery, Letter, MailBatch
from tests.factories import CaseFactory, EvidenceFactory, meeting_case, pdf_bytes
from tests.urlwalk import endpoints

ROLES = ("nurse", "director", "administrator", "manager", "no_role", "anonymous")
REVIEWERS = frozenset({"nurse", "director"})
DIRECTOR = frozenset({"director"})
NURSE = frozenset({"nurse"})
MANAGER = frozenset({"manager"})
SIGNED_IN = frozenset({"nurse", "director", "administrator", "manager", "no_role"})


@dataclass(frozen=True)
class Call:
    path: str
    data: dict
    case: Case | None = None


Setup = Callable[[dict[str, User], User | None], Call]


# --- setups: a fresh state in which the action can succeed for an allowed role --------------


def _case(users, **kwargs) -> Case:
    return CaseFactory(by=users["nurse"], **kwargs)


def _node(case, label):
    return library.checklist_nodes(case.checklist)[label]


def _meeting(users) -> Case:
    """A Molina malignant trial with every criterion met and documented."""
    return meeting_case(by=users["nurse"])


def _referred(users) -> Case:
    case = _case(
        users,
        policy="lhcc-la-cp-mp-173",
        indication="malignant_pain",
        stage="permanent",
        codes=(("62350", 1), ("62362", 1)),
    )
    services.case_refer_to_director(case=case, by=users["nurse"], summary="Review.")
    return case


def intake(users, actor) -> Call:
    received = timezone.localtime(timezone.now() - dt.timedelta(hours=1))
    return Call(
        "/cases/new/",
        {
            "member_name": "Matrix Member",
            "member_id": "MX1",
            "member_dob": "1970-01-01",
            "provider_name": "Dr. M",
            "provider_npi": "1234567893",
            "line_of_business": "commercial",
            "policy": "molina-mcp-160",
            "indication": "non_malignant_pain",
            "codes": "62322",
            "stage": "",
            "priority": "standard",
            "received_at": received.strftime("%Y-%m-%dT%H:%M"),
            "clinical_summary": "",
            "diagnoses": "M96.1",
            "service_date": (received + dt.timedelta(days=10)).date().isoformat(),
            "servicing_facility": "Matrix Surgical Center",
            "member_address_line1": "1 Matrix Way",
            "member_city": "Baton Rouge",
            "member_state": "LA",
            "member_zip": "70801",
            "preferred_language": "en",
            "provider_address_line1": "2 Matrix Way",
            "provider_city": "Baton Rouge",
            "provider_state": "LA",
            "provider_zip": "70802",
        },
    )


def claim(users, actor) -> Call:
    case = CaseFactory(by=users["nurse"], assign_to_me=False)
    return Call(f"/cases/{case.pk}/claim/", {}, case)


def fact_save(users, actor) -> Call:
    case = _case(users)
    return Call(f"/cases/{case.pk}/facts/pain_nrs/", {"revision": 0, "value": "7"}, case)


def answer(users, actor) -> Call:
    case = _case(users)
    return Call(
        f"/cases/{case.pk}/criteria/{_node(case, '2.d').pk}/answer/",
        {"revision": 0, "status": "met", "note": "", "override_reason": ""},
        case,
    )


def apply_proposal(users, actor) -> Call:
    case = _case(users)
    services.fact_record(
        case=case, by=users["nurse"], name="active_infection", raw_value=False, expected_revision=0
    )
    return Call(f"/cases/{case.pk}/criteria/{_node(case, '2.d').pk}/apply/", {"revision": 0}, case)


def apply_proposals(users, actor) -> Call:
    case = _case(users)
    services.fact_record(
        case=case, by=users["nurse"], name="active_infection", raw_value=False, expected_revision=0
    )
    return Call(f"/cases/{case.pk}/proposals/apply/", {}, case)


def evidence_details(users, actor) -> Call:
    case = _case(users)
    evidence = EvidenceFactory(case=case, by=users["nurse"])
    return Call(
        f"/cases/{case.pk}/evidence/{evidence.pk}/details/",
        {"doc_type": "trial_report", "document_date": "", "source": "Surgical center"},
        case,
    )


def recall(users, actor) -> Call:
    case = _case(users)
    services.case_refer_to_director(case=case, by=users["nurse"], summary="Please review.")
    return Call(f"/cases/{case.pk}/recall/", {}, case)


def session(users, actor) -> Call:
    return Call("/accounts/session/", {})


def session_drafts(users, actor) -> Call:
    return Call("/accounts/session/drafts/", {"drafts": "{}"})


def link(users, actor) -> Call:
    case = _case(users)
    evidence = EvidenceFactory(case=case, by=users["nurse"])
    return Call(
        f"/cases/{case.pk}/criteria/{_node(case, '2.a').pk}/evidence/",
        {"evidence": evidence.pk, "pages": "1"},
        case,
    )


def unlink(users, actor) -> Call:
    case = _case(users)
    evidence = EvidenceFactory(case=case, by=users["nurse"])
    made = services.evidence_link(
        case=case, by=users["nurse"], evidence=evidence, criterion=_node(case, "2.a"), pages="1"
    )
    return Call(f"/cases/{case.pk}/links/{made.pk}/delete/", {}, case)


def upload(users, actor) -> Call:
    case = _case(users)
    return Call(
        f"/cases/{case.pk}/evidence/",
        {
            "files": [SimpleUploadedFile("m.pdf", pdf_bytes(1))],
            "doc_type": "office_note",
            "document_date": "",
            "source": "",
        },
        case,
    )


def pend(users, actor) -> Call:
    case = _case(users)
    return Call(f"/cases/{case.pk}/pend/", {"request_text": "Send the psych evaluation."}, case)


def resume(users, actor) -> Call:
    case = _case(users)
    services.case_pend(case=case, by=users["nurse"], request_text="Send notes.")
    return Call(f"/cases/{case.pk}/resume/", {"note": "Received."}, case)


def refer(users, actor) -> Call:
    case = _case(users)
    return Call(f"/cases/{case.pk}/refer/", {"summary": "Please review."}, case)


def approve(users, actor) -> Call:
    case = _meeting(users)
    return Call(f"/cases/{case.pk}/approve/", {"rationale": ""}, case)


def withdraw(users, actor) -> Call:
    case = _case(users)
    return Call(f"/cases/{case.pk}/withdraw/", {"reason": "Provider withdrew."}, case)


def reassign(users, actor) -> Call:
    """The nurse's case, handed to a director (or, by the director, to herself)."""
    case = _case(users)
    return Call(
        f"/cases/{case.pk}/reassign/",
        {"assign_to": users["director"].pk, "reason": "Workload."},
        case,
    )


def _hand_to(users, case: Case, decider: User) -> None:
    """Only the reviewer a case is assigned to approves it: the nurse hands it to the decider."""
    if decider != users["nurse"]:
        services.case_reassign(case=case, by=users["nurse"], to=decider, reason="Decide it.")


def reopen(users, actor) -> Call:
    """A case the acting reviewer approved (a nurse may reopen her own approval)."""
    case = _meeting(users)
    decider = (
        actor if actor is not None and actor.has_perm("accounts.approve_cases") else users["nurse"]
    )
    _hand_to(users, case, decider)
    decisions.case_approve_by_nurse(case=case, by=decider)
    return Call(f"/cases/{case.pk}/reopen/", {"reason": "Correcting a typo."}, case)


def exception_grant(users, actor) -> Call:
    case = _referred(users)
    return Call(
        f"/director/cases/{case.pk}/criteria/{_node(case, 'II.A.1').pk}/exception/",
        {"rationale": "Advanced disease."},
        case,
    )


def exception_withdraw(users, actor) -> Call:
    case = _referred(users)
    made = decisions.exception_grant(
        case=case,
        criterion=_node(case, "II.A.1"),
        by=users["director"],
        rationale="Advanced disease.",
    )
    return Call(f"/director/cases/{case.pk}/exceptions/{made.pk}/withdraw/", {}, case)


def decide(users, actor) -> Call:
    case = _referred(users)
    return Call(
        f"/director/cases/{case.pk}/decide/",
        {
            "code_62350": "deny",
            "code_62362": "deny",
            "reasons": "No trial.",
            "rationale": "",
            "p2p_offered_to": "Dr. M",
            "p2p_result": "pending",
            "p2p_notes": "",
            "p2p_offered_at": "2026-01-01T10:00",
        },
        case,
    )


def sign_letter(users, actor) -> Call:
    """An approval decided by the acting reviewer (only the decider signs its letter)."""
    from reviewapp.letters import services as letters

    letters.signing_key_ensure()  # the demo key under var/, as manage.py demo makes it
    case = _meeting(users)
    decider = (
        actor if actor is not None and actor.has_perm("accounts.approve_cases") else users["nurse"]
    )
    _hand_to(users, case, decider)
    determination = decisions.case_approve_by_nurse(case=case, by=decider)
    digest = letters.letter_digest(letters.letter_render_html(determination=determination))
    return Call(
        f"/letters/determinations/{determination.pk}/sign/",
        {"digest": digest, "confirm": "on"},
        case,
    )


def _queued_letter(users):
    """An approval whose signed letter (a stand-in PDF, no rendering) is queued for delivery,
    the provider's copy by fax."""
    from django.core.files.base import ContentFile

    from reviewapp.letters import services as letters

    case = _meeting(users)
    determination = decisions.case_approve_by_nurse(case=case, by=users["nurse"])
    name = letters.letter_storage().save(f"letters/{case.pk}/matrix.pdf", ContentFile(pdf_bytes(1)))
    letter = Letter.objects.create(
        case=case,
        kind=Letter.Kind.DETERMINATION,
        determination=determination,
        pdf=name,
        sha256="0" * 64,
        size=1,
        signed_at=timezone.now(),
        signed_by=users["nurse"],
        signer_name="Nurse",
    )
    letters._deliveries_queue(letter=letter, case=case, by=users["nurse"], at=timezone.now())
    return case, letter


def delivery_sent(users, actor) -> Call:
    case, letter = _queued_letter(users)
    fax = letter.deliveries.get(recipient="provider")
    return Call(f"/letters/deliveries/{fax.pk}/sent/", {}, case)


def mail_batch_create(users, actor) -> Call:
    case, _ = _queued_letter(users)
    return Call("/letters/mail/batches/", {}, case)


def mail_batch_sent(users, actor) -> Call:
    from reviewapp.letters import services as letters

    case, _ = _queued_letter(users)
    batch = letters.mail_batch_create(by=users["nurse"])
    return Call(f"/letters/mail/batches/{batch.pk}/sent/", {}, case)


def extension_sign(users, actor) -> Call:
    """A pended case whose due time the pend extended (a standard request): its notice is due."""
    case = _case(users)
    services.case_pend(case=case, by=users["nurse"], request_text="Send the notes.")
    return Call(f"/letters/cases/{case.pk}/extension-notice/", {}, case)


def verify_letter(users, actor) -> Call:
    return Call("/letters/verify/", {"file": SimpleUploadedFile("l.pdf", pdf_bytes(1))})


def _irr_study(users, *, reference: str = "original"):
    """A study of one closed case worked and decided by a third reviewer, assigned to the
    acting reviewer (or, for anyone else, to the nurse)."""
    from reviewapp.accounts.roles import Role
    from reviewapp.operations import services as operations
    from tests.conftest import make_staff
    from tests.reviewapp.operations.conftest import closed_case

    worker = make_staff("wanda", Role.NURSE)
    closed_case(worker, decided="2025-06-10 10:00")
    return operations.irr_study_create(
        draw=operations.StudyDraw(
            title="Matrix study",
            decided_from=dt.date(2025, 6, 1),
            decided_to=dt.date(2025, 6, 30),
            sample_size=1,
            reviewers=[users["nurse"], users["director"]],
            reviewers_per_case=2,
            reference=reference,
        ),
        by=users["manager"],
    )


def _all_met(study_case) -> dict:
    nodes = library.checklist_nodes(study_case.case.checklist)
    return {f"criterion_{node.pk}": "met" for node in nodes.values()}


def irr_draw(users, actor) -> Call:
    from reviewapp.accounts.roles import Role
    from tests.conftest import make_staff
    from tests.reviewapp.operations.conftest import closed_case

    closed_case(make_staff("wanda", Role.NURSE), decided="2025-06-10 10:00")
    return Call(
        "/operations/irr/",
        {
            "title": "Drawn in the matrix",
            "decided_from": "2025-06-01",
            "decided_to": "2025-06-30",
            "sample_size": "1",
            "reviewers": [str(users["nurse"].pk)],
            "reviewers_per_case": "1",
            "reference": "original",
        },
    )


def irr_close(users, actor) -> Call:
    study = _irr_study(users)
    return Call(f"/operations/irr/{study.pk}/close/", {})


def irr_reference(users, actor) -> Call:
    study = _irr_study(users, reference="manager")
    study_case = study.cases.get()
    return Call(
        f"/operations/irr/{study.pk}/cases/{study_case.pk}/reference/", _all_met(study_case)
    )


def irr_review(users, actor) -> Call:
    from reviewapp.operations.models import IrrAssignment

    study = _irr_study(users)
    reviewer = actor if actor is not None and actor.has_perm("accounts.review_cases") else None
    assignment = IrrAssignment.objects.get(
        study_case__study=study, reviewer=reviewer or users["nurse"]
    )
    return Call(f"/operations/irr/reviews/{assignment.pk}/", _all_met(assignment.study_case))


def _read_note(users) -> tuple[Case, Evidence]:
    """A case with a note read (its suggestions waiting for a decision)."""
    from reviewapp.documents import services as documents

    case = _case(users)
    note = b"Pain is 8/10 today. No signs of active infection.\n"
    evidence = services.evidence_upload(
        case=case,
        by=users["nurse"],
        files=[SimpleUploadedFile("note.txt", note)],
        doc_type="office_note",
        document_date=None,
        source="",
    )[0].evidence
    documents.reading_run(reading_id=evidence.reading.pk)  # the worker, inline
    return case, evidence


def suggestion_accept(users, actor) -> Call:
    case, evidence = _read_note(users)
    suggestion = evidence.suggestions.get(fact__name="pain_nrs")
    return Call(f"/cases/{case.pk}/suggestions/{suggestion.pk}/accept/", {}, case)


def suggestion_dismiss(users, actor) -> Call:
    case, evidence = _read_note(users)
    suggestion = evidence.suggestions.get(fact__name="pain_nrs")
    return Call(f"/cases/{case.pk}/suggestions/{suggestion.pk}/dismiss/", {}, case)


def read_again(users, actor) -> Call:
    from reviewapp.documents.models import DocumentReading

    case, evidence = _read_note(users)
    DocumentReading.objects.filter(evidence=evidence).update(status="failed", message="Test.")
    return Call(f"/cases/{case.pk}/documents/{evidence.pk}/read-again/", {}, case)


def logout(users, actor) -> Call:
    return Call("/accounts/logout/", {})


def password_change(users, actor) -> Call:
    return Call("/accounts/password/", {})


# --- appeals -----------------------------------------------------------------------------------
# The denials appealed are made by another medical director, so that the matrix's director (Pain
# Medicine, no part in them) may review; the services' own tests cover who else is refused.


def _first_decider():
    from reviewapp.accounts.roles import Role
    from tests.conftest import make_staff

    return make_staff("matrix-decider", Role.DIRECTOR, specialty="Anesthesiology")


def _appeal(users, **kwargs):
    from tests import appeal_factories

    determination = appeal_factories.denied(
        users["nurse"], _first_decider(), line_of_business=kwargs.pop("lob", "commercial")
    )
    return appeal_factories.file_appeal(determination, users["nurse"], **kwargs)


def appeal_file(users, actor) -> Call:
    from tests import appeal_factories

    determination = appeal_factories.denied(users["nurse"], _first_decider())
    received = timezone.localtime(timezone.now() - dt.timedelta(minutes=5))
    return Call(
        f"/appeals/cases/{determination.case_id}/new/",
        {
            "requester": "member",
            "requester_name": "Matrix Member",
            "received_via": "phone",
            "received_at": received.strftime("%Y-%m-%dT%H:%M"),
            "request_summary": "Please look again.",
            "doc_type": "office_note",
        },
        determination.case,
    )


def appeal_claim(users, actor) -> Call:
    appeal = _appeal(users, documents=False)
    return Call(f"/appeals/{appeal.pk}/claim/", {}, appeal.case)


def appeal_documents(users, actor) -> Call:
    appeal = _appeal(users, documents=False)
    return Call(
        f"/appeals/{appeal.pk}/documents/",
        {"files": [SimpleUploadedFile("trial.pdf", pdf_bytes(1))], "doc_type": "trial_report"},
        appeal.case,
    )


def appeal_answer(users, actor) -> Call:
    appeal = _appeal(users)
    document = appeal.documents.first().evidence
    return Call(
        f"/appeals/{appeal.pk}/criteria/{_node(appeal.case, '2.a').pk}/answer/",
        {
            "status": "met",
            "note": "Pain 8/10.",
            "evidence": document.pk,
            "pages": "1",
            "revision": 0,
        },
        appeal.case,
    )


def appeal_expedite_decline(users, actor) -> Call:
    appeal = _appeal(users, documents=False, expedited_requested=True)
    return Call(
        f"/appeals/{appeal.pk}/expedite-decline/",
        {"reason": "Stable.", "member_told": "Phoned today."},
        appeal.case,
    )


def appeal_extend(users, actor) -> Call:
    appeal = _appeal(users, documents=False, lob="medicaid")
    return Call(
        f"/appeals/{appeal.pk}/extend/",
        {"asked_by": "member", "reason": "Gathering records.", "member_told": ""},
        appeal.case,
    )


def appeal_withdraw(users, actor) -> Call:
    appeal = _appeal(users, documents=False)
    return Call(f"/appeals/{appeal.pk}/withdraw/", {"reason": "Withdrawn by phone."}, appeal.case)


def appeal_decide(users, actor) -> Call:
    from reviewapp.appeals import selectors as appeal_selectors

    appeal = _appeal(users, documents=False)
    drafts = appeal_selectors.appeal_reason_drafts(appeal_selectors.appeal_workspace(appeal))
    return Call(
        f"/appeals/{appeal.pk}/decide/",
        {"code_62322": "deny", **{f"reason__{d.label}": d.text for d in drafts}},
        appeal.case,
    )


def appeal_letter_sign(users, actor) -> Call:
    """An appeal the matrix's director decided (only the decider signs its letter)."""
    from reviewapp.appeals import services as appeal_services
    from reviewapp.letters import services as letters
    from tests import appeal_factories

    letters.signing_key_ensure()
    appeal = appeal_factories.decide_upheld(_appeal(users, documents=False), users["director"])
    html = appeal_services.appeal_letter_content(appeal=appeal).html()
    return Call(
        f"/appeals/{appeal.pk}/letter/sign/",
        {"digest": letters.letter_digest(html), "confirm": "on"},
        appeal.case,
    )


def _forwarded(users, *, exported: bool):
    """A Medicare Advantage appeal upheld, its letter (a stand-in PDF) recorded, its case file to
    export (or exported, as a stand-in)."""
    import hashlib

    from django.core.files.base import ContentFile

    from reviewapp.appeals.models import Appeal, IndependentReview
    from reviewapp.core.storage import private_storage
    from reviewapp.letters import services as letters
    from tests import appeal_factories

    appeal = appeal_factories.decide_upheld(
        _appeal(users, documents=False, lob="medicare_advantage"), users["director"]
    )
    data = pdf_bytes(1)
    name = letters.letter_storage().save(f"letters/{appeal.case_id}/m.pdf", ContentFile(data))
    letter = Letter.objects.create(
        case=appeal.case,
        kind=Letter.Kind.APPEAL_DECISION,
        pdf=name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        signed_at=timezone.now(),
        signed_by=users["director"],
        signer_name="Director",
    )
    Appeal.objects.filter(pk=appeal.pk).update(letter=letter)
    if exported:
        stored = private_storage().save(f"appeals/{appeal.case_id}/m.pdf", ContentFile(data))
        IndependentReview.objects.filter(appeal=appeal).update(
            case_file=stored,
            case_file_sha256=hashlib.sha256(data).hexdigest(),
            case_file_pages=1,
            prepared_at=timezone.now(),
        )
    return appeal


def appeal_case_file_export(users, actor) -> Call:
    appeal = _forwarded(users, exported=False)
    return Call(f"/appeals/{appeal.pk}/case-file/export/", {}, appeal.case)


def appeal_case_file_sent(users, actor) -> Call:
    appeal = _forwarded(users, exported=True)
    return Call(f"/appeals/{appeal.pk}/case-file/sent/", {"confirmation": "MAX-1"}, appeal.case)


STATE_CHANGING: dict[str, tuple[frozenset[str], Setup]] = {
    "accounts:logout": (SIGNED_IN, logout),
    "accounts:password-change": (SIGNED_IN, password_change),
    "accounts:session": (SIGNED_IN, session),
    "accounts:session-drafts": (SIGNED_IN, session_drafts),
    "cases:intake": (REVIEWERS, intake),
    "cases:claim": (REVIEWERS, claim),
    # The assigned nurse hands over; a director or a UM manager reassigns.
    "cases:reassign": (REVIEWERS | {"manager"}, reassign),
    "cases:fact-save": (REVIEWERS, fact_save),
    "cases:criterion-answer": (REVIEWERS, answer),
    "cases:criterion-apply": (REVIEWERS, apply_proposal),
    "cases:proposals-apply": (REVIEWERS, apply_proposals),
    "cases:evidence-details": (REVIEWERS, evidence_details),
    "cases:recall": (NURSE, recall),
    "cases:evidence-link": (REVIEWERS, link),
    "cases:evidence-unlink": (REVIEWERS, unlink),
    "cases:evidence-upload": (REVIEWERS, upload),
    "cases:pend": (REVIEWERS, pend),
    "cases:resume": (REVIEWERS, resume),
    "cases:refer": (REVIEWERS, refer),
    "decisions:approve": (REVIEWERS, approve),
    "decisions:withdraw": (REVIEWERS, withdraw),
    "decisions:reopen": (REVIEWERS, reopen),
    "decisions:exception-grant": (DIRECTOR, exception_grant),
    "decisions:exception-withdraw": (DIRECTOR, exception_withdraw),
    "decisions:decide": (DIRECTOR, decide),
    "letters:sign": (REVIEWERS, sign_letter),
    "letters:verify": (REVIEWERS, verify_letter),
    "operations:irr-studies": (MANAGER, irr_draw),
    "operations:irr-close": (MANAGER, irr_close),
    "operations:irr-reference": (MANAGER, irr_reference),
    "operations:irr-review": (REVIEWERS, irr_review),
    "letters:delivery-sent": (REVIEWERS, delivery_sent),
    "letters:extension-sign": (REVIEWERS, extension_sign),
    "letters:mail-batch-create": (REVIEWERS, mail_batch_create),
    "letters:mail-batch-sent": (REVIEWERS, mail_batch_sent),
    "appeals:file": (REVIEWERS, appeal_file),
    "appeals:claim": (DIRECTOR, appeal_claim),
    "appeals:documents": (REVIEWERS, appeal_documents),
    "appeals:answer": (DIRECTOR, appeal_answer),
    "appeals:expedite-decline": (DIRECTOR, appeal_expedite_decline),
    "appeals:extend": (REVIEWERS, appeal_extend),
    "appeals:withdraw": (REVIEWERS, appeal_withdraw),
    "appeals:decide": (DIRECTOR, appeal_decide),
    "appeals:letter-sign": (DIRECTOR, appeal_letter_sign),
    "appeals:case-file-export": (REVIEWERS, appeal_case_file_export),
    "appeals:case-file-sent": (REVIEWERS, appeal_case_file_sent),
    "documents:suggestion-accept": (REVIEWERS, suggestion_accept),
    "documents:suggestion-dismiss": (REVIEWERS, suggestion_dismiss),
    "documents:read-again": (REVIEWERS, read_again),
}
# Reads: they must refuse POST (405), so they cannot change anything.
READ_ONLY = {
    "healthz",
    "core:home",
    "criteria:policy-list",
    "criteria:version-compare",
    "criteria:checklist-detail",
    "cases:queue",
    "cases:stage-hint",
    "cases:member-cases",
    "cases:reassign-find",
    "cases:detail",
    "cases:timeline",
    "cases:evidence-file",
    "cases:evidence-view",
    "cases:evidence-page",
    "cases:access-log",
    "decisions:queue",
    "decisions:review",
    "letters:preview",
    "letters:download",
    "letters:letter-file",
    "letters:mail-room",
    "letters:mail-batch-pdf",
    "appeals:queue",
    "appeals:detail",
    "appeals:letter",
    "appeals:case-file",
    "accounts:password-change-done",
    "documents:panel",
    "documents:search",
    "documents:page-text",
    "audit:access-log",
    "audit:access-log-export",
    "audit:security-events",
    "audit:security-events-export",
    "operations:dashboard",
    "operations:appeals-due",
    "operations:productivity",
    "operations:productivity-export",
    "operations:metrics",
    "operations:irr-study",
    "operations:irr-report",
    "operations:irr-report-export",
    "operations:irr-reviews",
    "public:prior-authorization-metrics",
}
# The sign-in page is the one form open to anonymous visitors (throttled by django-axes); a
# password link's page needs the link's one-time token (tests/reviewapp/accounts/).
OPEN = {"accounts:login", "accounts:password-reset-confirm", "accounts:password-reset-complete"}
# The FHIR API answers bearer tokens of registered client organisations, never staff sessions;
# each endpoint with the scope it needs (tests/reviewapp/fhir covers scopes, clients and
# isolation). The CapabilityStatement and the token endpoint are open by design.
API = {
    "fhir:claim-submit": "submit",
    "fhir:claim-inquire": "read",
    "fhir:claimresponse-search": "read",
    "fhir:claimresponse-read": "read",
    "fhir:questionnaire-search": "read",
    "fhir:questionnaire-read": "read",
    "fhir:valueset-read": "read",
    "fhir:binary-read": "read",
    "fhir:subscriptions": "read",
    "fhir:subscription-detail": "read",
}
API_OPEN = {"fhir:metadata", "oauth-token"}


def test_every_endpoint_is_classified():
    unclassified = sorted(
        e.name or e.path
        for e in endpoints()
        if not e.name.startswith("admin:")
        and not e.path.startswith("/admin/")
        and e.name not in STATE_CHANGING
        and e.name not in READ_ONLY
        and e.name not in OPEN
        and e.name not in API
        and e.name not in API_OPEN
    )
    assert unclassified == [], "classify these endpoints in the permission matrix"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_api_endpoints_refuse_staff_sessions(role, role_clients):
    """A signed-in staff member's session is not an API credential: 401 on every API endpoint."""
    paths = {e.name: e.path for e in endpoints({"pk": "1"}) if e.name in API}
    assert set(paths) == set(API)
    for name, path in paths.items():
        client = role_clients[role]
        method = "post" if name in ("fhir:claim-submit", "fhir:claim-inquire") else "get"
        response = getattr(client, method)(path, content_type="application/fhir+json")
        assert response.status_code == 401, (name, role, response.status_code)


@pytest.mark.django_db
def test_read_only_endpoints_refuse_post(director_client):
    samples = {
        "pk": "1",
        "evidence_id": "1",
        "policy_key": "molina-mcp-160",
        "version_label": "2025-08-13",
        "checklist_key": "malignant-trial",
    }
    for endpoint in endpoints(samples):
        if endpoint.name in READ_ONLY:
            response = director_client.post(endpoint.path)
            assert response.status_code == 405, (endpoint.name, response.status_code)


def fingerprint(case: Case | None) -> tuple:
    """What a refused request must not change."""
    from reviewapp.operations.models import IrrAnswer, IrrStudy, IrrStudyCase

    scope = {"case": case} if case else {}
    return (
        IrrStudy.objects.count(),
        IrrStudy.objects.filter(closed_at__isnull=False).count(),
        IrrAnswer.objects.count(),
        IrrStudyCase.objects.exclude(reference_answers={}).count(),
        Case.objects.count(),
        Case.objects.get(pk=case.pk).status if case else None,
        Case.objects.get(pk=case.pk).assigned_to_id if case else None,
        Answer.objects.filter(**scope).exclude(status="").count(),
        CaseFact.objects.filter(**scope).count(),
        Evidence.objects.filter(**scope).count(),
        EvidenceLink.objects.filter(**scope).count(),
        CriterionException.objects.filter(**scope, withdrawn_at__isnull=True).count(),
        Determination.objects.filter(**scope).count(),
        CaseEvent.objects.filter(**scope).exclude(kind="refused").count(),
        Delivery.objects.filter(letter__case=case, sent_at__isnull=False).count() if case else 0,
        MailBatch.objects.count(),
        Letter.objects.filter(case=case).count() if case else 0,
        Suggestion.objects.filter(**scope).exclude(status="pending").count(),
        DocumentReading.objects.filter(
            **({"evidence__case": case} if case else {}), status="queued"
        ).count(),
        _appeals_state(case),
    )


def _appeals_state(case: Case | None) -> tuple:
    from reviewapp.appeals.models import Appeal, AppealAnswer, AppealDocument, IndependentReview

    if case is None:
        return (Appeal.objects.count(),)
    return (
        list(
            Appeal.objects.filter(case=case)
            .order_by("pk")
            .values_list("status", "reviewer", "priority", "due_at", "outcome", "letter")
        ),
        AppealAnswer.objects.filter(appeal__case=case).count(),
        AppealDocument.objects.filter(appeal__case=case).count(),
        list(
            IndependentReview.objects.filter(appeal__case=case).values_list(
                "case_file_sha256", "sent_at"
            )
        ),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(STATE_CHANGING))
def test_permission_matrix(name, role, nurse, director, administrator, manager, outsider):
    users = {
        "nurse": nurse,
        "director": director,
        "administrator": administrator,
        "manager": manager,
        "no_role": outsider,
    }
    allowed, setup = STATE_CHANGING[name]
    actor = users.get(role)
    call = setup(users, actor)
    client = Client()
    if actor is not None:
        client.force_login(actor)
    before = fingerprint(call.case)
    response = client.post(call.path, call.data)
    if role in allowed:
        assert response.status_code not in (401, 403), (name, role, response.status_code)
        assert not (
            response.status_code == 302
            and "/accounts/login/" in response["Location"]
            and name != "accounts:logout"
        )
        assert response.status_code < 500
    else:
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403, (name, role, response.status_code)
        assert fingerprint(call.case) == before, f"{role} changed something through {name}"


@pytest.mark.django_db
def test_admin_endpoints_are_for_administrators_only(role_clients):
    samples = {"object_id": "1", "app_label": "auth"}
    admin_endpoints = [
        e
        for e in endpoints(samples)
        if e.path.startswith("/admin/")
        and e.name not in {"admin:login", "admin:logout", "admin:jsi18n"}
    ]
    assert len(admin_endpoints) > 20
    for endpoint in admin_endpoints:
        for role in ("nurse", "director", "manager", "no_role"):
            response = role_clients[role].post(endpoint.path, {})
            assert response.status_code == 403, (endpoint.name, role)
        response = role_clients["anonymous"].post(endpoint.path, {})
        assert response.status_code == 302, endpoint.name


# Ownership: on a case assigned to one nurse, another nurse changes nothing, whatever she posts.
NOT_HERS = sorted(
    {
        "cases:claim",
        "cases:fact-save",
        "cases:criterion-answer",
        "cases:evidence-link",
        "cases:evidence-unlink",
        "cases:evidence-upload",
        "cases:pend",
        "cases:resume",
        "cases:refer",
        "cases:reassign",
        "decisions:approve",
        "decisions:withdraw",
        "documents:suggestion-accept",
        "documents:suggestion-dismiss",
    }
)


@pytest.mark.django_db
@pytest.mark.parametrize("name", NOT_HERS)
def test_another_nurse_changes_nothing_on_a_nurses_case(
    name, nurse, other_nurse, director, administrator, manager, outsider
):
    users = {
        "nurse": nurse,
        "director": director,
        "administrator": administrator,
        "manager": manager,
        "no_role": outsider,
    }
    call = STATE_CHANGING[name][1](users, other_nurse)
    if call.case.assigned_to_id is None:  # the claim's case: someone else's first
        services.case_claim(case=call.case, by=nurse)
    data = dict(call.data)
    if name == "cases:reassign":
        data["assign_to"] = other_nurse.pk
    client = Client()
    client.force_login(other_nurse)
    before = fingerprint(call.case)
    response = client.post(call.path, data)
    assert response.status_code < 500
    assert fingerprint(call.case) == before, f"another nurse changed something through {name}"
