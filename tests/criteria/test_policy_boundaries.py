"""Thresholds as each payer states them, on the real library files (no database)."""

from decimal import Decimal

import pytest

from criteria.engine import Status, evaluate
from criteria.library_files import LIBRARY_DIR, read_facts, read_version_file

from .library.cases_lhcc import MEETS as LHCC
from .library.cases_molina_2025 import MEETS as MOLINA
from .library.cases_nia import MEETS as NIA

FACTS = read_facts()


def checklist(file_name: str, key: str):
    version_file = read_version_file(LIBRARY_DIR / file_name, FACTS)
    return next(c for c in version_file.checklists if c.key == key)


MOLINA_FILE = "molina-mcp-160--2025-08-13.yaml"
NIA_FILE = "nia-cg-310--2022-05.yaml"
LHCC_FILE = "lhcc-la-cp-mp-173--2023-06-20.yaml"


@pytest.mark.parametrize(("nrs", "expected"), [(6, Status.NOT_MET), (7, Status.MET)])
def test_molina_asks_for_pain_above_six(nrs, expected):
    c = checklist(MOLINA_FILE, "malignant-trial")
    result = evaluate(c, MOLINA["malignant-trial"] | {"pain_nrs": nrs})
    assert result.status_of("1.a") is expected


@pytest.mark.parametrize(("nrs", "expected"), [(5, Status.NOT_MET), (6, Status.MET)])
def test_nia_asks_for_pain_of_six_or_more_or_functional_disability(nrs, expected):
    c = checklist(NIA_FILE, "non-malignant-trial")
    facts = NIA["non-malignant-trial"] | {"pain_nrs": nrs, "pain_limits_daily_function": False}
    assert evaluate(c, facts).status_of("P-T.1") is expected
    # Functional disability alone is enough, whatever the score.
    facts |= {"pain_limits_daily_function": True}
    assert evaluate(c, facts).status_of("P-T.1") is Status.MET


@pytest.mark.parametrize(("relief", "expected"), [("50", Status.MET), ("49", Status.NOT_MET)])
def test_trial_relief_of_fifty_percent(relief, expected):
    c = checklist(MOLINA_FILE, "malignant-permanent")
    facts = MOLINA["malignant-permanent"] | {"trial_pain_relief_percent": Decimal(relief)}
    assert evaluate(c, facts).status_of("1.f") is expected


@pytest.mark.parametrize(
    ("file_name", "key", "label", "cases", "expected"),
    [
        (MOLINA_FILE, "malignant-trial", "1.b", MOLINA, Status.MET),  # at least 3 months
        (LHCC_FILE, "malignant-trial", "I.A.2", LHCC, Status.NOT_MET),  # more than 3 months
    ],
)
def test_life_expectancy_of_exactly_three_months(file_name, key, label, cases, expected):
    c = checklist(file_name, key)
    facts = cases[key] | {"life_expectancy_months": Decimal("3")}
    assert evaluate(c, facts).status_of(label) is expected


@pytest.mark.parametrize(("weeks", "expected"), [(11, Status.NOT_MET), (12, Status.MET)])
def test_nia_conservative_therapy_twelve_weeks(weeks, expected):
    c = checklist(NIA_FILE, "malignant-trial")
    facts = NIA["malignant-trial"] | {"conservative_care_weeks": weeks}
    assert evaluate(c, facts).status_of("P-T.2") is expected


@pytest.mark.parametrize(("weeks", "expected"), [(25, Status.NOT_MET), (26, Status.MET)])
def test_molina_conservative_therapy_six_months(weeks, expected):
    c = checklist(MOLINA_FILE, "non-malignant-trial")
    facts = MOLINA["non-malignant-trial"] | {"conservative_care_weeks": weeks}
    assert evaluate(c, facts).status_of("2.c.iv") is expected


def test_nia_trials_exclude_opiate_naive_members():
    c = checklist(NIA_FILE, "malignant-trial")
    result = evaluate(c, NIA["malignant-trial"] | {"opioid_naive": True})
    assert len(result.failed) == 1
    assert "opiate" in result.checklist.criterion(result.failed[0]).text.lower()


def test_lhcc_trial_requirement_is_waivable_for_malignant_pain_only():
    malignant = checklist(LHCC_FILE, "malignant-permanent")
    assert malignant.criterion("II.A.1").waivable
    assert "advanced" in malignant.criterion("II.A.1").waiver_conditions.lower()
    non_malignant = checklist(LHCC_FILE, "non-malignant-permanent")
    assert not any(c.waivable for c in non_malignant.criteria())


def test_nia_replacement_needs_one_reason_and_the_report_for_programmable_pumps():
    c = checklist(NIA_FILE, "replacement")
    base = NIA["replacement"]
    assert c.root.children[0].kind == "one"
    battery_only = base | {"pump_malfunction": False, "pump_battery_depleted": True}
    assert evaluate(c, battery_only).outcome.value == "meets"
    neither = base | {"pump_malfunction": False}
    assert set(evaluate(c, neither).failed) == {"R.1", "R.2"}
    fixed_rate = base | {"pump_programmable": False, "pump_analysis_report_received": False}
    result = evaluate(c, fixed_rate)
    assert result.status_of("R.3") is Status.NOT_APPLICABLE
    assert result.outcome.value == "meets"
    # The report "should accompany" the request: missing, it is asked for, never a denial.
    missing = evaluate(c, base | {"pump_analysis_report_received": False})
    assert missing.failed == [] and missing.unknown == ["R.3"]
    assert missing.outcome.value == "incomplete" and missing.by_label["R.3"].documentation_missing
