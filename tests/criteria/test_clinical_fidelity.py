"""Every boundary the second editions changed, through ``manage.py criteria evaluate``.

Each test states the policy reading it pins (see the version files' notes). The facts start from
the library's own meeting cases (tests/criteria/library/cases_*.py) and change what the test is
about, so a passing case proves that exactly that fact decides.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from .library import cases_lhcc, cases_molina_2024, cases_molina_2025, cases_nia, cases_uhc

pytestmark = pytest.mark.django_db

MOLINA = "molina-mcp-160"
NIA = "nia-cg-310"
UHC = "uhc-pharmacy-339.7"
LHCC = "lhcc-la-cp-mp-173"
DATES = {MOLINA: "2025-09-01", NIA: "2025-09-01", UHC: "2025-09-01", LHCC: "2025-09-01"}
NO_TRIAL = {
    "trial_performed": False,
    "trial_pain_relief_percent": None,
    "trial_function_improved": None,
    "trial_spasm_relief_percent": None,
    "trial_side_effects": None,
}


def evaluate(tmp_path, policy, indication, stage, facts, date=None) -> dict:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    out = StringIO()
    call_command(
        "criteria",
        "evaluate",
        "--policy",
        policy,
        "--date",
        date or DATES[policy],
        "--indication",
        indication,
        "--stage",
        stage,
        "--facts",
        str(path),
        stdout=out,
    )
    return json.loads(out.getvalue())


def status(report: dict, label: str) -> str:
    return next(c["status"] for c in report["criteria"] if c["label"] == label)


def criterion(report: dict, label: str) -> dict:
    return next(c for c in report["criteria"] if c["label"] == label)


# --- no trial: criteria that require a successful trial are not met, nothing to ask for -----


@pytest.mark.parametrize(
    ("policy", "date", "cases", "indication", "key", "label"),
    [
        (MOLINA, "2025-09-01", cases_molina_2025, "malignant_pain", "malignant-permanent", "1.f"),
        (
            MOLINA,
            "2025-09-01",
            cases_molina_2025,
            "non_malignant_pain",
            "non-malignant-permanent",
            "2.f",
        ),
        (MOLINA, "2025-01-10", cases_molina_2024, "malignant_pain", "malignant-permanent", "1.h"),
        (
            MOLINA,
            "2025-01-10",
            cases_molina_2024,
            "non_malignant_pain",
            "non-malignant-permanent",
            "2.i",
        ),
        (NIA, None, cases_nia, "malignant_pain", "malignant-permanent", "P-P.5"),
        (NIA, None, cases_nia, "spasticity", "spasticity-permanent", "S-P.4"),
        (UHC, None, cases_uhc, "non_malignant_pain", "non-malignant-permanent", "P.1"),
        (LHCC, None, cases_lhcc, "malignant_pain", "malignant-permanent", "II.A.1"),
        (LHCC, None, cases_lhcc, "non_malignant_pain", "non-malignant-permanent", "II.B.1"),
    ],
)
def test_no_trial_done_fails_the_trial_criterion_and_leaves_nothing_unknown(
    tmp_path, policy, date, cases, indication, key, label
):
    facts = cases.MEETS[key] | NO_TRIAL
    report = evaluate(tmp_path, policy, indication, "permanent", facts, date)
    assert report["outcome"] == "not_met"
    assert report["failed"] == [label] and report["unknown"] == []
    # A trial was done but its report is missing: that is what to ask the provider for.
    pending = evaluate(
        tmp_path, policy, indication, "permanent", facts | {"trial_performed": True}, date
    )
    assert pending["outcome"] == "incomplete" and pending["unknown"] == [label]


# --- the LHCC waiver: only the trial requirement, only malignant pain, only with no trial ----


def test_lhcc_waiver_is_open_only_when_no_trial_was_done(tmp_path):
    no_trial = evaluate(
        tmp_path,
        LHCC,
        "malignant_pain",
        "permanent",
        cases_lhcc.MEETS["malignant-permanent"] | NO_TRIAL,
    )
    waiver = criterion(no_trial, "II.A.1")["waiver"]
    assert waiver["open"] is True and waiver["applies_when"] == "trial_performed is false"
    assert [c["key"] for c in waiver["conditions"]] == [
        "advanced_disease",
        "limited_survival",
        "high_procedural_risk",
    ]
    poor_relief = evaluate(
        tmp_path,
        LHCC,
        "malignant_pain",
        "permanent",
        cases_lhcc.MEETS["malignant-permanent"] | {"trial_pain_relief_percent": 30},
    )
    assert status(poor_relief, "II.A.1") == "not_met"
    assert criterion(poor_relief, "II.A.1")["waiver"]["open"] is False
    undecided = evaluate(
        tmp_path,
        LHCC,
        "malignant_pain",
        "permanent",
        cases_lhcc.MEETS["malignant-permanent"] | {"trial_performed": None},
    )
    assert criterion(undecided, "II.A.1")["waiver"]["open"] is None
    # No other criterion anywhere in LHCC carries a waiver, and the trial checklist has none.
    non_malignant = evaluate(
        tmp_path,
        LHCC,
        "non_malignant_pain",
        "permanent",
        cases_lhcc.MEETS["non-malignant-permanent"] | NO_TRIAL,
    )
    assert all(c["waiver"] is None for c in non_malignant["criteria"])
    assert [c["label"] for c in no_trial["criteria"] if c["waiver"]] == ["II.A.1"]


# --- treatment of the underlying cause: each payer's own question ----------------------------


def test_molina_asks_that_treatment_of_the_cause_was_tried_and_failed(tmp_path):
    facts = cases_molina_2025.MEETS["non-malignant-trial"] | {
        "underlying_cause_treatment_failed": False,
        "further_treatment_not_indicated": True,
        "further_treatment_unlikely_to_help": True,
    }
    report = evaluate(tmp_path, MOLINA, "non_malignant_pain", "trial", facts)
    assert report["failed"] == ["2.c.i"]
    older = evaluate(
        tmp_path,
        MOLINA,
        "non_malignant_pain",
        "trial",
        cases_molina_2024.MEETS["non-malignant-trial"]
        | {"underlying_cause_treatment_failed": False},
        "2025-01-10",
    )
    assert older["failed"] == ["2.b"]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"further_treatment_not_indicated": True, "further_treatment_refused": False}, "met"),
        ({"further_treatment_not_indicated": False, "further_treatment_refused": True}, "met"),
        ({"further_treatment_not_indicated": False, "further_treatment_refused": False}, "not_met"),
        # Treatment tried and failed, or an opinion that more would not help, is not what UHC asks.
        (
            {
                "further_treatment_not_indicated": False,
                "further_treatment_refused": False,
                "underlying_cause_treatment_failed": True,
                "further_treatment_unlikely_to_help": True,
            },
            "not_met",
        ),
    ],
)
def test_uhc_accepts_further_treatment_not_indicated_or_refused(tmp_path, facts, expected):
    report = evaluate(
        tmp_path, UHC, "non_malignant_pain", "trial", cases_uhc.MEETS["non-malignant-trial"] | facts
    )
    assert status(report, "T.3") == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (
            {"further_treatment_not_indicated": True, "further_treatment_unlikely_to_help": False},
            "met",
        ),
        (
            {"further_treatment_not_indicated": False, "further_treatment_unlikely_to_help": True},
            "met",
        ),
        (
            {"further_treatment_not_indicated": False, "further_treatment_unlikely_to_help": False},
            "not_met",
        ),
        # LHCC does not accept the member's refusal (UHC does).
        (
            {
                "further_treatment_not_indicated": False,
                "further_treatment_unlikely_to_help": False,
                "further_treatment_refused": True,
            },
            "not_met",
        ),
    ],
)
def test_lhcc_accepts_not_indicated_or_unlikely_to_help_but_not_refusal(tmp_path, facts, expected):
    report = evaluate(
        tmp_path,
        LHCC,
        "non_malignant_pain",
        "trial",
        cases_lhcc.MEETS["non-malignant-trial"] | facts,
    )
    assert status(report, "I.B.8") == expected


# --- systemic medicines: every systemic route ----------------------------------------------


def test_systemic_medicines_mean_every_systemic_route(tmp_path):
    out = StringIO()
    call_command("criteria", "facts", stdout=out)
    facts = {f["name"]: f for f in json.loads(out.getvalue())["facts"]}
    help_text = facts["systemic_analgesics_failed"]["help"]
    assert "into a vein" in help_text and "under the skin" in help_text
    assert facts["systemic_analgesics_failed"]["label"] == "Systemic pain medicines failed"
    report = evaluate(
        tmp_path,
        MOLINA,
        "non_malignant_pain",
        "trial",
        cases_molina_2025.MEETS["non-malignant-trial"],
    )
    for label in ("2.c.ii",):
        text = criterion(report, label)["text"]
        assert "any route other than the spine" in text and "by mouth or patch" not in text
    malignant = evaluate(
        tmp_path, MOLINA, "malignant_pain", "trial", cases_molina_2025.MEETS["malignant-trial"]
    )
    assert "infusion" in criterion(malignant, "1.d")["text"]


# --- minimal (LHCC) versus tolerable (NIA) side effects -----------------------------------


@pytest.mark.parametrize(
    ("side_effects", "lhcc", "nia"),
    [
        ("none", "met", "met"),
        ("minimal", "met", "met"),
        ("tolerable", "not_met", "met"),
        ("intolerable", "not_met", "not_met"),
    ],
)
def test_minimal_and_tolerable_side_effects_are_different_tests(tmp_path, side_effects, lhcc, nia):
    facts = {"trial_side_effects": side_effects}
    lhcc_report = evaluate(
        tmp_path,
        LHCC,
        "malignant_pain",
        "permanent",
        cases_lhcc.MEETS["malignant-permanent"] | facts,
    )
    lhcc_non_malignant = evaluate(
        tmp_path,
        LHCC,
        "non_malignant_pain",
        "permanent",
        cases_lhcc.MEETS["non-malignant-permanent"] | facts,
    )
    nia_report = evaluate(
        tmp_path, NIA, "malignant_pain", "permanent", cases_nia.MEETS["malignant-permanent"] | facts
    )
    nia_spasticity = evaluate(
        tmp_path, NIA, "spasticity", "permanent", cases_nia.MEETS["spasticity-permanent"] | facts
    )
    assert status(lhcc_report, "II.A.1") == lhcc
    assert status(lhcc_non_malignant, "II.B.1") == lhcc
    assert status(nia_report, "P-P.5") == nia
    assert status(nia_spasticity, "S-P.4") == nia


# --- Molina's contraindication list: closed in 2025, open in 2024 --------------------------


def test_molina_2025_contraindications_are_a_closed_list(tmp_path):
    facts = cases_molina_2025.MEETS["malignant-trial"]
    assert "other_implant_contraindication" not in facts
    report = evaluate(tmp_path, MOLINA, "malignant_pain", "trial", facts)
    assert report["outcome"] == "meets"
    assert "other_implant_contraindication" not in criterion(report, "1.e.iii")["facts"]
    # Another concern recorded changes nothing in 2025...
    report = evaluate(
        tmp_path,
        MOLINA,
        "malignant_pain",
        "trial",
        facts | {"other_implant_contraindication": True},
    )
    assert report["outcome"] == "meets"
    # ...but still decides 2024's open list ("such as").
    older = cases_molina_2024.MEETS["malignant-trial"]
    report = evaluate(
        tmp_path,
        MOLINA,
        "malignant_pain",
        "trial",
        older | {"other_implant_contraindication": True},
        "2025-01-10",
    )
    assert report["failed"] == ["1.g"]


# --- NIA: the pump analysis report, and contraindications at the trial stage -----------------


def test_a_missing_pump_analysis_report_pends_and_never_denies(tmp_path):
    facts = cases_nia.MEETS["replacement"] | {"pump_analysis_report_received": False}
    report = evaluate(tmp_path, NIA, "replacement", "replacement", facts)
    assert report["outcome"] == "incomplete"
    assert report["failed"] == [] and report["unknown"] == ["R.3"]
    assert report["not_documented"] == ["R.3"] and criterion(report, "R.3")["documentation_missing"]
    # A real reason to deny still denies, with the report missing or not.
    report = evaluate(
        tmp_path, NIA, "replacement", "replacement", facts | {"active_infection": True}
    )
    assert report["outcome"] == "not_met" and report["failed"] == ["CI.1"]


def test_nia_contraindications_apply_to_an_implanted_pump_not_to_the_trial(tmp_path):
    trial = evaluate(
        tmp_path,
        NIA,
        "malignant_pain",
        "trial",
        cases_nia.MEETS["malignant-trial"]
        | {"active_infection": True, "body_size_adequate": False},
    )
    assert trial["outcome"] == "meets"
    assert not {"CI.1", "CI.2"} & {c["label"] for c in trial["criteria"]}
    permanent = evaluate(
        tmp_path,
        NIA,
        "malignant_pain",
        "permanent",
        cases_nia.MEETS["malignant-permanent"] | {"active_infection": True},
    )
    assert permanent["failed"] == ["CI.1"]


# --- routes: requests a policy does not address ---------------------------------------------


@pytest.mark.parametrize(
    ("policy", "date"),
    [(MOLINA, "2025-01-10"), (MOLINA, "2025-09-01"), (LHCC, None), (UHC, None)],
)
def test_pump_replacement_the_policy_does_not_address_goes_to_a_medical_director(
    tmp_path, policy, date
):
    report = evaluate(tmp_path, policy, "replacement", "replacement", {}, date)
    assert report["outcome"] == "not_addressed"
    assert report["route"]["outcome"] == "not_addressed" and report["route"]["reason"]
    assert [c["label"] for c in report["criteria"]] == ["MDR"]
    assert report["failed"] == []


@pytest.mark.parametrize(
    ("baclofen", "external"),
    [(True, "LA.PHAR.149 (Intrathecal Baclofen)"), (False, "LA.CP.MP.107")],
)
@pytest.mark.parametrize("stage", ["trial", "permanent"])
def test_lhcc_spasticity_routes_by_drug(tmp_path, baclofen, external, stage):
    report = evaluate(tmp_path, LHCC, "spasticity", stage, {"intrathecal_baclofen": baclofen})
    assert report["outcome"] == "external"
    assert report["route"]["external"].startswith(external)
    unknown = evaluate(tmp_path, LHCC, "spasticity", stage, {"external_review_met": True})
    assert unknown["outcome"] == "incomplete" and unknown["route_unknown"] == [
        "intrathecal_baclofen"
    ]


@pytest.mark.parametrize(
    ("age", "outcome"), [(17, "not_addressed"), (18, "meets"), (None, "incomplete")]
)
@pytest.mark.parametrize("stage", ["trial", "permanent"])
def test_uhc_does_not_address_members_under_18(tmp_path, age, outcome, stage):
    facts = cases_uhc.MEETS[f"non-malignant-{stage}"] | {"age_years": age}
    report = evaluate(tmp_path, UHC, "non_malignant_pain", stage, facts)
    assert report["outcome"] == outcome
    assert "T.1" not in {c["label"] for c in report["criteria"]}
    # A minor is routed, never denied on the policy's criteria, even when one of them fails.
    if age == 17:
        failing = evaluate(
            tmp_path, UHC, "non_malignant_pain", stage, facts | {"pain_cause_identified": False}
        )
        assert failing["outcome"] == "not_addressed" and failing["route"]["citation"]


@pytest.mark.parametrize(
    ("member", "review", "outcome", "wa_status"),
    [
        (False, None, "meets", "not_applicable"),
        (True, True, "meets", "met"),
        (True, False, "not_met", "not_met"),
        (True, None, "incomplete", "unknown"),
        (None, True, "incomplete", "unknown"),
    ],
)
def test_molina_2025_washington_medicaid_also_needs_the_state_assessment(
    tmp_path, member, review, outcome, wa_status
):
    facts = cases_molina_2025.MEETS["non-malignant-trial"] | {
        "washington_medicaid_member": member,
        "washington_hta_met": review,
    }
    report = evaluate(tmp_path, MOLINA, "non_malignant_pain", "trial", facts)
    assert report["outcome"] == outcome and status(report, "WA") == wa_status
    # 2024 has no state appendix.
    older = evaluate(
        tmp_path,
        MOLINA,
        "non_malignant_pain",
        "trial",
        cases_molina_2024.MEETS["non-malignant-trial"] | {"washington_medicaid_member": True},
        "2025-01-10",
    )
    assert "WA" not in {c["label"] for c in older["criteria"]}


# --- policies past their next review date ------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "date", "due", "overdue"),
    [
        (MOLINA, "2026-08-31", "2026-08-31", False),
        (MOLINA, "2026-09-01", "2026-08-31", True),
        (MOLINA, "2025-08-12", "2025-08-31", False),  # 2024 version, "August 2025"
        (NIA, "2026-09-01", None, False),  # the source states no next review date
    ],
)
def test_review_overdue_is_flagged_on_the_request_date(tmp_path, policy, date, due, overdue):
    report = evaluate(tmp_path, policy, "malignant_pain", "trial", {}, date)
    assert report["review_due"] == due and report["review_overdue"] is overdue


# --- the documented JSON shape: only additions ---------------------------------------------


def test_evaluate_keeps_its_documented_shape_and_adds_fields(tmp_path):
    report = evaluate(
        tmp_path, MOLINA, "malignant_pain", "trial", cases_molina_2025.MEETS["malignant-trial"]
    )
    assert {"policy", "version", "outcome", "criteria", "failed", "unknown"} <= set(report)
    assert {"edition", "route", "route_unknown", "not_documented", "review_due"} <= set(report)
    assert report["edition"] == 2 and report["route"] is None
    for item in report["criteria"]:
        assert {"label", "status", "text", "facts", "trace"} <= set(item)
        assert {"documentation_missing", "waiver"} <= set(item)
