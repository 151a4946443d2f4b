"""The engine without a database: three-valued logic, boundaries, inclusion, traces."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from criteria.engine import (
    Checklist,
    Criterion,
    Group,
    Include,
    Outcome,
    Status,
    combine,
    evaluate,
)
from criteria.expressions import Expr, parse_test

from .dictionary import FACTS

M, N, U, A = Status.MET, Status.NOT_MET, Status.UNKNOWN, Status.NOT_APPLICABLE


def crit(label: str, test: str, applies: str | None = None) -> Criterion:
    return Criterion(
        label=label,
        text=label,
        member_reason="",
        citation="",
        met_when=Expr("test", test=parse_test(test, FACTS)),
        applies_when=Expr("test", test=parse_test(applies, FACTS)) if applies else None,
    )


def checklist(root, key="c", external=None) -> Checklist:
    return Checklist(
        key=key,
        indication="non_malignant_pain",
        stage="trial",
        title=key,
        root=root,
        external=external,
    )


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([M, M], M),
        ([M, N], N),
        ([N, U], N),  # one not met decides an ALL even with unknowns beside it
        ([M, U], U),
        ([M, A], M),
        ([A, A], A),
        ([], A),
    ],
)
def test_all_of(statuses, expected):
    assert combine("all", statuses) is expected


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [([N, M], M), ([U, M], M), ([N, U], U), ([N, N], N), ([A, N], N), ([A], A)],
)
@pytest.mark.parametrize("kind", ["any", "one"])
def test_any_and_one_of(kind, statuses, expected):
    assert combine(kind, statuses) is expected


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [([M, M, N], M), ([M, N, N], N), ([M, U, N], U), ([M, U, U], U), ([N, N, U], N)],
)
def test_at_least_two_of(statuses, expected):
    assert combine("n_of", statuses, n=2) is expected


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [(">", 6, N), (">", 7, M), (">=", 6, M), (">=", 5, N)],
)
def test_pain_boundaries_under_each_operator(op, value, expected):
    c = checklist(crit("1", f"pain {op} 6"))
    assert evaluate(c, {"pain": value}).status_of("1") is expected


@pytest.mark.parametrize(
    ("relief", "expected"), [(Decimal("50"), M), (Decimal("49"), N), (Decimal("49.9"), N)]
)
def test_trial_relief_at_fifty_percent(relief, expected):
    c = checklist(crit("1", "relief >= 50"))
    assert evaluate(c, {"relief": relief}).status_of("1") is expected


@pytest.mark.parametrize(("op", "expected"), [(">=", M), (">", N)])
def test_life_expectancy_exactly_three_months(op, expected):
    c = checklist(crit("1", f"life {op} 3"))
    assert evaluate(c, {"life": Decimal("3")}).status_of("1") is expected


def test_absence_criterion_is_met_when_the_condition_is_absent():
    c = checklist(crit("1", "infection is false"))
    assert evaluate(c, {"infection": False}).status_of("1") is M
    assert evaluate(c, {"infection": True}).status_of("1") is N
    assert evaluate(c, {}).status_of("1") is U


def test_choice_and_date_tests():
    c = checklist(Group("all", (crit("1", "cause in [sci, ms]"), crit("2", "seen >= 2025-01-01"))))
    assert evaluate(c, {"cause": "ms", "seen": dt.date(2025, 1, 1)}).outcome is Outcome.MEETS
    assert evaluate(c, {"cause": "ms", "seen": dt.date(2024, 12, 31)}).failed == ["2"]


def test_applies_when_makes_a_criterion_not_applicable():
    c = checklist(
        Group("all", (crit("1", "pain > 6"), crit("2", "relief >= 50", "infection is true")))
    )
    result = evaluate(c, {"pain": 7, "infection": False})
    assert result.status_of("2") is A
    assert result.outcome is Outcome.MEETS
    assert evaluate(c, {"pain": 7}).status_of("2") is U  # applicability itself unknown


def test_outcomes():
    c = checklist(Group("all", (crit("1", "pain > 6"), crit("2", "infection is false"))))
    assert evaluate(c, {"pain": 7, "infection": False}).outcome is Outcome.MEETS
    assert evaluate(c, {"pain": 7}).outcome is Outcome.INCOMPLETE
    not_met = evaluate(c, {"pain": 3})
    assert not_met.outcome is Outcome.NOT_MET
    assert not_met.failed == ["1"] and not_met.unknown == ["2"]
    external = checklist(crit("EXT", "infection is false"), external="InterQual")
    assert evaluate(external, {"infection": False}).outcome is Outcome.EXTERNAL


def test_inclusion_is_evaluated_as_the_included_checklist():
    trial = checklist(
        Group("all", (crit("a", "pain > 6"), crit("b", "infection is false"))), "trial"
    )
    permanent = checklist(Group("all", (Include(trial), crit("c", "relief >= 50"))), "permanent")
    assert [c.label for c in permanent.criteria()] == ["a", "b", "c"]
    result = evaluate(permanent, {"pain": 7, "infection": True, "relief": Decimal(60)})
    assert result.outcome is Outcome.NOT_MET
    assert result.failed == ["b"]
    include_result = result.root.children[0]
    assert include_result.node.kind == "include" and include_result.status is N
    assert (
        evaluate(permanent, {"pain": 7, "infection": False, "relief": Decimal(60)}).outcome
        is Outcome.MEETS
    )


def test_answers_win_over_facts_and_exceptions_count_as_met():
    c = checklist(Group("all", (crit("1", "pain > 6"), crit("2", "infection is false"))))
    facts = {"pain": 7, "infection": True}
    assert evaluate(c, facts, answers={"2": Status.MET}).outcome is Outcome.MEETS
    result = evaluate(c, facts, excepted={"2"})
    assert result.outcome is Outcome.MEETS and result.by_label["2"].source == "exception"
    assert result.by_label["2"].proposed is N
    only_answers = evaluate(c, facts, answers={"1": Status.MET}, facts_decide=False)
    assert only_answers.status_of("2") is U and only_answers.outcome is Outcome.INCOMPLETE


def test_trace_names_the_facts_and_values_that_decided():
    c = checklist(crit("1", "pain > 6"))
    result = evaluate(c, {"pain": 7})
    trace = result.by_label["1"]
    assert trace.facts == {"pain": 7}
    assert trace.source == "facts"
    assert "pain > 6" in trace.explain() and "pain=7" in trace.explain()
