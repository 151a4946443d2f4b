"""The letter pages that read member data, declared to the access log."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from reviewapp.audit import registry
from reviewapp.audit.models import AccessKind
from reviewapp.audit.registry import Subject
from reviewapp.audit.services import access_note
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


def verification_note(request: HttpRequest, determinations) -> None:
    """Verifying a letter shows which determination and case it belongs to: a read of that case
    (the view passes what it found)."""
    found = list(determinations)
    first = found[0] if found else None
    subject = Subject(
        case_pk=first.case.pk if first else None,
        case_reference=first.case.reference if first else "",
        member_id=first.case.member_id if first else "",
        object_type="determination" if first else "",
        object_pk=first.pk if first else None,
        detail=f"letter verification: {len(found)} determination(s) with this letter",
    )
    access_note(request, subject=subject, result_count=len(found))


def register_reads() -> None:
    registry.register("letters:preview", AccessKind.LETTER, subject=_letter)
    registry.register("letters:download", AccessKind.LETTER, subject=_letter)
    registry.register("letters:verify", AccessKind.LETTER, methods=("POST",))
