"""Reads for the UM manager: the dashboard, the turnaround digest, productivity, the CMS-0057-F
metrics, and inter-rater reliability studies.

Every report is a fixed number of grouped queries, whatever the number of cases: the counts
are ``COUNT(...) FILTER (WHERE ...)`` per group, the medians PostgreSQL's ``percentile_cont``
(on SQLite, the demo's database, the medians are taken in Python over the group's values).
What a clock, a notice or an appeal is comes from ``sources``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Case as CaseWhen
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.utils import timezone

from criteria import selectors as library
from criteria.codes import catalogue
from criteria.engine import Criterion
from criteria.models import Node, Policy
from criteria.vocabulary import STAGES
from reviewapp.accounts.models import staff_display_name
from reviewapp.accounts.roles import REVIEW_CASES, VIEW_OPERATIONS
from reviewapp.appeals.models import Appeal
from reviewapp.cases.models import (
    CLOCK_ALERT_SHARE,
    OPEN_STATUSES,
    Answer,
    AnswerStatus,
    Case,
    CaseStatus,
    Evidence,
    InformationRequest,
    Priority,
    RequestedService,
)
from reviewapp.cases.selectors import AGE_BANDS
from reviewapp.core.dbfunctions import Median, Seconds, median, median_in_database
from reviewapp.decisions.models import Outcome

from . import cms0057, sources
from .agreement import Agreement, agreement
from .models import IrrAnswer, IrrAssignment, IrrReference, IrrStudy, IrrStudyCase

HOUR = 3600.0
T = TypeVar("T")


def operations_access(*, user: User) -> None:
    """The access selector of every manager's page: 403 without ``view_operations``."""
    if not user.has_perm(VIEW_OPERATIONS):
        raise PermissionDenied("Only UM managers can open the operations pages.")


def recent(key: str, compute: Callable[[], T], *, seconds: int | None = None) -> T:
    """``compute()``, or what it gave within the last ``OPERATIONS_CACHE_SECONDS`` (Django's
    cache): the dashboard and productivity pages read tens of thousands of cases; a manager's
    figures may be a minute old (the pages say as of when). 0 turns the cache off."""
    seconds = settings.OPERATIONS_CACHE_SECONDS if seconds is None else seconds
    if seconds <= 0:
        return compute()
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, seconds)
    return cast(T, found)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 1)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# --- the dashboard -----------------------------------------------------------------------------


def _clock_counts(now: dt.datetime) -> dict[str, Any]:
    """What the dashboard counts of the open cases, as cumulative counts (one comparison each,
    the cheapest to evaluate per case): received within each age band's upper bound, due before
    now and before now + 24 hours, past the alert share of the clock, expedited."""
    counts: dict[str, Any] = {"open": Count("pk")}
    for key, (_, _, high) in AGE_BANDS.items():
        if high is not None:
            counts[f"within_{key}"] = Count(
                "pk", filter=Q(received_at__gt=now - dt.timedelta(hours=high))
            )
    counts["due_before_now"] = Count("pk", filter=Q(due_at__lt=now))
    counts["due_before_24h"] = Count("pk", filter=Q(due_at__lt=now + dt.timedelta(hours=24)))
    counts["alert"] = Count(
        "pk",
        filter=Q(due_at__gte=now, left_seconds__lte=F("clock_seconds") * (1 - CLOCK_ALERT_SHARE)),
    )
    counts["expedited"] = Count("pk", filter=Q(priority=Priority.EXPEDITED))
    return counts


def _figures(row: dict[str, Any]) -> dict[str, int]:
    """The dashboard's figures of one group, from ``_clock_counts``' cumulative counts."""
    figures = {
        "open": row["open"],
        "overdue": row["due_before_now"],
        "due_24h": row["due_before_24h"] - row["due_before_now"],
        "alert": row["alert"],
        "expedited": row["expedited"],
    }
    below = 0
    for key, (_, _, high) in AGE_BANDS.items():
        within = row[f"within_{key}"] if high is not None else row["open"]
        figures[f"age_{key}"] = within - below
        below = within
    return figures


def _open_cases(now: dt.datetime) -> QuerySet[Case]:
    return Case.objects.filter(status__in=OPEN_STATUSES).alias(
        clock_seconds=Seconds(F("due_at"), F("received_at")),
        left_seconds=Seconds(F("due_at"), Value(now)),
    )


@dataclass(frozen=True)
class InventoryRow:
    status: str
    label: str
    by_age: list[tuple[str, int]]  # (age band key, count)
    open: int
    overdue: int
    due_24h: int
    alert: int


@dataclass(frozen=True)
class WorkloadRow:
    reviewer_id: int | None
    name: str
    open: int
    overdue: int
    due_24h: int
    alert: int
    expedited: int


@dataclass(frozen=True)
class AppealsDue:
    open: int
    overdue: int
    due_24h: int


@dataclass
class Dashboard:
    now: dt.datetime
    inventory: list[InventoryRow]
    workload: list[WorkloadRow]
    appeals: AppealsDue
    age_bands: dict[str, str] = field(
        default_factory=lambda: {k: label for k, (label, _, _) in AGE_BANDS.items()}
    )

    def _sum(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.inventory)

    @property
    def open(self) -> int:
        return self._sum("open")

    @property
    def overdue(self) -> int:
        return self._sum("overdue")

    @property
    def due_24h(self) -> int:
        return self._sum("due_24h")

    @property
    def alert(self) -> int:
        return self._sum("alert")

    def status_count(self, status: str) -> int:
        return next((row.open for row in self.inventory if row.status == status), 0)

    @property
    def pended(self) -> int:
        return self.status_count(CaseStatus.PENDED)

    @property
    def referred(self) -> int:
        return self.status_count(CaseStatus.REFERRED)

    @property
    def age_totals(self) -> list[tuple[str, int]]:
        return [
            (key, sum(dict(row.by_age)[key] for row in self.inventory)) for key in self.age_bands
        ]


def dashboard(*, now: dt.datetime | None = None) -> Dashboard:
    """The manager's dashboard in three queries: the open cases counted in one pass, by status
    and reviewer (``case_open_clock`` holds every column it reads), the reviewers' names, and
    the open appeals."""
    now = now or timezone.now()
    groups: list[dict[str, Any]] = [
        {"status": row["status"], "assigned_to": row["assigned_to"]} | _figures(dict(row))
        for row in _open_cases(now)
        .values("status", "assigned_to")
        .annotate(**_clock_counts(now))
        .order_by()
    ]
    figures = ("open", "overdue", "due_24h", "alert", *(f"age_{key}" for key in AGE_BANDS))

    def total(rows: list[dict[str, Any]], name: str) -> int:
        return sum(row[name] for row in rows)

    inventory = []
    for status in OPEN_STATUSES:
        rows = [row for row in groups if row["status"] == status]
        sums = {name: total(rows, name) for name in figures}
        inventory.append(
            InventoryRow(
                status=status,
                label=CaseStatus(status).label,
                by_age=[(key, sums[f"age_{key}"]) for key in AGE_BANDS],
                open=sums["open"],
                overdue=sums["overdue"],
                due_24h=sums["due_24h"],
                alert=sums["alert"],
            )
        )
    reviewers: list[int | None] = sorted(
        {row["assigned_to"] for row in groups}, key=lambda r: (r is None, r or 0)
    )
    names = _reviewer_names(reviewers)
    workload = []
    for reviewer in reviewers:
        rows = [row for row in groups if row["assigned_to"] == reviewer]
        workload.append(
            WorkloadRow(
                reviewer_id=reviewer,
                name=names.get(reviewer, "?"),
                open=total(rows, "open"),
                overdue=total(rows, "overdue"),
                due_24h=total(rows, "due_24h"),
                alert=total(rows, "alert"),
                expedited=total(rows, "expedited"),
            )
        )
    workload.sort(key=lambda row: (-row.overdue, -row.open, row.name.lower()))
    return Dashboard(now=now, inventory=inventory, workload=workload, appeals=appeals_due(now=now))


def appeals_due(*, now: dt.datetime) -> AppealsDue:
    """Open appeals: how many, overdue, due in the next 24 hours."""
    row = (
        sources.appeals_open()
        .order_by()
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            due_24h=Count("pk", filter=Q(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=24))),
        )
    )
    return AppealsDue(**row)


# Filters of the appeals the dashboard links to: overdue, due within the next 24 hours.
APPEAL_DUE_FILTERS = {"overdue": "Overdue", "24h": "Due in the next 24 hours"}


def appeals_due_list(
    *, due: str = "", line_of_business: str = "", now: dt.datetime | None = None
) -> QuerySet[Appeal]:
    """The open appeals the dashboard counts, by due time, filtered as its links ask (``due``:
    ``APPEAL_DUE_FILTERS``), with their case and reviewer."""
    appeals = sources.appeals_open()
    now = now or timezone.now()
    if due == "overdue":
        appeals = appeals.filter(due_at__lt=now)
    elif due == "24h":
        appeals = appeals.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=24))
    if line_of_business:
        appeals = appeals.filter(case__line_of_business=line_of_business)
    return appeals.select_related("case", "reviewer__staff_profile").order_by("due_at", "id")


@dataclass(frozen=True)
class AppealClock:
    """An open appeal and its clock: overdue, or the share of it used (receipt to due time)."""

    appeal: Any
    overdue: bool
    clock_used: float

    @property
    def alert(self) -> bool:
        """Past the turnaround alert share of its clock, not yet overdue (as cases are)."""
        return not self.overdue and self.clock_used >= CLOCK_ALERT_SHARE


def appeal_clocks(appeals: Iterable[Any], *, now: dt.datetime) -> list[AppealClock]:
    clocks = []
    for appeal in appeals:
        clock = (appeal.due_at - appeal.received_at).total_seconds()
        used = (now - appeal.received_at).total_seconds() / clock if clock > 0 else 1.0
        clocks.append(AppealClock(appeal=appeal, overdue=appeal.due_at < now, clock_used=used))
    return clocks


# --- the daily digest --------------------------------------------------------------------------

DIGEST_LIST_LIMIT = 50


@dataclass
class Digest:
    dashboard: Dashboard
    overdue: list[Case]
    due_24h: list[Case]
    alert: list[Case]

    @property
    def subject(self) -> str:
        board = self.dashboard
        return (
            f"Turnaround: {board.overdue} overdue, {board.due_24h} due in 24 hours, "
            f"{board.alert} at {CLOCK_ALERT_SHARE:.0%} of the clock "
            f"({timezone.localtime(board.now):%Y-%m-%d})"
        )


def digest(*, now: dt.datetime | None = None) -> Digest:
    """What the managers' daily e-mail says: the dashboard's figures and, by due time, the
    cases overdue, due in 24 hours and at the alert share of their clock (case references
    only: the e-mail carries no member names)."""
    now = now or timezone.now()
    board = dashboard(now=now)
    cases = _open_cases(now).select_related("assigned_to__staff_profile").order_by("due_at", "id")
    alert = cases.filter(
        Q(due_at__gte=now) & Q(left_seconds__lte=F("clock_seconds") * (1 - CLOCK_ALERT_SHARE))
    )
    return Digest(
        dashboard=board,
        overdue=list(cases.filter(due_at__lt=now)[:DIGEST_LIST_LIMIT]),
        due_24h=list(
            cases.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=24))[
                :DIGEST_LIST_LIMIT
            ]
        ),
        alert=list(alert[:DIGEST_LIST_LIMIT]),
    )


def digest_recipients() -> list[User]:
    """Active staff who hold the UM manager's permission and have an e-mail address."""
    app_label, codename = VIEW_OPERATIONS.split(".")
    held = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    return list(
        User.objects.filter(held, is_active=True).exclude(email="").distinct().order_by("pk")
    )


# --- productivity ------------------------------------------------------------------------------

PRODUCTIVITY_WEEKS = (4, 12, 26, 52)


@dataclass(frozen=True)
class ProductivityRow:
    """One group's work: cases closed (notice sent, or withdrawn) in the period."""

    closed: int
    withdrawn: int
    referred: int
    pended: int
    median_decision_hours: float | None
    median_notice_hours: float | None

    @property
    def referred_pct(self) -> float | None:
        return _pct(self.referred, self.closed)

    @property
    def pended_pct(self) -> float | None:
        return _pct(self.pended, self.closed)


EMPTY_ROW = ProductivityRow(0, 0, 0, 0, None, None)


@dataclass
class Productivity:
    weeks: list[dt.date]  # Mondays, oldest first
    reviewers: dict[int | None, str]  # id -> name, by name
    by_week: dict[dt.date, ProductivityRow]
    by_reviewer: dict[int | None, ProductivityRow]
    by_week_and_reviewer: dict[tuple[dt.date, int | None], ProductivityRow]
    total: ProductivityRow
    computed_at: dt.datetime = field(default_factory=timezone.now)

    def week_row(self, week: dt.date) -> ProductivityRow:
        return self.by_week.get(week, EMPTY_ROW)

    @property
    def reviewer_rows(self) -> list[tuple[int | None, str, ProductivityRow]]:
        return [(r, self.reviewers.get(r, "?"), row) for r, row in self.by_reviewer.items()]


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def productivity(
    *,
    weeks: int = 12,
    until: dt.date | None = None,
    reviewer: int | None = None,
    line_of_business: str = "",
) -> Productivity:
    """Per reviewer and per week, the cases closed in the last ``weeks`` weeks up to the week of
    ``until`` (Monday to Sunday, the organisation's time zone).

    - A case counts in the week it was closed: the member was notified (``sources``), or the
      request was withdrawn. Its reviewer is the reviewer it was assigned to.
    - Median time from receipt to the initial determination, and to the notice: over the cases
      decided (withdrawals have neither).
    - Share referred: closed cases that were referred to a medical director; share pended:
      closed cases that were pended for information at least once.

    Two queries: the period's closed cases (one row each), and the reviewers' names.
    """
    zone = timezone.get_default_timezone()
    last = week_start(until or timezone.localdate())
    mondays = [last - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    start = dt.datetime.combine(mondays[0], dt.time(), tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=7), dt.time(), tzinfo=zone)
    closed_at = "case__closed_at"
    base = sources.initial_determinations().filter(
        **{f"{closed_at}__gte": start, f"{closed_at}__lt": end}
    )
    if reviewer is not None:
        base = base.filter(case__assigned_to_id=reviewer)
    if line_of_business:
        base = base.filter(case__line_of_business=line_of_business)
    decided = ~Q(outcome=Outcome.WITHDRAWN)
    rows = base.annotate(
        week=TruncWeek(closed_at, tzinfo=zone),
        reviewer=F("case__assigned_to"),
        to_decision=CaseWhen(
            When(decided, then=Seconds(F("decided_at"), F("case__received_at"))), default=None
        ),
        to_notice=CaseWhen(
            When(
                decided,
                then=Seconds(F(f"case__{sources.NOTICE_FIELD}"), F("case__received_at")),
            ),
            default=None,
        ),
        was_pended=Exists(InformationRequest.objects.filter(case=OuterRef("case"))),
    )
    groups = {
        "week_reviewer": ("week", "reviewer"),
        "week": ("week",),
        "reviewer": ("reviewer",),
        "total": (),
    }
    # One pass over the closed cases of the period (an index range on ``case_closed_at``); the
    # medians of weeks, reviewers and the whole period each need their own cases' times.
    values = list(
        rows.order_by().values_list(
            "week",
            "reviewer",
            "outcome",
            "case__referred_at",
            "was_pended",
            "to_decision",
            "to_notice",
        )
    )
    results = _productivity_groups(values, groups)
    names = _reviewer_names({key[0] for key in results["reviewer"]})
    total = results["total"].get((), EMPTY_ROW)
    return Productivity(
        weeks=mondays,
        reviewers=names,
        by_week={key[0]: row for key, row in results["week"].items()},
        by_reviewer={
            key[0]: results["reviewer"][key]
            for key in sorted(results["reviewer"], key=lambda k: names.get(k[0], "").lower())
        },
        by_week_and_reviewer={
            (key[0], key[1]): row for key, row in results["week_reviewer"].items()
        },
        total=total,
    )


def _week_key(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _productivity_groups(
    values: list[tuple], groups: dict[str, tuple[str, ...]]
) -> dict[str, dict[tuple, ProductivityRow]]:
    buckets: dict[str, dict[tuple, list[tuple]]] = {name: defaultdict(list) for name in groups}
    for row in values:
        week, reviewer = _week_key(row[0]), row[1]
        keys = {"week": week, "reviewer": reviewer}
        for name, fields in groups.items():
            buckets[name][tuple(keys[f] for f in fields)].append(row)
    return {
        name: {
            key: ProductivityRow(
                closed=len(items),
                withdrawn=sum(1 for r in items if r[2] == Outcome.WITHDRAWN),
                referred=sum(1 for r in items if r[3] is not None),
                pended=sum(1 for r in items if r[4]),
                median_decision_hours=_hours(median(r[5] for r in items)),
                median_notice_hours=_hours(median(r[6] for r in items)),
            )
            for key, items in found.items()
        }
        for name, found in buckets.items()
    }


def _reviewer_names(ids: Iterable[int | None]) -> dict[int | None, str]:
    ids = set(ids)
    names: dict[int | None, str] = {None: "Unassigned"} if None in ids else {}
    for user in User.objects.filter(pk__in=[i for i in ids if i is not None]).select_related(
        "staff_profile"
    ):
        names[user.pk] = staff_display_name(user)
    return names


def reviewer_choices() -> list[tuple[int, str]]:
    """Staff who review cases, for the productivity and IRR filters (by name)."""
    app_label, codename = REVIEW_CASES.split(".")
    users = (
        User.objects.filter(
            groups__permissions__codename=codename,
            groups__permissions__content_type__app_label=app_label,
            is_active=True,
        )
        .select_related("staff_profile")
        .distinct()
    )
    return sorted(((u.pk, staff_display_name(u)) for u in users), key=lambda item: item[1].lower())


# --- CMS-0057-F --------------------------------------------------------------------------------

APPROVING = (Outcome.APPROVED, Outcome.APPROVED_BY_EXCEPTION)
DENYING = (Outcome.DENIED, Outcome.PARTIALLY_APPROVED)  # partial approvals count as denied
PA_STAGES = ("trial", "permanent", "replacement")


def prior_authorization_items() -> list[dict[str, str]]:
    """The codes this plan reviews before a pump trial, implant or replacement (drugs aside)."""
    codes = [c for c in catalogue().values() if c.suggests in PA_STAGES]
    codes.sort(key=lambda c: (PA_STAGES.index(c.suggests), c.code))
    return [
        {"code": c.code, "kind": c.kind, "description": c.description, "stage": STAGES[c.suggests]}
        for c in codes
    ]


def cms0057_report(*, year: int) -> cms0057.Report:
    """The CMS-0057-F figures of one calendar year, overall and per line of business
    (definitions and counting choices: ``cms0057``). Four queries: initial determinations by
    line of business and priority, the medians (PostgreSQL: by priority; SQLite: the elapsed
    times, for Python), requests open at the end of the year, and appeals decided in it."""
    start, end = sources.year_bounds(year)
    initial = sources.initial_determinations().filter(decided_at__gte=start, decided_at__lt=end)
    decided = Q(outcome__in=APPROVING + DENYING)
    elapsed = Seconds(F("decided_at"), F("case__received_at"))
    in_db = median_in_database()
    # Counted by case (one initial determination each): the index holds it, not the row's id.
    annotations: dict[str, Any] = {
        "decided": Count("case", filter=decided),
        "approved": Count("case", filter=Q(outcome__in=APPROVING)),
        "denied": Count("case", filter=Q(outcome__in=DENYING)),
        "partially_approved": Count("case", filter=Q(outcome=Outcome.PARTIALLY_APPROVED)),
        "withdrawn": Count("case", filter=Q(outcome=Outcome.WITHDRAWN)),
        "extended_approved": Count(
            "case", filter=Q(outcome__in=APPROVING, case__due_extended=True)
        ),
        "seconds": Sum(elapsed, filter=decided),
    }
    if in_db:
        annotations["median"] = Median(elapsed, filter=decided)
    groups: dict[tuple[str, str], dict[str, Any]] = {
        (row["case__line_of_business"], row["case__priority"]): dict(row)
        for row in initial.values("case__line_of_business", "case__priority")
        .annotate(**annotations)
        .order_by()
    }
    # The median of all lines of business together is not a mean of their medians.
    if in_db:
        overall_medians = {
            row["case__priority"]: row["median"]
            for row in initial.values("case__priority")
            .annotate(median=Median(elapsed, filter=decided))
            .order_by()
        }
    else:
        times: dict[tuple[str, str], list[float]] = defaultdict(list)
        for lob, priority, seconds in initial.filter(decided).values_list(
            "case__line_of_business",
            "case__priority",
            Seconds(F("decided_at"), F("case__received_at")),
        ):
            times[(lob, priority)].append(seconds)
        for key, row in groups.items():
            row["median"] = median(times.get(key, []))
        overall_medians = {
            priority: median(t for (_, p), values in times.items() if p == priority for t in values)
            for priority in Priority.values
        }
    open_at_end = dict(
        Case.objects.filter(received_at__lt=end)
        .filter(
            # Decided before the year ended: its initial determination is (index-only scan of
            # ``determination_initial_decided``).
            ~Exists(
                sources.initial_determinations().filter(case=OuterRef("pk"), decided_at__lt=end)
            )
        )
        .values("line_of_business")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("line_of_business", "n")
    )
    appeal_rows: dict[str, tuple[int, int]] = {
        row["case__line_of_business"]: (row["n"], row["approved"])
        for row in sources.appeals_decided_in(year)
        .filter(case__priority=Priority.STANDARD)
        .values("case__line_of_business")
        .annotate(
            n=Count("pk"),
            approved=Count("pk", filter=Q(outcome__in=sources.APPEAL_APPROVING_OUTCOMES)),
        )
        .order_by()
    }

    def figures(lobs: tuple[str, ...]) -> cms0057.Figures:
        def priority_figures(priority: str) -> cms0057.PriorityFigures:
            rows = [groups[(lob, priority)] for lob in lobs if (lob, priority) in groups]
            total = sum(r["decided"] for r in rows)
            seconds = sum(r["seconds"] or 0.0 for r in rows)
            if len(lobs) == 1:
                mid = rows[0]["median"] if rows else None
            else:
                mid = overall_medians.get(priority)
            return cms0057.PriorityFigures(
                decided=total,
                approved=sum(r["approved"] for r in rows),
                denied=sum(r["denied"] for r in rows),
                partially_approved=sum(r["partially_approved"] for r in rows),
                time_to_decision=cms0057.Timing(
                    mean_hours=_hours(seconds / total) if total else None,
                    median_hours=_hours(mid),
                ),
            )

        rows = [row for (lob, _), row in groups.items() if lob in lobs]
        pairs = [appeal_rows.get(lob, (0, 0)) for lob in lobs]
        appeal_figures = cms0057.AppealFigures(
            decided=sum(n for n, _ in pairs), approved=sum(a for _, a in pairs)
        )
        return cms0057.Figures(
            standard=priority_figures(Priority.STANDARD),
            expedited=priority_figures(Priority.EXPEDITED),
            standard_appeals=appeal_figures,
            extended_approved=sum(r["extended_approved"] for r in rows),
            withdrawn=sum(r["withdrawn"] for r in rows),
            open_at_year_end=sum(open_at_end.get(lob, 0) for lob in lobs),
        )

    return cms0057.Report(
        organisation=settings.ORGANISATION_NAME,
        year=year,
        time_zone=settings.TIME_ZONE,
        items=prior_authorization_items(),
        overall=figures(cms0057.LINES_OF_BUSINESS),
        by_line_of_business={lob: figures((lob,)) for lob in cms0057.LINES_OF_BUSINESS},
    )


METRICS_CACHE_KEY = "operations:cms0057:{year}"


@dataclass(frozen=True)
class CachedFigures:
    report: dict[str, Any]  # ``Report.as_json()``
    computed_at: dt.datetime


def cms0057_figures(*, year: int, refresh: bool = False) -> CachedFigures:
    """The figures of a year as the pages show them, computed at most once per
    ``METRICS_CACHE_SECONDS`` (Django's cache), or now when ``refresh`` (a manager asks; the
    public page then shows the new figures too). Aggregates only."""
    key = METRICS_CACHE_KEY.format(year=year)
    found = None if refresh else cache.get(key)
    if found is None:
        found = CachedFigures(cms0057_report(year=year).as_json(), timezone.now())
        cache.set(key, found, settings.METRICS_CACHE_SECONDS)
    return cast(CachedFigures, found)


def metrics_years() -> list[int]:
    """The years the metrics pages offer: from the first request received (or last year) to
    this year."""
    first = Case.objects.order_by("received_at").values_list("received_at", flat=True).first()
    this_year = timezone.localdate().year
    # Last year always: it is the one a plan posts.
    start = min(timezone.localtime(first).year if first else this_year, this_year - 1)
    return list(range(this_year, start - 1, -1))


# --- inter-rater reliability -------------------------------------------------------------------


def local_day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of ``first`` to the end of ``last``, in the organisation's time zone."""
    zone = timezone.get_default_timezone()
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=zone),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone),
    )


def irr_candidates(
    *,
    policy: Policy | None,
    reviewer: User | None,
    decided_from: dt.date,
    decided_to: dt.date,
) -> QuerySet[Case]:
    """Closed cases a study may sample: decided (not withdrawn) in the period, with answers to
    compare, of the policy and worked by the reviewer when given; in a stable order."""
    start, end = local_day_bounds(decided_from, decided_to)
    decided_in_period = sources.initial_determinations().filter(
        case=OuterRef("pk"), decided_at__gte=start, decided_at__lt=end
    )
    answered = Answer.objects.filter(case=OuterRef("pk")).exclude(status="")
    cases = Case.objects.filter(status=CaseStatus.CLOSED).filter(
        Exists(decided_in_period.exclude(outcome=Outcome.WITHDRAWN)), Exists(answered)
    )
    if policy is not None:
        cases = cases.filter(policy=policy)
    if reviewer is not None:
        cases = cases.filter(assigned_to=reviewer)
    return cases.order_by("pk")


def irr_studies() -> QuerySet[IrrStudy]:
    """Every study, newest first, with its progress (one query)."""
    return (
        IrrStudy.objects.select_related("policy", "created_by__staff_profile")
        .annotate(
            case_count=Count("cases", distinct=True),
            assignment_count=Count("cases__assignments"),
            submitted_count=Count(
                "cases__assignments", filter=Q(cases__assignments__submitted_at__isnull=False)
            ),
        )
        .order_by("-created_at", "-id")
    )


def irr_study_get(*, user: User, pk: int) -> IrrStudy:
    operations_access(user=user)
    study = (
        IrrStudy.objects.select_related(
            "policy", "original_reviewer__staff_profile", "created_by__staff_profile"
        )
        .filter(pk=pk)
        .first()
    )
    if study is None:
        raise Http404("No such study.")
    return study


def irr_study_cases(study: IrrStudy) -> list[IrrStudyCase]:
    """The study's cases in order, with their reviewers (two queries)."""
    return list(
        study.cases.select_related(
            "case__policy", "case__checklist", "original_reviewer__staff_profile"
        ).prefetch_related(
            Prefetch(
                "assignments",
                queryset=IrrAssignment.objects.select_related("reviewer__staff_profile"),
            )
        )
    )


def irr_study_case_get(*, study: IrrStudy, pk: int) -> IrrStudyCase:
    found = study.cases.select_related("case__checklist", "case__policy").filter(pk=pk).first()
    if found is None:
        raise Http404("That case is not in this study.")
    return found


def irr_assignments_for(*, user: User) -> QuerySet[IrrAssignment]:
    """A reviewer's blind re-reviews: the ones to do first (oldest first), then the done ones."""
    return (
        IrrAssignment.objects.filter(reviewer=user)
        .select_related(
            "study_case__study", "study_case__case__policy", "study_case__case__checklist"
        )
        .order_by(F("submitted_at").desc(nulls_first=True), "assigned_at", "pk")
    )


def irr_assignment_get_for_user(*, user: User, pk: int) -> IrrAssignment:
    """One of this reviewer's assignments: 403 without a reviewing role, 404 for anyone else's."""
    if not user.has_perm(REVIEW_CASES):
        raise PermissionDenied("Only reviewers answer inter-rater reliability reviews.")
    assignment = (
        IrrAssignment.objects.select_related(
            "study_case__study", "study_case__case__policy", "study_case__case__checklist"
        )
        .filter(pk=pk, reviewer=user)
        .first()
    )
    if assignment is None:
        raise Http404("No such review of yours.")
    return assignment


def checklist_criteria(case: Case) -> list[tuple[Node, Criterion]]:
    """The case's checklist criteria in order, with their library rows (cached reads)."""
    nodes = library.checklist_nodes(case.checklist)
    return [(nodes[c.label], c) for c in library.engine_checklist(case.checklist).criteria()]


@dataclass
class BlindReview:
    """What a reviewer sees to answer a sampled case again: the request, its documents and
    the checklist, never the original answers, notes, facts or determination."""

    assignment: IrrAssignment
    case: Case
    criteria: list[tuple[Node, Criterion]]
    documents: list[Any]
    services: list[Any]
    answers: dict[int, str]

    @property
    def answered(self) -> list[tuple[Criterion, str]]:
        """The reviewer's submitted answers, in checklist order, with their labels."""
        labels = dict(AnswerStatus.choices)
        return [
            (criterion, labels.get(self.answers.get(node.pk, ""), "not answered"))
            for node, criterion in self.criteria
        ]


def irr_blind_review(assignment: IrrAssignment) -> BlindReview:
    """Three queries: requested services, documents, the reviewer's own answers."""
    case = assignment.study_case.case
    return BlindReview(
        assignment=assignment,
        case=case,
        criteria=checklist_criteria(case),
        documents=list(Evidence.objects.filter(case=case).order_by("uploaded_at", "pk")),
        services=list(RequestedService.objects.filter(case=case)),
        answers=dict(assignment.answers.values_list("criterion_id", "status")),
    )


@dataclass(frozen=True)
class AgreementRow:
    label: str
    detail: str
    agreement: Agreement


@dataclass(frozen=True)
class Disagreement:
    position: int
    reference_code: str
    criterion: str
    reviewer: str
    answer: str
    reference: str


@dataclass
class IrrReport:
    study: IrrStudy
    overall: Agreement
    by_criterion: list[AgreementRow]
    by_reviewer: list[AgreementRow]
    disagreements: list[Disagreement]
    assignments: int
    submitted: int
    cases_without_reference: int

    @property
    def final(self) -> bool:
        return not self.study.is_open


def irr_reference(study_case: IrrStudyCase, reference: str) -> dict[str, str]:
    return (
        study_case.original_answers
        if reference == IrrReference.ORIGINAL
        else study_case.reference_answers
    )


def irr_report(study: IrrStudy) -> IrrReport:
    """Agreement of the submitted blind answers with the study's reference, per criterion, per
    reviewer and overall, with Cohen's kappa (``agreement``). A criterion with no reference
    answer on a case (never answered there, or no manager's answer yet) is left out. Four
    queries, whatever the size of the study."""
    study_cases = {
        sc.pk: sc
        for sc in study.cases.select_related("case__checklist", "case__policy_version__policy")
    }
    rows = list(
        IrrAnswer.objects.filter(
            assignment__study_case__study=study, assignment__submitted_at__isnull=False
        )
        .order_by("assignment__study_case__position", "assignment__reviewer_id", "pk")
        .values_list(
            "assignment__study_case_id", "assignment__reviewer_id", "criterion_id", "status"
        )
    )
    progress = IrrAssignment.objects.filter(study_case__study=study).aggregate(
        total=Count("pk"), submitted=Count("pk", filter=Q(submitted_at__isnull=False))
    )
    names = _reviewer_names({reviewer for _, reviewer, _, _ in rows})
    labels: dict[int, tuple[str, str, int]] = {}  # node id -> (label, checklist, order)
    for sc in study_cases.values():
        version = sc.case.policy_version
        for order, (node, criterion) in enumerate(checklist_criteria(sc.case)):
            labels[node.pk] = (
                criterion.label,
                f"{version.policy.number} {version.label}, {sc.case.checklist.title}",
                order,
            )
    status_label = dict(AnswerStatus.choices)
    pairs: list[tuple[str, str]] = []
    per_criterion: dict[int, list[tuple[str, str]]] = defaultdict(list)
    per_reviewer: dict[int, list[tuple[str, str]]] = defaultdict(list)
    disagreements = []
    for study_case_id, reviewer, node_id, status in rows:
        study_case = study_cases[study_case_id]
        reference = irr_reference(study_case, study.reference).get(str(node_id))
        if not reference:
            continue
        pair = (status, reference)
        pairs.append(pair)
        per_criterion[node_id].append(pair)
        per_reviewer[reviewer].append(pair)
        if status != reference:
            disagreements.append(
                Disagreement(
                    position=study_case.position,
                    reference_code=study_case.case.reference,
                    criterion=labels.get(node_id, ("?", "", 0))[0],
                    reviewer=names.get(reviewer, "?"),
                    answer=status_label.get(status, status),
                    reference=status_label.get(reference, reference),
                )
            )
    by_criterion = [
        AgreementRow(labels[node][0], labels[node][1], agreement(found))
        for node, found in sorted(
            per_criterion.items(), key=lambda item: (labels[item[0]][1], labels[item[0]][2])
        )
    ]
    by_reviewer = sorted(
        (
            AgreementRow(names.get(r, "?"), "", agreement(found))
            for r, found in per_reviewer.items()
        ),
        key=lambda row: row.label.lower(),
    )
    missing = 0
    if study.reference == IrrReference.MANAGER:
        missing = sum(1 for sc in study_cases.values() if not sc.reference_answers)
    return IrrReport(
        study=study,
        overall=agreement(pairs),
        by_criterion=by_criterion,
        by_reviewer=by_reviewer,
        disagreements=disagreements,
        assignments=progress["total"],
        submitted=progress["submitted"],
        cases_without_reference=missing,
    )


def public_metrics_years() -> list[int]:
    """``metrics_years``, kept in the cache like the figures (finding the first request reads
    every case)."""
    years = cache.get_or_set(
        "operations:cms0057:years", metrics_years, settings.METRICS_CACHE_SECONDS
    )
    return cast(list[int], years)


def irr_assignment_access(*, user: User) -> None:
    """The access selector of a reviewer's list of blind re-reviews."""
    if not user.has_perm(REVIEW_CASES):
        raise PermissionDenied("Only reviewers answer inter-rater reliability reviews.")
