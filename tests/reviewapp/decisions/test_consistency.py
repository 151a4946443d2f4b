"""A letter never contradicts its determination: the reasons of an adverse determination are
derived at decision time from the criteria not met and not excepted, the director words them but
cannot drop or invent one, and a page drafted before an exception changed is refused."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reviewapp.decisions import selectors, services
from reviewapp.decisions.models import Authorization, Determination
from reviewapp.letters import services as letters

from .conftest import node, referred

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
CODES = {"62350": "approve", "62362": "deny", "E0783": "deny"}


def p2p():
    return services.PeerToPeer("Dr. Sample Provider", timezone.now())


def post_decision(client, case, codes, reasons, **extra):
    data = {f"code_{code}": choice for code, choice in codes.items()}
    data.update({f"reason__{label}": text for label, text in reasons.items()})
    data.update(
        {
            "explanation": "",
            "rationale": "",
            "p2p_offered_to": "Dr. Sample Provider",
            "p2p_result": "pending",
            **extra,
        }
    )
    return client.post(f"/director/cases/{case.pk}/decide/", data)


def test_the_stale_reason_contradiction_is_refused(waiver_case, director, director_client):
    """The bug as a user met it: reasons drafted while II.A.1 was not met, an exception granted
    for II.A.1 (in another tab, or before htmx refreshed the form), then the old page submitted.
    The letter would have said the trial was not shown while listing II.A.1 as met by exception."""
    page = director_client.get(f"/director/cases/{waiver_case.pk}/").content.decode()
    assert 'name="reason__II.A.1"' in page  # the page as drafted
    services.exception_grant(
        case=waiver_case, criterion=node(waiver_case, "II.A.1"), by=director, rationale="Advanced."
    )
    stale = {"II.A.1": "The records do not show a good trial."}
    # Through the service...
    with pytest.raises(services.CaseActionRefused, match=r"II\.A\.1 is met by exception now"):
        services.case_decide(
            case=waiver_case,
            by=director,
            code_decisions=CODES,
            reasons=stale,
            peer_to_peer=p2p(),
        )
    # ...and through the page: refused with the reason, nothing recorded, the reasons redrafted.
    response = post_decision(director_client, waiver_case, CODES, stale)
    assert response.status_code == 422
    html = response.content.decode()
    assert "II.A.1 is met by exception now" in html
    assert "A letter cannot give a reason for a criterion that is met or excepted" in html
    assert 'name="reason__II.A.1"' not in html
    assert not Determination.objects.filter(case=waiver_case).exists()


def test_a_failing_criterion_cannot_be_dropped_nor_a_criterion_invented(waiver_case, director):
    with pytest.raises(services.CaseActionRefused, match=r"missing: II\.A\.1"):
        services.case_decide(
            case=waiver_case, by=director, code_decisions=CODES, reasons={}, peer_to_peer=p2p()
        )
    with pytest.raises(services.CaseActionRefused, match=r"II\.A\.9 is not a criterion"):
        services.case_decide(
            case=waiver_case,
            by=director,
            code_decisions=CODES,
            reasons={"II.A.1": "No trial.", "II.A.9": "Invented."},
            peer_to_peer=p2p(),
        )
    with pytest.raises(services.CaseActionRefused, match=r"I\.A\.1 is met now"):
        services.case_decide(
            case=waiver_case,
            by=director,
            code_decisions=CODES,
            reasons={"II.A.1": "No trial.", "I.A.1": "Met, but said not to be."},
            peer_to_peer=p2p(),
        )
    assert not Determination.objects.filter(case=waiver_case).exists()


def test_the_director_edits_the_wording_and_the_letter_prints_it(waiver_case, director):
    determination = services.case_decide(
        case=waiver_case,
        by=director,
        code_decisions=CODES,
        reasons={"II.A.1": "  No trial was done before the permanent pump.  "},
        explanation="We approved the catheter. We did not approve the pump.",
        rationale="INTERNAL: no trial; body habitus fine per PCP.",
        peer_to_peer=p2p(),
    )
    [item] = determination.reason_items
    assert item["label"] == "II.A.1" and item["status"] == "not_met"
    assert item["text"] == "No trial was done before the permanent pump."
    assert item["drafted"].startswith("The policy asks for a test dose of the medicine first.")
    html = letters.letter_render_html(determination=determination)
    assert "Requirement II.A.1:</strong> No trial was done before the permanent pump." in html
    assert "We approved the catheter. We did not approve the pump." in html
    assert "INTERNAL" not in html and "habitus" not in html


def test_reasons_name_the_members_own_recorded_values(nurse):
    case = referred(
        nurse,
        facts={"age_years": 40, "pain_nrs": 5, "pain_limits_daily_function": True},
        overrides={},
    )
    [pain] = [d for d in selectors.reason_drafts(case=case) if d.label == "2.a"]
    assert pain.status == "not_met"
    assert pain.recorded == (
        "Your records give your pain a score of 5 out of 10; the policy asks for more than 6 "
        "out of 10.",
    )
    assert pain.text.startswith("The policy asks for pain that scores above 6 out of 10")
    assert pain.text.endswith(pain.recorded[0])
    undocumented = [d for d in selectors.reason_drafts(case=case) if d.status == "not_documented"]
    assert undocumented and all(
        d.text.startswith("The records we received do not show whether") for d in undocumented
    )


def test_a_spanish_speaking_member_gets_reasons_drafted_in_spanish(nurse):
    case = referred(
        nurse,
        facts={"age_years": 40, "pain_nrs": 5, "pain_limits_daily_function": True},
        preferred_language="es",
    )
    [pain] = [d for d in selectors.reason_drafts(case=case) if d.label == "2.a"]
    assert pain.text.startswith("La póliza pide un dolor con un puntaje mayor de 6 de 10")
    assert "Sus registros dan a su dolor un puntaje de 5 de 10" in pain.text


def test_everything_met_but_a_code_denied_needs_an_explanation(waiver_case, director):
    services.exception_grant(
        case=waiver_case, criterion=node(waiver_case, "II.A.1"), by=director, rationale="Advanced."
    )
    with pytest.raises(services.CaseActionRefused, match="explain to the member"):
        services.case_decide(
            case=waiver_case, by=director, code_decisions=CODES, reasons={}, peer_to_peer=p2p()
        )
    determination = services.case_decide(
        case=waiver_case,
        by=director,
        code_decisions=CODES,
        reasons={},
        explanation="The pump system is not approved: a new request must name the pump model.",
        peer_to_peer=p2p(),
    )
    assert determination.outcome == "partially_approved" and determination.reason_items == []
    # The approved part is authorized, the denied codes are not.
    authorization = Authorization.objects.get(determination=determination)
    assert [i.code for i in authorization.items.all()] == ["62350"]


def test_an_exception_refreshes_the_reasons_and_keeps_what_was_typed(nurse, director_client):
    case = referred(
        nurse,
        facts={"age_years": 40, "pain_nrs": 5, "pain_limits_daily_function": True},
    )
    drafts = selectors.reason_drafts(case=case)
    labels = [d.label for d in drafts]
    assert "2.a" in labels and len(labels) >= 2
    kept = next(label for label in labels if label != "2.a")
    url = f"/director/cases/{case.pk}/criteria/{node(case, '2.a').pk}/exception/"
    response = director_client.post(
        url,
        {
            "rationale": "Severe functional loss despite a score of 5.",
            "reason__2.a": "Typed for 2.a.",
            f"reason__{kept}": "My own wording, kept.",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    reasons = html[html.index('id="decision-reasons"') :]
    assert 'name="reason__2.a"' not in reasons  # excepted now: no reason may be given
    assert "My own wording, kept." in reasons
