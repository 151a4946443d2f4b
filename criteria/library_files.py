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

from .engine import GROUP_KINDS, Checklist, Criterion, Group, Include, Node, Outcome, Route
from .expressions import Expr, ExpressionError, expr_to_source, parse_expr, parse_test
from .facts import FactDef, FactType
from .vocabulary import INDICATIONS, LINES_OF_BUSINESS, STAGES

LIBRARY_DIR = Path(__file__).resolve().parent / "library"
FACTS_FILE = "facts.yaml"
POLICIES_FILE = "policies.yaml"
# Files of the library directory that are not policy version files.
NOT_VERSION_FILES = (FACTS_FILE, POLICIES_FILE)
# Earlier editions of a version, kept byte for byte as they were loaded: a new database loads them
# first, so every edition a case may have been opened on exists everywhere.
SUPERSEDED_DIR = "superseded"

EXTERNAL_FACT = "external_review_met"
EXTERNAL_LABEL = "EXT"
DIRECTOR_REVIEW_FACT = "medical_director_review_met"
DIRECTOR_REVIEW_LABEL = "MDR"
WASHINGTON_HTA_FACT = "washington_hta_met"
# Outcomes of the plan's own reviews: recorded by the plan from its review, never asked of the
# provider (the FHIR questionnaires leave them out).
PLAN_RECORDED_FACTS = frozenset({EXTERNAL_FACT, DIRECTOR_REVIEW_FACT, WASHINGTON_HTA_FACT})
ROUTE_OUTCOMES = {Outcome.EXTERNAL.value, Outcome.NOT_ADDRESSED.value}
# Month names as "next review" statements write them (e.g. "August 2026").
MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}


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
    edition: int = 1
    edition_changes: str = ""
    review_due: dt.date | None = None


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
            {"name", "type", "label", "unit", "help", "choices", "min", "max", "document"}
            | {"retired", "replaced_by"},
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
            document=_clean(entry.get("document", "")),
            retired=bool(entry.get("retired", False)),
            replaced_by=tuple(str(n) for n in entry.get("replaced_by") or ()),
        )
    for fact in facts.values():
        if fact.replaced_by and not fact.retired:
            raise LibraryError(path.name, f"facts ({fact.name})", "only a retired fact is replaced")
        for successor in fact.replaced_by:
            if successor not in facts or facts[successor].retired:
                raise LibraryError(
                    path.name,
                    f"facts ({fact.name})",
                    f"replaced_by names {successor!r}, which is not a current fact",
                )
    return facts


# --- what each policy applies to, beyond its versions -----------------------------------------


def read_policies(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """The lines of business each payer offers a policy under, by policy key.

    Kept apart from the version files: a payer entering or leaving a market changes no criteria,
    so it is no reason for a new version (and a published version's file never changes).
    """
    path = path or LIBRARY_DIR / POLICIES_FILE
    if not path.exists():
        return {}
    data = _load_yaml(path)
    entries = _expect(data, dict, path.name, "", "a mapping with a 'policies' mapping")
    entries = _expect(entries.get("policies"), dict, path.name, "policies", "a mapping by key")
    result: dict[str, tuple[str, ...]] = {}
    for key, entry in entries.items():
        place = f"policies.{key}"
        _expect(entry, dict, path.name, place, "a mapping")
        _only_keys(entry, {"lines_of_business"}, path.name, place)
        lines = _expect(
            entry.get("lines_of_business"), list, path.name, place, "a 'lines_of_business' list"
        )
        unknown = [line for line in lines if line not in LINES_OF_BUSINESS]
        if unknown or not lines:
            raise LibraryError(
                path.name,
                f"{place}.lines_of_business",
                f"use one or more of {', '.join(LINES_OF_BUSINESS)}"
                + (f" (not {', '.join(map(str, unknown))})" if unknown else ""),
            )
        result[str(key)] = tuple(lines)
    return result


# --- policy version files --------------------------------------------------------------------


def version_files(directory: Path | None = None) -> list[Path]:
    directory = directory or LIBRARY_DIR
    return sorted(p for p in directory.glob("*.yaml") if p.name not in NOT_VERSION_FILES)


def superseded_files(directory: Path | None = None) -> list[Path]:
    """Earlier editions (``superseded/<policy>--<label>--edition-<n>.yaml``), oldest first."""
    directory = (directory or LIBRARY_DIR) / SUPERSEDED_DIR

    def order(path: Path) -> tuple[str, int]:
        stem, _, number = path.stem.rpartition("--edition-")
        return stem, int(number) if number.isdigit() else 0

    return sorted(directory.glob("*.yaml"), key=order)


def read_version_file(
    path: Path, facts: Mapping[str, FactDef], *, superseded: bool = False
) -> VersionFile:
    """Read one version file. Only a superseded edition may still read retired facts."""
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

    builder = _ChecklistBuilder(
        name, by_key, facts, policy.key, version.label, allow_retired=superseded
    )
    builder.edition = version.edition
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
            "edition",
            "edition_changes",
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
    edition = raw.get("edition", 1)
    if not isinstance(edition, int) or isinstance(edition, bool) or edition < 1:
        raise LibraryError(name, "version.edition", "expected a whole number, 1 or more")
    changes = _clean(raw.get("edition_changes", ""))
    if edition > 1 and not changes:
        raise LibraryError(
            name, "version", "a later edition says what it changed ('edition_changes')"
        )
    next_review = str(raw.get("next_review", "") or "")
    return VersionInfo(
        label=str(raw["label"]),
        effective_from=effective_from,
        effective_to=effective_to,
        next_review=next_review,
        approved_on=_date(raw.get("approved_on"), name, "version.approved_on"),
        source_document=str(raw["source_document"]),
        notes=str(raw.get("notes", "")).strip(),
        edition=edition,
        edition_changes=changes,
        review_due=review_due_date(next_review, name),
    )


def review_due_date(text: str, file: str = "") -> dt.date | None:
    """The last day a "next review" statement allows: "August 2026" -> 2026-08-31; an ISO date
    as written; nothing when the source states none."""
    text = text.strip()
    if not text:
        return None
    parts = text.lower().split()
    if len(parts) == 2 and parts[0] in MONTHS and parts[1].isdigit():
        year, month = int(parts[1]), MONTHS[parts[0]]
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise LibraryError(
            file, "version.next_review", f"{text!r} is not a month and year or a date"
        ) from None


CHECKLIST_KEYS = {
    "key",
    "indication",
    "stage",
    "title",
    "guidance",
    "documents_to_request",
    "external",
    "routes",
    "root",
}
ROUTE_KEYS = {"when", "outcome", "external", "reason", "citation"}
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
    "waiver_applies_when",
    "waiver_options",
    "documentation_only",
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
        *,
        allow_retired: bool = False,
    ) -> None:
        self.file, self.raw, self.facts = file, raw, facts
        self.policy_key, self.version = policy_key, version
        self.allow_retired = allow_retired
        self.edition = 1
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
        routes = self.routes(raw.get("routes"), place)
        if external:
            if "root" in raw or routes:
                raise LibraryError(
                    self.file,
                    place,
                    "an external checklist has no 'root' and no 'routes': its "
                    "single item is the external review's outcome",
                )
            external = str(external)
            routes = (
                Route(
                    Outcome.EXTERNAL,
                    reason=f"This policy sends these requests to {external}.",
                    citation=external,
                    external=external,
                ),
            )
            root: Node = self._external_root(external)
        elif "root" in raw:
            root = self.node(raw["root"], f"{place} > root")
        elif routes:
            root, external = self._route_root(routes, place)
        else:
            raise LibraryError(self.file, place, "'root' (or 'external' or 'routes') is required")
        checklist = Checklist(
            key=key,
            indication=raw["indication"],
            stage=raw["stage"],
            title=str(raw["title"]),
            root=root,
            policy_key=self.policy_key,
            version=self.version,
            edition=self.edition,
            external=str(external) if external else None,
            guidance=str(raw.get("guidance", "")).strip(),
            documents_to_request=tuple(str(d) for d in documents),
            routes=routes,
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

    def _route_root(self, routes: tuple[Route, ...], place: str) -> tuple[Criterion, str | None]:
        """The single item of a checklist that is only routes: the external review's outcome, or
        the medical director's review of a request the policy does not address."""
        kinds = {route.outcome for route in routes}
        if len(kinds) > 1:
            raise LibraryError(
                self.file,
                place,
                "a checklist of routes only sends every request the same way "
                "(all external, or all not addressed); give it a 'root' otherwise",
            )
        if kinds == {Outcome.EXTERNAL}:
            external = " or ".join(dict.fromkeys(route.external for route in routes))
            return self._external_root(external), external
        if DIRECTOR_REVIEW_FACT not in self.facts:
            raise LibraryError(self.file, "", f"the fact dictionary lacks {DIRECTOR_REVIEW_FACT!r}")
        return director_review_criterion(routes[0], self.facts), None

    def routes(self, raw: Any, place: str) -> tuple[Route, ...]:
        if raw is None:
            return ()
        _expect(raw, list, self.file, f"{place}.routes", "a list of routes")
        routes = []
        for index, item in enumerate(raw):
            where = f"{place}.routes[{index}]"
            _expect(item, dict, self.file, where, "a mapping")
            _only_keys(item, ROUTE_KEYS, self.file, where)
            outcome = item.get("outcome")
            if outcome not in ROUTE_OUTCOMES:
                raise LibraryError(
                    self.file, where, f"'outcome' is one of {', '.join(sorted(ROUTE_OUTCOMES))}"
                )
            for key in ("reason", "citation"):
                if not item.get(key):
                    raise LibraryError(self.file, where, f"'{key}' is required")
            external = str(item.get("external") or "")
            if (outcome == Outcome.EXTERNAL.value) != bool(external):
                raise LibraryError(
                    self.file, where, "an external route names its 'external' criteria, and only it"
                )
            when = self.expr(item["when"], f"{where}.when") if "when" in item else None
            routes.append(
                Route(
                    Outcome(outcome), _clean(item["reason"]), str(item["citation"]), external, when
                )
            )
        return tuple(routes)

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
        options = raw.get("waiver_options") or {}
        _expect(options, dict, self.file, f"{place}.waiver_options", "a mapping of key: label")
        if not waivable and (options or raw.get("waiver_applies_when") is not None):
            raise LibraryError(self.file, place, "only a waivable criterion has waiver details")
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
            waiver_applies_when=self.expr(
                raw["waiver_applies_when"], f"{place}.waiver_applies_when"
            )
            if raw.get("waiver_applies_when") is not None
            else None,
            waiver_options=tuple((str(k), _clean(v)) for k, v in options.items()),
            documentation_only=bool(raw.get("documentation_only", False)),
        )

    def expr(self, raw: Any, place: str) -> Expr:
        try:
            expr = parse_expr(raw, self.facts, place)
        except ExpressionError as exc:
            raise LibraryError(self.file, exc.place, exc.problem) from None
        if not self.allow_retired:
            for name in expr.facts():
                fact = self.facts[name]
                if fact.retired:
                    raise LibraryError(
                        self.file,
                        place,
                        f"{name!r} is a retired fact; use "
                        + (", ".join(fact.replaced_by) or "a current fact"),
                    )
        return expr


def route_to_source(route: Route) -> dict:
    """The written form of a route (``_ChecklistBuilder.routes`` reads it back)."""
    data: dict[str, Any] = {
        "outcome": route.outcome.value,
        "reason": route.reason,
        "citation": route.citation,
    }
    if route.external:
        data["external"] = route.external
    if route.when is not None:
        data["when"] = expr_to_source(route.when)
    return data


def route_from_source(raw: Mapping, facts: Mapping[str, FactDef]) -> Route:
    when = raw.get("when")
    return Route(
        Outcome(raw["outcome"]),
        str(raw.get("reason", "")),
        str(raw.get("citation", "")),
        str(raw.get("external", "")),
        parse_expr(when, facts) if when is not None else None,
    )


def director_review_criterion(route: Route, facts: Mapping[str, FactDef]) -> Criterion:
    """The single item of a checklist the policy does not address: a medical director's review."""
    return Criterion(
        label=DIRECTOR_REVIEW_LABEL,
        text="This policy does not address this request. A medical director reviews it on its "
        "clinical merits and records whether it is medically necessary.",
        member_reason="Your plan's policy has no rules for this request. A doctor who works for "
        "the plan looked at your records. The doctor found the request is not medically needed.",
        citation=route.citation,
        met_when=Expr("test", test=parse_test(f"{DIRECTOR_REVIEW_FACT} is true", facts)),
        guidance=f"{route.reason} Refer the case to a medical director.",
    )


def external_criterion(external: str, facts: Mapping[str, FactDef]) -> Criterion:
    """The single item of an external checklist: the outcome of a review against ``external``."""
    return Criterion(
        label=EXTERNAL_LABEL,
        text=f"A review against {external} found that the request meets those criteria.",
        member_reason=f"Your plan checks this service against other rules ({external}). Your "
        "request did not meet them.",
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
