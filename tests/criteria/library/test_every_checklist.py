"""Every checklist in the library: a case that meets it, and each criterion failing on its own."""

from __future__ import annotations

import importlib
import pkgutil
from decimal import Decimal

import pytest

from criteria.engine import Criterion, Outcome, Status, evaluate
from criteria.library_files import (
    DIRECTOR_REVIEW_LABEL,
    EXTERNAL_LABEL,
    read_facts,
    read_version_file,
    version_files,
)

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


def route_only(checklist) -> bool:
    """A checklist that only routes the request (external criteria or not addressed): its single
    item records the outcome of the review elsewhere."""
    root = checklist.root
    return isinstance(root, Criterion) and root.label in (EXTERNAL_LABEL, DIRECTOR_REVIEW_LABEL)


def route_facts(checklist) -> set[str]:
    return {name for route in checklist.all_routes() for name in route.facts}


def test_every_checklist_in_the_library_has_a_meeting_case():
    assert sorted(CASES) == ALL_CHECKLISTS


@pytest.mark.parametrize(("policy", "version", "key"), ALL_CHECKLISTS)
def test_meeting_facts_meet_the_checklist(policy, version, key):
    checklist = _checklist(policy, version, key)
    result = evaluate(checklist, CASES[(policy, version, key)])
    assert result.failed == [] and result.unknown == []
    if route_only(checklist):
        assert result.route is not None and result.outcome is result.route.outcome
        assert result.outcome in (Outcome.EXTERNAL, Outcome.NOT_ADDRESSED)
        assert result.root.status is Status.MET
    else:
        assert result.route is None
        assert result.outcome is Outcome.MEETS


@pytest.mark.parametrize(("policy", "version", "key"), ALL_CHECKLISTS)
def test_each_criterion_fails_alone(policy, version, key):
    checklist = _checklist(policy, version, key)
    meets = CASES[(policy, version, key)]
    overrides = FAIL_ONE.get((policy, version, key), {})
    for unit, failing in checklist_cases.single_fact_failures(checklist, meets, FACTS):
        name = unit[0] if len(unit) == 1 else "+".join(unit)
        if len(unit) == 1 and checklist.criterion(name).documentation_only:
            continue  # never fails: see test_a_missing_document_pends_and_never_fails
        if name in overrides:
            failing = meets | overrides[name]
        assert failing is not None, f"no single fact change fails {name} alone"
        result = evaluate(checklist, failing)
        assert checklist_cases.fails_unit(result, unit), (name, result.failed)
        if len(unit) == 1:
            assert result.failed == [unit[0]]
        if not route_only(checklist):
            assert result.outcome is Outcome.NOT_MET


@pytest.mark.parametrize(("policy", "version", "key"), ALL_CHECKLISTS)
def test_a_missing_fact_leaves_the_checklist_incomplete(policy, version, key):
    checklist = _checklist(policy, version, key)
    meets = CASES[(policy, version, key)]
    alternatives = checklist_cases.facts_under_any(checklist)
    routing = route_facts(checklist)
    # Facts read only by criteria that do not apply to this member (e.g. WA for a member outside
    # Washington Medicaid) may be missing without harm.
    baseline = evaluate(checklist, meets)
    not_applicable = {
        name
        for c in baseline.criteria
        if c.status is Status.NOT_APPLICABLE
        for name in c.criterion.met_when.facts()
    }
    for name in checklist.facts:
        result = evaluate(checklist, {k: v for k, v in meets.items() if k != name})
        if name in routing:
            # Where the request goes is undecided: it might not belong to these criteria.
            assert result.outcome is Outcome.INCOMPLETE and name in result.route_unknown, name
        elif route_only(checklist):
            assert result.root.status is Status.UNKNOWN
        elif name in alternatives or name in not_applicable:
            # An alternative ("any") may already decide the criterion without this fact.
            assert result.outcome in (Outcome.INCOMPLETE, Outcome.MEETS), name
        else:
            assert result.outcome is Outcome.INCOMPLETE, name


DOCUMENTATION_ONLY = [
    (policy, version, key, criterion.label)
    for policy, version, key in ALL_CHECKLISTS
    for criterion in _checklist(policy, version, key).criteria()
    if criterion.documentation_only
]


def test_the_library_has_documentation_only_criteria():
    assert ("nia-cg-310", "2022-05", "replacement", "R.3") in DOCUMENTATION_ONLY


@pytest.mark.parametrize(("policy", "version", "key", "label"), DOCUMENTATION_ONLY)
def test_a_missing_document_pends_and_never_fails(policy, version, key, label):
    """A document the policy expects but does not make a reason to deny: when the facts say it
    is missing, the criterion is unknown (ask for it) and the outcome incomplete, never not met."""
    checklist = _checklist(policy, version, key)
    criterion = checklist.criterion(label)
    meets = CASES[(policy, version, key)]
    test = criterion.met_when.test
    assert test is not None and test.op == "is", "a documentation item is one yes/no test"
    result = evaluate(checklist, meets | {test.fact: not test.value})
    outcome = result.by_label[label]
    assert outcome.status is Status.UNKNOWN and outcome.documentation_missing
    assert result.outcome is Outcome.INCOMPLETE
    assert result.failed == [] and result.unknown == [label]
