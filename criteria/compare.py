"""Compare two versions of a policy, checklist by checklist: added, removed, changed criteria.

Criteria are matched by meaning first (the same rule over the same facts, even when the payer
relabelled them, as Molina did between 2024 and 2025), then by label, then by similar wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .engine import Checklist, Criterion

SIMILAR_TEXT = 0.6


@dataclass(frozen=True)
class Change:
    old: Criterion | None
    new: Criterion | None
    kind: str  # "added", "removed", "changed", "relabelled", "unchanged"
    details: tuple[str, ...] = ()


@dataclass
class ChecklistComparison:
    indication: str
    stage: str
    title: str
    changes: list[Change] = field(default_factory=list)
    only_in: str = ""  # "old" or "new" when the checklist exists in one version only

    @property
    def differs(self) -> bool:
        return bool(self.only_in) or any(c.kind != "unchanged" for c in self.changes)


def _differences(old: Criterion, new: Criterion) -> tuple[str, ...]:
    details = []
    if old.label != new.label:
        details.append(f"label {old.label} -> {new.label}")
    if str(old.met_when) != str(new.met_when):
        details.append(f"rule {old.met_when} -> {new.met_when}")
    if str(old.applies_when) != str(new.applies_when):
        details.append("applicability changed")
    if old.text != new.text:
        details.append("statement reworded")
    if old.requires_documentation != new.requires_documentation:
        details.append("documentation requirement changed")
    if old.waivable != new.waivable:
        details.append("case-by-case waiver changed")
    return tuple(details)


def compare_checklists(old: Checklist, new: Checklist) -> list[Change]:
    old_left = list(old.criteria())
    new_left = list(new.criteria())
    changes: list[Change] = []

    def pair(match) -> None:
        for o in list(old_left):
            for n in new_left:
                if match(o, n):
                    details = _differences(o, n)
                    if not details:
                        kind = "unchanged"
                    elif o.label != n.label and all(
                        d.startswith("label") or d == "statement reworded" for d in details
                    ):
                        kind = "relabelled"
                    else:
                        kind = "changed"
                    changes.append(Change(o, n, kind, details))
                    old_left.remove(o)
                    new_left.remove(n)
                    break

    pair(lambda o, n: o.label == n.label and str(o.met_when) == str(n.met_when))
    pair(lambda o, n: str(o.met_when) == str(n.met_when))
    pair(
        lambda o, n: (
            o.label == n.label and SequenceMatcher(None, o.text, n.text).ratio() >= SIMILAR_TEXT
        )
    )
    pair(lambda o, n: SequenceMatcher(None, o.text, n.text).ratio() >= SIMILAR_TEXT)
    changes += [Change(o, None, "removed") for o in old_left]
    changes += [Change(None, n, "added") for n in new_left]
    order = {c.label: i for i, c in enumerate(new.criteria())}
    order_old = {c.label: i for i, c in enumerate(old.criteria())}
    changes.sort(
        key=lambda c: (
            order.get(c.new.label, 999) if c.new else 1000,
            order_old.get(c.old.label, 0) if c.old else 0,
        )
    )
    return changes


def compare_versions(old: list[Checklist], new: list[Checklist]) -> list[ChecklistComparison]:
    old_by = {(c.indication, c.stage): c for c in old}
    new_by = {(c.indication, c.stage): c for c in new}
    result = []
    for key in sorted(set(old_by) | set(new_by)):
        o, n = old_by.get(key), new_by.get(key)
        either = n or o
        assert either is not None  # the key came from one of them
        title = either.title
        comparison = ChecklistComparison(key[0], key[1], title)
        if o and n:
            if o.external or n.external:
                if o.external != n.external:
                    comparison.changes.append(
                        Change(
                            None,
                            None,
                            "changed",
                            (f"external criteria {o.external} -> {n.external}",),
                        )
                    )
            else:
                comparison.changes = compare_checklists(o, n)
        else:
            comparison.only_in = "new" if n else "old"
        result.append(comparison)
    return result
