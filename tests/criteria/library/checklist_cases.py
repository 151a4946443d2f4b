"""Shared machinery for the per-policy checklist cases (no database).

Each ``cases_<policy>.py`` module in this package declares, for every checklist of a policy
version file, a set of facts that meets it (``MEETS``). ``test_every_checklist.py`` then proves,
for every checklist in the library:

- the facts meet it (outcome ``meets``; for an external checklist, outcome ``external`` with the
  external item met);
- every criterion can be made to fail on its own: one fact changed from the meeting set gives
  outcome ``not_met`` with exactly that criterion's label failed (``FAIL_ONE`` in a cases module
  can name the change for a criterion when the automatic search cannot find one). Alternatives
  (the criteria of an ANY / ONE / AT LEAST N group) fail together: the group's unit is failed
  when the outcome is ``not_met`` and only labels of that group are failed;
- removing a fact the checklist reads leaves it ``incomplete`` (never ``meets``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from criteria.engine import ALTERNATIVE_KINDS, Checklist, Criterion, Group, Include, Node
from criteria.expressions import Expr, Test
from criteria.facts import FactDef, FactType


def _tests(expr: Expr) -> Iterator[Test]:
    if expr.test is not None:
        yield expr.test
    for child in expr.children:
        yield from _tests(child)


def units(checklist: Checklist) -> list[tuple[str, ...]]:
    """Decision units: single criteria, or the criteria of a top-most alternative group."""
    found: list[tuple[str, ...]] = []

    def walk(node: Node) -> None:
        if isinstance(node, Criterion):
            found.append((node.label,))
        elif isinstance(node, Include):
            walk(node.checklist.root)
        elif isinstance(node, Group) and node.kind in ALTERNATIVE_KINDS:
            found.append(tuple(c.label for c in _criteria_under(node)))
        else:
            for child in node.children:
                walk(child)

    walk(checklist.root)
    return found


def _criteria_under(node: Node) -> Iterator[Criterion]:
    if isinstance(node, Criterion):
        yield node
    elif isinstance(node, Include):
        yield from _criteria_under(node.checklist.root)
    else:
        for child in node.children:
            yield from _criteria_under(child)


def facts_under_any(checklist: Checklist) -> set[str]:
    """Facts one alternative may make irrelevant: read inside an ANY expression or by a
    criterion inside an ANY / ONE / AT LEAST N group."""
    names: set[str] = set()
    for unit in units(checklist):
        if len(unit) > 1:
            for label in unit:
                names.update(checklist.criterion(label).facts)

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


def fails_unit(result, unit: tuple[str, ...]) -> bool:
    """The outcome fails because of this unit, and of nothing else."""
    failed = set(result.failed)
    if len(unit) == 1:
        return result.failed == list(unit)
    return bool(failed) and failed <= set(unit)


def single_fact_failures(
    checklist: Checklist, meets: Mapping[str, Any], facts: Mapping[str, FactDef]
) -> Iterator[tuple[tuple[str, ...], dict[str, Any] | None]]:
    """For each unit: (labels, facts) where one changed fact fails that unit alone."""
    from criteria.engine import evaluate

    for unit in units(checklist):
        found = None
        for label in unit:
            criterion = checklist.criterion(label)
            for name in criterion.facts:
                for value in candidate_values(facts[name], meets.get(name), criterion):
                    trial = {**meets, name: value}
                    if fails_unit(evaluate(checklist, trial), unit):
                        found = trial
                        break
                if found:
                    break
            if found:
                break
        yield unit, found
