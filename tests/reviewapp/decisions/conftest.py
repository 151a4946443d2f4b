"""Referred cases for the medical director's tests, built through the nurse's services."""

import pytest

from criteria import selectors as library
from reviewapp.cases import services
from tests.factories import answered_case

LHCC_MALIGNANT_PERMANENT = {
    "systemic_analgesics_failed": True,
    "life_expectancy_months": 4,
    "epidural_mets_or_thecal_encroachment": False,
    "active_infection": False,
    "body_size_adequate": True,
    "other_programmable_implant_conflict": False,
    "drug_allergy": False,
    "trial_performed": False,
}


def referred(nurse, *, facts, summary="Please review.", overrides=None, **case_kwargs):
    """A case answered as its facts propose (see ``answered_case``) and referred."""
    case = answered_case(by=nurse, facts=facts, overrides=overrides, **case_kwargs)
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
    )


def node(case, label):
    return library.checklist_nodes(case.checklist)[label]
