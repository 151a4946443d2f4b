"""Referred cases for the medical director's tests, built through the nurse's services."""

import pytest

from criteria import selectors as library
from reviewapp.cases import services
from tests.factories import CaseFactory, EvidenceFactory

LHCC_MALIGNANT_PERMANENT = {
    "systemic_analgesics_failed": True,
    "life_expectancy_months": 4,
    "epidural_mets_or_thecal_encroachment": False,
    "active_infection": False,
    "body_size_adequate": True,
    "other_programmable_implant_conflict": False,
    "drug_allergy": False,
}


def answer_all_as_proposed(case, nurse, overrides=None):
    """Answer every criterion as the facts propose (unknown: not documented), except
    ``overrides`` (label -> (status, reason))."""
    overrides = overrides or {}
    evidence = EvidenceFactory(case=case, by=nurse)
    for node in library.checklist_nodes(case.checklist).values():
        answer = case.answers.filter(criterion=node).first()
        proposed = answer.proposed_status if answer else "unknown"
        status, reason = overrides.get(
            node.label, ({"unknown": "not_documented"}.get(proposed, proposed), "")
        )
        if status == "met" and node.requires_documentation:
            services.evidence_link(
                case=case, by=nurse, evidence=evidence, criterion=node, pages="1"
            )
        services.answer_record(
            case=case,
            criterion=node,
            by=nurse,
            status=status,
            note="",
            override_reason=reason,
            expected_revision=answer.revision if answer else 0,
        )


def referred(nurse, *, facts, summary="Please review.", overrides=None, **case_kwargs):
    case = CaseFactory(by=nurse, **case_kwargs)
    for name, value in facts.items():
        services.fact_record(case=case, by=nurse, name=name, raw_value=value, expected_revision=0)
    answer_all_as_proposed(case, nurse, overrides)
    services.case_refer_to_director(case=case, by=nurse, summary=summary)
    case.refresh_from_db()
    return case


@pytest.fixture
def waiver_case(nurse):
    """LHCC malignant permanent pump with no trial done: II.A.1 not met (waivable)."""
    return referred(
        nurse,
        facts=LHCC_MALIGNANT_PERMANENT,
        policy="lhcc-la-cp-mp-173",
        indication="malignant_pain",
        stage="permanent",
        codes=(("62350", 1), ("62362", 1), ("E0783", 1)),
        summary="No trial: advanced disease; waiver requested.",
        overrides={"II.A.1": ("not_met", "No trial was done.")},
    )


def node(case, label):
    return library.checklist_nodes(case.checklist)[label]
