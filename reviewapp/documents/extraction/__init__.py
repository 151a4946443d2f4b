"""Suggested facts from the text of a document: the fact, its value, the page and the sentence.

Plain Python, like ``criteria/engine.py``: text in, findings out, no ORM. ``DocumentExtractor``
reads one document page by page (so suggestions can be stored as each page is read) and keeps
what it learnt from earlier pages: the kind of document (a trial report, a psychological
evaluation) and what it already suggested. The same code serves the case page (through the
reading task) and ``manage.py evidence suggest``.

Within one document a fact's value is suggested once (the first page that states it); two
different values for one fact are both suggested (the reviewer sees them side by side); one
sentence that gives two different values for a fact gives neither.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from criteria.facts import FactDef, FactValueError

from .language import Unit, segment
from .matchers import Column, DocumentState
from .rules import NOT_SUGGESTED, RULES

QUOTE_CHARS = 400
# Kinds of document, from its titles and labels: some facts are read only in their own kind.
# A title names what the document is ("INTRATHECAL TRIAL REPORT"); a fax cover's "RE:" line
# that mentions a trial does not make the faxed pages a trial report.
KINDS = {
    "psych": re.compile(
        r"^(?!re\b|subject\b).*(?:psycholog\w* (?:evaluation|assessment|consultation)|"
        r"behaviou?ral health (?:evaluation|assessment))",
        re.I,
    ),
    "trial": re.compile(
        r"^(?!re\b|subject\b).*(?:(?:trial|screening|bolus) (?:report|results|note|summary)|"
        r"(?:screening|bolus) trial$|trial$)",
        re.I,
    ),
    "pump": re.compile(
        r"^(?!re\b|subject\b).*(?:pump (?:analysis|interrogation)|interrogation)", re.I
    ),
    "spasticity": re.compile(r"spastic", re.I),
}


@dataclass(frozen=True)
class Finding:
    fact: str
    value: Any  # typed: bool, int, Decimal, or a choice's value
    page: int
    quote: str


@lru_cache(maxsize=1)
def library_facts() -> dict[str, FactDef]:
    """The fact dictionary as the library files define it (no database needed)."""
    from criteria.library_files import read_facts

    return read_facts()


class DocumentExtractor:
    def __init__(self, facts: Mapping[str, FactDef] | None = None) -> None:
        self.facts = dict(facts if facts is not None else library_facts())
        self.state = DocumentState()
        self._seen: set[tuple[str, str]] = set()

    def page(self, number: int, text: str) -> list[Finding]:
        """The new findings of one page (in reading order)."""
        units = segment(text)
        for unit in units:
            for kind, pattern in KINDS.items():
                if (unit.kind == "line" or kind == "spasticity") and pattern.search(unit.text):
                    self.state.kinds.add(kind)
        findings: list[Finding] = []
        latest_rows: dict[str, tuple[dt.date, Finding]] = {}
        for unit in units:
            for fact, rules in RULES.items():
                definition = self.facts.get(fact)
                if definition is None:
                    continue
                values, from_rows = [], False
                for rule in rules:
                    for value in rule.findings(unit, self.state):
                        values.append(value)
                        from_rows = from_rows or isinstance(rule, Column)
                if len({_key(v) for v in values}) != 1:
                    continue  # nothing, or a sentence that says two things
                value = _typed(definition, values[0])
                if value is None:
                    continue
                finding = Finding(fact, value, number, _quote(unit))
                if from_rows:
                    # Only the latest visit in a table counts; the earlier rows are history.
                    when = _date(unit.date)
                    best = latest_rows.get(fact)
                    if when is not None and (best is None or when > best[0]):
                        latest_rows[fact] = (when, finding)
                    continue
                findings.append(finding)
        findings.extend(finding for _, finding in latest_rows.values())
        fresh = []
        for finding in findings:
            key = (finding.fact, _key(finding.value))
            if key not in self._seen:
                self._seen.add(key)
                fresh.append(finding)
        return fresh


def suggested_facts() -> set[str]:
    return set(RULES)


def not_suggested() -> dict[str, str]:
    """Facts no rule suggests, with the reason: a reviewer's judgement over the whole record, or a
    retired fact (no current criterion reads it; the facts replacing it have their own rules)."""
    retired = {
        name: "retired: " + ", ".join(fact.replaced_by) + " now say what it meant"
        for name, fact in library_facts().items()
        if fact.retired
    }
    return {**retired, **NOT_SUGGESTED}


def _key(value: Any) -> str:
    return f"{type(value).__name__}:{value}"


def _typed(definition: FactDef, value: Any) -> Any:
    """The value in the fact's own type, or None when the dictionary refuses it (range)."""
    try:
        parsed = definition.parse(value)
    except FactValueError:
        return None
    if isinstance(parsed, Decimal) and parsed == parsed.to_integral_value():
        parsed = Decimal(int(parsed))
    return parsed


def _quote(unit: Unit) -> str:
    text = " ".join(unit.text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


def _date(text: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    return None
