"""Every checklist of every policy version as a Questionnaire generated from the library; the
codes that need authorization; searches."""

from __future__ import annotations

import pytest

from criteria import selectors as library
from criteria.codes import catalogue
from criteria.library_files import EXTERNAL_FACT
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
    checklists = Checklist.objects.select_related("version__policy")
    assert bundle["total"] == checklists.count() > 30
    by_id = {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}
    dictionary = library.fact_dictionary()
    for checklist in checklists:
        resource = by_id[questionnaires.questionnaire_id(checklist)]
        assert resource["version"] == checklist.version.label
        facts = [n for n in library.engine_checklist(checklist).facts if n != EXTERNAL_FACT]
        questions = [i for i in resource.get("item", []) if i["type"] != "display"]
        # One item per fact the checklist reads, in its order, typed from the dictionary.
        assert [i["linkId"] for i in questions] == facts
        for item in questions:
            fact = dictionary[item["linkId"]]
            assert item["type"] == TYPES[fact.type.value]
            assert item["text"] == fact.label
            help_item = item["item"][0]
            assert help_item["type"] == "display" and "Read by criteria" in help_item["text"]
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


def test_read_by_id_and_search_by_url_and_context(api):
    checklist = Checklist.objects.select_related("version__policy").get(
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
