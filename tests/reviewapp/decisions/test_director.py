"""The medical director's queue, exceptions, decisions, and corrections."""

import datetime as dt

import pytest
from django.utils import timezone

from reviewapp.cases.models import CaseEvent, CriterionException
from reviewapp.decisions import services
from reviewapp.decisions.models import Determination, PeerToPeerOffer
from reviewapp.letters import services as letters

from .conftest import node

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def decide(client, case, decisions, **extra):
    data = {f"code_{code}": choice for code, choice in decisions.items()}
    data.update({"explanation": "", "rationale": "", "p2p_offered_to": "", "p2p_result": "pending"})
    data.update(extra)
    return client.post(f"/director/cases/{case.pk}/decide/", data)


def test_queue_lists_referred_cases_by_due_time_with_counts_and_summary(
    waiver_case, director_client, nurse, django_assert_num_queries
):
    from .conftest import referred

    later = referred(nurse, facts={"age_years": 40}, summary="Second case.")
    html = director_client.get("/director/").content.decode()
    assert html.index(waiver_case.reference) < html.index(later.reference)
    assert "No trial: advanced disease; waiver requested." in html
    # II.A.1 not met; the Molina case has 10 undocumented or unanswered criteria.
    assert '<span class="badge text-bg-danger" data-testid="not-met">1</span>' in html
    director_client.get("/director/")
    # session, user (with staff profile), group names with permissions, user permissions,
    # cases (with counts), requested services; the access-log row (a list of members read)
    with django_assert_num_queries(7):
        director_client.get("/director/")


def test_the_queue_is_read_a_page_at_a_time(waiver_case, director_client, nurse, monkeypatch):
    # A plan can have thousands of referred cases: the queue shows a page of them (25), in due
    # order across pages.
    from .conftest import referred

    later = referred(nurse, facts={"age_years": 40}, summary="Second case.")
    monkeypatch.setattr("reviewapp.decisions.views.QUEUE_PAGE_SIZE", 1)
    first = director_client.get("/director/").content.decode()
    assert waiver_case.reference in first and later.reference not in first
    assert 'href="?page=2"' in first and 'href="?page=0"' not in first
    second = director_client.get("/director/?page=2").content.decode()
    assert later.reference in second and waiver_case.reference not in second
    assert 'href="?page=1"' in second and 'href="?page=3"' not in second
    # Its counts are the page's own cases' counts.
    assert '<span class="badge text-bg-light border" data-testid="not-met">0</span>' in second


def test_review_page_focuses_on_what_is_not_met_or_unknown(waiver_case, director_client):
    html = director_client.get(f"/director/cases/{waiver_case.pk}/").content.decode()
    focus = html[html.index('id="focus"') : html.index("Criteria already met")]
    assert 'data-label="II.A.1"' in focus and 'data-label="I.A.1"' not in focus
    assert "The policy allows a case-by-case waiver by a medical director" in focus
    assert "advanced" in focus  # the policy's conditions are shown
    assert "No trial: advanced disease; waiver requested." in html  # nurse's summary
    assert 'target="evidence-viewer"' in html and "<iframe" in html  # documents open in place


def test_nurses_and_others_cannot_open_the_directors_pages(waiver_case, role_clients):
    for role in ("nurse", "administrator", "no_role"):
        assert role_clients[role].get("/director/").status_code == 403
        assert role_clients[role].get(f"/director/cases/{waiver_case.pk}/").status_code == 403


def test_an_exception_needs_a_rationale(waiver_case, director_client):
    url = f"/director/cases/{waiver_case.pk}/criteria/{node(waiver_case, 'II.A.1').pk}/exception/"
    response = director_client.post(url, {"rationale": "  "}, headers=HTMX)
    assert response.status_code == 422
    assert "an exception needs a rationale" in response.content.decode()
    assert not CriterionException.objects.exists()


def test_waiving_the_lhcc_trial_and_approving_by_exception(waiver_case, director, director_client):
    url = f"/director/cases/{waiver_case.pk}/criteria/{node(waiver_case, 'II.A.1').pk}/exception/"
    page = director_client.get(f"/director/cases/{waiver_case.pk}/").content.decode()
    # The policy's three grounds are offered, and "none of them" (the director's own exception).
    for ground in ("advanced_disease", "limited_survival", "high_procedural_risk", ""):
        assert f'name="waiver_condition" value="{ground}"' in page
    assert "None of them: my own exception" in page
    response = director_client.post(
        url,
        {
            "rationale": "Stage IV disease, survival about 4 months; trial too risky.",
            "waiver_condition": "limited_survival",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    exception = CriterionException.objects.get()
    assert exception.kind == "policy_waiver" and exception.granted_by == director
    assert exception.waiver_condition == "limited_survival"
    assert exception.waiver_condition_label == "Survival time is limited"
    html = response.content.decode()
    assert "Met by exception" in html
    assert "Policy ground recorded: Survival time is limited" in html
    # The reasons follow at once, out of band: II.A.1 is excepted, so no reason is asked for it;
    # the rest of the decision form is not re-rendered (nothing typed there is lost).
    reasons = html[html.index('id="decision-reasons"') :]
    assert 'hx-swap-oob="true"' in reasons[:200]
    assert "<textarea" not in reasons[: reasons.index("</fieldset>")]
    assert "Every criterion is met or excepted" in reasons
    assert 'name="explanation"' not in html and 'name="rationale" ' not in html
    response = decide(
        director_client, waiver_case, {"62350": "approve", "62362": "approve", "E0783": "approve"}
    )
    assert response.status_code == 302
    determination = Determination.objects.get(case=waiver_case)
    assert determination.outcome == "approved_exception"
    snapshot = {c["label"]: c for c in determination.criteria_snapshot}
    assert snapshot["II.A.1"]["status"] == "excepted"
    assert snapshot["II.A.1"]["exception"]["kind"] == "policy_waiver"
    assert snapshot["II.A.1"]["exception"]["waiver_condition_label"] == "Survival time is limited"
    event = CaseEvent.objects.get(case=waiver_case, kind="exception_granted")
    assert "survival time is limited" in event.summary
    html = " ".join(letters.letter_render_html(determination=determination).split())
    assert "The reason the policy allows for this:</strong> Survival time is limited." in html
    assert "(case-by-case waiver the policy provides for):" in html
    assert determination.decider_role == "Medical director"
    waiver_case.refresh_from_db()
    assert waiver_case.status == "decided"
    # An approval grants an authorization of every approved code.
    authorization = determination.authorization
    assert authorization.number.startswith("PA-") and authorization.case == waiver_case
    assert [(i.code, i.units) for i in authorization.items.all()] == [
        ("62350", 1),
        ("62362", 1),
        ("E0783", 1),
    ]
    assert authorization.servicing_provider_npi == waiver_case.provider_npi
    assert (authorization.valid_to - authorization.valid_from).days + 1 == 180  # days, inclusive


def test_an_exception_on_a_criterion_the_policy_does_not_make_waivable(nurse, director):
    from .conftest import referred

    case = referred(nurse, facts={"age_years": 40, "active_infection": True})
    exception = services.exception_grant(
        case=case,
        criterion=node(case, "2.d"),
        by=director,
        rationale="Infection treated; cleared by ID consult.",
    )
    assert exception.kind == "director_discretion"


def test_a_completed_trial_with_poor_relief_is_not_the_policys_waiver(nurse, director):
    """LHCC's note waives the trial requirement, only when no trial was done: setting aside a
    trial that relieved too little pain is the director's own exception."""
    from .conftest import LHCC_MALIGNANT_PERMANENT, referred

    case = referred(
        nurse,
        facts=LHCC_MALIGNANT_PERMANENT
        | {"trial_performed": True, "trial_pain_relief_percent": 30, "trial_side_effects": "none"},
        policy="lhcc-la-cp-mp-173",
        indication="malignant_pain",
        stage="permanent",
        codes=(("62350", 1), ("62362", 1), ("E0783", 1)),
    )
    exception = services.exception_grant(
        case=case,
        criterion=node(case, "II.A.1"),
        by=director,
        rationale="Partial relief; approving on clinical judgement.",
    )
    assert exception.kind == "director_discretion"


def test_exceptions_only_for_criteria_not_met_or_unknown(waiver_case, director):
    with pytest.raises(services.CaseActionRefused, match="exceptions are for criteria"):
        services.exception_grant(
            case=waiver_case, criterion=node(waiver_case, "I.A.1"), by=director, rationale="x"
        )


def test_a_nurse_cannot_grant_an_exception_and_the_attempt_is_audited(
    waiver_case, nurse, nurse_client
):
    url = f"/director/cases/{waiver_case.pk}/criteria/{node(waiver_case, 'II.A.1').pk}/exception/"
    response = nurse_client.post(url, {"rationale": "I think it is fine."})
    assert response.status_code == 403
    assert "Only a medical director may do this." in response.content.decode()
    assert not CriterionException.objects.exists()
    refusal = CaseEvent.objects.get(case=waiver_case, kind="refused")
    assert refusal.actor == nurse and "II.A.1" in refusal.summary


def test_approving_with_open_criteria_is_refused(waiver_case, director_client):
    response = decide(
        director_client, waiver_case, {"62350": "approve", "62362": "approve", "E0783": "approve"}
    )
    assert response.status_code == 422
    assert "still open: II.A.1" in response.content.decode()
    assert not Determination.objects.exists()


def test_partial_approval_per_code_needs_reasons_and_a_peer_to_peer_offer(
    waiver_case, director, director_client
):
    choices = {"62350": "approve", "62362": "deny", "E0783": "deny"}
    response = decide(director_client, waiver_case, choices, **{"reason__II.A.1": ""})
    assert response.status_code == 422
    assert "Write the reason for II.A.1; it cannot be empty." in response.content.decode()
    response = decide(director_client, waiver_case, choices, **{"reason__II.A.1": "No trial."})
    assert "Record the peer-to-peer discussion" in response.content.decode()
    assert not Determination.objects.exists()
    offered = timezone.localtime() - dt.timedelta(hours=1)
    response = decide(
        director_client,
        waiver_case,
        choices,
        **{"reason__II.A.1": "Trial not done."},
        p2p_offered_to="Dr. Sample Provider",
        p2p_result="declined",
        p2p_offered_at=offered.strftime("%Y-%m-%dT%H:%M"),
    )
    assert response.status_code == 302
    determination = Determination.objects.get()
    assert determination.outcome == "partially_approved"
    assert {c.code: c.decision for c in determination.code_decisions.all()} == choices
    offer = PeerToPeerOffer.objects.get()
    assert offer.determination == determination and offer.result == "declined"
    assert offer.offered_by == director


def test_reasons_are_drafted_from_the_failed_criteria(waiver_case, director_client):
    html = director_client.get(f"/director/cases/{waiver_case.pk}/").content.decode()
    section = html[
        html.index('id="decision-reasons"') : html.index(
            "</fieldset>", html.index('id="decision-reasons"')
        )
    ]
    assert section.count("<textarea") == 1  # one reason per criterion not met and not excepted
    assert "Reason for II.A.1 (Policy/Criteria, II.A.1 (and Note))" in section
    reason = section[section.index('name="reason__II.A.1"') :]
    assert (
        "Your records do not show a trial that did this." in reason[: reason.index("</textarea>")]
    )


def test_denial(waiver_case, director_client):
    response = decide(
        director_client,
        waiver_case,
        {"62350": "deny", "62362": "deny", "E0783": "deny"},
        **{"reason__II.A.1": "No trial."},
        p2p_offered_to="Dr. Sample Provider",
    )
    assert response.status_code == 302
    assert Determination.objects.get().outcome == "denied"


def test_a_nurse_cannot_deny_and_the_attempt_is_audited(waiver_case, nurse, nurse_client):
    response = decide(
        nurse_client,
        waiver_case,
        {"62350": "deny", "62362": "deny", "E0783": "deny"},
        **{"reason__II.A.1": "No."},
        p2p_offered_to="Dr. X",
    )
    assert response.status_code == 403
    assert not Determination.objects.exists()
    assert CaseEvent.objects.filter(case=waiver_case, kind="refused", actor=nurse).exists()
    # Also straight through the service, whatever the page shows.
    with pytest.raises(services.DecisionForbidden):
        services.case_decide(
            case=waiver_case, by=nurse, code_decisions={}, reasons={}, rationale=""
        )


def test_nobody_decides_a_case_that_is_not_referred(nurse, director):
    from tests.factories import CaseFactory

    case = CaseFactory(by=nurse)
    with pytest.raises(services.CaseActionRefused, match="cannot be decided now"):
        services.case_decide(
            case=case,
            by=director,
            code_decisions={"62322": "deny"},
            reasons={},
            rationale="",
            peer_to_peer=services.PeerToPeer("Dr. X", timezone.now()),
        )


def test_a_correction_supersedes_and_the_old_determination_stays(
    waiver_case, director, director_client
):
    decide(
        director_client,
        waiver_case,
        {"62350": "deny", "62362": "deny", "E0783": "deny"},
        **{"reason__II.A.1": "No trial."},
        p2p_offered_to="Dr. Sample Provider",
    )
    first = Determination.objects.get()
    response = director_client.post(
        f"/cases/{waiver_case.pk}/reopen/", {"reason": "New oncology note: survival 3 months."}
    )
    assert response.status_code == 302
    waiver_case.refresh_from_db()
    assert waiver_case.status == "referred"
    services.exception_grant(
        case=waiver_case,
        criterion=node(waiver_case, "II.A.1"),
        by=director,
        rationale="Limited survival.",
    )
    decide(
        director_client, waiver_case, {"62350": "approve", "62362": "approve", "E0783": "approve"}
    )
    second = Determination.objects.exclude(pk=first.pk).get()
    first.refresh_from_db()
    assert second.supersedes == first and second.outcome == "approved_exception"
    assert second.correction_reason == "New oncology note: survival 3 months."
    assert first.outcome == "denied" and first.reasons == "II.A.1: No trial."  # unchanged, readable
    html = director_client.get(f"/director/cases/{waiver_case.pk}/").content.decode()
    assert html.count('data-testid="determination"') == 2 and "Superseded" in html


def test_reopening_needs_a_director_or_the_nurse_who_approved(
    waiver_case, nurse, nurse_client, director_client
):
    decide(
        director_client,
        waiver_case,
        {"62350": "deny", "62362": "deny", "E0783": "deny"},
        **{"reason__II.A.1": "No trial."},
        p2p_offered_to="Dr. Sample Provider",
    )
    response = nurse_client.post(f"/cases/{waiver_case.pk}/reopen/", {"reason": "Oops"})
    assert response.status_code == 403
    waiver_case.refresh_from_db()
    assert waiver_case.status == "decided"


def test_a_waiver_without_a_ground_is_the_directors_own_exception(waiver_case, director):
    """The note under LHCC section II names three grounds; a waiver that names none of them is
    not the policy's, and is labelled as the director's own."""
    exception = services.exception_grant(
        case=waiver_case,
        criterion=node(waiver_case, "II.A.1"),
        by=director,
        rationale="Member declines a trial; approving on clinical judgement.",
    )
    assert exception.kind == "director_discretion" and exception.waiver_condition == ""


def test_a_ground_the_policy_does_not_name_or_where_the_waiver_is_closed_is_refused(
    waiver_case, nurse, director
):
    from .conftest import LHCC_MALIGNANT_PERMANENT, referred

    with pytest.raises(services.CaseActionRefused, match="waiver grounds are Advanced disease"):
        services.exception_grant(
            case=waiver_case,
            criterion=node(waiver_case, "II.A.1"),
            by=director,
            rationale="x",
            waiver_condition="member_preference",
        )
    tried = referred(
        nurse,
        facts=LHCC_MALIGNANT_PERMANENT
        | {"trial_performed": True, "trial_pain_relief_percent": 30, "trial_side_effects": "none"},
        policy="lhcc-la-cp-mp-173",
        indication="malignant_pain",
        stage="permanent",
        codes=(("62350", 1), ("62362", 1), ("E0783", 1)),
    )
    with pytest.raises(services.CaseActionRefused, match="does not apply to this case"):
        services.exception_grant(
            case=tried,
            criterion=node(tried, "II.A.1"),
            by=director,
            rationale="Limited survival.",
            waiver_condition="limited_survival",
        )
    assert not CriterionException.objects.exists()
