"""Who may review and decide an appeal: a medical director with no part in the decision
appealed, who is not a subordinate of anyone who had, in a specialty the rule asks for. Enforced
in the services; every refused attempt is recorded in the case timeline."""

from __future__ import annotations

import pytest

from reviewapp.accounts.models import StaffProfile
from reviewapp.accounts.roles import Role
from reviewapp.appeals import selectors, services
from reviewapp.appeals.models import AppealAnswer, AppealReviewerRule
from reviewapp.cases.models import CaseEvent
from tests.appeal_factories import denied, file_appeal, node
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def refused_events(appeal):
    return list(CaseEvent.objects.filter(case=appeal.case, kind="refused", after__appeal=appeal.pk))


def attempts(appeal, user):
    """Every reviewing service, tried by ``user``: each must be refused the same way."""
    yield lambda: services.appeal_claim(appeal=appeal, by=user)
    yield lambda: services.appeal_answer_record(
        appeal=appeal,
        criterion=node(appeal.case, "2.a"),
        by=user,
        status="met",
        note="Pain is 8 now.",
        expected_revision=0,
    )
    yield lambda: services.appeal_decide(
        appeal=appeal, by=user, code_decisions={"62322": "deny"}, reasons={}
    )


def assert_refused_everywhere(appeal, user, fragment):
    for attempt in attempts(appeal, user):
        with pytest.raises(services.AppealForbidden, match=fragment):
            attempt()
    appeal.refresh_from_db()
    assert appeal.reviewer is None and appeal.status == "open"
    assert not AppealAnswer.objects.filter(appeal=appeal).exists()
    assert len(refused_events(appeal)) == 3
    assert all(fragment.split()[0] in e.summary for e in refused_events(appeal))


def test_the_physician_who_made_the_determination_may_not_decide_its_appeal(appeal, director):
    assert_refused_everywhere(appeal, director, "made the determination appealed")


def test_a_nurse_may_not_review_an_appeal(appeal, nurse):
    assert_refused_everywhere(appeal, nurse, "Only a medical director")


def test_a_subordinate_of_the_first_decider_may_not_decide(appeal, director, appeal_director):
    StaffProfile.objects.filter(user=appeal_director).update(supervisor=director)
    assert_refused_everywhere(appeal, appeal_director, "report to Dr. Grace")


def test_a_subordinate_further_down_the_line_is_refused_too(appeal, director):
    middle = make_staff("ivan", Role.DIRECTOR, specialty="Neurology")
    junior = make_staff("jane", Role.DIRECTOR, specialty="Neurology")
    StaffProfile.objects.filter(user=middle).update(supervisor=director)
    StaffProfile.objects.filter(user=junior).update(supervisor=middle)
    assert selectors.supervisors_of(junior)[1][0] == director.pk
    assert "report to Dr. Grace" in selectors.reviewer_refusal(appeal=appeal, user=junior)


def test_a_loop_in_the_supervisors_ends_the_walk(appeal_director, director):
    StaffProfile.objects.filter(user=appeal_director).update(supervisor=director)
    StaffProfile.objects.filter(user=director).update(supervisor=appeal_director)
    assert [pk for pk, _ in selectors.supervisors_of(appeal_director)] == [director.pk]


def test_a_director_who_granted_an_exception_on_the_case_had_a_part(nurse, director):
    from reviewapp.cases.models import CriterionException

    other = make_staff("kim", Role.DIRECTOR, specialty="Pain Medicine")
    determination = denied(nurse, director)
    CriterionException.objects.create(
        case=determination.case,
        criterion=node(determination.case, "2.c.iv"),
        kind="director_discretion",
        rationale="Earlier view.",
        granted_by=other,
        withdrawn_at=determination.decided_at,
        withdrawn_by=other,
    )
    appeal = file_appeal(determination, nurse, documents=False)
    assert "granted an exception on this case" in selectors.reviewer_refusal(
        appeal=appeal, user=other
    )


def test_the_reviewer_needs_a_specialty_the_rule_asks_for(appeal):
    family = make_staff("lee", Role.DIRECTOR, specialty="Family Medicine")
    assert_refused_everywhere(appeal, family, "Appeals for Commercial")
    blank = make_staff("max", Role.DIRECTOR, specialty="")
    assert "records no specialty" in selectors.reviewer_refusal(appeal=appeal, user=blank)


def test_a_specialty_naming_one_the_rule_asks_for_qualifies(appeal):
    combined = make_staff("ned", Role.DIRECTOR, specialty="Anesthesiology and  pain medicine")
    assert selectors.reviewer_refusal(appeal=appeal, user=combined) == ""


def test_the_rule_for_the_case_indication_wins(appeal, appeal_director):
    AppealReviewerRule.objects.create(
        line_of_business="commercial", indication="non_malignant_pain", specialties="Neurology"
    )
    assert "go to a reviewer in Neurology" in selectors.reviewer_refusal(
        appeal=appeal, user=appeal_director
    )


def test_without_a_reviewer_rule_nobody_qualifies(appeal, appeal_director):
    AppealReviewerRule.objects.filter(line_of_business="commercial").delete()
    assert "an administrator adds one" in selectors.reviewer_refusal(
        appeal=appeal, user=appeal_director
    )


def test_an_eligible_director_claims_works_and_may_hand_it_on(appeal, appeal_director):
    services.appeal_claim(appeal=appeal, by=appeal_director)
    appeal.refresh_from_db()
    assert appeal.reviewer == appeal_director
    with pytest.raises(services.AppealRefused, match="already yours"):
        services.appeal_claim(appeal=appeal, by=appeal_director)
    colleague = make_staff("olga", Role.DIRECTOR, specialty="Neurology")
    # Working it without claiming it is refused; claiming it hands it on.
    with pytest.raises(services.AppealRefused, match=r"assigned to Dr\. Henry"):
        services.appeal_answer_record(
            appeal=appeal,
            criterion=node(appeal.case, "2.a"),
            by=colleague,
            status="met",
            note="x",
            expected_revision=0,
        )
    services.appeal_claim(appeal=appeal, by=colleague)
    appeal.refresh_from_db()
    assert appeal.reviewer == colleague
    claimed = CaseEvent.objects.filter(case=appeal.case, kind="appeal_claimed").first()
    assert "(was Dr. Henry" in claimed.summary


def test_the_page_offers_review_only_to_whom_the_service_allows(appeal, director, appeal_director):
    assert not selectors.appeal_actions(user=director, appeal=appeal).review
    assert selectors.appeal_actions(user=director, appeal=appeal).reviewer_refusal
    # Unassigned: an eligible director may claim it, or simply start (answering claims it).
    actions = selectors.appeal_actions(user=appeal_director, appeal=appeal)
    assert actions.claim and actions.review
    colleague = make_staff("pia", Role.DIRECTOR, specialty="Neurology")
    services.appeal_claim(appeal=appeal, by=colleague)
    appeal.refresh_from_db()
    actions = selectors.appeal_actions(user=appeal_director, appeal=appeal)
    assert actions.claim and not actions.review  # someone else's: claim it to work it
    mine = selectors.appeal_actions(user=colleague, appeal=appeal)
    assert mine.review and not mine.claim
