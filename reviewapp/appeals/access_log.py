"""The appeal pages that read member data, declared to the access log (``reviewapp.audit``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from reviewapp.audit import registry
from reviewapp.audit.models import AccessKind
from reviewapp.audit.registry import Subject
from reviewapp.cases.access_log import case_subject

from .models import Appeal

QUEUE_TERMS = ("tab", "lob")


def _appeal(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    row = (
        Appeal.objects.filter(pk=kwargs["pk"])
        .values_list("case_id", "case__reference", "case__member_id", "pk", "reference")
        .first()
    )
    if row is None:
        return None
    view_name = request.resolver_match.url_name if request.resolver_match else ""
    what = {
        "letter": "appeal letter preview",
        "case-file": "case file for independent review",
    }.get(view_name, "appeal")
    return Subject(
        case_pk=row[0],
        case_reference=row[1],
        member_id=row[2],
        object_type="appeal",
        object_pk=row[3],
        detail=f"{what} {row[4]}",
    )


def _case(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    return case_subject(kwargs["pk"], detail="appeal filing form")


def register_reads() -> None:
    registry.register("appeals:queue", AccessKind.CASE_LIST, terms=QUEUE_TERMS)
    registry.register("appeals:detail", AccessKind.CASE, subject=_appeal)
    registry.register("appeals:letter", AccessKind.LETTER, subject=_appeal)
    registry.register("appeals:case-file", AccessKind.EVIDENCE, subject=_appeal)
    registry.register("appeals:file", AccessKind.CASE, subject=_case)
