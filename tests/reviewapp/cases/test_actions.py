"""The allowed-actions selector says exactly what the services allow: a page never offers an action
the service refuses, and never hides one it would accept."""

from __future__ import annotations

import pytest

from reviewapp.cases import selectors, services
from reviewapp.cases.selectors import CaseActions, case_actions
from reviewapp.decisions import services as decisions
from reviewapp.decisions.selectors import determinations_for
from tests.factories import CaseFactory, meeting_case

pytestmark = pytest.mark.django_db


def actions_for(case, user) -> CaseActions:
    case.refresh_from_db()
    determinations = determinations_for(case)
    workspace = selectors.case_workspace(case)
    return case_actions(
        user=user, workspace=workspace, current=determinations[0] if determinations else None
    )


def offered(actions: CaseActions) -> set[str]:
    return {name for name, allowed in vars(actions).items() if allowed}


def test_a_case_in_review_offers_the_nurses_work_and_withholds_approval_until_met(nurse, director):
    case = CaseFactory(by=nurse)
    assert offered(actions_for(case, nurse)) == {
        "edit",
        "pend",
        "refer",
        "withdraw",
        "offer_approval",
        "reassign",
    }
    # Nobody else claims or works a case assigned to her: a director may reassign or withdraw
    # it, and sees no decision before a referral.
    assert offered(actions_for(case, director)) == {"reassign", "withdraw"}


def test_approval_is_offered_exactly_when_the_service_accepts_it(nurse):
    case = meeting_case(by=nurse)
    assert actions_for(case, nurse).approve
    decisions.case_approve_by_nurse(case=case, by=nurse)  # the service agrees
    short = meeting_case(by=nurse, skip={"1.c"})
    assert not actions_for(short, nurse).approve
    with pytest.raises(decisions.DecisionForbidden):
        decisions.case_approve_by_nurse(case=short, by=nurse)


def test_a_referred_case_is_decided_by_a_director_only(nurse, director):
    case = CaseFactory(by=nurse)
    services.case_refer_to_director(case=case, by=nurse, summary="Please review.")
    assert {"review", "decide"} <= offered(actions_for(case, director))
    nurse_actions = actions_for(case, nurse)
    assert not nurse_actions.decide and not nurse_actions.review and not nurse_actions.pend
    # The checklist is locked for her while it is referred; she may recall it (nobody has acted).
    assert not nurse_actions.edit and nurse_actions.recall and nurse_actions.withdraw
    assert actions_for(case, director).edit and not actions_for(case, director).recall


def test_reopen_follows_the_determination_in_force(nurse, other_nurse, director):
    case = meeting_case(by=nurse)
    decisions.case_approve_by_nurse(case=case, by=nurse)
    assert offered(actions_for(case, nurse)) == {"reopen"}  # her own approval
    assert offered(actions_for(case, other_nurse)) == set()
    assert offered(actions_for(case, director)) == {"reopen"}
    with pytest.raises(decisions.DecisionForbidden):
        decisions.case_reopen(case=case, by=other_nurse, reason="Typo.")


def test_the_case_page_asks_the_selector(nurse, nurse_client, director_client):
    case = CaseFactory(by=nurse)
    page = nurse_client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/pend/" in page and "Review as medical director" not in page
    services.case_refer_to_director(case=case, by=nurse, summary="Please review.")
    page = director_client.get(f"/cases/{case.pk}/").content.decode()
    assert "Review as medical director" in page and f"/cases/{case.pk}/pend/" not in page
