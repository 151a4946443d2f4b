"""The letter pages that read member data, declared to the access log."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from reviewapp.audit import registry
from reviewapp.audit.models import AccessKind
from reviewapp.audit.registry import Subject
from reviewapp.decisions.models import Determination


def _letter(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    row = (
        Determination.objects.filter(pk=kwargs["pk"])
        .values_list("case_id", "case__reference", "case__member_id", "pk")
        .first()
    )
    if row is None:
        return None
    view_name = request.resolver_match.url_name if request.resolver_match else ""
    return Subject(
        case_pk=row[0],
        case_reference=row[1],
        member_id=row[2],
        object_type="determination",
        object_pk=row[3],
        detail="signed letter download" if view_name == "download" else "letter preview",
    )


def register_reads() -> None:
    registry.register("letters:preview", AccessKind.LETTER, subject=_letter)
    registry.register("letters:download", AccessKind.LETTER, subject=_letter)
