"""Compare two versions (or two editions) of a policy, checklist by checklist.

Criteria are matched by meaning first (the same rule over the same facts, even when the payer
relabelled them, as Molina did between 2024 and 2025), then by label, then by similar wording.
Each matched pair is then told apart by what changed:

- a **rule** change alters who meets the criterion: its rule (``met_when``), when it applies, what
  documentation it needs, whether a missing document only pends it, or the policy's waiver;
- a **wording** change alters only what people read: the statement, the member's reason, the
  citation, the guidance or the waiver's wording;
- a **relabelled** criterion kept its rule under a new label.

Changed words are marked, so a reviewer sees at a glance what an edit touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .engine import Checklist, Criterion

SIMILAR_TEXT = 0.6
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Segment:
    """A run of words in a word-level comparison: kept ("equal"), removed or added."""

    op: str  # "equal", "delete" or "insert"
    text: str


def word_diff(old: str, new: str) -> tuple[Segment, ...]:
    """The words of ``old`` and ``new`` in reading order, removals before additions."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return tuple(segments)


@dataclass(frozen=True)
class Change:
    old: Criterion | None
    new: Criterion | None
    kind: str  # "added", "removed", "rule", "relabelled", "wording", "unchanged"
    details: tuple[str, ...] = ()
    rule_changes: tuple[str, ...] = ()
    wording_changes: tuple[str, ...] = ()
    text_diff: tuple[Segment, ...] = ()
    reason_diff: tuple[Segment, ...] = ()

    @property
    def title(self) -> str:
        return {
            "added": "Added",
            "removed": "Removed",
            "rule": "Rule changed",
            "relabelled": "Relabelled",
            "wording": "Wording only",
            "unchanged": "Unchanged",
        }[self.kind]


@dataclass
class ChecklistComparison:
    indication: str
    stage: str
    title: str
    changes: list[Change] = field(default_factory=list)
    only_in: str = ""  # "old" or "new" when the checklist exists in one of them only
    # Changes to the checklist itself (routes, external criteria, documents to request, guidance),
    # each as (kind, description) with kind "rule" or "wording".
    checklist_changes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return (
            bool(self.only_in)
            or bool(self.checklist_changes)
            or any(c.kind != "unchanged" for c in self.changes)
        )

    @property
    def rule_changes(self) -> int:
        return sum(1 for c in self.changes if c.kind in ("added", "removed", "rule")) + sum(
            1 for kind, _ in self.checklist_changes if kind == "rule"
        )


def rule_changes(old: Criterion, new: Criterion) -> list[str]:
    """What changed in who meets the criterion (empty: the same rule)."""
    details = []
    if str(old.met_when) != str(new.met_when):
        details.append(f"rule {old.met_when} -> {new.met_when}")
    if str(old.applies_when) != str(new.applies_when):
        details.append(f"applies when {old.applies_when} -> {new.applies_when}")
    if old.requires_documentation != new.requires_documentation:
        details.append("documentation requirement changed")
    if old.documentation_only != new.documentation_only:
        details.append(
            "a missing document now pends the criterion instead of failing it"
            if new.documentation_only
            else "a missing document now fails the criterion"
        )
    if old.waivable != new.waivable:
        details.append(
            "case-by-case waiver added" if new.waivable else "case-by-case waiver removed"
        )
    elif str(old.waiver_applies_when) != str(new.waiver_applies_when):
        details.append(f"waiver open when {old.waiver_applies_when} -> {new.waiver_applies_when}")
    if [k for k, _ in old.waiver_options] != [k for k, _ in new.waiver_options]:
        details.append("waiver grounds changed")
    return details


def _wording_differences(old: Criterion, new: Criterion) -> list[str]:
    aspects = [
        ("text", "statement reworded"),
        ("member_reason", "member's reason reworded"),
        ("citation", "citation changed"),
        ("guidance", "guidance changed"),
        ("waiver_conditions", "waiver wording changed"),
    ]
    found = [what for name, what in aspects if getattr(old, name) != getattr(new, name)]
    if [v for _, v in old.waiver_options] != [v for _, v in new.waiver_options]:
        found.append("waiver grounds reworded")
    return found


def _change(old: Criterion, new: Criterion) -> Change:
    rule = rule_changes(old, new)
    wording = _wording_differences(old, new)
    label = [f"label {old.label} -> {new.label}"] if old.label != new.label else []
    if rule:
        kind = "rule"
    elif label:
        kind = "relabelled"
    elif wording:
        kind = "wording"
    else:
        kind = "unchanged"
    return Change(
        old,
        new,
        kind,
        tuple(label + rule + wording),
        tuple(rule),
        tuple(wording),
        word_diff(old.text, new.text) if old.text != new.text else (),
        word_diff(old.member_reason, new.member_reason)
        if old.member_reason != new.member_reason
        else (),
    )


def compare_checklists(old: Checklist, new: Checklist) -> list[Change]:
    old_left = list(old.criteria())
    new_left = list(new.criteria())
    changes: list[Change] = []

    def pair(match) -> None:
        for o in list(old_left):
            for n in new_left:
                if match(o, n):
                    changes.append(_change(o, n))
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
    pair(lambda o, n: o.label == n.label)
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


def _describe_routes(checklist: Checklist) -> list[str]:
    return [
        f"{route.outcome.value.replace('_', ' ')}"
        + (f" ({route.external})" if route.external else "")
        + (f" when {route.when}" if route.when is not None else "")
        for route in checklist.all_routes()
    ]


def _checklist_changes(old: Checklist, new: Checklist) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if old.external != new.external:
        found.append(("rule", f"external criteria {old.external} -> {new.external}"))
    old_routes, new_routes = _describe_routes(old), _describe_routes(new)
    if old_routes != new_routes:
        found.append(
            (
                "rule",
                "routes: "
                + ("; ".join(old_routes) or "none")
                + " -> "
                + ("; ".join(new_routes) or "none"),
            )
        )
    if old.documents_to_request != new.documents_to_request:
        found.append(("wording", "documents to request changed"))
    if old.guidance != new.guidance:
        found.append(("wording", "reviewer guidance changed"))
    if old.title != new.title:
        found.append(("wording", f"title {old.title} -> {new.title}"))
    return found


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
            comparison.checklist_changes = _checklist_changes(o, n)
            comparison.changes = compare_checklists(o, n)
        else:
            comparison.only_in = "new" if n else "old"
        result.append(comparison)
    return result
