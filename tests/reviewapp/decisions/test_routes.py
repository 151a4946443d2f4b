"""Requests a policy routes elsewhere are no dead end for the medical director, and a nurse
approves only what the policy's own criteria (or the external review it names) decide."""

import pytest

from reviewapp.cases import selectors as case_selectors
from reviewapp.decisions import services
from reviewapp.decisions.models import Determination
from reviewapp.letters import services as letters
from tests.criteria.library.cases_uhc import MEETS as UHC
from tests.factories import answered_case

from .conftest import node, referred

pytestmark = pytest.mark.django_db


def approve_all(case, director):
    return services.case_decide(
        case=case,
        by=director,
        code_decisions={s.code: "approve" for s in case.services.all()},
        reasons="",
        rationale="Reviewed on the clinical merits.",
    )


def test_a_request_the_policy_does_not_address_is_approved_by_the_directors_exception(
    nurse, director
):
    case = referred(
        nurse,
        facts={},
        indication="replacement",
        stage="replacement",
        codes=(("62362", 1), ("E0786", 1)),
    )
    assert case_selectors.case_workspace(case).rollup.result.outcome.value == "not_addressed"
    with pytest.raises(services.CaseActionRefused, match="still open: MDR"):
        approve_all(case, director)
    exception = services.exception_grant(
        case=case,
        criterion=node(case, "MDR"),
        by=director,
        rationale="Battery at end of life; replacement is medically necessary.",
    )
    assert exception.kind == "director_discretion"
    approve_all(case, director)
    determination = Determination.objects.get(case=case)
    assert determination.outcome == "approved_exception"
    # The route is recorded with the determination and the letter says why the director decided.
    route = determination.policy_snapshot["route"]
    assert route["outcome"] == "not_addressed" and "replacing an implanted pump" in route["reason"]
    html = letters.letter_render_html(determination=determination)
    assert "This policy has no rules for this kind of request. So a medical director" in " ".join(
        html.split()
    )


def test_a_member_under_18_is_routed_to_the_director_never_approved_by_a_nurse(nurse, director):
    facts = UHC["non-malignant-trial"] | {"age_years": 16}
    case = answered_case(by=nurse, facts=facts, policy="uhc-pharmacy-339.7", codes=(("62322", 1),))
    rollup = case_selectors.case_workspace(case).rollup
    assert rollup.outcome.value == "not_addressed" and rollup.failed == []
    assert rollup.complete and not rollup.meets
    with pytest.raises(services.DecisionForbidden, match="does not address members younger"):
        services.case_approve_by_nurse(case=case, by=nurse, rationale="All met.")
    from reviewapp.cases import services as case_services

    case_services.case_refer_to_director(case=case, by=nurse, summary="Member is 16.")
    case.refresh_from_db()
    approve_all(case, director)
    determination = Determination.objects.get(case=case)
    assert determination.outcome == "approved"
    html = " ".join(letters.letter_render_html(determination=determination).split())
    # Not "meets every requirement of the policy": the policy does not address the member.
    assert "meets every requirement of the policy" not in html
    assert "The policy has no rules for this kind of request." in html
    assert "checked it on its own merits instead" in html


def test_an_external_review_whose_route_is_undecided_is_not_approvable(nurse):
    case = answered_case(
        by=nurse,
        facts={"external_review_met": True},
        policy="lhcc-la-cp-mp-173",
        indication="spasticity",
        codes=(("62322", 1),),
    )
    rollup = case_selectors.case_workspace(case).rollup
    assert rollup.result.root.status.value == "met" and rollup.outcome.value == "incomplete"
    assert not rollup.meets
    from reviewapp.cases import services as case_services

    case_services.fact_record(
        case=case, by=nurse, name="intrathecal_baclofen", raw_value="yes", expected_revision=0
    )
    rollup = case_selectors.case_workspace(case).rollup
    assert rollup.outcome.value == "external" and rollup.meets
