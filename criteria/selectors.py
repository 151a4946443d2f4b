"""Reads on the policy library, and the bridge from database rows to engine objects."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from functools import lru_cache

from django.db.models import F, Prefetch, Q, QuerySet

from .engine import Checklist as EngineChecklist
from .engine import Criterion, FactDef, FactType, Group, Include
from .library_files import parse_expr, route_from_source
from .models import Checklist, Fact, Node, Policy, PolicyVersion, VersionEdition


class NoVersionInEffect(Exception):
    pass


def policies_with_versions() -> QuerySet[Policy]:
    """Policies with their versions; each version's ``current_checklists`` are those of its
    latest edition, and ``all_editions`` every edition loaded."""
    current = Checklist.objects.filter(edition__number=F("version__edition"))
    return Policy.objects.prefetch_related(
        Prefetch(
            "versions",
            queryset=PolicyVersion.objects.prefetch_related(
                Prefetch("checklists", queryset=current, to_attr="current_checklists"),
                Prefetch("editions", to_attr="all_editions"),
            ),
        )
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


def fact_dictionary() -> dict[str, FactDef]:
    return _fact_dictionary()


@lru_cache(maxsize=1)
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
            retired=f.retired,
            replaced_by=tuple(f.replaced_by),
        )
        for f in Fact.objects.all()
    }


def engine_checklist(checklist: Checklist) -> EngineChecklist:
    """The engine's view of a stored checklist (cached: published editions never change)."""
    return _engine_checklist(checklist.pk, checklist.edition_id)


@lru_cache(maxsize=256)
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


def checklist_nodes(checklist: Checklist) -> dict[str, Node]:
    """Criterion rows of a checklist and of the checklists it includes, by label (cached)."""
    return _checklist_nodes(checklist.pk)


@lru_cache(maxsize=256)
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


def fact_row(name: str) -> Fact:
    return _fact_rows()[name]


@lru_cache(maxsize=1)
def _fact_rows() -> dict[str, Fact]:
    return {f.name: f for f in Fact.objects.all()}


def library_cache_clear() -> None:
    _fact_dictionary.cache_clear()
    _fact_rows.cache_clear()
    _engine_checklist.cache_clear()
    _checklist_nodes.cache_clear()
