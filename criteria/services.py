"""The library's services: loading the YAML files into the database, and evaluating facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from . import selectors
from .engine import Checklist as EngineChecklist
from .engine import Criterion, Group, Include, Result, evaluate
from .expressions import expr_to_source
from .facts import FactDef
from .library_files import (
    FACTS_FILE,
    LIBRARY_DIR,
    POLICIES_FILE,
    SUPERSEDED_DIR,
    LibraryError,
    VersionFile,
    read_facts,
    read_policies,
    read_version_file,
    route_to_source,
    superseded_files,
    version_files,
)
from .models import (
    Checklist,
    Fact,
    LibraryRevision,
    Node,
    Policy,
    PolicyVersion,
    VersionEdition,
)
from .vocabulary import INDICATIONS, STAGES


@dataclass(frozen=True)
class FileReport:
    file: str
    status: str  # "loaded", "unchanged" or "refused"
    message: str = ""


def library_load(*, directory: Path | None = None) -> list[FileReport]:
    """Load the fact dictionary, the superseded editions, then every current version file.

    Each file loads whole or not at all. A refused file does not stop the others; the caller
    reports every problem. Superseded editions load first so that a new database holds every
    edition a case may have been opened on; where they are loaded already they are unchanged.
    """
    directory = directory or LIBRARY_DIR
    try:
        facts = read_facts(directory / FACTS_FILE)
        changed = facts_sync(facts=facts)
    except LibraryError as exc:
        return [FileReport(FACTS_FILE, "refused", str(exc))]
    reports = [FileReport(FACTS_FILE, "loaded", f"{len(facts)} facts")]
    paths = [(p, True) for p in superseded_files(directory)]
    paths += [(p, False) for p in version_files(directory)]
    for path, superseded in paths:
        shown = f"{SUPERSEDED_DIR}/{path.name}" if superseded else path.name
        try:
            version_file = read_version_file(path, facts, superseded=superseded)
            status, message = version_load(version_file=version_file)
            reports.append(FileReport(shown, status, message))
            changed = changed or status == "loaded"
        except LibraryError as exc:
            reports.append(FileReport(shown, "refused", str(exc)))
    try:
        lines = read_policies(directory / POLICIES_FILE)
        changed = policies_sync(lines_of_business=lines) or changed
        if lines:
            reports.append(FileReport(POLICIES_FILE, "loaded", f"{len(lines)} policies"))
    except LibraryError as exc:
        reports.append(FileReport(POLICIES_FILE, "refused", str(exc)))
    if changed:
        library_revision_bump()
    selectors.library_cache_clear()
    return reports


def library_revision_bump() -> int:
    """Move the library revision on: every app server drops its cached library objects the next
    time it checks (``selectors``). Returns the new number."""
    with transaction.atomic():
        revision, _ = LibraryRevision.objects.select_for_update().get_or_create(pk=1)
        revision.number += 1
        revision.save()
    return revision.number


@transaction.atomic
def facts_sync(*, facts: dict[str, FactDef]) -> bool:
    """Create or update dictionary entries. A fact's type never changes once criteria use it.

    Returns whether any entry was added or changed.
    """
    existing = {f.name: f for f in Fact.objects.all()}
    changed = False
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
        values = {
            "type": fact.type.value,
            "label": fact.label,
            "unit": fact.unit,
            "help": fact.help,
            "choices": [list(c) for c in fact.choices],
            "minimum": fact.minimum,
            "maximum": fact.maximum,
            "position": position,
            "document": fact.document,
            "retired": fact.retired,
            "replaced_by": list(fact.replaced_by),
        }
        if row is None or any(getattr(row, k) != v for k, v in values.items()):
            Fact.objects.update_or_create(name=fact.name, defaults=values)
            changed = True
    missing = used - set(facts)
    if missing:
        raise LibraryError(
            FACTS_FILE,
            "",
            f"loaded criteria use facts this file no longer defines: {', '.join(sorted(missing))}",
        )
    return changed


# What may differ between two editions of one version: our encoding and the version's life
# (it ends when the payer replaces it). What the payer's document says about itself may not.
PAYER_FIELDS = ("effective_from", "approved_on", "source_document")


@transaction.atomic
def policies_sync(*, lines_of_business: Mapping[str, tuple[str, ...]]) -> bool:
    """Record the lines of business each policy is offered under (a policy not loaded yet is
    refused: its versions come first). Returns whether anything changed."""
    policies = {p.key: p for p in Policy.objects.filter(key__in=list(lines_of_business))}
    if missing := sorted(set(lines_of_business) - set(policies)):
        raise LibraryError(POLICIES_FILE, "policies", f"no version file for {', '.join(missing)}")
    changed = False
    for key, lines in lines_of_business.items():
        policy = policies[key]
        if policy.lines_of_business != list(lines):
            policy.lines_of_business = list(lines)
            policy.save(update_fields=["lines_of_business"])
            changed = True
    return changed


@transaction.atomic
def version_load(*, version_file: VersionFile) -> tuple[str, str]:
    """Store one version file as an edition of its version. Returns (status, message).

    A published edition never changes: a changed file with the same edition number is refused,
    and so is an edition older than the one loaded (unless it is that very file, already in).
    A higher edition is added beside the others; new cases use it, and cases opened on an
    earlier edition keep it until they are moved on.
    """
    info, name = version_file.version, version_file.name
    policy, _ = Policy.objects.get_or_create(
        key=version_file.policy.key,
        defaults={
            "payer": version_file.policy.payer,
            "number": version_file.policy.number,
            "title": version_file.policy.title,
        },
    )
    version = PolicyVersion.objects.filter(policy=policy, label=info.label).first()
    if version is None:
        clash = PolicyVersion.objects.filter(
            policy=policy, effective_from=info.effective_from
        ).first()
        if clash:
            raise LibraryError(
                name,
                "version.effective_from",
                f"version {clash.label} already takes effect on {info.effective_from:%Y-%m-%d}",
            )
        version = PolicyVersion.objects.create(
            policy=policy, label=info.label, effective_from=info.effective_from
        )
    else:
        same = version.editions.filter(number=info.edition).first()
        if same is not None:
            if same.content_sha256 == version_file.sha256:
                return "unchanged", f"edition {info.edition}"
            raise LibraryError(
                name,
                "version",
                f"{policy.number} version {info.label} edition {info.edition} is already "
                "published and cannot change; raise 'edition' and say what changed in "
                "'edition_changes' (or add a new version file for a new payer version)",
            )
        if info.edition < version.edition:
            raise LibraryError(
                name,
                "version.edition",
                f"edition {info.edition} is older than the loaded edition {version.edition}",
            )
        for field in PAYER_FIELDS:
            if getattr(version, field) != getattr(info, field):
                raise LibraryError(
                    name,
                    f"version.{field}",
                    f"differs from the loaded edition ({getattr(version, field)}); an edition "
                    "changes our encoding, not the payer's version",
                )
    edition = VersionEdition.objects.create(
        version=version,
        number=info.edition,
        changes=info.edition_changes,
        notes=info.notes,
        file_name=name,
        content_sha256=version_file.sha256,
    )
    # The version's own fields follow its latest edition.
    version.edition = info.edition
    version.effective_to = info.effective_to
    version.next_review = info.next_review
    version.review_due = info.review_due
    version.approved_on = info.approved_on
    version.source_document = info.source_document
    version.notes = info.notes
    version.file_name = name
    version.content_sha256 = version_file.sha256
    version.save()
    rows = {
        checklist.key: Checklist.objects.create(
            version=version,
            edition=edition,
            key=checklist.key,
            indication=checklist.indication,
            stage=checklist.stage,
            title=checklist.title,
            external=checklist.external or "",
            guidance=checklist.guidance,
            documents_to_request=list(checklist.documents_to_request),
            routes=[route_to_source(route) for route in checklist.routes],
        )
        for checklist in version_file.checklists
    }
    for checklist in version_file.checklists:
        _nodes_create(rows[checklist.key], checklist, rows)
    return "loaded", f"edition {info.edition}"


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
                waiver_applies_when=expr_to_source(node.waiver_applies_when)
                if node.waiver_applies_when
                else None,
                waiver_options=[list(option) for option in node.waiver_options],
                documentation_only=node.documentation_only,
                guidance=node.guidance,
                **common,
            )

    create(checklist.root, None)


# --- evaluating facts against a policy ---------------------------------------------------------


class EvaluationInputError(ValueError):
    """A bad policy key, date, indication, stage, fact name or fact value."""


@dataclass(frozen=True)
class Evaluation:
    checklist: EngineChecklist
    result: Result
    version: str  # the label of the version in effect


def policy_evaluate(
    *, policy_key: str, on: str | dt.date, indication: str, stage: str, raw_facts: Mapping
) -> Evaluation:
    """Evaluate facts against the checklist of the policy version in effect on a date.

    The one entry point from outside the library (the ``criteria evaluate`` command); a case's
    own evaluation adds the reviewer's answers and exceptions (``reviewapp.cases.selectors``).
    Raises ``EvaluationInputError`` with a message for the user on any bad input.
    """
    if isinstance(on, str):
        try:
            on = dt.date.fromisoformat(on)
        except ValueError:
            raise EvaluationInputError(f"{on!r} is not a date (YYYY-MM-DD)") from None
    if indication not in INDICATIONS:
        raise EvaluationInputError(
            f"unknown indication {indication!r}; use one of " + ", ".join(INDICATIONS)
        )
    if stage not in STAGES:
        raise EvaluationInputError(f"unknown stage {stage!r}; use one of " + ", ".join(STAGES))
    if not isinstance(raw_facts, Mapping):
        raise EvaluationInputError("facts must be a JSON object of fact name -> value")
    try:
        version = selectors.version_in_effect(policy=policy_key, on=on)
    except selectors.NoVersionInEffect as exc:
        if not Policy.objects.filter(key=policy_key).exists():
            keys = ", ".join(Policy.objects.values_list("key", flat=True))
            raise EvaluationInputError(f"unknown policy {policy_key!r}; known: {keys}") from None
        raise EvaluationInputError(str(exc)) from None
    checklist = selectors.checklist_get(version=version, indication=indication, stage=stage)
    if checklist is None:
        raise EvaluationInputError(
            f"{version} has no checklist for {INDICATIONS[indication].lower()} at the "
            f"{STAGES[stage].lower()} stage"
        )
    dictionary = selectors.fact_dictionary()
    facts = {}
    for name, raw in raw_facts.items():
        if name not in dictionary:
            raise EvaluationInputError(f"unknown fact {name!r}")
        if raw is None:
            continue
        try:
            facts[name] = dictionary[name].parse(raw)
        except ValueError as exc:
            raise EvaluationInputError(str(exc)) from None
    engine_checklist = selectors.engine_checklist(checklist)
    return Evaluation(engine_checklist, evaluate(engine_checklist, facts), version.label)
