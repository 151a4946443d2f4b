"""manage.py criteria export | facts | evaluate, and version selection by date."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from criteria.selectors import NoVersionInEffect, version_in_effect

pytestmark = pytest.mark.django_db

NODE_KINDS = {"all", "any", "one", "n_of", "include", "criterion"}


def run(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("criteria", *args, stdout=out)
    return json.loads(out.getvalue())


def walk(node):
    yield node
    for child in node["children"]:
        yield from walk(child)


def test_export_has_every_policy_version_and_checklist_in_the_documented_shape():
    data = run("export")
    keys = {p["key"] for p in data["policies"]}
    assert keys == {"molina-mcp-160", "nia-cg-310", "uhc-pharmacy-339.7", "lhcc-la-cp-mp-173"}
    molina = next(p for p in data["policies"] if p["key"] == "molina-mcp-160")
    assert [v["version"] for v in molina["versions"]] == ["2024-08-14", "2025-08-13"]
    assert molina["versions"][0]["effective_to"] == "2025-08-12"
    assert molina["versions"][1]["effective_from"] == "2025-08-13"
    for policy in data["policies"]:
        assert {"key", "payer", "title", "versions"} <= set(policy)
        for version in policy["versions"]:
            for checklist in version["checklists"]:
                assert {"indication", "stage", "external", "root"} <= set(checklist)
                for node in walk(checklist["root"]):
                    assert node["kind"] in NODE_KINDS
                    if node["kind"] == "criterion":
                        assert {
                            "label",
                            "text",
                            "member_reason",
                            "citation",
                            "facts",
                            "requires_documentation",
                            "waivable",
                        } <= set(node)
                    if node["kind"] == "include":
                        assert node["checklist"] and len(node["children"]) == 1


def test_export_shows_inclusion_and_external_checklists():
    data = run("export")
    lhcc = next(p for p in data["policies"] if p["key"] == "lhcc-la-cp-mp-173")
    checklists = {(c["indication"], c["stage"]): c for c in lhcc["versions"][0]["checklists"]}
    permanent = checklists[("malignant_pain", "permanent")]
    include = next(n for n in walk(permanent["root"]) if n["kind"] == "include")
    assert include["checklist"] == "malignant-trial"
    labels = [n["label"] for n in walk(permanent["root"]) if n["kind"] == "criterion"]
    assert labels[:4] == ["I.A.1", "I.A.2", "I.A.3", "I.A.4"] and "II.A.1" in labels
    waivable = next(n for n in walk(permanent["root"]) if n.get("label") == "II.A.1")
    assert waivable["waivable"] is True
    assert checklists[("spasticity", "trial")]["external"].startswith("LA.PHAR.149")
    uhc = next(p for p in data["policies"] if p["key"] == "uhc-pharmacy-339.7")
    cancer = next(
        c for c in uhc["versions"][0]["checklists"] if c["indication"] == "malignant_pain"
    )
    assert cancer["external"].startswith("InterQual")


def test_facts_command_lists_the_dictionary():
    facts = {f["name"]: f for f in run("facts")["facts"]}
    assert facts["pain_nrs"]["type"] == "integer" and facts["pain_nrs"]["max"] == 10
    assert facts["active_infection"]["type"] == "boolean"
    assert {c["value"] for c in facts["spasticity_cause"]["choices"]} >= {"multiple_sclerosis"}


@pytest.mark.parametrize(
    ("date", "version"),
    [("2025-08-12", "2024-08-14"), ("2025-08-13", "2025-08-13"), ("2024-08-14", "2024-08-14")],
)
def test_version_selection_by_date_around_the_molina_change(date, version):
    assert (
        version_in_effect(policy="molina-mcp-160", on=dt.date.fromisoformat(date)).label == version
    )


def test_no_version_before_the_first_one_took_effect():
    with pytest.raises(NoVersionInEffect):
        version_in_effect(policy="molina-mcp-160", on=dt.date(2024, 8, 13))


def facts_file(tmp_path, facts) -> str:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    return str(path)


def test_evaluate_prints_outcome_criteria_failed_and_unknown(tmp_path):
    facts = facts_file(
        tmp_path, {"age_years": 50, "pain_nrs": 6, "pain_limits_daily_function": True}
    )
    report = run(
        "evaluate",
        "--policy",
        "molina-mcp-160",
        "--date",
        "2025-09-01",
        "--indication",
        "malignant_pain",
        "--stage",
        "trial",
        "--facts",
        facts,
    )
    assert report["policy"] == "molina-mcp-160" and report["version"] == "2025-08-13"
    assert report["outcome"] == "not_met"
    assert report["failed"] == ["1.a"]
    assert "1.b" in report["unknown"]
    failed = next(c for c in report["criteria"] if c["label"] == "1.a")
    assert failed["facts"] == {"pain_nrs": 6, "pain_limits_daily_function": True}
    assert "pain_nrs > 6" in failed["trace"] and "pain_nrs=6" in failed["trace"]
    first = report["criteria"][0]
    assert set(first) >= {"label", "status", "text"} and first["status"] in {
        "met",
        "not_met",
        "unknown",
        "not_applicable",
    }


def test_evaluate_uses_the_version_in_effect_on_the_date(tmp_path):
    facts = facts_file(tmp_path, {"pain_nrs": 8})
    old = run(
        "evaluate",
        "--policy",
        "molina-mcp-160",
        "--date",
        "2025-08-12",
        "--indication",
        "non_malignant_pain",
        "--stage",
        "trial",
        "--facts",
        facts,
    )
    new = run(
        "evaluate",
        "--policy",
        "molina-mcp-160",
        "--date",
        "2025-08-13",
        "--indication",
        "non_malignant_pain",
        "--stage",
        "trial",
        "--facts",
        facts,
    )
    assert old["version"] == "2024-08-14" and new["version"] == "2025-08-13"
    assert "2.c.vi" in {c["label"] for c in new["criteria"]}
    assert "2.c.vi" not in {c["label"] for c in old["criteria"]}


def test_evaluate_external_checklist(tmp_path):
    facts = facts_file(tmp_path, {"external_review_met": True})
    report = run(
        "evaluate",
        "--policy",
        "uhc-pharmacy-339.7",
        "--date",
        "2024-01-10",
        "--indication",
        "spasticity",
        "--stage",
        "trial",
        "--facts",
        facts,
    )
    assert report["outcome"] == "external"


@pytest.mark.parametrize(
    ("args", "facts", "message"),
    [
        (("--policy", "acme-1"), {}, "unknown policy 'acme-1'"),
        (("--date", "2025-13-01"), {}, "is not a date"),
        (("--date", "2020-01-01"), {}, "No version of molina-mcp-160 is in effect on 2020-01-01"),
        (("--indication", "migraine"), {}, "unknown indication 'migraine'"),
        (("--stage", "removal"), {}, "unknown stage 'removal'"),
        ((), {"pain_score": 7}, "unknown fact 'pain_score'"),
        ((), {"pain_nrs": 11}, "above the maximum"),
        ((), {"active_infection": "perhaps"}, "is not yes or no"),
        ((("--indication", "replacement")), {}, "has no checklist"),
    ],
)
def test_evaluate_refuses_bad_input_with_a_clear_message(tmp_path, args, facts, message):
    options = {
        "--policy": "molina-mcp-160",
        "--date": "2025-09-01",
        "--indication": "malignant_pain",
        "--stage": "trial",
    }
    options.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = [x for pair in options.items() for x in pair]
    with pytest.raises(CommandError, match=message):
        call_command("criteria", "evaluate", *argv, "--facts", facts_file(tmp_path, facts))


def test_evaluate_refuses_a_facts_file_that_is_not_json(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command(
            "criteria",
            "evaluate",
            "--policy",
            "molina-mcp-160",
            "--date",
            "2025-09-01",
            "--indication",
            "malignant_pain",
            "--stage",
            "trial",
            "--facts",
            str(path),
        )


def test_load_command_reports_and_fails_on_a_refused_file(tmp_path):
    import shutil

    from criteria.library_files import LIBRARY_DIR

    shutil.copy(LIBRARY_DIR / "facts.yaml", tmp_path / "facts.yaml")
    (tmp_path / "bad--1.yaml").write_text("policy: [")
    with pytest.raises(CommandError, match="1 library file"):
        call_command("criteria", "load", "--directory", str(tmp_path))


def test_export_adds_editions_review_dates_routes_waivers_and_documentation_items():
    data = run("export")
    by_key = {p["key"]: p for p in data["policies"]}
    molina = by_key["molina-mcp-160"]["versions"]
    assert [v["review_due"] for v in molina] == ["2025-08-31", "2026-08-31"]
    assert all(isinstance(v["review_overdue"], bool) for v in molina)
    assert [e["edition"] for e in molina[1]["editions"]] == [1, 2]
    assert molina[1]["edition"] == 2 and molina[1]["editions"][1]["changes"]
    # One checklist per indication and stage: the latest edition's.
    keys = [c["key"] for c in molina[1]["checklists"]]
    assert len(keys) == len(set(keys)) == 7
    replacement = next(c for c in molina[1]["checklists"] if c["key"] == "replacement")
    assert replacement["routes"][0]["outcome"] == "not_addressed"
    assert replacement["routes"][0]["when"] is None and replacement["external"] is None
    lhcc = by_key["lhcc-la-cp-mp-173"]["versions"][0]
    spasticity = next(c for c in lhcc["checklists"] if c["key"] == "spasticity-trial")
    assert [r["when"] for r in spasticity["routes"]] == [
        "intrathecal_baclofen is true",
        "intrathecal_baclofen is false",
    ]
    permanent = next(c for c in lhcc["checklists"] if c["key"] == "malignant-permanent")
    waiver = next(n for n in walk(permanent["root"]) if n.get("label") == "II.A.1")
    assert waiver["waiver_applies_when"] == "trial_performed is false"
    assert [o["key"] for o in waiver["waiver_options"]] == [
        "advanced_disease",
        "limited_survival",
        "high_procedural_risk",
    ]
    nia = by_key["nia-cg-310"]["versions"][0]
    replacement = next(c for c in nia["checklists"] if c["key"] == "replacement")
    r3 = next(n for n in walk(replacement["root"]) if n.get("label") == "R.3")
    assert r3["documentation_only"] is True and r3["waiver_options"] == []


def test_facts_command_marks_retired_facts_and_their_successors():
    facts = {f["name"]: f for f in run("facts")["facts"]}
    retired = facts["underlying_cause_treatment_exhausted"]
    assert retired["retired"] is True
    assert retired["replaced_by"] == [
        "underlying_cause_treatment_failed",
        "further_treatment_not_indicated",
        "further_treatment_unlikely_to_help",
    ]
    assert facts["trial_side_effects"]["type"] == "choice"
    assert facts["trial_performed"]["retired"] is False
