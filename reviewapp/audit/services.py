"""Writes to the access log: one row per read of member data, and the retention purge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from reviewapp.accounts.addresses import client_address
from reviewapp.accounts.models import SecurityEvent
from reviewapp.accounts.roles import roles_of

from .models import AccessEvent
from .registry import Read, Subject

_NOTE = "_access_note"


def access_note(
    request: HttpRequest,
    *,
    result_count: int | None = None,
    terms: str | None = None,
    subject: Subject | None = None,
    actor_name: str | None = None,
) -> None:
    """What only the view knows about a read, for the access-log row written after it: a
    search's result count, terms the query string does not carry, the subject (when the view
    has it at hand), or the API client's name."""
    note = getattr(request, _NOTE, {})
    given = {
        "result_count": result_count,
        "terms": terms,
        "subject": subject,
        "actor_name": actor_name,
    }
    note.update({key: value for key, value in given.items() if value is not None})
    setattr(request, _NOTE, note)


def _terms(request: HttpRequest, read: Read) -> str:
    parts = []
    for name in read.terms:
        for value in request.GET.getlist(name):
            if value.strip():
                parts.append(f"{name}={value.strip()}")
    return " ".join(parts)[:500]


def access_record(
    *,
    request: HttpRequest,
    read: Read,
    url_kwargs: dict[str, Any],
    status: int,
    actor: AbstractBaseUser | None = None,
) -> AccessEvent:
    """Append the access-log row for one read (called by ``AccessLogMiddleware``, or by an
    endpoint that is not a page, such as an API read, with its own ``read``)."""
    note: dict[str, Any] = getattr(request, _NOTE, {})
    user: AbstractBaseUser | AnonymousUser | None = (
        actor if actor is not None else getattr(request, "user", None)
    )
    staff = user if user is not None and user.is_authenticated else None
    subject = note.get("subject")
    if subject is None and read.subject is not None:
        subject = read.subject(request, url_kwargs)
    subject = subject or Subject(detail="not found" if status == 404 else "")
    terms = note.get("terms") or _terms(request, read)
    kind = read.kind
    if read.search_when and request.GET.get(read.search_when, "").strip():
        kind = read.search_kind or kind
    match = getattr(request, "resolver_match", None)
    return AccessEvent.objects.create(
        user_id=staff.pk if staff is not None else None,
        username=note.get("actor_name") or (staff.get_username() if staff is not None else ""),
        roles=", ".join(sorted(role.value for role in roles_of(staff)))
        if staff is not None
        else "",
        address=client_address(request),
        kind=kind,
        case_pk=subject.case_pk,
        case_reference=subject.case_reference,
        member_id=subject.member_id,
        object_type=subject.object_type,
        object_pk=subject.object_pk,
        detail=subject.detail[:300],
        terms=terms,
        result_count=note.get("result_count"),
        method=request.method or "",
        path=request.path[:500],
        view_name=match.view_name[:100] if match else "",
        status=status,
    )


def retention_cutoff(*, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)


@transaction.atomic
def audit_purge(*, dry_run: bool = False) -> dict[str, int]:
    """Remove access-log rows and security events older than ``ACCESS_LOG_RETENTION_DAYS``
    (six years at least). Returns how many of each were (or, dry run, would be) removed."""
    cutoff = retention_cutoff()
    old_reads = AccessEvent.objects.filter(at__lt=cutoff)
    old_events = SecurityEvent.objects.filter(at__lt=cutoff)
    counts = {"access_events": old_reads.count(), "security_events": old_events.count()}
    if not dry_run:
        # QuerySet.delete() bypasses the models' refusal of delete(); the database still refuses
        # anything younger than its floor.
        old_reads.delete()
        old_events.delete()
    return counts
