"""Constructed cases for the operations reports: each with a known receipt, decision, notice,
outcome, priority and line of business, so that every figure can be computed by hand."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from reviewapp.cases.models import Case, CaseStatus, InformationRequest
from reviewapp.decisions.models import Determination, Outcome
from reviewapp.operations import sources
from tests.factories import CaseFactory, answered_case


def at(text: str) -> dt.datetime:
    """A time in the organisation's time zone: at("2025-03-01 08:00")."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def determination(case: Case, *, by, outcome: str, decided_at: dt.datetime, supersedes=None):
    return Determination.objects.create(
        case=case,
        outcome=outcome,
        decided_by=by,
        decider_name=by.staff_profile.display_name,
        decider_role="Medical director",
        decided_at=decided_at,
        reasons="Not met." if outcome in (Outcome.DENIED, Outcome.PARTIALLY_APPROVED) else "",
        supersedes=supersedes,
    )


def request(
    *,
    by,
    received: str,
    decider=None,
    decided: str | None = None,
    outcome: str = Outcome.APPROVED,
    line_of_business: str = "medicaid",
    priority: str = "standard",
    extended: bool = False,
    notice: str | None = None,
    referred: bool = False,
    pended: bool = False,
    assignee=None,
) -> Case:
    """A request received at ``received`` (local time) and, when ``decided`` is given, decided
    then with ``outcome`` and closed at ``notice`` (or the decision, for a withdrawal)."""
    case = CaseFactory(
        by=by, received_at=at(received), line_of_business=line_of_business, priority=priority
    )
    fields: dict = {"due_extended": extended, "assigned_to": assignee or by}
    if extended:
        fields["due_at"] = case.due_at + dt.timedelta(days=14)
    if referred:
        fields["referred_at"] = at(received) + dt.timedelta(hours=1)
    if pended:
        InformationRequest.objects.create(case=case, text="Send notes.", requested_by=by)
    if decided is not None:
        determination(case, by=decider or by, outcome=outcome, decided_at=at(decided))
        withdrawn = outcome == Outcome.WITHDRAWN
        fields["status"] = CaseStatus.WITHDRAWN if withdrawn else CaseStatus.CLOSED
        fields["closed_at"] = at(decided) if withdrawn else at(notice or decided)
        if not withdrawn:  # the notice stops the clock (``sources.NOTICE_FIELD``)
            fields[sources.NOTICE_FIELD] = at(notice or decided)
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


def open_case(*, by, received_ago: dt.timedelta, due_in: dt.timedelta, **kwargs) -> Case:
    """An open case received ``received_ago`` and due ``due_in`` from now (negative: overdue)."""
    now = timezone.now()
    case = CaseFactory(by=by, received_at=now - received_ago, **kwargs)
    Case.objects.filter(pk=case.pk).update(due_at=now + due_in)
    case.refresh_from_db()
    return case


def closed_case(nurse, *, decided="2025-06-10 10:00", overrides=None, outcome=Outcome.APPROVED):
    """A Molina MCP-160 malignant trial, every criterion answered as its facts propose (but for
    ``overrides``), decided by ``nurse`` at ``decided`` and closed."""
    from tests.criteria.library.cases_molina_2025 import MALIGNANT_TRIAL

    case = answered_case(
        by=nurse,
        facts=MALIGNANT_TRIAL,
        overrides=overrides or {},
        indication="malignant_pain",
        codes=(("62324", 1),),
    )
    determination(case, by=nurse, outcome=outcome, decided_at=at(decided))
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=at(decided))
    case.refresh_from_db()
    return case
