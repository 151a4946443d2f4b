"""Hostile and malformed requests get an OperationOutcome naming each problem; nothing is stored
(no case, no evidence row, no file, no fact, no API request)."""

from __future__ import annotations

import base64
import copy
import json
import os

import pytest
from django.conf import settings

from reviewapp.cases.models import Case, CaseDiagnosis, CaseEvent, CaseFact, Evidence
from reviewapp.fhir import examples, request_bundle
from reviewapp.fhir.models import ApiCall, ApiRequest

from .conftest import fhir_valid

pytestmark = pytest.mark.django_db


def stored() -> tuple:
    files = sum(len(names) for _, _, names in os.walk(settings.EVIDENCE_DIR))
    return (
        Case.objects.count(),
        Evidence.objects.count(),
        CaseFact.objects.count(),
        CaseDiagnosis.objects.count(),
        CaseEvent.objects.count(),
        ApiRequest.objects.count(),
        files,
    )


def good(**kwargs) -> dict:
    defaults = {"plan": "molina-medicaid", "codes": [("62324", 1)], "diagnoses": ["C50.911"]}
    return examples.request_bundle(**(defaults | kwargs))


def refused(api, bundle, status=422, content_type="application/fhir+json"):
    before = stored()
    response = api.post("/fhir/r4/Claim/$submit", bundle, content_type=content_type)
    assert response.status_code == status, response.content
    outcome = response.json()
    fhir_valid(outcome)
    assert outcome["resourceType"] == "OperationOutcome"
    assert stored() == before, "a refused request stored something"
    call = ApiCall.objects.filter(interaction="submit").latest("at")
    assert call.status_code == status and call.case is None  # the refusal itself is audited
    return outcome["issue"]


def entry_of(bundle: dict, kind: str) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind)


def test_the_reference_request_is_accepted(api):
    assert api.submit(good()).status_code == 200


def test_wrong_resource_types_are_named(api):
    bundle = good()
    bundle["entry"].append(
        {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "MedicationRequest"}}
    )
    bundle["entry"].append({"fullUrl": "urn:uuid:2", "resource": {"resourceType": "Evil"}})
    issues = refused(api, bundle)
    assert [i["expression"][0] for i in issues] == [
        f"Bundle.entry[{len(bundle['entry']) - 2}].resource",
        f"Bundle.entry[{len(bundle['entry']) - 1}].resource",
    ]
    assert all(i["code"] == "not-supported" for i in issues)


def test_a_reference_to_the_wrong_type_is_refused(api):
    bundle = good()
    claim = entry_of(bundle, "Claim")
    claim["patient"] = claim["provider"]  # points at the Practitioner
    issues = refused(api, bundle)
    assert any("a Patient is expected" in i["diagnostics"] for i in issues)


def test_not_a_bundle_and_not_json(api):
    issues = refused(api, {"resourceType": "Patient"}, status=400)
    assert "Expected a Bundle" in issues[0]["diagnostics"]
    issues = refused(api, b"{not json", status=400)
    assert issues[0]["code"] == "structure"
    issues = refused(api, b"<Bundle/>", status=415, content_type="application/xml")
    assert issues[0]["code"] == "not-supported"


def test_structure_errors_come_from_the_r4_models(api):
    bundle = good()
    patient = entry_of(bundle, "Patient")
    patient["birthDate"] = "1968-13-45"
    patient["favouriteColour"] = "blue"
    issues = refused(api, bundle)
    expressions = {i["expression"][0] for i in issues}
    assert {"Bundle.entry[1].resource.birthDate", "Bundle.entry[1].resource.favouriteColour"} <= (
        expressions
    )


def test_missing_and_invalid_npi(api):
    bundle = good()
    entry_of(bundle, "Practitioner")["identifier"] = []
    issues = refused(api, bundle)
    assert any("NPI is required" in i["diagnostics"] for i in issues)
    bundle = good(npi="1234567890")  # fails the check digit
    issues = refused(api, bundle)
    assert any("NPI '1234567890' is not valid" in i["diagnostics"] for i in issues)


def test_unknown_codes_and_diagnoses_are_each_listed(api):
    bundle = good(codes=[("62324", 1), ("99999", 1)], diagnoses=["C50.911", "NOT-A-CODE"])
    claim = entry_of(bundle, "Claim")
    claim["item"][0]["productOrService"]["coding"][0]["system"] = "http://example.org/codes"
    issues = refused(api, bundle)
    texts = " | ".join(i["diagnostics"] for i in issues)
    assert "needs a CPT" in texts
    assert "Unknown code '99999'" in texts
    assert "'NOT-A-CODE' is not an ICD-10-CM code" in texts
    assert {i["expression"][0] for i in issues} >= {
        "Bundle.entry[0].resource.item[0].productOrService",
        "Bundle.entry[0].resource.item[1].productOrService",
        "Bundle.entry[0].resource.diagnosis[1].diagnosisCodeableConcept",
    }


def test_a_claim_that_is_not_a_preauthorization(api):
    bundle = good()
    entry_of(bundle, "Claim")["use"] = "claim"
    issues = refused(api, bundle)
    assert any("preauthorization" in i["diagnostics"] for i in issues)


def test_a_50_mb_attachment_is_refused_from_its_length_before_it_is_read(api, monkeypatch):
    from types import SimpleNamespace

    from reviewapp.fhir import auth

    read = []
    monkeypatch.setattr(
        auth, "json", SimpleNamespace(loads=lambda *a, **k: read.append(1), dumps=json.dumps)
    )
    body = b'{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Binary","data":"'
    body += b"A" * (50 * 1024 * 1024 * 4 // 3) + b'"}}]}'
    issues = refused(api, body, status=413)
    assert issues[0]["code"] == "too-costly" and "40 MB" in issues[0]["diagnostics"]
    assert read == []  # never parsed


def test_an_attachment_over_the_evidence_limit_is_refused_before_decoding(
    api, settings, monkeypatch
):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    decoded = []
    real = base64.b64decode
    monkeypatch.setattr(
        request_bundle.base64, "b64decode", lambda *a, **k: decoded.append(1) or real(*a, **k)
    )
    big = examples.synthetic_pdf() + b"\n%" + b"0" * (2 * 1024 * 1024)
    issues = refused(api, good(documents=[("big.pdf", big, "application/pdf")]), status=413)
    assert "about 2 MB; the limit is 1 MB" in issues[0]["diagnostics"]
    assert issues[0]["expression"] == ["Bundle.entry[6].resource.data"]  # the Binary
    assert decoded == []


def test_a_pdf_with_script_is_refused(api):
    hostile = examples.synthetic_pdf().replace(
        b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
    )
    issues = refused(api, good(documents=[("note.pdf", hostile, "application/pdf")]))
    assert issues[0]["code"] == "security" and "script" in issues[0]["diagnostics"].lower()


def test_a_document_that_is_not_what_it_says(api):
    issues = refused(
        api, good(documents=[("note.pdf", b"<html><script>x</script></html>", "application/pdf")])
    )
    assert issues[0]["expression"][0].endswith("content[0].attachment")
    issues = refused(api, good(documents=[("photo.gif", b"GIF89a....", "image/gif")]))
    assert "got 'image/gif'" in issues[0]["diagnostics"]


def test_a_member_of_another_clients_plan(api, other_api):
    bundle = good(plan="molina-medicaid")  # other_api may submit for lhcc-medicaid only
    issues = refused(other_api, bundle)
    assert issues[0]["code"] == "forbidden"
    assert "molina-medicaid" in issues[0]["diagnostics"]
    # A plan that does not exist gets the same answer.
    issues = refused(other_api, good(plan="no-such-plan"))
    assert issues[0]["code"] == "forbidden"


def test_a_coverage_that_contradicts_the_plan(api):
    bundle = good(coverage_type={"coding": [{"system": "https://nahdo.org/sopt", "code": "51"}]})
    issues = refused(api, bundle)
    assert "plan molina-medicaid is Medicaid" in issues[0]["diagnostics"]


def test_every_problem_is_listed_at_once(api):
    bundle = good(codes=[("99999", 1)], npi="1111111111", member_id="bad id!")
    entry_of(bundle, "Claim")["priority"] = {"coding": [{"code": "whenever"}]}
    issues = refused(api, bundle)
    assert len(issues) >= 4


def test_a_failure_after_files_were_stored_removes_them(api, monkeypatch):
    """The storing step is one transaction; files written before a failure are removed."""
    from reviewapp.cases import services as cases

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(cases, "fact_record", broken)
    checklist_bundle = good()
    from criteria import selectors as library

    version = library.version_in_effect(
        policy="molina-mcp-160", on=__import__("datetime").date.today()
    )
    checklist = library.checklist_get(version=version, indication="malignant_pain", stage="trial")
    checklist_bundle = good(checklist=checklist, facts={"pain_nrs": 8})
    before = stored()
    with pytest.raises(RuntimeError):
        api.submit(checklist_bundle)
    assert stored() == before


def test_a_hostile_questionnaire_response(api):
    from criteria import selectors as library

    version = library.version_in_effect(
        policy="molina-mcp-160", on=__import__("datetime").date.today()
    )
    checklist = library.checklist_get(version=version, indication="malignant_pain", stage="trial")
    bundle = good(checklist=checklist, facts={"pain_nrs": 8})
    response = entry_of(bundle, "QuestionnaireResponse")
    bad = copy.deepcopy(response["item"][0])
    response["item"] = [
        {**bad, "answer": [{"valueInteger": 42}]},  # out of range
        {"linkId": "is_admin", "answer": [{"valueBoolean": True}]},  # not a question
        {"linkId": "external_review_met", "answer": [{"valueBoolean": True}]},  # the plan's
    ]
    issues = refused(api, bundle)
    texts = " | ".join(i["diagnostics"] for i in issues)
    assert "above the maximum" in texts
    assert "'is_admin' is not a question" in texts
    assert "'external_review_met' is not a question" in texts
