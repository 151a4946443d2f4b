"""A referred case is the medical director's: the checklist is locked for the nurse (who may
recall the referral until a director acts), and the director sees what changed since."""

from __future__ import annotations

import pytest

from criteria import selectors as library
from reviewapp.cases import selectors, services
from reviewapp.cases.models import Answer, CaseEvent, EventKind
from reviewapp.decisions import services as decisions
from tests.factories import CaseFactory, EvidenceFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def node(case, label):
    return library.checklist_nodes(case.checklist)[label]


def refer(case, nurse):
    services.case_refer_to_director(case=case, by=nurse, summary="Please review.")
    case.refresh_from_db()
    return case


def test_the_checklist_is_locked_for_the_nurse_once_referred(case, nurse, nurse_client):
    refer(case, nurse)
    url = f"/cases/{case.pk}/criteria/{node(case, '2.d').pk}/answer/"
    response = nurse_client.post(url, {"revision": 0, "status": "met"}, headers=HTMX)
    assert response.status_code == 422
    assert "referred to a medical director, so its checklist is locked" in response.content.decode()
    assert not Answer.objects.filter(case=case).exclude(status="").exists()
    with pytest.raises(services.CaseActionRefused, match="locked"):
        services.fact_record(case=case, by=nurse, name="pain_nrs", raw_value=8, expected_revision=0)
    with pytest.raises(services.CaseActionRefused, match="locked"):
        EvidenceFactory(case=case, by=nurse)
    page = nurse_client.get(f"/cases/{case.pk}/").content.decode()
    assert "the checklist is locked while it is reviewed" in page
    assert 'class="answer-form' not in page and "Recall the referral" in page


def test_the_nurse_recalls_a_referral_nobody_has_acted_on(case, nurse, nurse_client):
    refer(case, nurse)
    response = nurse_client.post(f"/cases/{case.pk}/recall/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_review"
    event = CaseEvent.objects.filter(case=case, kind=EventKind.REFERRAL_RECALLED).get()
    assert event.actor == nurse and event.before["status"] == "referred"
    # Open again for her.
    services.fact_record(case=case, by=nurse, name="pain_nrs", raw_value=8, expected_revision=0)


def test_once_a_director_acts_the_referral_cannot_be_recalled(nurse, director, nurse_client):
    case = CaseFactory(by=nurse)
    refer(case, nurse)
    services.fact_record(case=case, by=director, name="pain_nrs", raw_value=7, expected_revision=0)
    ws = selectors.case_workspace(case)
    assert ws.referral.acted_by_others
    nurse_client.post(f"/cases/{case.pk}/recall/")
    case.refresh_from_db()
    assert case.status == "referred"
    with pytest.raises(services.CaseActionRefused, match="already acted"):
        services.case_recall_referral(case=case, by=nurse)
    # A director does not recall; she decides.
    with pytest.raises(services.CaseActionRefused, match="Only a nurse reviewer recalls"):
        services.case_recall_referral(case=case, by=director)


def test_the_director_sees_changes_made_after_referral_highlighted(
    nurse, director, director_client
):
    case = CaseFactory(by=nurse)
    services.fact_record(case=case, by=nurse, name="age_years", raw_value=50, expected_revision=0)
    refer(case, nurse)
    # Recalled, changed, referred again: the changes since the first referral are highlighted.
    services.case_recall_referral(case=case, by=nurse)
    services.fact_record(case=case, by=nurse, name="pain_nrs", raw_value=8, expected_revision=0)
    services.answer_record(
        case=case,
        criterion=node(case, "2.d"),
        by=nurse,
        status="not_documented",
        note="",
        override_reason="",
        expected_revision=0,
    )
    refer(case, nurse)
    ws = selectors.case_workspace(case)
    assert ws.referral.facts == {"pain_nrs"} and ws.referral.criteria == {"2.d"}
    assert ws.rows["2.a"].changed_since_referral  # reads pain_nrs
    assert ws.rows["2.d"].changed_since_referral
    assert not ws.rows["Adult"].changed_since_referral  # age recorded before the referral
    page = director_client.get(f"/director/cases/{case.pk}/").content.decode()
    assert 'data-testid="changes-since-referral"' in page
    assert "Changed since the referral on" in page and "(2)" in page
    assert page.count("Changed since referral</span>") >= 2


def test_a_director_may_still_work_the_checklist_of_a_referred_case(nurse, director):
    case = refer(CaseFactory(by=nurse), nurse)
    services.fact_record(case=case, by=director, name="pain_nrs", raw_value=8, expected_revision=0)
    decisions.exception_grant(
        case=case, criterion=node(case, "2.a"), by=director, rationale="Severe function loss."
    )


@pytest.mark.parametrize("changes", [1, 8])
def test_the_referred_case_page_costs_the_same_however_many_changes(
    nurse, director, director_client, django_assert_num_queries, changes
):
    case = CaseFactory(by=nurse)
    refer(case, nurse)
    for value in range(changes):
        services.fact_record(
            case=case, by=director, name="pain_nrs", raw_value=value, expected_revision=value
        )
    director_client.get(f"/cases/{case.pk}/")  # warm the library caches and the session clock
    # The case page's 17 (test_checklist), and the events since the referral: one query.
    with django_assert_num_queries(18):
        page = director_client.get(f"/cases/{case.pk}/").content.decode()
    assert f"{changes} change{'s' if changes > 1 else ''} since the referral" in page


def test_the_member_lookup_costs_one_query_for_the_cases(
    nurse, nurse_client, django_assert_num_queries
):
    for _ in range(3):
        CaseFactory(by=nurse, member_id="ZZ555", codes=(("62322", 1),))
    nurse_client.get("/cases/new/member-cases/?member_id=ZZ555")
    # session; user; group names with their permissions (roles); user permissions; the member's
    # cases; their codes (prefetched); the access log's row.
    with django_assert_num_queries(7):
        html = nurse_client.get("/cases/new/member-cases/?member_id=ZZ555").content.decode()
    assert html.count("use as the trial case") == 3
