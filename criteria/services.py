"""Writes on the policy library: loading the YAML files into the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from . import selectors
from .engine import Checklist as EngineChecklist
from .engine import Criterion, FactDef, Group, Include
from .library_files import (
    FACTS_FILE,
    LIBRARY_DIR,
    LibraryError,
    VersionFile,
    expr_to_source,
    read_facts,
    read_version_file,
    version_files,
)
from .models import Checklist, Fact, Node, Policy, PolicyVersion


@dataclass(frozen=True)
class FileReport:
    file: str
    status: str  # "loaded", "unchanged" or "refused"
    message: str = ""


def library_load(*, directory: Path | None = None) -> list[FileReport]:
    """Load the fact dictionary and every version file. Each file loads whole or not at all.

    A refused file does not stop the others; the caller reports every problem.
    """
    directory = directory or LIBRARY_DIR
    try:
        facts = read_facts(directory / FACTS_FILE)
        facts_sync(facts=facts)
    except LibraryError as exc:
        return [FileReport(FACTS_FILE, "refused", str(exc))]
    reports = [FileReport(FACTS_FILE, "loaded", f"{len(facts)} facts")]
    for path in version_files(directory):
        try:
            version_file = read_version_file(path, facts)
            status = version_load(version_file=version_file)
            reports.append(FileReport(path.name, status))
        except LibraryError as exc:
            reports.append(FileReport(path.name, "refused", str(exc)))
    selectors.library_cache_clear()
    return reports


@transaction.atomic
def facts_sync(*, facts: dict[str, FactDef]) -> None:
    """Create or update dictionary entries. A fact's type never changes once criteria use it."""
    existing = {f.name: f for f in Fact.objects.all()}
    used = {
        name
        for names in Node.objects.filter(kind="criterion").values_list("facts", flat=True)
        for name in names
    }
    for position, fact in enumerate(facts.values()):
        row = existing.get(fact.name)
        if row and row.type != fact.type.value and fact.name in used:
            raise LibraryError(
                FACTS_FILE,
                f"facts ({fact.name})",
                f"the type cannot change from {row.type} to {fact.type.value}: "
                "loaded criteria use this fact",
            )
        Fact.objects.update_or_create(
            name=fact.name,
            defaults={
                "type": fact.type.value,
                "label": fact.label,
                "unit": fact.unit,
                "help": fact.help,
                "choices": [list(c) for c in fact.choices],
                "minimum": fact.minimum,
                "maximum": fact.maximum,
                "position": position,
            },
        )
    missing = used - set(facts)
    if missing:
        raise LibraryError(
            FACTS_FILE,
            "",
            f"loaded criteria use facts this file no longer defines: {', '.join(sorted(missing))}",
        )


@transaction.atomic
def version_load(*, version_file: VersionFile) -> str:
    """Store one version file. Refuses a change to a version that is already loaded."""
    info, name = version_file.version, version_file.name
    policy, _ = Policy.objects.get_or_create(
        key=version_file.policy.key,
        defaults={
            "payer": version_file.policy.payer,
            "number": version_file.policy.number,
            "title": version_file.policy.title,
        },
    )
    existing = PolicyVersion.objects.filter(policy=policy, label=info.label).first()
    if existing:
        if existing.content_sha256 == version_file.sha256:
            return "unchanged"
        raise LibraryError(
            name,
            "version",
            f"{policy.number} version {info.label} is already "
            "published and cannot change; add a new version file with a new label "
            "and effective date instead",
        )
    clash = PolicyVersion.objects.filter(policy=policy, effective_from=info.effective_from).first()
    if clash:
        raise LibraryError(
            name,
            "version.effective_from",
            f"version {clash.label} already takes effect on {info.effective_from:%Y-%m-%d}",
        )
    version = PolicyVersion.objects.create(
        policy=policy,
        label=info.label,
        effective_from=info.effective_from,
        effective_to=info.effective_to,
        next_review=info.next_review,
        approved_on=info.approved_on,
        source_document=info.source_document,
        notes=info.notes,
        file_name=name,
        content_sha256=version_file.sha256,
    )
    rows = {
        checklist.key: Checklist.objects.create(
            version=version,
            key=checklist.key,
            indication=checklist.indication,
            stage=checklist.stage,
            title=checklist.title,
            external=checklist.external or "",
            guidance=checklist.guidance,
            documents_to_request=list(checklist.documents_to_request),
        )
        for checklist in version_file.checklists
    }
    for checklist in version_file.checklists:
        _nodes_create(rows[checklist.key], checklist, rows)
    return "loaded"


def _nodes_create(row: Checklist, checklist: EngineChecklist, rows: dict[str, Checklist]) -> None:
    position = 0

    def create(node, parent: Node | None) -> None:
        nonlocal position
        position += 1
        common = {"checklist": row, "parent": parent, "position": position}
        if isinstance(node, Include):
            Node.objects.create(kind="include", included=rows[node.checklist.key], **common)
        elif isinstance(node, Group):
            group = Node.objects.create(
                kind=node.kind, label=node.label, text=node.text, n=node.n, **common
            )
            for child in node.children:
                create(child, group)
        else:
            assert isinstance(node, Criterion)
            Node.objects.create(
                kind="criterion",
                label=node.label,
                text=node.text,
                member_reason=node.member_reason,
                citation=node.citation,
                met_when=expr_to_source(node.met_when),
                applies_when=expr_to_source(node.applies_when) if node.applies_when else None,
                facts=list(node.facts),
                requires_documentation=node.requires_documentation,
                waivable=node.waivable,
                waiver_conditions=node.waiver_conditions,
                guidance=node.guidance,
                **common,
            )

    create(checklist.root, None)
