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
    if entry is None:
        return None
    source = entry.get("source") or {}
    return CriterionWording(
        label=label,
        member_reason=normalise(entry.get("member_reason")),
        text=normalise(entry.get("text")),
        source_text=normalise(source.get("text")),
        source_member_reason=normalise(source.get("member_reason")),
    )


def member_wording(
    *, language: str, policy_key: str, version_label: str, label: str, text: str, reason: str
) -> CriterionWording:
    """The current wording of one criterion in a letter language; ``WordingMissing`` when there
    is none or it was written from other English than ``text`` / ``reason``."""
    wording = criterion_wording(
        language=language, policy_key=policy_key, version_label=version_label, label=label
    )
    if wording is None:
        raise WordingMissing(
            f"{policy_key} {version_label} {label} has no member wording in {language!r}."
        )
    if not wording.matches(text=text, member_reason=reason):
        raise WordingMissing(
            f"The {language!r} wording of {policy_key} {version_label} {label} was written from "
            "other English than the library has now: update it."
        )
    return wording


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
