"""The evaluation engine: a checklist and clinical facts in, a three-valued result out.

Plain Python (no ORM, no request): dataclasses describe a checklist as a tree of groups and
criteria, ``evaluate`` walks it. Every criterion is decided by facts through a small expression
(``met_when``; optionally ``applies_when``), or by a reviewer's recorded answer, which wins.

Statuses are three-valued plus "not applicable":

- a test on a fact that is missing is UNKNOWN;
- ALL of: any NOT_MET -> NOT_MET, else any UNKNOWN -> UNKNOWN, else MET;
- ANY of / ONE of: any MET -> MET, else any UNKNOWN -> UNKNOWN, else NOT_MET;
- AT LEAST N of: N MET -> MET; fewer than N even counting UNKNOWN -> NOT_MET; else UNKNOWN;
- NOT_APPLICABLE children are left out of a group; a group of nothing but them is NOT_APPLICABLE.

"ONE of" mirrors the payer's wording ("one of the following"): the alternatives are meant to be
distinct, and the group is met as soon as one of them is met (it evaluates like ANY of).

Three more rules come from the policies themselves:

- a **route** sends a request elsewhere instead of deciding it here: to another criteria set
  (outcome EXTERNAL) or to a medical director because the policy does not address it (outcome
  NOT_ADDRESSED). Routes are checked before the criteria, in order, the checklist's own first and
  then those of the checklists it includes; the first whose condition holds decides the outcome.
  While a route's condition is unknown the outcome is INCOMPLETE: the request might not belong here;
- a **documentation-only** criterion names a document the policy expects with the request but does
  not make a reason to deny: when its test fails it is UNKNOWN ("not documented", ask for it),
  never NOT_MET;
- a **waiver** is the policy's own case-by-case waiver of one criterion by a medical director. It is
  open only where its condition holds (``waiver_open``); anywhere else an exception is the
  director's own, not the policy's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Union

from .expressions import Expr, evaluate_expr


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


class Outcome(StrEnum):
    MEETS = "meets"
    NOT_MET = "not_met"
    INCOMPLETE = "incomplete"
    EXTERNAL = "external"
    NOT_ADDRESSED = "not_addressed"


# --- the checklist tree ----------------------------------------------------------------------

GROUP_KINDS = ("all", "any", "one", "n_of")
ALTERNATIVE_KINDS = ("any", "one", "n_of")


@dataclass(frozen=True)
class Criterion:
    label: str
    text: str
    member_reason: str
    citation: str
    met_when: Expr
    applies_when: Expr | None = None
    requires_documentation: bool = False
    waivable: bool = False
    waiver_conditions: str = ""
    guidance: str = ""
    # The policy's own waiver is open only where this holds (None: wherever the criterion fails).
    waiver_applies_when: Expr | None = None
    # The grounds the policy names for its waiver, (key, label); the director records one.
    waiver_options: tuple[tuple[str, str], ...] = ()
    documentation_only: bool = False
    kind: str = field(default="criterion", init=False)

    @property
    def facts(self) -> tuple[str, ...]:
        names = list(self.met_when.facts())
        for extra in (self.applies_when, self.waiver_applies_when):
            if extra is not None:
                names += list(extra.facts())
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Group:
    kind: str  # one of GROUP_KINDS
    children: tuple[Node, ...]
    label: str = ""
    text: str = ""
    n: int | None = None  # for n_of

    def describe(self) -> str:
        return {
            "all": "ALL of the following",
            "any": "ANY of the following",
            "one": "ONE of the following",
            "n_of": f"AT LEAST {self.n} of the following",
        }[self.kind]


@dataclass(frozen=True)
class Include:
    """Another checklist of the same version, required as a whole (e.g. the trial criteria)."""

    checklist: Checklist
    kind: str = field(default="include", init=False)

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.checklist.root,)


Node = Union[Criterion, Group, Include]  # noqa: UP007 (used at runtime in isinstance checks)


@dataclass(frozen=True)
class Route:
    """Where a request goes instead of this checklist's criteria.

    ``outcome`` is EXTERNAL (review it against ``external``, another criteria set) or
    NOT_ADDRESSED (the policy does not address the request: a medical director reviews it).
    ``when`` is the condition (None: always, the checklist is only a route).
    """

    outcome: Outcome
    reason: str
    citation: str = ""
    external: str = ""
    when: Expr | None = None

    @property
    def facts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.when.facts())) if self.when is not None else ()


@dataclass(frozen=True)
class Checklist:
    key: str
    indication: str
    stage: str
    title: str
    root: Node
    policy_key: str = ""
    version: str = ""
    edition: int = 1
    external: str | None = None
    guidance: str = ""
    documents_to_request: tuple[str, ...] = ()
    routes: tuple[Route, ...] = ()

    def all_routes(self) -> tuple[Route, ...]:
        """This checklist's routes, then those of the checklists it includes, in order. An
        external checklist without written routes has the one its ``external`` names."""
        found = list(self.routes)
        if self.external and not found:
            found.append(
                Route(
                    Outcome.EXTERNAL,
                    reason=f"This policy sends these requests to {self.external}.",
                    citation=self.external,
                    external=self.external,
                )
            )

        def walk(node: Node) -> None:
            if isinstance(node, Include):
                found.extend(node.checklist.all_routes())
            elif isinstance(node, Group):
                for child in node.children:
                    walk(child)

        walk(self.root)
        return tuple(found)

    def criteria(self) -> Iterator[Criterion]:
        """Every criterion in order, included checklists' criteria in place."""
        yield from _criteria(self.root)

    def all_documents_to_request(self) -> tuple[str, ...]:
        """This checklist's documents to request and those of the checklists it includes."""
        documents: list[str] = []

        def walk(node: Node) -> None:
            if isinstance(node, Include):
                documents.extend(node.checklist.all_documents_to_request())
            elif isinstance(node, Group):
                for child in node.children:
                    walk(child)

        walk(self.root)
        documents.extend(self.documents_to_request)
        return tuple(dict.fromkeys(documents))

    def criterion(self, label: str) -> Criterion:
        for criterion in self.criteria():
            if criterion.label == label:
                return criterion
        raise KeyError(label)

    @property
    def facts(self) -> tuple[str, ...]:
        """Every fact the checklist reads: its routes' first, then its criteria's."""
        names: list[str] = []
        for route in self.all_routes():
            names.extend(route.facts)
        for criterion in self.criteria():
            names.extend(criterion.facts)
        return tuple(dict.fromkeys(names))


def _criteria(node: Node) -> Iterator[Criterion]:
    if isinstance(node, Criterion):
        yield node
    elif isinstance(node, Include):
        yield from node.checklist.criteria()
    else:
        for child in node.children:
            yield from _criteria(child)


# --- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    status: Status
    source: str  # "facts", "answer" or "exception"
    facts: dict[str, Any]  # the facts it reads, with their values (None when missing)
    proposed: Status  # what the facts alone say
    # True when the facts say a documentation-only criterion's document is missing.
    documentation_missing: bool = False
    # The policy's own waiver: open (True), closed (False) or undecided (None) on these facts.
    waiver_open: bool | None = False

    @property
    def label(self) -> str:
        return self.criterion.label

    def explain(self) -> str:
        parts = [str(self.criterion.met_when)]
        if self.criterion.applies_when is not None:
            parts.append(f"applies when {self.criterion.applies_when}")
        values = ", ".join(f"{k}={_show(v)}" for k, v in self.facts.items())
        return f"{'; '.join(parts)} | {values}"


def _show(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class NodeResult:
    node: Node
    status: Status
    children: tuple[NodeResult, ...] = ()
    criterion: CriterionResult | None = None


@dataclass(frozen=True)
class Result:
    checklist: Checklist
    outcome: Outcome
    root: NodeResult
    criteria: tuple[CriterionResult, ...]
    # Labels whose status matters to the outcome: a criterion inside an ANY / ONE / AT LEAST N
    # group that is already met by other alternatives does not (it is no reason to deny, and
    # nothing to ask the provider for).
    decisive: frozenset[str] = frozenset()
    route: Route | None = None  # the route that decided the outcome, if one did
    # Facts a route reads that are missing while no route has decided (the outcome waits on them).
    route_unknown: tuple[str, ...] = ()

    def status_of(self, label: str) -> Status:
        return self.by_label[label].status

    @property
    def by_label(self) -> dict[str, CriterionResult]:
        return {c.label: c for c in self.criteria}

    @property
    def failed(self) -> list[str]:
        """Criteria not met that count against the request."""
        return [
            c.label
            for c in self.criteria
            if c.status is Status.NOT_MET and c.label in self.decisive
        ]

    @property
    def unknown(self) -> list[str]:
        """Criteria still unknown that could change the outcome."""
        return [
            c.label
            for c in self.criteria
            if c.status is Status.UNKNOWN and c.label in self.decisive
        ]


def propose(criterion: Criterion, facts: Mapping[str, Any]) -> Status:
    """The status the facts alone give a criterion."""
    return _decide(criterion, facts)[0]


def _decide(criterion: Criterion, facts: Mapping[str, Any]) -> tuple[Status, bool]:
    """(status, documentation missing) from the facts alone."""
    if criterion.applies_when is not None:
        applies = evaluate_expr(criterion.applies_when, facts)
        if applies is False:
            return Status.NOT_APPLICABLE, False
        if applies is None:
            return Status.UNKNOWN, False
    met = evaluate_expr(criterion.met_when, facts)
    if met is None:
        return Status.UNKNOWN, False
    if met:
        return Status.MET, False
    if criterion.documentation_only:
        # A document the policy expects but does not make a reason to deny: ask for it.
        return Status.UNKNOWN, True
    return Status.NOT_MET, False


def waiver_open(criterion: Criterion, facts: Mapping[str, Any]) -> bool | None:
    """Whether the policy's own case-by-case waiver of ``criterion`` is open on these facts.

    False for a criterion without a waiver; None while a fact the waiver's condition reads is
    missing. An exception granted where the waiver is not open is the director's own.
    """
    if not criterion.waivable:
        return False
    if criterion.waiver_applies_when is None:
        return True
    return evaluate_expr(criterion.waiver_applies_when, facts)


def choose_route(checklist: Checklist, facts: Mapping[str, Any]) -> tuple[Route | None, tuple]:
    """The route that decides the outcome, or None; with the facts that leave it undecided.

    Routes are tried in order. A route whose condition is unknown stops the search: it might
    apply, and a later route or the criteria must not decide in its place.
    """
    for route in checklist.all_routes():
        if route.when is None:
            return route, ()
        holds = evaluate_expr(route.when, facts)
        if holds is None:
            return None, tuple(name for name in route.facts if facts.get(name) is None)
        if holds:
            return route, ()
    return None, ()


def combine(kind: str, statuses: list[Status], n: int | None = None) -> Status:
    """A group's status from its children's statuses (see the module docstring)."""
    relevant = [s for s in statuses if s is not Status.NOT_APPLICABLE]
    if not relevant:
        return Status.NOT_APPLICABLE
    met = relevant.count(Status.MET)
    unknown = relevant.count(Status.UNKNOWN)
    if kind == "all":
        if Status.NOT_MET in relevant:
            return Status.NOT_MET
        return Status.UNKNOWN if unknown else Status.MET
    if kind in {"any", "one"}:
        if met:
            return Status.MET
        return Status.UNKNOWN if unknown else Status.NOT_MET
    if kind == "n_of":
        assert n is not None
        if met >= n:
            return Status.MET
        return Status.NOT_MET if met + unknown < n else Status.UNKNOWN
    raise ValueError(f"unknown group kind {kind!r}")


def evaluate(
    checklist: Checklist,
    facts: Mapping[str, Any],
    *,
    answers: Mapping[str, Status] | None = None,
    excepted: frozenset[str] | set[str] = frozenset(),
    facts_decide: bool = True,
) -> Result:
    """Evaluate a checklist.

    ``answers`` (label -> status) are the reviewer's recorded statuses; they win over the facts.
    ``excepted`` labels count as met (a medical director's exception). With ``facts_decide``
    False, a criterion without an answer is UNKNOWN (the case's rollup counts answers only).
    """
    answers = answers or {}
    collected: list[CriterionResult] = []

    def visit(node: Node) -> NodeResult:
        if isinstance(node, Criterion):
            used = {name: facts.get(name) for name in node.facts}
            proposed, missing_document = _decide(node, facts)
            if node.label in excepted:
                status, source = Status.MET, "exception"
            elif node.label in answers:
                status, source = Status(answers[node.label]), "answer"
            elif facts_decide:
                status, source = proposed, "facts"
            else:
                status, source = Status.UNKNOWN, "facts"
            result = CriterionResult(
                node, status, source, used, proposed, missing_document, waiver_open(node, facts)
            )
            collected.append(result)
            return NodeResult(node, status, criterion=result)
        if isinstance(node, Include):
            inner = visit(node.checklist.root)
            return NodeResult(node, inner.status, (inner,))
        children = tuple(visit(child) for child in node.children)
        return NodeResult(node, combine(node.kind, [c.status for c in children], node.n), children)

    root = visit(checklist.root)
    decisive: set[str] = set()

    def mark(result: NodeResult) -> None:
        if result.criterion is not None:
            decisive.add(result.criterion.label)
            return
        if result.node.kind in ALTERNATIVE_KINDS and result.status is Status.MET:
            return  # already satisfied: the alternatives left over do not matter
        for child in result.children:
            mark(child)

    mark(root)
    route, route_unknown = choose_route(checklist, facts)
    if route is not None:
        outcome = route.outcome
    elif route_unknown:
        outcome = Outcome.INCOMPLETE
    else:
        outcome = {
            Status.MET: Outcome.MEETS,
            Status.NOT_MET: Outcome.NOT_MET,
        }.get(root.status, Outcome.INCOMPLETE)
    return Result(
        checklist, outcome, root, tuple(collected), frozenset(decisive), route, route_unknown
    )
