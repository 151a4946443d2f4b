"""Ownership of a case: the assigned reviewer works it, reassignment is explicit and audited,
and a referred case is withdrawn only by a medical director or its nurse, with a reason and the
member's notice where the plan requires one. Enforced in the services; the pages follow."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from criteria import selectors as library
from reviewapp.cases import services
from reviewapp.cases.models import Answer, CaseEvent, CaseFact, CaseStatus, EventKind, Evidence
from reviewapp.decisions import services as decisions
from reviewapp.decisions.models import Determination
from tests.factories import CaseFactory, EvidenceFactory, meeting_case, upload

from .conftest import HTMX

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def node(case, label):
    return library.checklist_nodes(case.checklist)[label]


def test_another_nurse_cannot_work_an_assigned_case(case, nurse, other_nurse):
    evidence = EvidenceFactory(case=case, by=nurse)
    attempts = {
        "fact": lambda: services.fact_record(
            case=case, by=other_nurse, name="pain_nrs", raw_value=8, expected_revision=0
        ),
        "answer": lambda: services.answer_record(
            case=case,
            criterion=node(case, "2.b"),
            by=other_nurse,
            status="met",
            note="",
            override_reason="",
            expected_revision=0,
        ),
        "evidence": lambda: services.evidence_upload(
            case=case,
            by=other_nurse,
            files=[upload("other.pdf")],
            doc_type="office_note",
            document_date=None,
            source="",
        ),
        "link": lambda: services.evidence_link(
            case=case, by=other_nurse, evidence=evidence, criterion=node(case, "2.b"), pages="1"
        ),
        "pend": lambda: services.case_pend(case=case, by=other_nurse, request_text="Notes."),
        "refer": lambda: services.case_refer_to_director(
            case=case, by=other_nurse, summary="Please."
        ),
        "claim": lambda: services.case_claim(case=case, by=other_nurse),
    }
    for name, attempt in attempts.items():
        with pytest.raises(services.CaseActionRefused, match="assigned to Nurse Nina") as refused:
            attempt()
        assert "reassign" in str(refused.value), name
    assert not CaseFact.objects.filter(case=case).exists()
    assert not Answer.objects.filter(case=case, answered_by=other_nurse).exists()
    assert Evidence.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW and case.assigned_to == nurse


def test_approval_by_another_nurse_is_refused(nurse, other_nurse):
    case = meeting_case(by=nurse)
    with pytest.raises(services.CaseActionRefused, match="assigned to Nurse Nina"):
        decisions.case_approve_by_nurse(case=case, by=other_nurse)
    assert not Determination.objects.filter(case=case).exists()


def test_the_page_offers_another_nurse_nothing_and_her_save_is_refused(case, other_nurse):
    client = client_for(other_nurse)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/pend/" not in page and f"/cases/{case.pk}/claim/" not in page
    response = client.post(
        f"/cases/{case.pk}/criteria/{node(case, '2.b').pk}/answer/",
        {"revision": 0, "status": "met", "note": "", "override_reason": ""},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "only the assigned reviewer works it" in response.content.decode()
    assert not Answer.objects.filter(case=case, status="met").exists()


def test_an_unassigned_case_is_claimed_before_it_is_worked(nurse, other_nurse):
    case = CaseFactory(by=nurse, assign_to_me=False)
    # The person who opened it records what came with the request ...
    services.fact_record(case=case, by=nurse, name="pain_nrs", raw_value=7, expected_revision=0)
    # ... anyone else claims it first.
    with pytest.raises(services.CaseActionRefused, match="claim it before working on it"):
        services.fact_record(
            case=case, by=other_nurse, name="pain_nrs", raw_value=8, expected_revision=1
        )
    services.case_claim(case=case, by=other_nurse)
    services.fact_record(
        case=case, by=other_nurse, name="pain_nrs", raw_value=8, expected_revision=1
    )
    with pytest.raises(services.CaseActionRefused, match="assigned to Nurse Oscar"):
        services.fact_record(case=case, by=nurse, name="pain_nrs", raw_value=9, expected_revision=2)


def test_a_nurse_hands_her_case_over(case, nurse, other_nurse):
    client = client_for(nurse)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/reassign/" in page and "Hand over" in page
    response = client.post(f"/cases/{case.pk}/reassign/", {"assign_to": other_nurse.pk})
    assert response.status_code == 422  # a reason is required
    response = client.post(
        f"/cases/{case.pk}/reassign/", {"assign_to": other_nurse.pk, "reason": "On leave."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == other_nurse
    event = CaseEvent.objects.filter(case=case, kind=EventKind.REASSIGNED).get()
    assert event.actor == nurse
    assert event.summary == "Handed over to Nurse Oscar, RN (was Nurse Nina, RN): On leave."
    services.fact_record(
        case=case, by=other_nurse, name="pain_nrs", raw_value=8, expected_revision=0
    )
    with pytest.raises(services.CaseActionRefused):
        services.fact_record(case=case, by=nurse, name="pain_nrs", raw_value=9, expected_revision=1)


def test_a_manager_or_director_reassigns_and_anyone_else_is_refused(
    case, nurse, other_nurse, director, manager, administrator
):
    manager_client = client_for(manager)
    page = manager_client.get(f"/cases/{case.pk}/reassign/")
    assert page.status_code == 200 and "Nurse Oscar" in page.content.decode()
    response = manager_client.post(
        f"/cases/{case.pk}/reassign/", {"assign_to": other_nurse.pk, "reason": "Workload."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == other_nurse

    # The nurse it was taken from is now just another nurse: refused, and the attempt recorded.
    refused = client_for(nurse).post(
        f"/cases/{case.pk}/reassign/", {"assign_to": nurse.pk, "reason": "Mine."}
    )
    assert refused.status_code == 403
    assert client_for(nurse).get(f"/cases/{case.pk}/reassign/").status_code == 403
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REFUSED, actor=nurse).exists()
    assert client_for(administrator).get(f"/cases/{case.pk}/reassign/").status_code == 403

    # Only reviewers may receive a case.
    with pytest.raises(services.CaseActionRefused, match="does not review cases"):
        services.case_reassign(case=case, by=director, to=manager, reason="Try.")
    services.case_reassign(case=case, by=director, to=nurse, reason="Back to Nina.")
    case.refresh_from_db()
    assert case.assigned_to == nurse
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REASSIGNED).count() == 2


def test_a_referred_case_is_withdrawn_only_by_a_director_or_its_nurse(
    case, nurse, other_nurse, director
):
    services.case_refer_to_director(case=case, by=nurse, summary="Please review.")
    client = client_for(other_nurse)
    assert client.get(f"/cases/{case.pk}/withdraw/").status_code == 403
    response = client.post(f"/cases/{case.pk}/withdraw/", {"reason": "Provider withdrew."})
    assert response.status_code == 403
    assert "only a medical director or the assigned nurse" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REFUSED, actor=other_nurse).exists()
    with pytest.raises(decisions.DecisionForbidden):
        decisions.case_withdraw(case=case, by=other_nurse, reason="Provider withdrew.")

    director_client = client_for(director)
    assert director_client.post(f"/cases/{case.pk}/withdraw/", {"reason": ""}).status_code == 422
    response = director_client.post(f"/cases/{case.pk}/withdraw/", {"reason": "Provider withdrew."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    # A commercial plan wants no member notice.
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.MEMBER_NOTIFIED).exists()


def test_the_assigned_nurse_withdraws_her_referred_case(case, nurse):
    services.case_refer_to_director(case=case, by=nurse, summary="Please review.")
    decisions.case_withdraw(case=case, by=nurse, reason="Member asked.")
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN


@override_settings(WITHDRAWAL_NOTICE_LINES_OF_BUSINESS=["medicaid"])
def test_a_medicaid_withdrawal_records_the_member_notice(nurse):
    case = CaseFactory(by=nurse, line_of_business="medicaid")
    client = client_for(nurse)
    page = client.get(f"/cases/{case.pk}/withdraw/").content.decode()
    assert "requires a written notice" in page and "withdrawn before we made a decision" in page
    response = client.post(
        f"/cases/{case.pk}/withdraw/",
        {"reason": "Provider withdrew.", "notice_channel": "", "notice_text": "Dear member"},
    )
    assert response.status_code == 422
    assert "requires a notice to the member" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    response = client.post(
        f"/cases/{case.pk}/withdraw/",
        {"reason": "Provider withdrew.", "notice_channel": "mail", "notice_text": "Dear member."},
    )
    assert response.status_code == 302
    notice = CaseEvent.objects.get(case=case, kind=EventKind.MEMBER_NOTIFIED)
    assert notice.summary == "Member notice of the withdrawal: letter by post"
    assert notice.after["text"] == "Dear member." and notice.after["reason"] == "Provider withdrew."


def test_a_case_waiting_unassigned_is_withdrawn_by_any_reviewer(nurse, other_nurse):
    waiting = CaseFactory(by=nurse, assign_to_me=False)
    decisions.case_withdraw(case=waiting, by=other_nurse, reason="Provider called to withdraw.")
    waiting.refresh_from_db()
    assert waiting.status == CaseStatus.WITHDRAWN


def test_a_manager_finds_a_case_by_its_reference_to_reassign_it(case, manager, outsider):
    from reviewapp.audit.models import AccessEvent, AccessKind

    client = client_for(manager)
    home = client.get("/", follow=True).content.decode()
    assert 'action="/cases/reassign/"' in home
    found = client.get("/cases/reassign/", {"reference": case.reference.lower()})
    assert found.status_code == 302 and found["Location"] == f"/cases/{case.pk}/reassign/"
    missing = client.get("/cases/reassign/", {"reference": "UM-1999-000001"})
    assert missing.status_code == 404
    assert "No case has the reference UM-1999-000001." in missing.content.decode()
    searches = AccessEvent.objects.filter(kind=AccessKind.SEARCH, username=manager.username)
    assert searches.filter(case_pk=case.pk).exists() and searches.count() == 2
    assert client_for(outsider).get("/cases/reassign/").status_code == 403
