"""A complete set of a checklist's facts decides every criterion: no "unknown" is left.

Generated for every checklist in the library, the current editions and the superseded ones: each
example gives every fact the checklist reads (its routes' included) a value, drawn from just below,
at and just above every threshold the checklist tests, both yes and no, and every choice. The
only criteria that may stay unknown are documentation-only ones whose document the facts say is
missing: that is their decision ("not documented": ask for it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from criteria.engine import Outcome, Status, evaluate
from criteria.expressions import Expr
from criteria.facts import FactDef, FactType
from criteria.library_files import (
    read_facts,
    read_version_file,
    superseded_files,
    version_files,
)

FACTS = read_facts()
CHECKLISTS = {
    f"{path.stem}:{checklist.key}": checklist
    for path, superseded in [(p, False) for p in version_files()]
    + [(p, True) for p in superseded_files()]
    for checklist in read_version_file(path, FACTS, superseded=superseded).checklists
}
INDICATION_STAGES = [
    (indication, stage)
    for indication in ("malignant_pain", "non_malignant_pain", "spasticity")
    for stage in ("trial", "permanent")
] + [("replacement", "replacement")]


def _expressions(checklist):
    for route in checklist.all_routes():
        if route.when is not None:
            yield route.when
    for criterion in checklist.criteria():
        yield criterion.met_when
        for extra in (criterion.applies_when, criterion.waiver_applies_when):
            if extra is not None:
                yield extra


def _tests(expr: Expr):
    if expr.test is not None:
        yield expr.test
    for child in expr.children:
        yield from _tests(child)


def values(fact: FactDef, checklist) -> list:
    """Every value of ``fact`` that could matter to ``checklist``."""
    if fact.type is FactType.BOOLEAN:
        return [True, False]
    if fact.type is FactType.CHOICE:
        return [value for value, _ in fact.choices]
    step = {FactType.INTEGER: 1, FactType.DECIMAL: Decimal("0.1"), FactType.DATE: dt.timedelta(1)}
    found = set()
    for expr in _expressions(checklist):
        for test in _tests(expr):
            if test.fact == fact.name:
                bound = test.value
                found |= {bound - step[fact.type], bound, bound + step[fact.type]}
    for limit in (fact.minimum, fact.maximum):
        if limit is not None:
            found.add(int(limit) if fact.type is FactType.INTEGER else limit)
    inside = [
        v
        for v in found
        if (fact.minimum is None or v >= fact.minimum)
        and (fact.maximum is None or v <= fact.maximum)
    ]
    return sorted(inside)


def test_every_policy_version_has_a_checklist_for_every_request():
    """No dead ends: whatever the indication and stage, a request meets criteria or a route."""
    for path in version_files():
        checklists = read_version_file(path, FACTS).checklists
        assert sorted((c.indication, c.stage) for c in checklists) == sorted(INDICATION_STAGES), (
            path.name
        )


@pytest.mark.parametrize("name", sorted(CHECKLISTS))
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_complete_set_of_facts_decides_every_criterion(name, data):
    checklist = CHECKLISTS[name]
    facts = {
        fact: data.draw(st.sampled_from(values(FACTS[fact], checklist)), label=fact)
        for fact in checklist.facts
    }
    result = evaluate(checklist, facts)
    assert result.route_unknown == ()
    for item in result.criteria:
        if item.status is Status.UNKNOWN:
            assert item.criterion.documentation_only and item.documentation_missing, item.label
    if result.outcome is Outcome.INCOMPLETE:
        assert result.unknown and all(
            result.by_label[label].documentation_missing for label in result.unknown
        )
