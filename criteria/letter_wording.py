"""Member-facing wording of the criteria, per letter language, kept beside the library.

A published version file never changes, but what a letter says to a member may be improved (made
plainer) or translated at any time. So the wording a letter prints lives in its own files,
``criteria/library/letter_wording/<language>/<policy key>--<version label>.yaml``, keyed by
version and criterion label, each entry recording the library English it was written from:

    policy: molina-mcp-160
    version: "2025-08-13"
    language: es
    criteria:
      "2.a":
        source:                       # the library's English, as it was when this was written
          text: Severe, intractable pain ...
          member_reason: The records do not show ...
        text: Dolor intenso ...       # the statement (translations only; English keeps the policy's)
        member_reason: Los registros no muestran ...

When the library's English changes, the recorded source no longer matches: the entry is stale
and ``wording_problems`` says so (a test runs it over the whole library), so no letter prints a
translation of words the library no longer has. ``facts.yaml`` in each language folder does the
same for the fact labels that personalised reasons print.

Plain Python: no ORM, no request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .engine import Criterion
from .expressions import Expr, Test, evaluate_expr

WORDING_DIR = Path(__file__).resolve().parent / "library" / "letter_wording"
SUPERSEDED_DIR = "superseded"
LANGUAGES = ("en", "es")


def normalise(text: str | None) -> str:
    return " ".join(str(text or "").split())


@dataclass(frozen=True)
class CriterionWording:
    label: str
    member_reason: str
    text: str  # "" in English: the letter prints the library's statement
    source_text: str
    source_member_reason: str

    def matches(self, *, text: str, member_reason: str) -> bool:
        """Written from this English? (Only what the entry translates is compared.)"""
        if normalise(self.source_member_reason) != normalise(member_reason):
            return False
        return not self.text or normalise(self.source_text) == normalise(text)


@dataclass(frozen=True)
class FactWording:
    """How a letter names a member's recorded value of a measured fact."""

    name: str
    records: str  # "your trial lowered your pain by {value}%"
    unit: str  # "%", "out of 10", "weeks"...

    def says(self, value: str) -> str:
        return self.records.replace("{value}", value)


class WordingMissing(LookupError):
    """A letter language has no (current) wording for a criterion or fact."""


@cache
def _version_file(language: str, policy_key: str, version_label: str) -> dict[str, dict]:
    path = WORDING_DIR / language / f"{policy_key}--{version_label}.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(label): entry for label, entry in (data.get("criteria") or {}).items()}


@cache
def _facts_file(language: str) -> dict[str, dict]:
    path = WORDING_DIR / language / "facts.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(name): entry for name, entry in (data.get("facts") or {}).items()}


def criterion_wording(
    *, language: str, policy_key: str, version_label: str, label: str
) -> CriterionWording | None:
    entry = _version_file(language, policy_key, version_label).get(label)
    return None if entry is None else _wording(label, entry)


@cache
def _superseded_files(language: str, policy_key: str, version_label: str) -> tuple[dict, ...]:
    """The wording of a version's earlier editions, latest first (``superseded/<policy key>--
    <version label>--edition-<n>.yaml``): a case still on an earlier edition of the library
    prints the wording written from that edition's English."""
    folder = WORDING_DIR / language / SUPERSEDED_DIR
    found = []
    for path in folder.glob(f"{policy_key}--{version_label}--edition-*.yaml"):
        number = path.stem.rsplit("--edition-", 1)[1]
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        criteria = {str(label): entry for label, entry in (data.get("criteria") or {}).items()}
        found.append((int(number) if number.isdigit() else 0, criteria))
    return tuple(criteria for _, criteria in sorted(found, key=lambda item: -item[0]))


def _wording(label: str, entry: dict) -> CriterionWording:
    source = entry.get("source") or {}
    return CriterionWording(
        label=label,
        member_reason=normalise(entry.get("member_reason")),
        text=normalise(entry.get("text")),
        source_text=normalise(source.get("text")),
        source_member_reason=normalise(source.get("member_reason")),
    )


# Items the library builds itself rather than reads from a version file: the outcome of an
# external review (EXT) and a medical director's review of a request the policy does not address
# (MDR). Their English is fixed in criteria/library_files.py; their wording in other languages
# is here, written from that English (a changed English makes it stale, as for any criterion).
_EXTERNAL_TEXT = re.compile(
    r"^A review against (?P<external>.+) found that the request meets those criteria\.$"
)
GENERATED_WORDING: dict[str, dict[str, str]] = {
    "EXT": {
        "source_text": "A review against {external} found that the request meets those criteria.",
        "source_member_reason": "Your plan checks this service against other rules ({external}). "
        "Your request did not meet them.",
        "es_text": "Una revisión con {external} mostró que la solicitud cumple esos criterios.",
        "es_member_reason": "Su plan revisa este servicio con otras reglas ({external}). Su "
        "solicitud no las cumplió.",
    },
    "MDR": {
        "source_text": "This policy does not address this request. A medical director reviews it "
        "on its clinical merits and records whether it is medically necessary.",
        "source_member_reason": "Your plan's policy has no rules for this request. A doctor who "
        "works for the plan looked at your records. The doctor found the request is not "
        "medically needed.",
        "es_text": "Esta póliza no trata esta solicitud. Un director médico la revisa según sus "
        "méritos clínicos y anota si es médicamente necesaria.",
        "es_member_reason": "La póliza de su plan no tiene reglas para esta solicitud. Un médico "
        "que trabaja para el plan revisó sus registros. El médico encontró que la solicitud no es "
        "médicamente necesaria.",
    },
}


def _generated_wording(*, language: str, label: str, text: str) -> CriterionWording | None:
    entry = GENERATED_WORDING.get(label)
    if entry is None:
        return None
    match = _EXTERNAL_TEXT.match(normalise(text))
    external = match.group("external") if match else ""
    fill = {"external": external}
    translated = language != "en"
    return CriterionWording(
        label=label,
        member_reason=entry[
            f"{language}_member_reason" if translated else "source_member_reason"
        ].format(**fill),
        text=entry[f"{language}_text"].format(**fill) if translated else "",
        source_text=entry["source_text"].format(**fill),
        source_member_reason=entry["source_member_reason"].format(**fill),
    )


def member_wording(
    *, language: str, policy_key: str, version_label: str, label: str, text: str, reason: str
) -> CriterionWording:
    """The wording of one criterion in a letter language, written from exactly this English
    (``text`` / ``reason``): the current edition's, or an earlier edition's for a case still on
    it; ``WordingMissing`` when there is none, or it was written from other English."""
    generated = _generated_wording(language=language, label=label, text=text)
    if generated is not None:
        candidates = [generated]
    else:
        current = criterion_wording(
            language=language, policy_key=policy_key, version_label=version_label, label=label
        )
        candidates = [current] if current is not None else []
        candidates += [
            _wording(label, entries[label])
            for entries in _superseded_files(language, policy_key, version_label)
            if label in entries
        ]
    if not candidates:
        raise WordingMissing(
            f"{policy_key} {version_label} {label} has no member wording in {language!r}."
        )
    for wording in candidates:
        if wording.matches(text=text, member_reason=reason):
            return wording
    raise WordingMissing(
        f"The {language!r} wording of {policy_key} {version_label} {label} was written from "
        "other English than the library has now: update it."
    )


def fact_wording(*, language: str, name: str, source_label: str) -> FactWording | None:
    """How a letter in ``language`` names a measured fact; None for facts it does not name.
    ``WordingMissing`` when the entry was written from another dictionary label."""
    entry = _facts_file(language).get(name)
    if entry is None:
        return None
    if normalise(entry.get("source")) != normalise(source_label):
        raise WordingMissing(
            f"The {language!r} wording of the fact {name!r} was written from another label."
        )
    return FactWording(name=name, records=normalise(entry["records"]), unit=str(entry["unit"]))


@cache
def _facts_sentence(language: str) -> tuple[str, dict[str, str]]:
    path = WORDING_DIR / language / "facts.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    data = data or {}
    return str(data.get("sentence", "")), {
        str(k): str(v) for k, v in (data.get("comparisons") or {}).items()
    }


def not_documented_reason(language: str) -> str:
    """The reason a letter gives for a requirement the records do not show either way."""
    path = WORDING_DIR / language / "facts.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    return normalise((data or {}).get("not_documented"))


def _tests(expr: Expr | None) -> Iterator[Test]:
    if expr is None:
        return
    if expr.test is not None:
        yield expr.test
    for child in expr.children:
        yield from _tests(child)


def _number(value: Any) -> str:
    if isinstance(value, Decimal | float):
        value = Decimal(str(value)).normalize()
        return f"{value:f}"
    return str(value)


def recorded_value_phrases(
    *,
    language: str,
    criterion: Criterion,
    facts: Mapping[str, Any],
    fact_labels: Mapping[str, str],
) -> list[str]:
    """The member's own recorded values that fail the criterion's thresholds, in plain words:
    "Your trial lowered your pain by 30%; the policy asks for at least 50%."

    Only measured facts (numbers) with a wording entry are named; yes/no facts speak through the
    reason itself. ``WordingMissing`` when a named fact's wording is stale.
    """
    sentence, comparisons = _facts_sentence(language)
    phrases = []
    for test in _tests(criterion.met_when):
        value = facts.get(test.fact)
        if (
            value is None
            or isinstance(value, bool)
            or not isinstance(value, int | Decimal | float)
            or test.op not in comparisons
        ):
            continue
        if evaluate_expr(Expr(op="test", test=test), facts) is not False:
            continue  # this test passes; another part of the rule failed
        wording = fact_wording(
            language=language, name=test.fact, source_label=fact_labels.get(test.fact, "")
        )
        if wording is None or not sentence:
            continue
        unit = wording.unit if wording.unit == "%" else f" {wording.unit}"
        text = sentence.format(
            records=wording.says(_number(value)),
            comparison=comparisons[test.op],
            threshold=_number(test.value),
            unit=unit,
        )
        phrases.append(text[:1].upper() + text[1:])
    return phrases


def fact_wording_problems(*, language: str, facts: dict[str, str]) -> list[str]:
    """Entries of ``language``'s facts file whose fact is gone or whose label changed
    (``facts``: name -> the dictionary's label now)."""
    problems = []
    for name, entry in _facts_file(language).items():
        if name not in facts:
            problems.append(
                f"The {language!r} facts wording names {name!r}, not in the dictionary."
            )
        elif normalise(entry.get("source")) != normalise(facts[name]):
            problems.append(f"The {language!r} wording of the fact {name!r} is stale.")
    return problems


def code_problems(*, language: str, codes: dict[str, str]) -> list[str]:
    """Codes of the catalogue (code -> English description) with no current description."""
    if language == "en":
        return []
    problems = []
    for code, description in codes.items():
        try:
            code_description(language=language, code=code, source_description=description)
        except WordingMissing as exc:
            problems.append(str(exc))
    return problems


def wording_problems(
    *, language: str, versions: list[tuple[str, str, list[tuple[str, str, str]]]]
) -> list[str]:
    """Every criterion of ``versions`` ((policy key, version label, [(label, text,
    member_reason)])) without current wording in ``language``, and every entry no criterion has."""
    problems = []
    for policy_key, version_label, criteria in versions:
        labels = set()
        for label, text, reason in criteria:
            labels.add(label)
            try:
                member_wording(
                    language=language,
                    policy_key=policy_key,
                    version_label=version_label,
                    label=label,
                    text=text,
                    reason=reason,
                )
            except WordingMissing as exc:
                problems.append(str(exc))
        for label in set(_version_file(language, policy_key, version_label)) - labels:
            problems.append(f"{policy_key} {version_label} {label}: wording for no criterion.")
    return problems


def reload() -> None:
    """Forget the files read so far (tests that write wording files)."""
    _version_file.cache_clear()
    _facts_file.cache_clear()
    _codes_file.cache_clear()
    _facts_sentence.cache_clear()


@cache
def _codes_file(language: str) -> dict[str, dict]:
    path = WORDING_DIR / language / "codes.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(code): entry for code, entry in (data.get("codes") or {}).items()}


def code_description(*, language: str, code: str, source_description: str) -> str:
    """A service code's plain description in a letter language (English: the catalogue's)."""
    if language == "en":
        return source_description
    entry = _codes_file(language).get(code)
    if entry is None or normalise(entry.get("source")) != normalise(source_description):
        raise WordingMissing(f"The code {code} has no current description in {language!r}.")
    return normalise(entry.get("description"))
