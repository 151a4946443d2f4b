"""Moving from one edition of a policy version to the next: what an answer recorded under the
earlier edition still means under the later one. Plain Python, no database.

A later edition may read new facts where an earlier one read a retired fact. Only what follows
exactly from the recorded facts is carried over; anything that needs a person's reading (for
example whether "treatment exhausted" meant "tried and failed" or "not indicated") is left for the
reviewer to record, and the retired value stays readable in the case history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .compare import rule_changes
from .engine import Checklist
from .facts import FactDef

# A recorded result of a trial means a trial was done.
TRIAL_RESULTS = (
    "trial_pain_relief_percent",
    "trial_spasm_relief_percent",
    "trial_function_improved",
    "trial_side_effects",
    "trial_side_effects_tolerable",
)


def carried_facts(facts: Mapping[str, Any]) -> dict[str, tuple[Any, str]]:
    """Facts that follow exactly from ``facts`` and are not recorded yet: name -> (value, why)."""
    derived: dict[str, tuple[Any, str]] = {}
    recorded = [name for name in TRIAL_RESULTS if facts.get(name) is not None]
    if facts.get("trial_performed") is None and recorded:
        derived["trial_performed"] = (True, f"a trial result is recorded ({recorded[0]})")
    # The retired yes/no meant "minimal or tolerable": "no" can only mean intolerable; "yes"
    # cannot tell LHCC's minimal from NIA's tolerable, so it is left for the reviewer.
    if (
        facts.get("trial_side_effects") is None
        and facts.get("trial_side_effects_tolerable") is False
    ):
        derived["trial_side_effects"] = (
            "intolerable",
            "trial side effects were recorded as not tolerable",
        )
    return derived


@dataclass(frozen=True)
class EditionChanges:
    """What a case's recorded work meets in the later edition of its checklist."""

    kept: tuple[str, ...]  # same label, same rule: answers and evidence carry over as they are
    reconfirm: tuple[tuple[str, tuple[str, ...]], ...]  # same label, new rule: (label, changes)
    dropped: tuple[str, ...]  # labels the later edition no longer has
    added: tuple[str, ...]  # labels new in the later edition
    derived: dict[str, tuple[Any, str]]  # facts carried over: name -> (value, why)
    # Recorded retired facts -> the facts replacing them that the later edition reads.
    retired: tuple[tuple[str, tuple[str, ...]], ...]


def edition_changes(
    old: Checklist,
    new: Checklist,
    facts: Mapping[str, Any],
    dictionary: Mapping[str, FactDef],
) -> EditionChanges:
    old_by = {c.label: c for c in old.criteria()}
    new_by = {c.label: c for c in new.criteria()}
    kept, reconfirm = [], []
    for label, criterion in new_by.items():
        if label in old_by:
            changes = rule_changes(old_by[label], criterion)
            if changes:
                reconfirm.append((label, tuple(changes)))
            else:
                kept.append(label)
    read = set(new.facts)
    retired = tuple(
        (name, successors)
        for name, value in facts.items()
        if value is not None and name in dictionary and dictionary[name].retired
        for successors in [tuple(n for n in dictionary[name].replaced_by if n in read)]
        if successors
    )
    return EditionChanges(
        kept=tuple(kept),
        reconfirm=tuple(reconfirm),
        dropped=tuple(label for label in old_by if label not in new_by),
        added=tuple(label for label in new_by if label not in old_by),
        derived={name: value for name, value in carried_facts(facts).items() if name in new.facts},
        retired=retired,
    )
