"""A pend asks only for what is unknown or not documented, each with the document that would
settle it (the fact dictionary names one per fact)."""

from __future__ import annotations

import pytest

from criteria import selectors as library
from criteria.library_files import read_facts
from reviewapp.cases import selectors, services
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_every_fact_a_checklist_reads_names_the_document_that_settles_it():
    facts = read_facts()
    assert [name for name, fact in facts.items() if not fact.document] == []


def test_the_request_lists_only_what_is_missing_with_its_document(nurse, nurse_client):
    case = CaseFactory(
        by=nurse,
        policy="lhcc-la-cp-mp-173",
        indication="malignant_pain",
        stage="trial",
        codes=(("62324", 1),),
    )
    for name, value in (("systemic_analgesics_failed", True), ("active_infection", False)):
        services.fact_record(case=case, by=nurse, name=name, raw_value=value, expected_revision=0)
    services.fact_record(
        case=case, by=nurse, name="life_expectancy_months", raw_value=8, expected_revision=0
    )
    node = library.checklist_nodes(case.checklist)["I.A.2"]
    services.answer_record(
        case=case,
        criterion=node,
        by=nurse,
        status="not_documented",
        note="Survival estimate only by phone.",
        override_reason="",
        expected_revision=case.answers.get(criterion=node).revision,
    )
    missing = selectors.information_missing(workspace=selectors.case_workspace(case))
    assert [(m.row.criterion.label, m.documents) for m in missing] == [
        ("I.A.2", ("The treating physician's note with the estimated life expectancy",)),
        ("I.A.3", ("The imaging report of the spine",)),
    ]
    page = nurse_client.get(f"/cases/{case.pk}/pend/").content.decode()
    draft = page.split('name="request_text"')[1].split("</textarea>")[0]
    assert "- I.A.2:" in draft and "- I.A.3:" in draft
    assert "Please send: The imaging report of the spine." in draft
    # Decided criteria are not asked for, nor the checklist's whole list of documents.
    assert "I.A.1" not in draft and "I.A.4" not in draft
    assert "Notes on any current infection" not in draft
    table = page.split('data-testid="missing"')[1].split("</table>")[0]
    assert "What is missing (2 criteria)" in table
