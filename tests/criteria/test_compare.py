"""The version comparison tells rule changes from wording-only edits and marks changed words."""

from __future__ import annotations

from dataclasses import replace

from criteria.compare import Segment, compare_checklists, compare_versions, word_diff
from criteria.engine import Checklist, Criterion, Group, Outcome, Route
from criteria.expressions import Expr, parse_test
from criteria.library_files import LIBRARY_DIR, read_facts, read_version_file

FACTS = read_facts()


def crit(label, test, text="Pain above 6.", **kwargs) -> Criterion:
    return Criterion(
        label=label,
        text=text,
        member_reason="Your pain is not high enough.",
        citation="A",
        met_when=Expr("test", test=parse_test(test, FACTS)),
        **kwargs,
    )


def checklist(*criteria, routes=()) -> Checklist:
    return Checklist(
        key="c",
        indication="non_malignant_pain",
        stage="trial",
        title="C",
        root=Group("all", tuple(criteria)),
        routes=routes,
    )


def only_change(old: Criterion, new: Criterion):
    [change] = compare_checklists(checklist(old), checklist(new))
    return change


def test_changed_words_are_marked_in_reading_order():
    assert word_diff("Pain above 6.", "Pain of 6 or more.") == (
        Segment("equal", "Pain "),
        Segment("delete", "above"),
        Segment("insert", "of"),
        Segment("equal", " 6"),
        Segment("insert", " or more"),
        Segment("equal", "."),
    )
    assert word_diff("same words", "same words") == (Segment("equal", "same words"),)


def test_a_reworded_statement_is_wording_only():
    change = only_change(crit("A.1", "pain_nrs > 6"), crit("A.1", "pain_nrs > 6", "Pain over 6."))
    assert change.kind == "wording" and change.title == "Wording only"
    assert change.rule_changes == () and change.wording_changes == ("statement reworded",)
    assert Segment("delete", "above") in change.text_diff
    assert Segment("insert", "over") in change.text_diff
    reason = replace(crit("A.1", "pain_nrs > 6"), member_reason="Your pain score is too low.")
    change = only_change(crit("A.1", "pain_nrs > 6"), reason)
    assert change.kind == "wording" and change.reason_diff and not change.text_diff


def test_a_changed_threshold_is_a_rule_change_even_with_the_same_words():
    change = only_change(crit("A.1", "pain_nrs > 6"), crit("A.1", "pain_nrs >= 6"))
    assert change.kind == "rule" and change.title == "Rule changed"
    assert change.rule_changes == ("rule pain_nrs > 6 -> pain_nrs >= 6",)


def test_a_relabelled_criterion_keeps_its_rule():
    change = only_change(crit("1.h", "pain_nrs > 6"), crit("1.f", "pain_nrs > 6"))
    assert change.kind == "relabelled" and "label 1.h -> 1.f" in change.details


def test_documentation_waivers_and_applicability_are_rule_changes():
    base = crit("A.1", "pump_analysis_report_received is true")
    cases = {
        "a missing document now pends the criterion instead of failing it": replace(
            base, documentation_only=True
        ),
        "documentation requirement changed": replace(base, requires_documentation=True),
        "case-by-case waiver added": replace(base, waivable=True, waiver_conditions="x"),
        "applies when None -> pump_programmable is true": replace(
            base, applies_when=Expr("test", test=parse_test("pump_programmable is true", FACTS))
        ),
    }
    for expected, new in cases.items():
        change = only_change(base, new)
        assert change.kind == "rule" and change.rule_changes == (expected,), expected
    waivable = replace(base, waivable=True, waiver_conditions="x")
    scoped = replace(
        waivable,
        waiver_applies_when=Expr("test", test=parse_test("trial_performed is false", FACTS)),
    )
    assert only_change(waivable, scoped).rule_changes == (
        "waiver open when None -> trial_performed is false",
    )


def test_routes_are_checklist_rule_changes():
    old = checklist(crit("A.1", "pain_nrs > 6"))
    route = Route(
        Outcome.NOT_ADDRESSED,
        "Not for minors.",
        "T.1",
        when=Expr("test", test=parse_test("age_years < 18", FACTS)),
    )
    new = checklist(crit("A.1", "pain_nrs > 6"), routes=(route,))
    [comparison] = compare_versions([old], [new])
    assert comparison.checklist_changes == [
        ("rule", "routes: none -> not addressed when age_years < 18")
    ]
    assert comparison.differs and comparison.rule_changes == 1


def test_the_second_molina_2025_edition_against_the_first():
    old = read_version_file(
        LIBRARY_DIR / "superseded" / "molina-mcp-160--2025-08-13--edition-1.yaml",
        FACTS,
        superseded=True,
    ).checklists
    new = read_version_file(LIBRARY_DIR / "molina-mcp-160--2025-08-13.yaml", FACTS).checklists
    by = {(c.indication, c.stage): c for c in compare_versions(old, new)}
    trial = {(ch.new or ch.old).label: ch for ch in by[("non_malignant_pain", "trial")].changes}
    assert trial["2.c.i"].kind == "rule"  # the split fact
    assert trial["2.e"].kind == "rule"  # the closed list
    assert trial["WA"].kind == "added"
    assert trial["2.a"].kind == "wording"  # the member's reason only
    assert trial["2.c.iii"].kind in ("wording", "unchanged")
    assert by[("replacement", "replacement")].only_in == "new"
    malignant = {(ch.new or ch.old).label: ch for ch in by[("malignant_pain", "permanent")].changes}
    assert "trial_performed is true" in malignant["1.f"].rule_changes[0]
