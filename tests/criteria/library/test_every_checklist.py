"""Every checklist in the library: a case that meets it, and each criterion failing on its own."""

from __future__ import annotations

import importlib
import pkgutil
from decimal import Decimal

import pytest

from criteria.engine import Outcome, Status, evaluate
from criteria.library_files import read_facts, read_version_file, version_files

from . import checklist_cases

FACTS = read_facts()
FILES = {
    (vf.policy.key, vf.version.label): vf
    for vf in (read_version_file(p, FACTS) for p in version_files())
}


def _cases_modules():
    package = importlib.import_module(__package__)
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("cases_"):
            yield importlib.import_module(f"{__package__}.{info.name}")


CASES = {}
FAIL_ONE = {}
for module in _cases_modules():
    for key, facts in module.MEETS.items():
        CASES[(module.POLICY, module.VERSION, key)] = {
            name: Decimal(str(v)) if isinstance(v, float) else v for name, v in facts.items()
        }
    for key, overrides in getattr(module, "FAIL_ONE", {}).items():
        FAIL_ONE[(module.POLICY, module.VERSION, key)] = overrides

ALL_CHECKLISTS = sorted(
    (policy, version, checklist.key)
    for (policy, version), vf in FILES.items()
    for checklist in vf.checklists
)


def _checklist(policy, version, key):
    return next(c for c in FILES[(policy, version)].checklists if c.key == key)


def test_every_checklist_in_the_library_has_a_meeting_case():
    assert sorted(CASES) == ALL_CHECKLISTS


@pytest.mark.parametrize(("policy", "version", "key"), ALL_CHECKLISTS)
def test_meeting_facts_meet_the_checklist(policy, version, key):
    checklist = _checklist(policy, version, key)
    result = evaluate(checklist, CASES[(policy, version, key)])
    assert result.failed == [] and result.unknown == []
    if checklist.external:
        assert result.outcome is Outcome.EXTERNAL
        assert result.root.status is Status.MET
    else:
        assert result.outcome is Outcome.MEETS


@pytest.mark.parametrize(("policy", "version", "key"), ALL_CHECKLISTS)
def test_each_criterion_fails_alone(policy, version, key):
    checklist = _checklist(policy, version, key)
    meets = CASES[(policy, version, key)]
    overrides = FAIL_ONE.get((policy, version, key), {})
    for unit, failing in checklist_cases.single_fact_failures(checklist, meets, FACTS):
        name = unit[0] if len(unit) == 1 else "+".join(unit)
        if name in overrides:
            failing = meets | overrides[name]
        assert failing is not None, f"no single fact change fails {name} alone"
        result = evaluate(checklist, failing)
        assert checklist_cases.fails_unit(result, unit), (name, result.failed)
        if len(unit) == 1:
            assert result.failed == [unit[0]]
        if not checklist.external:
            assert result.outcome is Outcome.NOT_MET


@pytest.mark.parametrize(("policy", "version", "key"), ALL_CHECKLISTS)
def test_a_missing_fact_leaves_the_checklist_incomplete(policy, version, key):
    checklist = _checklist(policy, version, key)
    meets = CASES[(policy, version, key)]
    alternatives = checklist_cases.facts_under_any(checklist)
    for name in checklist.facts:
        result = evaluate(checklist, {k: v for k, v in meets.items() if k != name})
        if checklist.external:
            assert result.root.status is Status.UNKNOWN
        elif name in alternatives:
            # An alternative ("any") may already decide the criterion without this fact.
            assert result.outcome in (Outcome.INCOMPLETE, Outcome.MEETS), name
        else:
            assert result.outcome is Outcome.INCOMPLETE, name
