"""Reads for the documents panel of a case page, search, and the page texts.

``documents_panel`` costs a fixed number of queries whatever the number of documents and
suggestions: readings (with their documents), suggestions (with fact, document and decider), and
the case's recorded facts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from criteria import selectors as library
from criteria.facts import FactDef
from reviewapp.cases import selectors as case_selectors
from reviewapp.cases.models import Case, CaseFact, Evidence

from .models import DocumentReading, PageText, Suggestion, SuggestionStatus


def fact_definitions() -> dict[str, FactDef]:
    """The loaded fact dictionary; the library files' when none is loaded (a fresh database)."""
    from .extraction import library_facts

    return library.fact_dictionary() or library_facts()


def value_display(definition: FactDef, raw: Any) -> str:
    return definition.display(definition.parse(raw))


@dataclass
class SuggestionRow:
    suggestion: Suggestion
    display: str
    agrees: bool  # the same value as the fact recorded now


@dataclass
class FactSuggestions:
    """What the documents say about one fact, side by side, beside what is recorded."""

    definition: FactDef
    recorded: CaseFact | None
    recorded_display: str
    rows: list[SuggestionRow] = field(default_factory=list)

    @property
    def values(self) -> set[str]:
        return {row.suggestion.value_key for row in self.rows}

    @property
    def conflict(self) -> bool:
        """The documents give different values: shown together, never resolved silently."""
        return len(self.values) > 1

    @property
    def pending(self) -> list[SuggestionRow]:
        return [r for r in self.rows if r.suggestion.status == SuggestionStatus.PENDING]


@dataclass
class DocumentsPanel:
    case: Case
    readings: list[DocumentReading]
    facts: list[FactSuggestions]
    other_facts: int  # suggestions for facts this checklist does not use
    dismissed: int

    @property
    def in_progress(self) -> bool:
        return any(r.in_progress for r in self.readings)

    @property
    def pending(self) -> int:
        return sum(len(f.pending) for f in self.facts)


def documents_panel(case: Case) -> DocumentsPanel:
    """Readings, then suggestions grouped by fact in the checklist's fact order (3 queries)."""
    readings = list(
        DocumentReading.objects.filter(evidence__case=case)
        .select_related("evidence")
        .order_by("evidence__uploaded_at", "evidence_id")
    )
    suggestions = list(
        Suggestion.objects.filter(case=case)
        .select_related("fact", "evidence", "decided_by__staff_profile")
        .order_by("evidence__uploaded_at", "page", "id")
    )
    recorded = {
        row.fact.name: row for row in CaseFact.objects.filter(case=case).select_related("fact")
    }
    definitions = fact_definitions()
    used = case_selectors.checklist_facts(case)
    by_fact: dict[str, list[Suggestion]] = defaultdict(list)
    other = dismissed = 0
    for suggestion in suggestions:
        if suggestion.fact.name not in used:
            other += 1
        elif suggestion.status == SuggestionStatus.DISMISSED:
            dismissed += 1
        else:
            by_fact[suggestion.fact.name].append(suggestion)
    facts = []
    for name in used:
        if name not in by_fact:
            continue
        definition = definitions[name]
        current = recorded.get(name)
        group = FactSuggestions(
            definition,
            current,
            value_display(definition, current.value) if current else "not recorded",
        )
        for suggestion in by_fact[name]:
            group.rows.append(
                SuggestionRow(
                    suggestion,
                    value_display(definition, suggestion.value),
                    agrees=current is not None and current.value == suggestion.value,
                )
            )
        facts.append(group)
    return DocumentsPanel(case, readings, facts, other, dismissed)


# --- search ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    evidence: Evidence
    page: int
    snippet: SafeString


SEARCH_LIMIT = 50
_START, _STOP = "\x02", "\x03"  # markers the database puts around a match; escaped, then marked


def case_search(*, case: Case, query: str, limit: int = SEARCH_LIMIT) -> list[Hit]:
    """Pages of the case's documents that match ``query``, best first, each with the matching
    words in context. PostgreSQL: full-text search (English stemming, its GIN index); SQLite:
    every word must appear in the page (a plain substring match), in document order."""
    query = " ".join(query.split())[:200]
    if not query:
        return []
    pages = PageText.objects.filter(evidence__case=case).select_related("evidence")
    if connection.vendor == "postgresql":
        return _search_postgres(pages, query, limit)
    return _search_fallback(pages, query, limit)


def _search_postgres(pages, query: str, limit: int) -> list[Hit]:
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        SearchVector,
    )

    vector = SearchVector("text", config="english")
    search = SearchQuery(query, config="english", search_type="websearch")
    rows = (
        pages.annotate(document=vector)
        .filter(document=search)
        .annotate(
            rank=SearchRank(vector, search),
            headline=SearchHeadline(
                "text",
                search,
                config="english",
                start_sel=_START,
                stop_sel=_STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "evidence__uploaded_at", "number")[:limit]
    )
    return [Hit(row.evidence, row.number, _marked(row.headline)) for row in rows]


def _search_fallback(pages, query: str, limit: int) -> list[Hit]:
    words = [w for w in re.findall(r"\w[\w'-]*", query) if len(w) > 1][:8]
    if not words:
        return []
    for word in words:
        pages = pages.filter(text__icontains=word)
    hits = []
    for row in pages.order_by("evidence__uploaded_at", "number")[:limit]:
        hits.append(Hit(row.evidence, row.number, _snippet(row.text, words)))
    return hits


def _snippet(text: str, words: list[str], width: int = 90) -> SafeString:
    flat = " ".join(text.split())
    pattern = re.compile("|".join(re.escape(w) for w in words), re.I)
    first = pattern.search(flat)
    start = max(0, first.start() - width) if first else 0
    piece = flat[start : start + 2 * width + 40]
    marked = pattern.sub(lambda m: f"{_START}{m.group(0)}{_STOP}", piece)
    return _marked(
        ("… " if start else "") + marked + (" …" if len(flat) > start + len(piece) else "")
    )


def _marked(text: str) -> SafeString:
    """Escape the page text, then turn the match markers into <mark>."""
    escaped = escape(" ".join(text.split()))
    # Escaped above; only our own <mark> tags are added.
    return mark_safe(  # nosec B308 B703
        escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")
    )


def suggestion_get(*, case: Case, pk: int) -> Suggestion | None:
    """One of the case's suggestions, or None when the id is not one of them."""
    return Suggestion.objects.filter(pk=pk, case=case).first()


def page_text(*, evidence: Evidence, number: int) -> PageText | None:
    return PageText.objects.filter(evidence=evidence, number=number).first()


def reading_for(*, evidence: Evidence) -> DocumentReading | None:
    return DocumentReading.objects.filter(evidence=evidence).first()


def value_for_json(definition: FactDef, raw: Any) -> Any:
    """A stored suggestion value in its typed JSON form (numbers as numbers)."""
    value = definition.parse(raw)
    if definition.type.value == "decimal":
        return int(value) if value == value.to_integral_value() else float(value)
    return value
