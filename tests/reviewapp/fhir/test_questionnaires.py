"""Every checklist of every policy version as a Questionnaire generated from the library; the
codes that need authorization; searches."""

from __future__ import annotations

import pytest

from criteria import selectors as library
from criteria.codes import catalogue
from criteria.library_files import PLAN_RECORDED_FACTS
from criteria.models import Checklist
from reviewapp.fhir import questionnaires
from reviewapp.fhir import vocabulary as v

from .conftest import fhir_valid

pytestmark = pytest.mark.django_db
TYPES = {
    "integer": "integer",
    "decimal": "decimal",
    "boolean": "boolean",
    "choice": "choice",
    "date": "date",
}


def test_every_checklist_of_every_version_is_a_valid_questionnaire_of_its_facts(api):
    listing = api.get("/fhir/r4/Questionnaire")
    assert listing.status_code == 200
    bundle = listing.json()
    fhir_valid(bundle)
    checklists = questionnaires.checklists()
    # One questionnaire per checklist of each version's current edition: an earlier edition of
    # the same version (our earlier encoding, kept for the cases opened on it) is not offered.
    current = {(c.version_id, c.key) for c in Checklist.objects.all()}
    assert bundle["total"] == checklists.count() == len(current) > 30
    assert all(c.edition.number == c.version.edition for c in checklists)
    by_id = {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}
    dictionary = library.fact_dictionary()
    for checklist in checklists:
        resource = by_id[questionnaires.questionnaire_id(checklist)]
        assert resource["version"] == checklist.version.label
        facts = [
            n for n in library.engine_checklist(checklist).facts if n not in PLAN_RECORDED_FACTS
        ]
        questions = [i for i in resource.get("item", []) if i["type"] != "display"]
        # One item per fact the checklist reads, in its order, typed from the dictionary.
        assert [i["linkId"] for i in questions] == facts
        for item in questions:
            fact = dictionary[item["linkId"]]
            assert item["type"] == TYPES[fact.type.value]
            assert item["text"] == fact.label
            help_item = item["item"][0]
            assert help_item["type"] == "display"
            assert (
                "Read by criteria" in help_item["text"]
                or "Decides where this request is reviewed" in help_item["text"]
            )
            if fact.unit:
                assert {"url": v.EXT_UNIT, "valueCoding": {"display": fact.unit}} in item[
                    "extension"
                ]
            if fact.choices:
                assert [o["valueCoding"]["code"] for o in item["answerOption"]] == [
                    c for c, _ in fact.choices
                ]
        if checklist.external:
            assert resource["item"][0]["linkId"] == "external-criteria"
        routes = library.engine_checklist(checklist).all_routes()
        displays = {i["linkId"]: i["text"] for i in resource.get("item", [])}
        for route in routes:
            assert " ".join(route.reason.split()).rstrip(".") in displays["routes"]
        assert ("routes" in displays) == bool(routes)


def test_read_by_id_and_search_by_url_and_context(api):
    checklist = questionnaires.checklists().get(
        version__policy__key="molina-mcp-160",
        version__label="2025-08-13",
        key="non-malignant-trial",
    )
    qid = questionnaires.questionnaire_id(checklist)
    one = api.get(f"/fhir/r4/Questionnaire/{qid}").json()
    fhir_valid(one)
    assert one["status"] == "active"
    assert "pain_nrs" in [i["linkId"] for i in one["item"]]
    pain = next(i for i in one["item"] if i["linkId"] == "pain_nrs")
    assert {"url": v.EXT_MIN, "valueInteger": 0} in pain["extension"]
    assert {"url": v.EXT_MAX, "valueInteger": 10} in pain["extension"]
    documents = next(i for i in one["item"] if i["linkId"] == "documents")
    assert "Attach as DocumentReference" in documents["text"]

    every_version = api.get("/fhir/r4/Questionnaire", url=one["url"]).json()
    assert [e["resource"]["version"] for e in every_version["entry"]] == [
        "2025-08-13",
        "2024-08-14",
    ]
    assert [e["resource"]["status"] for e in every_version["entry"]] == ["active", "retired"]
    pinned = api.get("/fhir/r4/Questionnaire", url=f"{one['url']}|2024-08-14").json()
    assert pinned["total"] == 1

    trial = api.get("/fhir/r4/Questionnaire", context="62324", status="active").json()
    assert trial["total"] > 0
    assert {e["resource"]["code"][1]["code"] for e in trial["entry"]} == {"trial"}
    assert api.get("/fhir/r4/Questionnaire", context="99999").json()["total"] == 0
    assert api.get("/fhir/r4/Questionnaire/not--a--questionnaire").status_code == 404


def test_the_codes_that_need_authorization(api):
    value_set = api.get("/fhir/r4/ValueSet/prior-authorization-codes").json()
    fhir_valid(value_set)
    listed = {c["code"] for c in value_set["expansion"]["contains"]}
    assert listed == set(catalogue())
    e0786 = next(c for c in value_set["expansion"]["contains"] if c["code"] == "E0786")
    assert e0786["system"] == v.HCPCS
    assert api.get("/fhir/r4/ValueSet/other").status_code == 404


def test_the_questionnaire_reflects_a_changed_fact_dictionary(api, monkeypatch):
    """Nothing is hard-coded: a fact's new label or unit shows at once."""
    from dataclasses import replace

    dictionary = dict(library.fact_dictionary())
    dictionary["pain_nrs"] = replace(dictionary["pain_nrs"], label="Usual pain (NRS)", unit="/10")
    monkeypatch.setattr(library, "fact_dictionary", lambda: dictionary)
    checklist = Checklist.objects.filter(
        version__policy__key="molina-mcp-160", key="non-malignant-trial"
    ).first()
    item = next(
        i for i in questionnaires.questionnaire(checklist)["item"] if i["linkId"] == "pain_nrs"
    )
    assert item["text"] == "Usual pain (NRS)"
    assert {"url": v.EXT_UNIT, "valueCoding": {"display": "/10"}} in item["extension"]


def test_the_capability_statement(client):
    statement = client.get("/fhir/r4/metadata").json()
    fhir_valid(statement)
    claim = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Claim")
    assert [o["name"] for o in claim["operation"]] == ["submit", "inquire"]


def test_the_questions_follow_the_current_facts(api):
    """The second editions' facts: whether a trial was done, graded side effects, Molina 2025's
    closed list of contraindications, and the routes a request takes instead of the criteria."""

    def items(policy: str, label: str, key: str) -> dict[str, dict]:
        checklist = questionnaires.checklists().get(
            version__policy__key=policy, version__label=label, key=key
        )
        qid = questionnaires.questionnaire_id(checklist)
        resource = api.get(f"/fhir/r4/Questionnaire/{qid}").json()
        return {i["linkId"]: i for i in resource["item"]}

    lhcc = items("lhcc-la-cp-mp-173", "2023-06-20", "malignant-permanent")
    assert "trial_performed" in lhcc
    assert [o["valueCoding"]["code"] for o in lhcc["trial_side_effects"]["answerOption"]] == [
        "none",
        "minimal",
        "tolerable",
        "intolerable",
    ]
    assert "trial_side_effects_tolerable" not in lhcc
    molina = items("molina-mcp-160", "2025-08-13", "non-malignant-permanent")
    assert "other_implant_contraindication" not in molina  # a closed list in 2025
    assert "underlying_cause_treatment_failed" in molina
    assert "underlying_cause_treatment_exhausted" not in molina
    assert "washington_medicaid_member" in molina and "washington_hta_met" not in molina
    uhc = items("uhc-pharmacy-339.7", "2023-07-01", "non-malignant-trial")
    assert "younger than 18" in uhc["routes"]["text"]
    assert "medical director" in uhc["routes"]["text"]


def test_an_answer_to_a_retired_question_names_its_successors(api):
    checklist = questionnaires.checklists().get(
        version__policy__key="nia-cg-310", version__label="2022-05", key="malignant-permanent"
    )
    response = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{questionnaires.questionnaire_url(checklist)}|2022-05",
        "item": [{"linkId": "trial_side_effects_tolerable", "answer": [{"valueBoolean": True}]}],
    }
    answers, problems = questionnaires.answers_read(response, "QuestionnaireResponse")
    assert answers is not None and answers.facts == {}
    assert len(problems) == 1
    assert "retired; answer trial_side_effects instead" in problems[0].text
