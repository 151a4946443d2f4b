"""Shared machinery for the per-policy checklist cases (no database).

Each ``cases_<policy>.py`` module in this package declares, for every checklist of a policy
version file, a set of facts that meets it (``MEETS``). ``test_every_checklist.py`` then proves,
for every checklist in the library:

- the facts meet it (outcome ``meets``; for an external checklist, outcome ``external`` with the
  external item met);
- every criterion can be made to fail on its own: one fact changed from the meeting set gives
  outcome ``not_met`` with exactly that criterion's label failed (``FAIL_ONE`` in a cases module
  can name the change for a criterion when the automatic search cannot find one);
- removing a fact the checklist reads leaves it ``incomplete`` (never ``meets``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from criteria.engine import Checklist, Criterion, Expr, FactDef, FactType, Test


def _tests(expr: Expr) -> Iterator[Test]:
    if expr.test is not None:
        yield expr.test
    for child in expr.children:
        yield from _tests(child)


def facts_under_any(checklist: Checklist) -> set[str]:
    """Facts read inside an ANY expression (one alternative can decide without them)."""
    names: set[str] = set()

    def walk(expr: Expr, inside_any: bool) -> None:
        if expr.test is not None and inside_any:
            names.add(expr.test.fact)
        for child in expr.children:
            walk(child, inside_any or expr.op == "any")

    for criterion in checklist.criteria():
        walk(criterion.met_when, False)
        if criterion.applies_when is not None:
            walk(criterion.applies_when, False)
    return names


def candidate_values(fact: FactDef, current: Any, criterion: Criterion) -> list[Any]:
    """Values of ``fact`` that could flip ``criterion``: just across each threshold it tests."""
    if fact.type is FactType.BOOLEAN:
        return [not current]
    if fact.type is FactType.CHOICE:
        return [value for value, _ in fact.choices if value != current]
    step: Any = 1 if fact.type is FactType.INTEGER else Decimal("0.1")
    values = []
    expressions = [criterion.met_when]
    if criterion.applies_when is not None:
        expressions.append(criterion.applies_when)
    for expr in expressions:
        for test in _tests(expr):
            if test.fact != fact.name:
                continue
            bound = test.value
            if fact.type is FactType.DATE:
                import datetime as dt

                step = dt.timedelta(days=1)
            values += [bound - step, bound, bound + step]
    return [v for v in values if v != current]


def single_fact_failures(
    checklist: Checklist, meets: Mapping[str, Any], facts: Mapping[str, FactDef]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """For each criterion: (label, facts) where one changed fact fails that criterion alone."""
    from criteria.engine import evaluate

    for criterion in checklist.criteria():
        found = None
        for name in criterion.facts:
            for value in candidate_values(facts[name], meets.get(name), criterion):
                trial = {**meets, name: value}
                result = evaluate(checklist, trial)
                if result.failed == [criterion.label]:
                    found = trial
                    break
            if found:
                break
        yield criterion.label, found
