"""Finishing the nurse's part: approve, pend, resume, refer, withdraw, and refused transitions."""

import datetime as dt

import pytest

from criteria import selectors as library
from reviewapp.cases import services
from reviewapp.cases.models import Case, CaseEvent, InformationRequest
from reviewapp.decisions.models import Determination
from tests import factories
from tests.criteria.library.cases_molina_2025 import MALIGNANT_TRIAL
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def meeting_case(nurse, facts=MALIGNANT_TRIAL):
    """Every criterion answered as the facts propose (so: all met, for the default facts)."""
    return factories.meeting_case(by=nurse, facts=facts)


def test_nurse_approves_a_case_that_meets_every_criterion(nurse, nurse_client):
    case = meeting_case(nurse)
    page = nurse_client.get(f"/cases/{case.pk}/").content.decode()
    assert "Meets the criteria" in page and f'action="/cases/{case.pk}/approve/"' in page
    response = nurse_client.post(f"/cases/{case.pk}/approve/", {"rationale": "All documented."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "decided"
    determination = Determination.objects.get(case=case)
    assert determination.outcome == "approved" and determination.decided_by == nurse
    assert determination.decider_role == "Nurse reviewer"
    assert {c["status"] for c in determination.criteria_snapshot} == {"met"}
    assert determination.policy_snapshot["version"] == "2025-08-13"
    assert [d.decision for d in determination.code_decisions.all()] == ["approve"]


def test_nurse_cannot_approve_a_case_that_does_not_meet_the_criteria(nurse, nurse_client):
    case = meeting_case(nurse, MALIGNANT_TRIAL | {"pain_nrs": 5})
    response = nurse_client.post(f"/cases/{case.pk}/approve/")
    assert response.status_code == 403
    assert "not met: 1.a" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "in_review" and not Determination.objects.exists()
    refusal = CaseEvent.objects.get(case=case, kind="refused")
    assert refusal.actor == nurse and "approve" in refusal.summary


def test_incomplete_case_cannot_be_approved(case, nurse_client):
    response = nurse_client.post(f"/cases/{case.pk}/approve/")
    assert response.status_code == 403
    assert "12 criteria are not answered" in response.content.decode()


def test_pend_drafts_the_request_and_extends_the_due_time_once(case, nurse, nurse_client):
    page = nurse_client.get(f"/cases/{case.pk}/pend/").content.decode()
    assert "2.c.v:" in page and "The psychological evaluation report" in page
    assert "extends the due time once, by 14 calendar days" in page
    due = case.due_at
    response = nurse_client.post(
        f"/cases/{case.pk}/pend/", {"request_text": "Please send the psychological evaluation."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "pended" and case.due_at == due + dt.timedelta(days=14)
    assert InformationRequest.objects.get(case=case).text.startswith("Please send")
    nurse_client.post(f"/cases/{case.pk}/resume/", {"note": "Evaluation received"})
    case.refresh_from_db()
    assert case.status == "in_review"
    assert InformationRequest.objects.get(case=case).resolved_at is not None
    nurse_client.post(f"/cases/{case.pk}/pend/", {"request_text": "More, please."})
    case.refresh_from_db()
    assert case.due_at == due + dt.timedelta(days=14)  # extended once only


def test_expedited_pends_keep_their_clock(nurse):
    case = CaseFactory(by=nurse, priority="expedited")
    due = case.due_at
    services.case_pend(case=case, by=nurse, request_text="Imaging report.")
    case.refresh_from_db()
    assert case.due_at == due


def test_refer_needs_a_summary_and_moves_the_case(case, nurse_client):
    response = nurse_client.post(f"/cases/{case.pk}/refer/", {"summary": ""})
    assert response.status_code == 422 and "This field is required" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "in_review"
    draft = nurse_client.get(f"/cases/{case.pk}/refer/").content.decode()
    assert "Answers: 0 of 12" in draft
    nurse_client.post(f"/cases/{case.pk}/refer/", {"summary": "2.c.iv unclear; please review."})
    case.refresh_from_db()
    assert case.status == "referred" and case.referral_summary.startswith("2.c.iv")


def test_withdraw_records_a_determination_with_the_reason(case, nurse, nurse_client):
    response = nurse_client.post(f"/cases/{case.pk}/withdraw/", {"reason": ""})
    assert response.status_code == 422
    nurse_client.post(f"/cases/{case.pk}/withdraw/", {"reason": "Member moved out of area."})
    case.refresh_from_db()
    assert case.status == "withdrawn" and case.closed_at is not None
    determination = Determination.objects.get(case=case)
    assert determination.outcome == "withdrawn"
    assert determination.rationale == "Member moved out of area."


@pytest.mark.parametrize(
    ("setup", "action", "data", "message"),
    [
        ("referred", "pend", {"request_text": "x"}, "cannot be pended now"),
        ("referred", "refer", {"summary": "x"}, "cannot be referred now"),
        ("withdrawn", "withdraw", {"reason": "again"}, "cannot be withdrawn now"),
        ("in_review", "resume", {}, "cannot be resumed now"),
        ("withdrawn", "approve", {}, "cannot be approved now"),
    ],
)
def test_invalid_transitions_are_refused_with_a_message_and_change_nothing(
    nurse, nurse_client, setup, action, data, message
):
    case = meeting_case(nurse) if action == "approve" else CaseFactory(by=nurse)
    if setup == "referred":
        services.case_refer_to_director(case=case, by=nurse, summary="Review please.")
    elif setup == "withdrawn":
        from reviewapp.decisions.services import case_withdraw

        case_withdraw(case=case, by=nurse, reason="Withdrawn.")
    case.refresh_from_db()
    before = (case.status, case.due_at, case.events.count())
    response = nurse_client.post(f"/cases/{case.pk}/{action}/", data)
    assert response.status_code in (403, 422)
    assert message in response.content.decode()
    case.refresh_from_db()
    assert (case.status, case.due_at, case.events.count()) == before


def test_answers_are_refused_once_a_case_is_decided(nurse):
    case = meeting_case(nurse)
    from reviewapp.decisions.services import case_approve_by_nurse

    case_approve_by_nurse(case=case, by=nurse)
    node = library.checklist_nodes(case.checklist)["1.c"]
    with pytest.raises(services.CaseActionRefused, match="decided; it cannot be changed now"):
        services.answer_record(
            case=case,
            criterion=node,
            by=nurse,
            status="not_met",
            note="",
            override_reason="x",
            expected_revision=1,
        )
