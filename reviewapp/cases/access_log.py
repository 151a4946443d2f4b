"""The case pages that read member data, declared to the access log (``reviewapp.audit``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from reviewapp.audit import registry
from reviewapp.audit.models import AccessKind
from reviewapp.audit.registry import Subject

from .models import Case, Evidence

QUEUE_TERMS = ("q", "tab", "status", "policy", "priority", "page")


def case_subject(pk: Any, detail: str = "") -> Subject | None:
    row = Case.objects.filter(pk=pk).values_list("pk", "reference", "member_id").first()
    if row is None:
        return None
    return Subject(case_pk=row[0], case_reference=row[1], member_id=row[2], detail=detail)


def _case(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    return case_subject(kwargs["pk"])


def _evidence(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    row = (
        Evidence.objects.filter(pk=kwargs["evidence_id"], case_id=kwargs["pk"])
        .values_list(
            "case_id", "case__reference", "case__member_id", "pk", "original_name", "content_type"
        )
        .first()
    )
    if row is None:
        return None
    view_name = request.resolver_match.url_name if request.resolver_match else ""
    if view_name == "evidence-page":
        how = f"page {kwargs['page']} image"
    elif view_name == "evidence-view":
        how = f"viewer, page {request.GET.get('page') or 1}"
    elif row[5] == "application/pdf" or request.GET.get("download") == "1":
        how = "download"
    else:
        how = "shown"
    return Subject(
        case_pk=row[0],
        case_reference=row[1],
        member_id=row[2],
        object_type="evidence",
        object_pk=row[3],
        detail=f"{row[4]} ({how})",
    )


def _member(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    member_id = (request.GET.get("member_id") or "").strip().upper()
    if not member_id or len(member_id) > Case._meta.get_field("member_id").max_length:
        return None  # no member's ID (what was typed is in the row's search terms)
    return Subject(member_id=member_id, detail="intake: the member's open and trial cases")


def _case_by_reference(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    reference = request.GET.get("reference", "").strip()[:30]
    row = (
        Case.objects.filter(reference__iexact=reference)
        .values_list("pk", "reference", "member_id")
        .first()
    )
    if row is None:
        return None
    return Subject(case_pk=row[0], case_reference=row[1], member_id=row[2])


def register_reads() -> None:
    registry.register("cases:detail", AccessKind.CASE, subject=_case)
    registry.register("cases:timeline", AccessKind.TIMELINE, subject=_case)
    registry.register("cases:access-log", AccessKind.ACCESS_LOG, subject=_case)
    # Action forms shown over the case page (a GET shows the case; their POSTs are changes,
    # recorded in the case timeline, not here).
    for action in ("pend", "refer", "reassign"):
        registry.register(f"cases:{action}", AccessKind.CASE, subject=_case)
    # Finding a case to reassign by its reference: a search (its term and whether it found one).
    registry.register(
        "cases:reassign-find",
        AccessKind.SEARCH,
        subject=_case_by_reference,
        terms=("reference",),
    )
    registry.register("cases:evidence-file", AccessKind.EVIDENCE, subject=_evidence)
    registry.register("cases:evidence-view", AccessKind.EVIDENCE, subject=_evidence)
    registry.register("cases:evidence-page", AccessKind.EVIDENCE, subject=_evidence)
    # Intake looks up the member's cases as the member ID is entered (a search by member).
    registry.register(
        "cases:member-cases", AccessKind.SEARCH, subject=_member, terms=("member_id",)
    )
    registry.register(
        "cases:queue",
        AccessKind.CASE_LIST,
        terms=QUEUE_TERMS,
        search_when="q",
        search_kind=AccessKind.SEARCH,
    )
