"""The documents panel's reads of member data, declared to the access log (``reviewapp.audit``):
what was read from a case's documents (suggested facts with their quotes), a search across them,
and the text read from one page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from reviewapp.audit import registry
from reviewapp.audit.models import AccessKind
from reviewapp.audit.registry import Subject
from reviewapp.cases.access_log import case_subject
from reviewapp.cases.models import Evidence


def _panel(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    return case_subject(kwargs["pk"], detail="read from the documents: readings and suggestions")


def _search(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    return case_subject(kwargs["pk"], detail="search of the case's documents")


def _page_text(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    row = (
        Evidence.objects.filter(pk=kwargs["evidence_id"], case_id=kwargs["pk"])
        .values_list("case_id", "case__reference", "case__member_id", "pk", "original_name")
        .first()
    )
    if row is None:
        return None
    return Subject(
        case_pk=row[0],
        case_reference=row[1],
        member_id=row[2],
        object_type="evidence",
        object_pk=row[3],
        detail=f"{row[4]} (page {kwargs['number']} text read)",
    )


def register_reads() -> None:
    registry.register("documents:panel", AccessKind.EVIDENCE, subject=_panel)
    registry.register(
        "documents:search",
        AccessKind.EVIDENCE,
        subject=_search,
        terms=("q",),
        search_when="q",
        search_kind=AccessKind.SEARCH,
    )
    registry.register("documents:page-text", AccessKind.EVIDENCE, subject=_page_text)
