"""A request Bundle in: a case through the intake services, evidence, facts, diagnoses; A4 out."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone

from criteria import selectors as library
from criteria.library_files import PLAN_RECORDED_FACTS
from reviewapp.cases.models import Case, CaseEvent, CaseFact, Evidence, FactOrigin
from reviewapp.fhir import examples
from reviewapp.fhir import vocabulary as v
from reviewapp.fhir.models import ApiRequest
from tests.criteria.library.cases_molina_2025 import MALIGNANT_TRIAL

from .conftest import fhir_valid

pytestmark = pytest.mark.django_db


def _molina_malignant_trial():
    version = library.version_in_effect(policy="molina-mcp-160", on=timezone.localdate())
    return library.checklist_get(version=version, indication="malignant_pain", stage="trial")


def review_actions(adjudications: list[dict]) -> list[str]:
    codes = []
    for adjudication in adjudications:
        for extension in adjudication.get("extension", []):
            if extension["url"] == v.EXT_REVIEW_ACTION:
                for part in extension["extension"]:
                    if part["url"] == v.EXT_REVIEW_ACTION_CODE:
                        codes.append(part["valueCodeableConcept"]["coding"][0]["code"])
    return codes


def test_a_request_opens_a_case_through_intake_and_answers_pended(api):
    checklist = _molina_malignant_trial()
    pdf = examples.synthetic_pdf(pages=3)
    bundle = examples.request_bundle(
        plan="molina-medicaid",
        codes=[("62324", 1)],
        diagnoses=["C50.911", "G89.3"],
        priority="stat",
        documents=[("pain-clinic-note.pdf", pdf, "application/pdf")],
        checklist=checklist,
        facts=MALIGNANT_TRIAL,
        claim_id="REQ-100",
    )

    response = api.submit(bundle)

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    fhir_valid(body)
    claim_response = body["entry"][0]["resource"]
    assert claim_response["resourceType"] == "ClaimResponse"
    case = Case.objects.get(reference=claim_response["id"])
    assert claim_response["identifier"][0]["value"] == case.reference
    assert review_actions(claim_response["item"][0]["adjudication"]) == ["A4"]
    assert claim_response["item"][0]["itemSequence"] == 1
    assert claim_response["request"]["identifier"]["value"] == "REQ-100"
    assert "preAuthRef" not in claim_response
    # The case, as intake makes it: the policy of the plan, the version in effect today.
    assert case.policy.key == "molina-mcp-160"
    assert case.policy_version == checklist.version
    assert case.checklist == checklist
    assert (case.indication, case.stage) == ("malignant_pain", "trial")
    assert case.priority == "expedited"
    assert case.line_of_business == "medicaid"
    assert case.status == "intake" and case.assigned_to is None
    assert case.member_id == "SYN000123" and case.member_name == "Avery Sample"
    assert case.provider_npi == examples.DEMO_NPI and case.provider_name == "Dr. Jordan Example"
    assert [(s.code, s.units) for s in case.services.all()] == [("62324", 1)]
    assert [d.code for d in case.diagnoses.all()] == ["C50.911", "G89.3"]
    assert case.due_at - case.received_at == timezone.timedelta(hours=72)
    assert "Clinical summary" in case.clinical_summary
    # The document, as evidence with its hash and pages.
    evidence = Evidence.objects.get(case=case)
    assert evidence.sha256 == hashlib.sha256(pdf).hexdigest()
    assert evidence.page_count == 3 and evidence.original_name == "pain-clinic-note.pdf"
    assert evidence.doc_type == "office_note"
    assert evidence.source == "Example Pain Clinic (synthetic)"
    assert evidence.file.read() == pdf
    # The answers, as facts received from the provider over the API, proposing statuses.
    facts = {f.fact.name: f for f in CaseFact.objects.filter(case=case).select_related("fact")}
    # Every answer but the plan's own review outcomes, which the questionnaire does not ask.
    assert set(facts) == set(MALIGNANT_TRIAL) - PLAN_RECORDED_FACTS
    assert "washington_hta_met" in MALIGNANT_TRIAL
    assert {f.origin for f in facts.values()} == {FactOrigin.API}
    assert case.answers.exclude(proposed_status="").count() > 0
    assert all(a.status == "" for a in case.answers.all())  # proposed, never confirmed
    # Audited: the intake events and the API's own, with the client's service account.
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert {"created", "evidence_uploaded", "fact_recorded", "api_request_received"} <= set(kinds)
    assert "api_submit" in kinds
    assert CaseEvent.objects.filter(case=case, actor=api.org.user).count() == len(kinds)
    fact_event = CaseEvent.objects.filter(case=case, kind="fact_recorded").first()
    assert "received from the provider over the API" in fact_event.summary


def test_without_a_questionnaire_the_diagnoses_and_codes_choose_the_checklist(api):
    bundle = examples.request_bundle(
        plan="nia-medicare-advantage",
        codes=[("62350", 1), ("62362", 1)],
        diagnoses=["M96.1"],
    )
    response = api.submit(bundle)
    assert response.status_code == 200, response.content
    case = Case.objects.get(reference=response.json()["entry"][0]["resource"]["id"])
    assert (case.policy.key, case.indication, case.stage) == (
        "nia-cg-310",
        "non_malignant_pain",
        "permanent",
    )
    assert case.line_of_business == "medicare_advantage" and case.priority == "standard"
    assert not CaseFact.objects.filter(case=case).exists()


def test_sending_the_same_request_again_answers_the_same_case(api):
    bundle = examples.request_bundle(
        plan="molina-medicaid", codes=[("62324", 1)], diagnoses=["C50.911"], claim_id="REQ-7"
    )
    first = api.submit(bundle)
    again = api.submit(bundle)
    assert first.status_code == again.status_code == 200
    assert first.json()["entry"][0]["resource"]["id"] == again.json()["entry"][0]["resource"]["id"]
    assert Case.objects.count() == 1 and ApiRequest.objects.count() == 1

    bundle["entry"][0]["resource"]["item"][0]["quantity"]["value"] = 2
    changed = api.submit(bundle)
    assert changed.status_code == 422
    issue = changed.json()["issue"][0]
    assert issue["code"] == "duplicate" and "REQ-7" in issue["diagnostics"]
    assert Case.objects.count() == 1


def test_the_bundle_may_come_as_the_resource_parameter(api):
    bundle = examples.request_bundle(
        plan="molina-medicaid", codes=[("62324", 1)], diagnoses=["C50.911"]
    )
    response = api.submit(
        {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": bundle}]}
    )
    assert response.status_code == 200, response.content


def test_a_questionnaire_of_another_version_is_refused_with_the_right_one(api):
    old = library.checklist_get(
        version=library.version_in_effect(
            policy="molina-mcp-160", on=timezone.datetime(2025, 1, 1).date()
        ),
        indication="malignant_pain",
        stage="trial",
    )
    bundle = examples.request_bundle(
        plan="molina-medicaid",
        codes=[("62324", 1)],
        diagnoses=["C50.911"],
        checklist=old,
        facts={"pain_nrs": 8},
    )
    response = api.submit(bundle)
    assert response.status_code == 422
    text = response.json()["issue"][0]["diagnostics"]
    assert "2024-08-14" in text and "2025-08-13" in text
    assert Case.objects.count() == 0
