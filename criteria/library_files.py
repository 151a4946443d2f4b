"""Reading the policy library's YAML files into engine objects, with precise error messages.

The library lives in ``criteria/library/``: ``facts.yaml`` (the clinical fact dictionary) and one
file per policy version. Reading is pure (no database): it validates everything a clinical editor
could get wrong and names the file, the place and the problem. See ``criteria/library/README.md``
for the format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .engine import GROUP_KINDS, Checklist, Criterion, Group, Include, Node
from .expressions import Expr, ExpressionError, parse_expr, parse_test
from .facts import FactDef, FactType
from .vocabulary import INDICATIONS, STAGES

LIBRARY_DIR = Path(__file__).resolve().parent / "library"
FACTS_FILE = "facts.yaml"

EXTERNAL_FACT = "external_review_met"
EXTERNAL_LABEL = "EXT"


class LibraryError(Exception):
    """A problem in a library file: which file, where in it, and what is wrong."""

    def __init__(self, file: str, place: str, problem: str) -> None:
        self.file, self.place, self.problem = file, place, problem
        super().__init__(f"{file}: {place}: {problem}" if place else f"{file}: {problem}")


@dataclass(frozen=True)
class PolicyInfo:
    key: str
    payer: str
    number: str
    title: str


@dataclass(frozen=True)
class VersionInfo:
    label: str
    effective_from: dt.date
    effective_to: dt.date | None
    next_review: str
    approved_on: dt.date | None
    source_document: str
    notes: str


@dataclass(frozen=True)
class VersionFile:
    """One policy version as read from its file, ready to load."""

    name: str
    sha256: str
    policy: PolicyInfo
    version: VersionInfo
    checklists: tuple[Checklist, ...]


# --- the fact dictionary ---------------------------------------------------------------------


def read_facts(path: Path | None = None) -> dict[str, FactDef]:
    path = path or LIBRARY_DIR / FACTS_FILE
    data = _load_yaml(path)
    entries = _expect(data, dict, path.name, "", "a mapping with a 'facts' list").get("facts")
    _expect(entries, list, path.name, "facts", "a list of facts")
    facts: dict[str, FactDef] = {}
    for index, entry in enumerate(entries):
        place = f"facts[{index}]"
        _expect(entry, dict, path.name, place, "a mapping")
        name = entry.get("name")
        if name:
            place = f"{place} ({name})"
        _only_keys(
            entry,
            {"name", "type", "label", "unit", "help", "choices", "min", "max"},
            path.name,
            place,
        )
        for key in ("name", "type", "label"):
            if not entry.get(key):
                raise LibraryError(path.name, place, f"'{key}' is required")
        if name in facts:
            raise LibraryError(path.name, place, f"the fact {name!r} is defined twice")
        try:
            fact_type = FactType(entry["type"])
        except ValueError:
            raise LibraryError(
                path.name,
                place,
                f"unknown type {entry['type']!r}; use one of "
                + ", ".join(t.value for t in FactType),
            ) from None
        choices: tuple[tuple[str, str], ...] = ()
        if fact_type is FactType.CHOICE:
            raw = entry.get("choices")
            if not isinstance(raw, dict) or not raw:
                raise LibraryError(path.name, place, "a choice fact needs 'choices' (value: label)")
            choices = tuple((str(k), str(v)) for k, v in raw.items())
        facts[name] = FactDef(
            name=name,
            type=fact_type,
            label=str(entry["label"]),
            unit=str(entry.get("unit", "")),
            help=str(entry.get("help", "")).strip(),
            choices=choices,
            minimum=Decimal(str(entry["min"])) if "min" in entry else None,
            maximum=Decimal(str(entry["max"])) if "max" in entry else None,
        )
    return facts


# --- policy version files --------------------------------------------------------------------


def version_files(directory: Path | None = None) -> list[Path]:
    directory = directory or LIBRARY_DIR
    return sorted(p for p in directory.glob("*.yaml") if p.name != FACTS_FILE)


def read_version_file(path: Path, facts: Mapping[str, FactDef]) -> VersionFile:
    raw_bytes = path.read_bytes()
    data = _load_yaml(path)
    name = path.name
    _expect(data, dict, name, "", "a mapping with 'policy', 'version' and 'checklists'")
    _only_keys(data, {"policy", "version", "checklists"}, name, "")
    policy = _read_policy(data.get("policy"), name)
    version = _read_version(data.get("version"), name)
    raw_checklists = _expect(data.get("checklists"), list, name, "checklists", "a list")
    if not raw_checklists:
        raise LibraryError(name, "checklists", "at least one checklist is required")

    by_key: dict[str, dict] = {}
    for index, raw in enumerate(raw_checklists):
        place = f"checklists[{index}]"
        _expect(raw, dict, name, place, "a mapping")
        key = raw.get("key")
        if not key:
            raise LibraryError(name, place, "'key' is required")
        if key in by_key:
            raise LibraryError(name, place, f"the checklist key {key!r} is used twice")
        by_key[key] = raw

    builder = _ChecklistBuilder(name, by_key, facts, policy.key, version.label)
    checklists = tuple(builder.build(key) for key in by_key)
    seen: dict[tuple[str, str], str] = {}
    for checklist in checklists:
        pair = (checklist.indication, checklist.stage)
        if pair in seen:
            raise LibraryError(
                name,
                f"checklist {checklist.key}",
                f"{pair[0]} / {pair[1]} is already checklist {seen[pair]}",
            )
        seen[pair] = checklist.key
    return VersionFile(name, hashlib.sha256(raw_bytes).hexdigest(), policy, version, checklists)


def _read_policy(raw: Any, name: str) -> PolicyInfo:
    _expect(raw, dict, name, "policy", "a mapping")
    _only_keys(raw, {"key", "payer", "number", "title"}, name, "policy")
    for key in ("key", "payer", "number", "title"):
        if not raw.get(key):
            raise LibraryError(name, "policy", f"'{key}' is required")
    return PolicyInfo(str(raw["key"]), str(raw["payer"]), str(raw["number"]), str(raw["title"]))


def _read_version(raw: Any, name: str) -> VersionInfo:
    _expect(raw, dict, name, "version", "a mapping")
    _only_keys(
        raw,
        {
            "label",
            "effective_from",
            "effective_to",
            "next_review",
            "approved_on",
            "source_document",
            "notes",
        },
        name,
        "version",
    )
    for key in ("label", "effective_from", "source_document"):
        if not raw.get(key):
            raise LibraryError(name, "version", f"'{key}' is required")
    effective_from = _date(raw["effective_from"], name, "version.effective_from")
    assert effective_from is not None  # required above
    effective_to = _date(raw.get("effective_to"), name, "version.effective_to")
    if effective_to and effective_to < effective_from:
        raise LibraryError(name, "version", "effective_to is before effective_from")
    return VersionInfo(
        label=str(raw["label"]),
        effective_from=effective_from,
        effective_to=effective_to,
        next_review=str(raw.get("next_review", "")),
        approved_on=_date(raw.get("approved_on"), name, "version.approved_on"),
        source_document=str(raw["source_document"]),
        notes=str(raw.get("notes", "")).strip(),
    )


CHECKLIST_KEYS = {
    "key",
    "indication",
    "stage",
    "title",
    "guidance",
    "documents_to_request",
    "external",
    "root",
}
CRITERION_KEYS = {
    "label",
    "text",
    "member_reason",
    "citation",
    "met_when",
    "applies_when",
    "requires_documentation",
    "waivable",
    "waiver_conditions",
    "guidance",
}
GROUP_KEYS = {"label", "text", "n", *GROUP_KINDS}


class _ChecklistBuilder:
    def __init__(
        self,
        file: str,
        raw: dict[str, dict],
        facts: Mapping[str, FactDef],
        policy_key: str,
        version: str,
    ) -> None:
        self.file, self.raw, self.facts = file, raw, facts
        self.policy_key, self.version = policy_key, version
        self.built: dict[str, Checklist] = {}
        self.building: list[str] = []

    def build(self, key: str) -> Checklist:
        if key in self.built:
            return self.built[key]
        if key in self.building:
            cycle = " -> ".join([*self.building, key])
            raise LibraryError(self.file, f"checklist {key}", f"includes itself: {cycle}")
        self.building.append(key)
        raw = self.raw[key]
        place = f"checklist {key}"
        _only_keys(raw, CHECKLIST_KEYS, self.file, place)
        for field_name in ("indication", "stage", "title"):
            if not raw.get(field_name):
                raise LibraryError(self.file, place, f"'{field_name}' is required")
        if raw["indication"] not in INDICATIONS:
            raise LibraryError(
                self.file,
                place,
                f"unknown indication {raw['indication']!r}; use one of {', '.join(INDICATIONS)}",
            )
        if raw["stage"] not in STAGES:
            raise LibraryError(
                self.file, place, f"unknown stage {raw['stage']!r}; use one of {', '.join(STAGES)}"
            )
        external = raw.get("external")
        documents = raw.get("documents_to_request") or []
        _expect(documents, list, self.file, f"{place}.documents_to_request", "a list")
        if external:
            if "root" in raw:
                raise LibraryError(
                    self.file,
                    place,
                    "an external checklist has no 'root': its "
                    "single item is the external review's outcome",
                )
            root: Node = self._external_root(str(external))
        else:
            if "root" not in raw:
                raise LibraryError(self.file, place, "'root' is required")
            root = self.node(raw["root"], f"{place} > root")
        checklist = Checklist(
            key=key,
            indication=raw["indication"],
            stage=raw["stage"],
            title=str(raw["title"]),
            root=root,
            policy_key=self.policy_key,
            version=self.version,
            external=str(external) if external else None,
            guidance=str(raw.get("guidance", "")).strip(),
            documents_to_request=tuple(str(d) for d in documents),
        )
        labels: set[str] = set()
        for criterion in checklist.criteria():
            if criterion.label in labels:
                raise LibraryError(
                    self.file,
                    place,
                    f"the label {criterion.label!r} appears "
                    "twice (labels are unique within a checklist)",
                )
            labels.add(criterion.label)
        self.building.pop()
        self.built[key] = checklist
        return checklist

    def _external_root(self, external: str) -> Criterion:
        if EXTERNAL_FACT not in self.facts:
            raise LibraryError(self.file, "", f"the fact dictionary lacks {EXTERNAL_FACT!r}")
        return external_criterion(external, self.facts)

    def node(self, raw: Any, place: str) -> Node:
        _expect(raw, dict, self.file, place, "a mapping (a criterion, a group or an include)")
        if "include" in raw:
            _only_keys(raw, {"include"}, self.file, place)
            target = raw["include"]
            if target not in self.raw:
                raise LibraryError(self.file, place, f"includes unknown checklist {target!r}")
            return Include(self.build(target))
        kinds = [k for k in GROUP_KINDS if k in raw]
        if kinds:
            return self.group(raw, kinds, place)
        return self.criterion(raw, place)

    def group(self, raw: dict, kinds: list[str], place: str) -> Group:
        if len(kinds) > 1:
            raise LibraryError(self.file, place, f"a group has one kind, not {kinds}")
        _only_keys(raw, GROUP_KEYS, self.file, place)
        kind = kinds[0]
        items = _expect(raw[kind], list, self.file, f"{place}.{kind}", "a list")
        if not items:
            raise LibraryError(self.file, place, "a group needs at least one item")
        label = str(raw.get("label", ""))
        inner = f"{place} > {label or kind}"
        children = tuple(self.node(item, f"{inner}[{i}]") for i, item in enumerate(items))
        n = raw.get("n")
        if kind == "n_of":
            if not isinstance(n, int) or not 1 <= n <= len(children):
                raise LibraryError(self.file, place, f"n_of needs n between 1 and {len(children)}")
        elif n is not None:
            raise LibraryError(self.file, place, "'n' belongs to n_of groups only")
        return Group(kind, children, label, str(raw.get("text", "")).strip(), n)

    def criterion(self, raw: dict, place: str) -> Criterion:
        label = raw.get("label")
        if label:
            place = f"{place} (criterion {label})"
        _only_keys(raw, CRITERION_KEYS, self.file, place)
        for key in ("label", "text", "member_reason", "citation", "met_when"):
            if not raw.get(key):
                raise LibraryError(self.file, place, f"'{key}' is required")
        waivable = bool(raw.get("waivable", False))
        if waivable and not raw.get("waiver_conditions"):
            raise LibraryError(
                self.file, place, "a waivable criterion states its 'waiver_conditions'"
            )
        return Criterion(
            label=str(label),
            text=_clean(raw["text"]),
            member_reason=_clean(raw["member_reason"]),
            citation=str(raw["citation"]),
            met_when=self.expr(raw["met_when"], f"{place}.met_when"),
            applies_when=self.expr(raw["applies_when"], f"{place}.applies_when")
            if raw.get("applies_when") is not None
            else None,
            requires_documentation=bool(raw.get("requires_documentation", False)),
            waivable=waivable,
            waiver_conditions=_clean(raw.get("waiver_conditions", "")),
            guidance=_clean(raw.get("guidance", "")),
        )

    def expr(self, raw: Any, place: str) -> Expr:
        try:
            return parse_expr(raw, self.facts, place)
        except ExpressionError as exc:
            raise LibraryError(self.file, exc.place, exc.problem) from None


def external_criterion(external: str, facts: Mapping[str, FactDef]) -> Criterion:
    """The single item of an external checklist: the outcome of a review against ``external``."""
    return Criterion(
        label=EXTERNAL_LABEL,
        text=f"A review against {external} found that the request meets those criteria.",
        member_reason=f"The request did not meet the {external} criteria that this plan uses "
        "for this service.",
        citation=external,
        met_when=Expr("test", test=parse_test(f"{EXTERNAL_FACT} is true", facts)),
        requires_documentation=True,
        guidance=f"These criteria are not part of this policy. Review the request against "
        f"{external}, record the outcome here and attach the completed review.",
    )


# --- helpers ---------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Safe YAML without implicit dates: dates are read by ``_date`` so a bad one is named."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load_yaml(path: Path) -> Any:
    try:
        # _Loader is a SafeLoader (no object construction) minus implicit dates.
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506  # nosec B506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise LibraryError(path.name, where, f"not valid YAML: {problem}") from None
    except UnicodeDecodeError:
        raise LibraryError(path.name, "", "not UTF-8 text") from None


def _expect(value: Any, kind: type, file: str, place: str, what: str) -> Any:
    if not isinstance(value, kind):
        raise LibraryError(file, place, f"expected {what}")
    return value


def _only_keys(raw: dict, allowed: set[str], file: str, place: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise LibraryError(
            file,
            place,
            f"unknown field {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(allowed))}",
        )


def _date(raw: Any, file: str, place: str) -> dt.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise LibraryError(file, place, f"{raw!r} is not a date (YYYY-MM-DD)") from None


def _clean(text: Any) -> str:
    """Fold YAML block text into one paragraph per blank-line-separated block."""
    paragraphs = [" ".join(p.split()) for p in str(text or "").strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)
