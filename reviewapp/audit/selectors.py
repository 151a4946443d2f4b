"""Reads of the access log and the security events, for managers, administrators and staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from reviewapp.accounts.models import SecurityEvent

from .models import AccessEvent


@dataclass(frozen=True)
class LogFilters:
    user: str = ""
    member_id: str = ""
    case_reference: str = ""
    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def describe(self) -> str:
        """The filters as search terms (the log view is itself a read, logged with them)."""
        parts = [f"{k}={v}" for k, v in vars(self).items() if v]
        return " ".join(parts)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _dated(events: QuerySet, filters: LogFilters) -> QuerySet:
    if filters.date_from:
        events = events.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return events


def access_events(*, filters: LogFilters) -> QuerySet[AccessEvent]:
    """The access log, newest first, filtered by user, member, case, kind and date (one query).

    Filtering by member also finds searches whose terms named the member ID.
    """
    events = AccessEvent.objects.all()
    if filters.user:
        events = events.filter(username__iexact=filters.user.strip())
    if filters.member_id:
        term = filters.member_id.strip()
        events = events.filter(Q(member_id__iexact=term) | Q(terms__icontains=term))
    if filters.case_reference:
        events = events.filter(case_reference__iexact=filters.case_reference.strip())
    if filters.kind:
        events = events.filter(kind=filters.kind)
    return _dated(events, filters).order_by("-at", "-id")


def security_events(*, filters: LogFilters) -> QuerySet[SecurityEvent]:
    """Security events, newest first; ``user`` matches who acted or whose account it was."""
    events = SecurityEvent.objects.all()
    if filters.user:
        name = filters.user.strip()
        events = events.filter(Q(actor_name__iexact=name) | Q(target_name__iexact=name))
    if filters.kind:
        events = events.filter(kind=filters.kind)
    return _dated(events, filters).order_by("-at", "-id")


@dataclass(frozen=True)
class CaseReader:
    username: str
    roles: str
    first_at: dt.datetime
    last_at: dt.datetime
    reads: int


def case_readers(*, case_pk: int) -> list[CaseReader]:
    """Who has looked at a case: each person once, with their first and last read and how many
    reads (one query). Refused attempts are not readings and are left out here."""
    rows = (
        AccessEvent.objects.filter(case_pk=case_pk, status__lt=400)
        .values("username", "roles")
        .annotate(first_at=Min("at"), last_at=Max("at"), reads=Count("id"))
        .order_by("-last_at")
    )
    return [CaseReader(**row) for row in rows]
