"""The letter pages that read member data, declared to the access log."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from reviewapp.audit import registry
from reviewapp.audit.models import AccessKind
from reviewapp.audit.registry import Subject
from reviewapp.audit.services import access_note
from reviewapp.decisions.models import Determination

from .models import Delivery, Letter


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


def _issued_letter(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    row = (
        Letter.objects.filter(pk=kwargs["pk"])
        .values_list("case_id", "case__reference", "case__member_id", "pk", "kind")
        .first()
    )
    if row is None:
        return None
    return Subject(
        case_pk=row[0],
        case_reference=row[1],
        member_id=row[2],
        object_type="letter",
        object_pk=row[3],
        detail=f"signed {row[4]} letter download",
    )


def _mail_batch(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    """A mail batch holds several members' letters: the read names the batch and how many."""
    count = Delivery.objects.filter(batch_id=kwargs["pk"]).count()
    return Subject(
        object_type="mail_batch",
        object_pk=kwargs["pk"],
        detail=f"mail batch PDF: {count} letter(s) with their mailing addresses",
    )


def _mail_room(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    return Subject(detail="mail room: names and mailing addresses of letters waiting to be sent")


def register_reads() -> None:
    registry.register("letters:preview", AccessKind.LETTER, subject=_letter)
    registry.register("letters:download", AccessKind.LETTER, subject=_letter)
    registry.register("letters:verify", AccessKind.LETTER, methods=("POST",))
    registry.register("letters:letter-file", AccessKind.LETTER, subject=_issued_letter)
    registry.register("letters:mail-batch-pdf", AccessKind.LETTER, subject=_mail_batch)
    registry.register("letters:mail-room", AccessKind.CASE_LIST, subject=_mail_room)
