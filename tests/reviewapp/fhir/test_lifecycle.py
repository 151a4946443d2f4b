"""Requests for every policy and stage go in over the API, are reviewed in the product through its
services (claim, answer, link evidence, approve / refer and decide), signed, and read back through
the API: review action codes, reasons, authorization number and period, reviewer, the letter."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from criteria import selectors as library
from criteria.library_files import PLAN_RECORDED_FACTS
from reviewapp.cases import selectors as case_selectors
from reviewapp.cases import services as cases
from reviewapp.cases.models import Case, CaseEvent
from reviewapp.decisions import selectors as decision_selectors
from reviewapp.decisions import services as decisions
from reviewapp.fhir import examples
from reviewapp.fhir import vocabulary as v
from reviewapp.letters import services as letters
from reviewapp.letters import signing
from tests.criteria.library import (
    cases_lhcc,
    cases_molina_2025,
    cases_nia,
    cases_uhc,
)

from .conftest import fhir_valid
from .test_submit import review_actions

pytestmark = pytest.mark.django_db
MEETS = {
    "molina-mcp-160": cases_molina_2025.MEETS,
    "lhcc-la-cp-mp-173": cases_lhcc.MEETS,
    "nia-cg-310": cases_nia.MEETS,
    "uhc-pharmacy-339.7": cases_uhc.MEETS,
}
PLAN_OF = {policy: plan for plan, _, _, policy, _ in examples.DEMO_PLANS}


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory):
    path = tmp_path_factory.mktemp("fhir-letter-key") / "letter-signing.p12"
    signing.signing_key_create(path=path, organisation="Test Plan", passphrase="pass-phrase")
    return path


@pytest.fixture(autouse=True)
def _letters(settings, signing_key):
    settings.LETTER_SIGNING_PKCS12 = signing_key
    settings.LETTER_SIGNING_PASSPHRASE = "pass-phrase"
    storage = letters.letter_storage()
    if storage.exists("letters"):
        shutil.rmtree(storage.path("letters"))
    yield
    if storage.exists("letters"):
        shutil.rmtree(storage.path("letters"))


@dataclass
class Scenario:
    policy: str
    indication: str
    stage: str
    decision: str = "approve"  # approve (nurse) | deny | partial (director)
    fail: list[str] = field(default_factory=list)  # criteria the nurse records not met

    @property
    def id(self) -> str:
        return f"{self.policy}-{self.indication}-{self.stage}-{self.decision}"


# Molina and LHCC requests come from Medicaid plans: a withdrawal records the member notice.
NOTICE = decisions.MemberNotice(channel="mail", text="Your request was withdrawn.")

SCENARIOS = [
    Scenario("molina-mcp-160", "malignant_pain", "trial"),
    Scenario("molina-mcp-160", "non_malignant_pain", "permanent"),
    Scenario("lhcc-la-cp-mp-173", "malignant_pain", "trial"),
    Scenario("lhcc-la-cp-mp-173", "non_malignant_pain", "permanent", "deny", ["II.B.7"]),
    Scenario("nia-cg-310", "non_malignant_pain", "trial"),
    Scenario("nia-cg-310", "malignant_pain", "permanent", "partial", ["P-P.4"]),
    Scenario("nia-cg-310", "replacement", "replacement"),
    Scenario("uhc-pharmacy-339.7", "non_malignant_pain", "trial"),
    Scenario("uhc-pharmacy-339.7", "non_malignant_pain", "permanent", "deny", ["P.1"]),
]


def _checklist(policy: str, indication: str, stage: str):
    version = library.version_in_effect(policy=policy, on=timezone.localdate())
    return library.checklist_get(version=version, indication=indication, stage=stage)


def submit(api, scenario: Scenario) -> tuple[Case, dict]:
    checklist = _checklist(scenario.policy, scenario.indication, scenario.stage)
    assert checklist is not None, scenario
    facts = MEETS[scenario.policy][checklist.key]
    bundle = examples.request_bundle(
        plan=PLAN_OF[scenario.policy],
        codes=examples.CODES_FOR[scenario.stage],
        diagnoses=[examples.DIAGNOSIS_FOR[scenario.indication]],
        checklist=checklist,
        facts=facts,
        claim_id=f"REQ-{scenario.id}",
    )
    response = api.submit(bundle)
    assert response.status_code == 200, response.content
    body = response.json()
    fhir_valid(body)
    case = Case.objects.get(reference=body["entry"][0]["resource"]["id"])
    assert case.checklist == checklist
    return case, body


def review(case: Case, nurse, fail: list[str]) -> None:
    """The nurse claims the case and confirms what the provider's answers propose, with the
    provider's document linked where a criterion needs documentation."""
    cases.case_claim(case=case, by=nurse)
    # The outcomes of the plan's own reviews (here Washington's technology assessment) are never
    # the provider's answers: the nurse records them from the plan's review.
    facts = MEETS[case.checklist.version.policy.key][case.checklist.key]
    for name in sorted(PLAN_RECORDED_FACTS & set(facts)):
        cases.fact_record(
            case=case, by=nurse, name=name, raw_value=facts[name], expected_revision=0
        )
    evidence = case.evidence.get()
    for node in library.checklist_nodes(case.checklist).values():
        answer = case.answers.filter(criterion=node).first()
        proposed = answer.proposed_status if answer else "unknown"
        status = {"unknown": "not_documented"}.get(proposed, proposed)
        reason = ""
        if node.label in fail:
            status, reason = "not_met", "The records do not support this."
        if status == "met" and node.requires_documentation:
            cases.evidence_link(case=case, by=nurse, evidence=evidence, criterion=node, pages="1")
        cases.answer_record(
            case=case,
            criterion=node,
            by=nurse,
            status=status,
            note="",
            override_reason=reason,
            expected_revision=answer.revision if answer else 0,
        )


def decide_and_sign(case: Case, scenario: Scenario, nurse, director):
    if scenario.decision == "approve":
        decider = nurse
        determination = decisions.case_approve_by_nurse(case=case, by=nurse)
    else:
        decider = director
        cases.case_refer_to_director(case=case, by=nurse, summary="Criteria not met.")
        codes = [s.code for s in case.services.all()]
        chosen = {c: "deny" for c in codes}
        if scenario.decision == "partial":
            chosen[codes[0]] = "approve"
        determination = decisions.case_decide(
            case=case,
            by=director,
            code_decisions=chosen,
            reasons={
                draft.label: draft.text
                for draft in decision_selectors.reason_drafts(
                    case=case, workspace=case_selectors.case_workspace(case)
                )
            },
            rationale="",
            peer_to_peer=decisions.PeerToPeer(
                offered_to="Dr. Jordan Example", offered_at=timezone.now()
            ),
        )
    html = letters.letter_render_html(determination=determination)
    return letters.letter_sign(
        determination=determination, by=decider, preview_digest=letters.letter_digest(html)
    )


def _ext(extensions: list[dict], url: str) -> dict | None:
    return next((e for e in extensions or [] if e["url"] == url), None)


def _reasons(adjudication: dict) -> list[str]:
    action = _ext(adjudication.get("extension"), v.EXT_REVIEW_ACTION)
    return [
        part["valueCodeableConcept"]["coding"][0]["code"]
        for part in action["extension"]
        if part["url"] == "reasonCode"
    ]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_request_review_sign_inquire(scenario, api, nurse, director):
    case, submitted = submit(api, scenario)
    claim_id = f"REQ-{scenario.id}"
    assert review_actions(submitted["entry"][0]["resource"]["adjudication"]) == ["A4"]

    review(case, nurse, scenario.fail)
    # While under review, polling still answers pended.
    pended = api.get("/fhir/r4/ClaimResponse", identifier=case.reference).json()
    fhir_valid(pended)
    assert review_actions(pended["entry"][0]["resource"]["adjudication"]) == ["A4"]

    determination = decide_and_sign(case, scenario, nurse, director)

    by_post = api.post("/fhir/r4/Claim/$inquire", examples.inquiry_bundle(identifier=claim_id))
    by_get = api.get("/fhir/r4/ClaimResponse", identifier=case.reference)
    assert by_post.status_code == by_get.status_code == 200
    inquired, searched = by_post.json(), by_get.json()
    fhir_valid(inquired)
    fhir_valid(searched)
    response = inquired["entry"][0]["resource"]
    assert searched["total"] == 1 and searched["entry"][0]["resource"]["id"] == case.reference
    assert searched["entry"][0]["resource"]["item"] == response["item"]

    items = {i["itemSequence"]: i for i in response["item"]}
    codes = [s.code for s in case.services.all()]
    # The authorization the letter prints (denials have none).
    granted = decision_selectors.authorization_for(determination)
    number = granted.number if granted else ""
    decided_on = timezone.localdate(determination.decided_at)
    period = {
        "start": decided_on.isoformat(),
        "end": (decided_on + dt.timedelta(days=179)).isoformat(),
    }
    header = review_actions(response["adjudication"])
    reviewer = _ext(response["extension"], v.EXT_REVIEWER)["extension"]
    assert {"url": "wasHumanReviewedFlag", "valueBoolean": True} in reviewer
    role = next(p for p in reviewer if p["url"] == "reviewerSpecialty")
    notes = " ".join(n["text"] for n in response.get("processNote", []))

    if scenario.decision == "approve":
        assert header == ["A1"]
        assert response["disposition"] == "Approved"
        assert [review_actions(items[i + 1]["adjudication"]) for i in range(len(codes))] == [
            ["A1"]
        ] * len(codes)
        assert response["preAuthRef"] == number
        assert response["preAuthPeriod"] == period
        for item in items.values():
            assert _ext(item["extension"], v.EXT_ITEM_PREAUTH_PERIOD)["valuePeriod"] == period
        assert role["valueCodeableConcept"]["text"] == "Nurse reviewer"
        assert number in notes
    elif scenario.decision == "deny":
        assert header == ["A3"] and response["disposition"] == "Denied"
        assert "preAuthRef" not in response
        for item in items.values():
            assert review_actions(item["adjudication"]) == ["A3"]
            assert scenario.fail[0] in _reasons(item["adjudication"][0])
            assert item["noteNumber"]
        assert role["valueCodeableConcept"]["text"] == "Medical director (Pain Medicine)"
    else:  # partial
        assert header == ["A2"] and response["disposition"] == "Partially approved"
        assert review_actions(items[1]["adjudication"]) == ["A1"]
        assert _ext(items[1]["extension"], v.EXT_ITEM_PREAUTH_PERIOD)["valuePeriod"] == period
        assert review_actions(items[2]["adjudication"]) == ["A3"]
        assert scenario.fail[0] in _reasons(items[2]["adjudication"][0])
        assert response["preAuthRef"] == number
    if scenario.decision != "approve":
        failed = next(c for c in determination.criteria_snapshot if c["label"] == scenario.fail[0])
        assert " ".join(failed["member_reason"].split()) in notes
        assert scenario.fail[0] in _reasons(response["adjudication"][0])
        codings = [
            part["valueCodeableConcept"]["coding"][0]
            for part in _ext(response["adjudication"][0]["extension"], v.EXT_REVIEW_ACTION)[
                "extension"
            ]
            if part["url"] == "reasonCode"
        ]
        assert codings[0]["system"] == v.criterion_system(scenario.policy)
        assert codings[0]["version"] == case.policy_version.label

    # The signed letter, as an attachment the client can fetch: the stored bytes.
    letter_url = response["form"]["url"]
    assert letter_url.endswith(f"/fhir/r4/Binary/letter-{determination.pk}")
    path = letter_url[letter_url.index("/fhir/") :]
    pdf = api.http.get(
        path, headers={"Authorization": f"Bearer {api.token}", "Accept": "application/pdf"}
    )
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == determination.letter_sha256
    binary = api.get(path).json()
    fhir_valid(binary)
    # Every API call about the case is in its timeline.
    kinds = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert {"api_submit", "api_read", "api_inquire", "api_letter"} <= kinds


def test_a_pended_request_says_what_is_needed(api, nurse):
    case, _ = submit(api, SCENARIOS[0])
    cases.case_claim(case=case, by=nurse)
    cases.case_pend(case=case, by=nurse, request_text="Send the oncology note with the prognosis.")
    response = api.get(f"/fhir/r4/ClaimResponse/{case.reference}").json()
    fhir_valid(response)
    assert review_actions(response["adjudication"]) == ["A4"]
    assert any(
        n["text"] == "More information is needed: Send the oncology note with the prognosis."
        for n in response["processNote"]
    )


def test_a_withdrawn_request_is_cancelled(api, nurse):
    case, _ = submit(api, SCENARIOS[0])
    decisions.case_withdraw(
        case=case, by=nurse, reason="The provider withdrew the request.", member_notice=NOTICE
    )
    response = api.get(f"/fhir/r4/ClaimResponse/{case.reference}").json()
    fhir_valid(response)
    assert response["status"] == "cancelled" and response["disposition"] == "Withdrawn"
    assert "The provider withdrew the request." in response["processNote"][0]["text"]
    assert "preAuthRef" not in response


def test_a_decision_not_yet_signed_is_still_pended(api, nurse):
    case, _ = submit(api, SCENARIOS[0])
    review(case, nurse, [])
    decisions.case_approve_by_nurse(case=case, by=nurse)
    response = api.get(f"/fhir/r4/ClaimResponse/{case.reference}").json()
    assert review_actions(response["adjudication"]) == ["A4"]
    assert "preAuthRef" not in response and "form" not in response
