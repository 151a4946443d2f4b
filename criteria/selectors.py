"""Reads on the policy library, and the bridge from database rows to engine objects.

Engine objects (the fact dictionary, each checklist as an engine tree, its criterion rows) are
built once per app server and cached, keyed on the library revision stored in the database
(``LibraryRevision``): a load anywhere moves the revision on, and each server drops its cache when
it next reads the revision, which it does at most every ``LIBRARY_REVISION_CHECK_SECONDS`` (so the
revision costs no query on most requests). Published versions never change; what a load changes
is the dictionary and the set of versions.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Q, QuerySet

from .engine import Checklist as EngineChecklist
from .engine import Criterion, Group, Include
from .expressions import parse_expr
from .facts import FactDef, FactType
from .library_files import route_from_source
from .models import (
    Checklist,
    Fact,
    LibraryRevision,
    Node,
    Policy,
    PolicyVersion,
    VersionEdition,
)


class NoVersionInEffect(Exception):
    pass


@dataclass(frozen=True)
class VersionOverview:
    version: PolicyVersion
    checklists: list[Checklist]  # those of its latest edition
    editions: list[VersionEdition]
    in_effect: bool  # the version a request received on the overview's day is reviewed under
    review_overdue: bool  # past the next review date its source states (on that day)


@dataclass(frozen=True)
class PolicyOverview:
    policy: Policy
    versions: list[VersionOverview]  # newest first

    @property
    def comparable(self) -> bool:
        """Two versions, or two editions of one, to compare."""
        return sum(len(v.editions) for v in self.versions) > 1


def library_overview(*, on: dt.date) -> list[PolicyOverview]:
    """Every policy with its versions, their current checklists and their editions, as of ``on``
    (three queries, whatever the size of the library)."""
    checklists: dict[int, list[Checklist]] = defaultdict(list)
    for checklist in Checklist.objects.filter(edition__number=F("version__edition")):
        checklists[checklist.version_id].append(checklist)
    editions: dict[int, list[VersionEdition]] = defaultdict(list)
    for edition in VersionEdition.objects.order_by("number"):
        editions[edition.version_id].append(edition)
    by_policy: dict[int, list[VersionOverview]] = defaultdict(list)
    policies: dict[int, Policy] = {}
    for version in PolicyVersion.objects.select_related("policy").order_by("-effective_from"):
        policies[version.policy_id] = version.policy
        in_effect = version.effective_from <= on and (
            version.effective_to is None or version.effective_to >= on
        )
        by_policy[version.policy_id].append(
            VersionOverview(
                version,
                checklists[version.pk],
                editions[version.pk],
                in_effect and not any(v.in_effect for v in by_policy[version.policy_id]),
                version.review_overdue_on(on),
            )
        )
    return sorted(
        (PolicyOverview(policy, by_policy[pk]) for pk, policy in policies.items()),
        key=lambda entry: (entry.policy.payer, entry.policy.number),
    )


def current_checklists(version: PolicyVersion) -> QuerySet[Checklist]:
    """The checklists of the version's latest edition (what new cases are opened on)."""
    return Checklist.objects.filter(version=version, edition__number=version.edition)


def edition_checklists(version: PolicyVersion, number: int) -> QuerySet[Checklist]:
    return Checklist.objects.filter(version=version, edition__number=number)


def edition_get(*, version: PolicyVersion, number: int) -> VersionEdition | None:
    return version.editions.filter(number=number).first()


def version_in_effect(*, policy: Policy | str, on: dt.date) -> PolicyVersion:
    """The version a request received on ``on`` is reviewed under.

    The latest version that took effect on or before the date, unless that version had already
    ended (``effective_to``) by then.
    """
    filters = Q(policy__key=policy) if isinstance(policy, str) else Q(policy=policy)
    version = (
        PolicyVersion.objects.filter(filters, effective_from__lte=on)
        .select_related("policy")
        .order_by("-effective_from")
        .first()
    )
    if version is None or (version.effective_to and version.effective_to < on):
        name = policy if isinstance(policy, str) else policy.key
        raise NoVersionInEffect(f"No version of {name} is in effect on {on:%Y-%m-%d}.")
    return version


def checklist_get(*, version: PolicyVersion, indication: str, stage: str) -> Checklist | None:
    """The checklist a new request is reviewed on: from the version's latest edition."""
    return current_checklists(version).filter(indication=indication, stage=stage).first()


def newer_checklist(checklist: Checklist) -> Checklist | None:
    """The same checklist in its version's latest edition, when ``checklist`` is older."""
    version = checklist.version
    if checklist.edition.number >= version.edition:
        return None
    return current_checklists(version).filter(key=checklist.key).first()


# --- the cached engine objects ------------------------------------------------------------------


@dataclass
class _LibraryCache:
    revision: int | None = None
    checked_at: float = float("-inf")
    facts: dict[str, FactDef] | None = None
    fact_rows: dict[str, Fact] | None = None
    fact_rows_by_id: dict[int, Fact] | None = None
    checklists: dict[int, EngineChecklist] = field(default_factory=dict)
    nodes: dict[int, dict[str, Node]] = field(default_factory=dict)
    rows: dict[tuple[int, int, int], tuple[Policy, PolicyVersion, Checklist]] = field(
        default_factory=dict
    )


_cache = _LibraryCache()


def library_revision() -> int:
    """The library revision in the database (one query)."""
    return LibraryRevision.objects.filter(pk=1).values_list("number", flat=True).first() or 0


def _current() -> _LibraryCache:
    """This server's cache, emptied when the revision in the database has moved on."""
    global _cache
    now = time.monotonic()
    if now - _cache.checked_at >= getattr(settings, "LIBRARY_REVISION_CHECK_SECONDS", 1.0):
        revision = library_revision()
        if revision != _cache.revision:
            _cache = _LibraryCache(revision=revision)
        _cache.checked_at = now
    return _cache


def library_cache_clear() -> None:
    """Forget everything cached here (the next read checks the revision again)."""
    global _cache
    _cache = _LibraryCache()


def fact_dictionary() -> dict[str, FactDef]:
    cache = _current()
    if cache.facts is None:
        cache.facts = _fact_dictionary()
    return cache.facts


def _fact_dictionary() -> dict[str, FactDef]:
    return {
        f.name: FactDef(
            name=f.name,
            type=FactType(f.type),
            label=f.label,
            unit=f.unit,
            help=f.help,
            choices=tuple((str(v), str(label)) for v, label in f.choices),
            minimum=Decimal(f.minimum) if f.minimum is not None else None,
            maximum=Decimal(f.maximum) if f.maximum is not None else None,
            document=f.document,
            retired=f.retired,
            replaced_by=tuple(f.replaced_by),
        )
        for f in Fact.objects.all()
    }


def engine_checklist(checklist: Checklist) -> EngineChecklist:
    """The engine's view of a stored checklist (cached: published editions never change)."""
    cache = _current()
    if checklist.pk not in cache.checklists:
        cache.checklists[checklist.pk] = _engine_checklist(checklist.pk, checklist.edition_id)
    return cache.checklists[checklist.pk]


def _engine_checklist(checklist_id: int, edition_id: int) -> EngineChecklist:
    facts = fact_dictionary()
    checklists = {
        c.pk: c
        for c in Checklist.objects.filter(edition_id=edition_id).select_related(
            "version__policy", "edition"
        )
    }
    children: dict[int | None, dict[int, list[Node]]] = defaultdict(lambda: defaultdict(list))
    roots: dict[int, Node] = {}
    for node in Node.objects.filter(checklist__edition_id=edition_id).order_by("position"):
        if node.parent_id is None:
            roots[node.checklist_id] = node
        else:
            children[node.checklist_id][node.parent_id].append(node)
    built: dict[int, EngineChecklist] = {}

    def build_checklist(pk: int) -> EngineChecklist:
        if pk not in built:
            row = checklists[pk]
            built[pk] = EngineChecklist(
                key=row.key,
                indication=row.indication,
                stage=row.stage,
                title=row.title,
                root=build_node(roots[pk]),
                policy_key=row.version.policy.key,
                version=row.version.label,
                edition=row.edition.number,
                external=row.external or None,
                guidance=row.guidance,
                documents_to_request=tuple(row.documents_to_request),
                routes=tuple(route_from_source(route, facts) for route in row.routes),
            )
        return built[pk]

    def build_node(node: Node):
        if node.kind == Node.Kind.INCLUDE:
            assert node.included_id is not None  # an include always names its checklist
            return Include(build_checklist(node.included_id))
        if node.kind == Node.Kind.CRITERION:
            return Criterion(
                label=node.label,
                text=node.text,
                member_reason=node.member_reason,
                citation=node.citation,
                met_when=parse_expr(node.met_when, facts),
                applies_when=parse_expr(node.applies_when, facts) if node.applies_when else None,
                requires_documentation=node.requires_documentation,
                waivable=node.waivable,
                waiver_conditions=node.waiver_conditions,
                guidance=node.guidance,
                waiver_applies_when=parse_expr(node.waiver_applies_when, facts)
                if node.waiver_applies_when
                else None,
                waiver_options=tuple((str(k), str(v)) for k, v in node.waiver_options),
                documentation_only=node.documentation_only,
            )
        kids = tuple(build_node(c) for c in children[node.checklist_id][node.pk])
        return Group(node.kind, kids, node.label, node.text, node.n)

    return build_checklist(checklist_id)


def library_rows(
    *, policy_id: int, version_id: int, checklist_id: int
) -> tuple[Policy, PolicyVersion, Checklist]:
    """A case's policy, policy version and checklist rows (cached like the engine objects: the
    library is loaded from files, never edited, and a load moves the revision on).

    Every case page and save reads them; joined to the case they made its query's plan the
    slowest part of the request (ten tables: PostgreSQL spent 5 ms planning it).
    """
    cache = _current()
    key = (policy_id, version_id, checklist_id)
    if key not in cache.rows:
        checklist = Checklist.objects.select_related("version__policy", "edition").get(
            pk=checklist_id
        )
        version = checklist.version
        if version.pk != version_id:
            version = PolicyVersion.objects.select_related("policy").get(pk=version_id)
        policy = (
            version.policy if version.policy_id == policy_id else Policy.objects.get(pk=policy_id)
        )
        cache.rows[key] = (policy, version, checklist)
    return cache.rows[key]


def checklist_nodes(checklist: Checklist) -> dict[str, Node]:
    """Criterion rows of a checklist and of the checklists it includes, by label (cached)."""
    cache = _current()
    if checklist.pk not in cache.nodes:
        cache.nodes[checklist.pk] = _checklist_nodes(checklist.pk)
    return cache.nodes[checklist.pk]


def _checklist_nodes(checklist_id: int) -> dict[str, Node]:
    ids = {checklist_id}
    frontier = [checklist_id]
    while frontier:
        included = list(
            Node.objects.filter(checklist_id__in=frontier, kind="include").values_list(
                "included_id", flat=True
            )
        )
        frontier = [pk for pk in included if pk not in ids]
        ids.update(frontier)
    return {n.label: n for n in Node.objects.filter(checklist_id__in=ids, kind="criterion")}


def _fact_rows() -> dict[str, Fact]:
    cache = _current()
    if cache.fact_rows is None:
        cache.fact_rows = {f.name: f for f in Fact.objects.all()}
    return cache.fact_rows


def fact_row(name: str) -> Fact:
    return _fact_rows()[name]


def fact_rows_by_id() -> dict[int, Fact]:
    """Every fact dictionary row by id (cached): a case's recorded facts name them by id."""
    rows = _fact_rows()
    cache = _current()
    if cache.fact_rows_by_id is None:
        cache.fact_rows_by_id = {f.pk: f for f in rows.values()}
    return cache.fact_rows_by_id
