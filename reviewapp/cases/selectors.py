"""Reads for cases: access, the work queue, everything the case page shows, what a user may do
on a case, and the texts drafted from its checklist.

Each function states its queries; the case page's cost does not grow with the number of criteria,
documents or events shown (everything is fetched in a fixed number of queries).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from criteria import selectors as library
from criteria.codes import catalogue, parse_code_list, suggest_stage
from criteria.engine import Criterion, Include, Outcome, Result, Route, Status, evaluate
from criteria.engine import Node as EngineNode
from criteria.facts import FactDef
from criteria.models import Node
from criteria.vocabulary import STAGES
from reviewapp.accounts.models import staff_display_name
from reviewapp.accounts.roles import APPROVE_CASES, REVIEW_CASES, VIEW_OPERATIONS, Role
from reviewapp.core.dbfunctions import Seconds

from . import rules
from .models import (
    CLOCK_ALERT_SHARE,
    EXCEPTED,
    OPEN_STATUSES,
    UNANSWERED,
    Answer,
    AnswerStatus,
    Case,
    CaseEvent,
    CaseFact,
    CaseStatus,
    CriterionException,
    EventKind,
    Evidence,
    EvidenceLink,
    LineOfBusiness,
    RequestedService,
    TurnaroundRule,
)

CASE_RELATED = (
    "policy",
    "policy_version__policy",
    "checklist",
    "assigned_to__staff_profile",
    "created_by__staff_profile",
    "trial_case",
)


# A case with the people it names; its policy, version and checklist come from the library's
# cache (``case_get``), not from joins.
CASE_OWN_RELATED = ("assigned_to__staff_profile", "created_by__staff_profile", "trial_case")


def case_get(pk: int) -> Case:
    """One case (one query), with its library rows from the cache; 404 if there is none."""
    try:
        case = Case.objects.select_related(*CASE_OWN_RELATED).get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case.") from None
    case.policy, case.policy_version, case.checklist = library.library_rows(
        policy_id=case.policy_id, version_id=case.policy_version_id, checklist_id=case.checklist_id
    )
    return case


def case_get_for_user(*, user: User, pk: int) -> Case:
    """The case, if this user may see it: 403 without a reviewing role, 404 if there is none."""
    if not user.has_perm(REVIEW_CASES):
        raise PermissionDenied("Only nurse reviewers and medical directors can open cases.")
    return case_get(pk)


def case_get_for_oversight(*, user: User, pk: int) -> Case:
    """The case, for reading its audit trail: reviewers, and UM managers (who watch the clock
    but never work cases: they read the queue and a case's audit trail, not its clinical
    record). 403 for anyone else, 404 if there is no such case."""
    if not (user.has_perm(REVIEW_CASES) or user.has_perm(VIEW_OPERATIONS)):
        raise PermissionDenied("Only reviewers and UM managers can read a case's audit trail.")
    return case_get(pk)


def checklist_criterion_get(*, case: Case, node_id: int) -> Node:
    """A criterion of the case's checklist (cached library read); 404 for any other node."""
    for node in library.checklist_nodes(case.checklist).values():
        if node.pk == node_id:
            return node
    raise Http404("That criterion is not on this case's checklist.")


def evidence_get(*, case: Case, pk: int) -> Evidence | None:
    """One of the case's documents, or None when the id is not one of them."""
    return Evidence.objects.filter(pk=pk, case=case).first()


def evidence_link_get(*, case: Case, pk: int) -> EvidenceLink:
    """One of the case's evidence links (with its criterion and document); 404 otherwise."""
    link = (
        EvidenceLink.objects.select_related("criterion", "evidence")
        .filter(pk=pk, case=case)
        .first()
    )
    if link is None:
        raise Http404("No such evidence link on this case.")
    return link


def exception_get(*, case: Case, pk: int) -> CriterionException:
    """One of the case's exceptions, in force or withdrawn (with its criterion); 404 otherwise."""
    exception = (
        CriterionException.objects.select_related("criterion").filter(pk=pk, case=case).first()
    )
    if exception is None:
        raise Http404("No such exception on this case.")
    return exception


def case_events(case: Case) -> QuerySet[CaseEvent]:
    """The whole timeline, newest first, with who did each thing."""
    return case.events.select_related("actor__staff_profile")


def turnaround_rule_for(case: Case) -> TurnaroundRule:
    return TurnaroundRule.objects.get(
        line_of_business=case.line_of_business, priority=case.priority
    )


def policy_review_overdue(case: Case) -> bool:
    """The case's policy version is past the next review date its source states (today): the
    payer may have published a version the library does not have yet."""
    return case.policy_version.review_overdue_on(timezone.localdate())


def case_opening_notices(case: Case) -> list[str]:
    """What the nurse is told on opening a case: a policy past its review date, and a checklist
    that sends every request elsewhere (a route without a condition)."""
    notices = []
    version = case.policy_version
    if policy_review_overdue(case):
        notices.append(
            f"{version.policy.payer} {version.policy.number} version {version.label} is past its "
            f"review date ({version.next_review}): check that the payer has not published a newer "
            "version."
        )
    for route in checklist_routes(case):
        if route.when is None:
            notices.append(" ".join(route.reason.split()))
    return notices


def checklist_routes(case: Case) -> tuple[Route, ...]:
    """Where the case's checklist sends requests instead of deciding them on its criteria."""
    return library.engine_checklist(case.checklist).all_routes()


def turnaround_rules() -> QuerySet[TurnaroundRule]:
    return TurnaroundRule.objects.all()


# --- intake ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyNotice:
    """What a nurse should know about a policy before opening a case on it: whether the version
    in effect is past its review date, and the requests it does not decide on its criteria."""

    payer: str
    number: str
    version: str
    review_overdue: bool
    next_review: str
    routes: tuple[tuple[str, Route], ...]  # (checklist title, route), each route once


def intake_policy_notices(*, on: dt.date) -> list[PolicyNotice]:
    """For each policy, its version in effect ``on``: review flag and routes (four queries plus
    the cached checklists)."""
    notices = []
    for entry in library.library_overview(on=on):
        current = next((v for v in entry.versions if v.in_effect), None)
        if current is None:
            continue
        seen: set[tuple[str, str]] = set()
        routes = []
        for checklist in current.checklists:
            for route in library.engine_checklist(checklist).all_routes():
                key = (route.outcome.value, " ".join(route.reason.split()))
                if key not in seen:
                    seen.add(key)
                    routes.append((checklist.title, route))
        if current.review_overdue or routes:
            notices.append(
                PolicyNotice(
                    payer=entry.policy.payer,
                    number=entry.policy.number,
                    version=current.version.label,
                    review_overdue=current.review_overdue,
                    next_review=current.version.next_review,
                    routes=tuple(routes),
                )
            )
    return notices


def intake_stage_hint(*, codes: str) -> str:
    """What typed CPT/HCPCS codes suggest: the stage, and each code's description."""
    try:
        parsed = parse_code_list(codes)
    except ValueError as exc:
        return str(exc) if codes else ""
    stage = suggest_stage([code for code, _ in parsed])
    described = "; ".join(f"{c}: {catalogue()[c].description}" for c, _ in parsed)
    hint = (
        f"Stage from the codes: {STAGES[stage]}. "
        if stage
        else "The codes do not say which stage. "
    )
    return hint + described


@dataclass(frozen=True)
class MemberCases:
    """What intake shows about a member before a case is opened: their open cases (a possible
    duplicate) and their trial cases (a permanent implant's request may link one)."""

    open_cases: list[Case]
    trial_cases: list[Case]


def member_cases(*, member_id: str) -> MemberCases:
    """The member's open cases and trial cases, newest first (one query)."""
    member_id = (member_id or "").strip().upper()
    if not member_id:
        return MemberCases([], [])
    cases = list(
        Case.objects.filter(member_id=member_id)
        .select_related("policy")
        .prefetch_related("services")
        .order_by("-received_at", "-id")[:20]
    )
    return MemberCases(
        [c for c in cases if c.status in OPEN_STATUSES],
        [c for c in cases if c.stage == "trial"],
    )


def intake_token_used(*, token: Any) -> bool:
    """A case was already opened from the intake form carrying ``token`` (sent twice)."""
    return token is not None and Case.objects.filter(intake_token=token).exists()


def duplicate_cases(*, member_id: str, codes: Iterable[str]) -> list[Case]:
    """Open cases of the same member asking for any of the same codes (one query): opening
    another would be a duplicate unless the reviewer says it is not."""
    return list(
        Case.objects.filter(
            member_id=member_id,
            status__in=OPEN_STATUSES,
            pk__in=RequestedService.objects.filter(code__in=list(codes)).values("case_id"),
        )
        .select_related("policy")
        .prefetch_related("services")
        .order_by("received_at", "id")
    )


def trial_case_get(*, reference: str) -> Case | None:
    return Case.objects.filter(reference__iexact=(reference or "").strip()).first()


# --- the work queue ----------------------------------------------------------------------------

QUEUE_TABS = {
    "mine": "My cases",
    "unassigned": "Unassigned",
    "pended": "Pended",
    "referred": "Referred",
    "all": "All open",
}


@dataclass(frozen=True)
class QueueAccess:
    """What a user may do in the work queue. Reviewers work it (their own cases, claiming,
    opening cases); a UM manager reads it, filtered as the dashboard's counts link to it, and
    opens each case's audit trail, read-only."""

    work: bool

    @property
    def default_tab(self) -> str:
        return "mine" if self.work else "all"

    @property
    def tabs(self) -> dict[str, str]:
        return QUEUE_TABS if self.work else {k: v for k, v in QUEUE_TABS.items() if k != "mine"}


def queue_access_for(*, user: User) -> QueueAccess:
    """The access selector of the work queue: 403 for anyone who neither reviews nor manages."""
    if user.has_perm(REVIEW_CASES):
        return QueueAccess(work=True)
    if user.has_perm(VIEW_OPERATIONS):
        return QueueAccess(work=False)
    raise PermissionDenied("Only reviewers and UM managers can open the work queue.")


# Open cases by how long ago the request was received (the dashboard's inventory columns and
# the queue's ``age`` filter): key -> (label, from hours, to hours or None).
AGE_BANDS: dict[str, tuple[str, int, int | None]] = {
    "0-1": ("Under 1 day", 0, 24),
    "1-3": ("1 to 3 days", 24, 72),
    "3-7": ("3 to 7 days", 72, 168),
    "7-14": ("7 to 14 days", 168, 336),
    "14+": ("Over 14 days", 336, None),
}
# The queue's ``due`` filter: overdue, due within the next 24 hours (not yet overdue), and past
# the turnaround alert share of the clock (not yet overdue).
DUE_FILTERS = {
    "overdue": "Overdue",
    "24h": "Due in the next 24 hours",
    "alert": f"{CLOCK_ALERT_SHARE:.0%} of the clock used",
}


def age_band_q(key: str, *, now: dt.datetime) -> Q:
    """Cases received ``AGE_BANDS[key]`` ago."""
    _, low, high = AGE_BANDS[key]
    q = Q(received_at__lte=now - dt.timedelta(hours=low))
    if high is not None:
        q &= Q(received_at__gt=now - dt.timedelta(hours=high))
    return q


def clock_alert_filter(cases: QuerySet[Case], *, now: dt.datetime) -> QuerySet[Case]:
    """Open cases not yet overdue whose time left is at most the last quarter of their clock
    (``Case.clock_alert`` in SQL)."""
    return cases.alias(
        clock_seconds=Seconds(F("due_at"), F("received_at")),
        left_seconds=Seconds(F("due_at"), Value(now)),
    ).filter(
        due_at__gte=now,
        left_seconds__lte=F("clock_seconds") * (1 - CLOCK_ALERT_SHARE),
    )


def due_q(key: str, *, now: dt.datetime) -> Q:
    """The ``overdue`` and ``24h`` due filters (``alert`` needs ``clock_alert_filter``)."""
    if key == "overdue":
        return Q(due_at__lt=now)
    return Q(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=24))


@dataclass
class QueueFilters:
    tab: str = "mine"
    status: str = ""
    policy: str = ""
    priority: str = ""
    q: str = ""
    # The dashboard's links: how close to the due time, how old, whose, which line of business.
    due: str = ""
    age: str = ""
    reviewer: int | None = None
    line_of_business: str = ""


TAB_STATUSES: dict[str, tuple[str, ...]] = {
    "mine": OPEN_STATUSES,
    "unassigned": OPEN_STATUSES,
    "pended": (CaseStatus.PENDED,),
    "referred": (CaseStatus.REFERRED,),
    "all": OPEN_STATUSES,
}


def queue_cases(*, user: User, filters: QueueFilters) -> QuerySet[Case]:
    """Cases for the work queue, ordered by due time (one query per page shown).

    The open tabs are served by partial indexes on the open cases (migration
    0004_bench_indexes), so a page costs the same with 1,000 or 100,000 closed cases behind it.
    """
    cases = Case.objects.select_related("policy", "assigned_to__staff_profile").prefetch_related(
        "services"
    )
    statuses: tuple[str, ...] | None = None
    if filters.q:
        term = filters.q.strip()
        # A search looks across every state, so a closed case can be found by reference.
        cases = cases.filter(Q(reference__iexact=term) | Q(member_id__iexact=term))
    elif filters.tab not in TAB_STATUSES:
        return cases.none()
    else:
        statuses = TAB_STATUSES[filters.tab]
        if filters.tab == "mine":
            cases = cases.filter(assigned_to=user)
        elif filters.tab == "unassigned":
            cases = cases.filter(assigned_to__isnull=True)
    if filters.status:
        # One status inside the tab's says the same as both conditions, and lets the planner
        # walk the (status, due_at) index instead of sorting every match.
        if statuses is not None and filters.status not in statuses:
            return cases.none()
        cases = cases.filter(status=filters.status)
    elif statuses is not None:
        cases = (
            cases.filter(status=statuses[0])
            if len(statuses) == 1
            else cases.filter(status__in=statuses)
        )
    if filters.policy:
        cases = cases.filter(policy__key=filters.policy)
    if filters.priority:
        cases = cases.filter(priority=filters.priority)
    if filters.line_of_business:
        cases = cases.filter(line_of_business=filters.line_of_business)
    if filters.reviewer is not None:
        cases = cases.filter(assigned_to_id=filters.reviewer)
    now = timezone.now()
    if filters.age in AGE_BANDS:
        cases = cases.filter(age_band_q(filters.age, now=now))
    if filters.due == "alert":
        cases = clock_alert_filter(cases, now=now)
    elif filters.due in DUE_FILTERS:
        cases = cases.filter(due_q(filters.due, now=now))
    return cases.order_by("due_at", "id")


@dataclass(frozen=True)
class EvidenceChoice:
    """A document of the case and the pages that show something (a fact, or a criterion)."""

    evidence: Evidence
    pages: str = ""

    def describe(self) -> str:
        return f"{self.evidence.original_name}{' p. ' + self.pages if self.pages else ''}"

    @property
    def first_page(self) -> int:
        return first_page(self.pages)


def first_page(pages: str) -> int:
    """The first page of a page reference ("3-5, 8" -> 3); 1 when there is none."""
    head = (pages or "").split(",")[0].split("-")[0].strip()
    return int(head) if head.isdigit() else 1


def fact_source(fact: CaseFact | None) -> EvidenceChoice | None:
    """The document (and pages) a recorded fact was taken from, if the reviewer named one."""
    if fact is None or fact.source_evidence is None:
        return None
    return EvidenceChoice(fact.source_evidence, fact.source_pages)


def proposal_documents(
    fact_names: Iterable[str], sources: Mapping[str, EvidenceChoice | None]
) -> list[EvidenceChoice]:
    """The documents a criterion's facts were recorded from, each once (their pages joined):
    what applying the facts' proposal links as the criterion's evidence."""
    found: dict[int, EvidenceChoice] = {}
    for name in fact_names:
        source = sources.get(name)
        if source is None:
            continue
        known = found.get(source.evidence.pk)
        if known is None:
            found[source.evidence.pk] = source
        elif source.pages and source.pages not in known.pages.split(", "):
            pages = ", ".join(p for p in (known.pages, source.pages) if p)
            found[source.evidence.pk] = EvidenceChoice(source.evidence, pages)
    return list(found.values())


def queue_filter_labels(filters: QueueFilters) -> dict[str, str]:
    """Words for the filters a dashboard link sets and the queue's form does not show, by
    parameter name (one query when a reviewer is named)."""
    labels = {}
    if filters.due in DUE_FILTERS:
        labels["due"] = DUE_FILTERS[filters.due]
    if filters.age in AGE_BANDS:
        labels["age"] = f"Received {AGE_BANDS[filters.age][0].lower()} ago"
    if filters.line_of_business:
        labels["line_of_business"] = LineOfBusiness(filters.line_of_business).label
    if filters.reviewer is not None:
        user = User.objects.select_related("staff_profile").filter(pk=filters.reviewer).first()
        labels["reviewer"] = f"Reviewer: {staff_display_name(user) if user else 'unknown'}"
    return labels


# --- facts and the rollup ----------------------------------------------------------------------


def case_fact_values(case: Case) -> dict[str, Any]:
    """The case's facts, parsed to their types (one query)."""
    dictionary = library.fact_dictionary()
    return {
        name: dictionary[name].parse(value)
        for name, value in CaseFact.objects.filter(case=case).values_list("fact__name", "value")
    }


def checklist_facts(case: Case) -> tuple[str, ...]:
    return library.engine_checklist(case.checklist).facts


@dataclass(frozen=True)
class Rollup:
    """The overall result from the reviewer's answers, beside what the facts alone suggest."""

    outcome: Outcome
    facts_outcome: Outcome
    answered: int
    total: int
    failed: list[str]
    unknown: list[str]
    disagreements: list[str]
    external: bool
    result: Result
    facts_result: Result

    @property
    def complete(self) -> bool:
        return self.answered == self.total

    @property
    def meets(self) -> bool:
        """Approvable by a nurse: every answer in, the answers meet the criteria, no answer
        silently contradicting the facts. For an external checklist: the review is met."""
        if self.disagreements or not self.complete:
            return False
        if self.external:
            # ...and the route is decided (LHCC: which criteria set depends on the drug).
            return self.outcome is Outcome.EXTERNAL and self.result.root.status is Status.MET
        return self.outcome is Outcome.MEETS

    @property
    def not_addressed(self) -> str:
        """Why the policy does not address the request (a medical director reviews it), or ""."""
        route = self.result.route
        return route.reason if route and route.outcome is Outcome.NOT_ADDRESSED else ""


def rollup(
    case: Case,
    *,
    answers: list[Answer] | None = None,
    facts: dict[str, Any] | None = None,
    excepted: frozenset[str] = frozenset(),
) -> Rollup:
    checklist = library.engine_checklist(case.checklist)
    labels = {node.pk: label for label, node in library.checklist_nodes(case.checklist).items()}
    if answers is None:
        answers = list(Answer.objects.filter(case=case))
    if facts is None:
        facts = case_fact_values(case)
    confirmed = {
        labels[a.criterion_id]: AnswerStatus(a.status).engine_status for a in answers if a.status
    }
    result = evaluate(checklist, facts, answers=confirmed, excepted=excepted, facts_decide=False)
    facts_result = evaluate(checklist, facts, excepted=excepted)
    disagreements = [labels[a.criterion_id] for a in answers if a.disagrees_with_facts]
    total = sum(1 for _ in checklist.criteria())
    return Rollup(
        outcome=result.outcome,
        facts_outcome=facts_result.outcome,
        answered=len(confirmed),
        total=total,
        failed=result.failed,
        unknown=[label for label in result.unknown if label in confirmed],
        disagreements=disagreements,
        external=bool(checklist.external),
        result=result,
        facts_result=facts_result,
    )


def active_exceptions(case: Case) -> dict[int, CriterionException]:
    """The case's exceptions in force, by criterion node id (one query). They count as met."""
    return {
        e.criterion_id: e
        for e in CriterionException.objects.filter(
            case=case, withdrawn_at__isnull=True
        ).select_related("granted_by__staff_profile")
    }


# --- the case page -----------------------------------------------------------------------------


@dataclass
class CriterionRow:
    node: Node
    criterion: Criterion
    answer: Answer | None
    proposed: str
    links: list[EvidenceLink]
    facts: list[tuple[FactDef, Any]]
    exception: Any = None
    # The documents its facts were recorded from: applying the proposal links them.
    proposal_documents: list[EvidenceChoice] = field(default_factory=list)
    changed_since_referral: bool = False
    position: int = 0  # 1-based, in checklist order
    # What a refused save (or a session that ended) left in the row: shown again, never lost.
    error: str = ""
    attempt: dict[str, str] = field(default_factory=dict)
    conflict: Answer | None = None
    restored: bool = False

    # The policy's own case-by-case waiver: open, closed, or undecided (None) on the case's facts.
    waiver_open: bool | None = False

    @property
    def proposal_decided(self) -> bool:
        return self.proposed in (Status.MET, Status.NOT_MET, Status.NOT_APPLICABLE)

    @property
    def proposal_needs_document(self) -> bool:
        """The facts say met, but nothing would document it: no linked evidence, and no
        document named for its facts."""
        return (
            self.proposed == Status.MET
            and self.criterion.requires_documentation
            and not self.links
            and not self.proposal_documents
        )

    @property
    def can_apply(self) -> bool:
        """The facts decide it and the answer is not already what they propose."""
        return (
            self.proposal_decided
            and self.exception is None
            and self.status != self.proposed
            and not self.proposal_needs_document
        )

    @property
    def dom_id(self) -> str:
        return f"criterion-{self.node.pk}"

    @property
    def status(self) -> str:
        return self.answer.status if self.answer and self.answer.status else ""

    @property
    def revision(self) -> int:
        return self.answer.revision if self.answer else 0

    @property
    def needs_evidence(self) -> bool:
        return self.criterion.requires_documentation and not self.links

    @property
    def shown_status(self) -> str:
        """The status a page shows: met by exception, the answer, or unanswered."""
        if self.exception is not None:
            return EXCEPTED
        return self.status or UNANSWERED


@dataclass
class TreeRow:
    kind: str
    label: str = ""
    text: str = ""
    describe: str = ""
    children: list[TreeRow] = field(default_factory=list)
    row: CriterionRow | None = None
    status: str = ""


@dataclass(frozen=True)
class ReferralChanges:
    """What changed on a referred case since it was referred (its first referral since the last
    decision): shown highlighted to the medical director; and whether anyone but the referring
    reviewer has acted since the latest referral (then it can no longer be recalled)."""

    referred_at: dt.datetime
    events: list[CaseEvent]
    criteria: frozenset[str]
    facts: frozenset[str]
    acted_by_others: bool


# What counts as a change to the checklist's substance after a referral.
CHANGE_KINDS = frozenset(
    {
        EventKind.FACT_RECORDED,
        EventKind.ANSWER_RECORDED,
        EventKind.PROPOSAL_APPLIED,
        EventKind.EVIDENCE_UPLOADED,
        EventKind.EVIDENCE_UPDATED,
        EventKind.EVIDENCE_LINKED,
        EventKind.EVIDENCE_UNLINKED,
    }
)
_FACT_EVENT_KEYS = frozenset({"source", "origin", "origin_detail"})


def referral_changes(case: Case) -> ReferralChanges | None:
    """For a referred case (one query): the changes since it was referred. None otherwise."""
    if case.status != CaseStatus.REFERRED:
        return None
    events = list(
        CaseEvent.objects.filter(case=case)
        .exclude(kind=EventKind.REFUSED)
        .select_related("actor__staff_profile")
        .order_by("at", "id")
    )
    start = latest = None
    for index, event in enumerate(events):
        if event.kind in (EventKind.DECIDED, EventKind.REOPENED):
            start = None
        elif event.kind == EventKind.REFERRED:
            start = index if start is None else start
            latest = index
    if start is None or latest is None:
        return None
    changes = [e for e in events[start + 1 :] if e.kind in CHANGE_KINDS]
    criteria: set[str] = set()
    facts: set[str] = set()
    for event in changes:
        for state in (event.before, event.after):
            if not isinstance(state, dict):
                continue
            if event.kind == EventKind.FACT_RECORDED:
                facts.update(k for k in state if k not in _FACT_EVENT_KEYS)
            elif isinstance(state.get("criterion"), str):
                criteria.add(state["criterion"])
            elif isinstance(state.get("applied"), list):
                criteria.update(str(label) for label in state["applied"])
    referrer = events[latest].actor_id
    return ReferralChanges(
        referred_at=events[start].at,
        events=changes,
        criteria=frozenset(criteria),
        facts=frozenset(facts),
        acted_by_others=any(e.actor_id != referrer for e in events[latest + 1 :]),
    )


def referral_acted_by_others(case: Case) -> bool:
    changes = referral_changes(case)
    return bool(changes and changes.acted_by_others)


@dataclass
class Workspace:
    case: Case
    tree: TreeRow
    rows: dict[str, CriterionRow]
    rollup: Rollup
    facts: list[tuple[FactDef, Any, CaseFact | None]]
    evidence: list[Evidence]
    events: list[CaseEvent]
    documents_to_request: tuple[str, ...] = ()
    referral: ReferralChanges | None = None

    @property
    def excepted(self) -> bool:
        """A medical director's exception is in force on some criterion."""
        return any(row.exception is not None for row in self.rows.values())

    @property
    def applicable(self) -> list[CriterionRow]:
        """Unanswered criteria whose facts decide them: "apply all proposals" answers these."""
        return [row for row in self.rows.values() if not row.status and row.can_apply]

    @property
    def awaiting_document(self) -> list[CriterionRow]:
        """Unanswered criteria the facts say are met, with no document to show it yet."""
        return [row for row in self.rows.values() if not row.status and row.proposal_needs_document]

    def fact_row(self, name: str) -> tuple[FactDef, Any, CaseFact | None]:
        return next(item for item in self.facts if item[0].name == name)


# The case timeline shows the latest 15 events (cases/_timeline.html); the full audit trail has
# its own page. Loading more only to drop them cost a third of an answer save's reads.
TIMELINE_EVENTS = 15


def case_workspace(case: Case, *, events_limit: int = TIMELINE_EVENTS) -> Workspace:
    """Everything the case page shows, in a fixed number of queries: answers, documents, facts,
    events, the staff who recorded them, evidence links, exceptions (+ cached library reads)."""
    checklist = library.engine_checklist(case.checklist)
    nodes = library.checklist_nodes(case.checklist)
    dictionary = library.fact_dictionary()
    answers = list(Answer.objects.filter(case=case))
    by_node = {a.criterion_id: a for a in answers}
    # The case's documents, read once: the facts' sources and the criteria's links are among
    # them (joining the evidence table to those queries made PostgreSQL scan it as it grew).
    evidence = list(Evidence.objects.filter(case=case))
    documents = {item.pk: item for item in evidence}
    fact_defs = library.fact_rows_by_id()
    fact_rows = {}
    recorded = list(CaseFact.objects.filter(case=case))
    for row in recorded:
        row.fact = fact_defs[row.fact_id]
        if row.source_evidence_id in documents:  # else (another case's document) read when shown
            row.source_evidence = documents[row.source_evidence_id]
        fact_rows[row.fact.name] = row
    events = list(CaseEvent.objects.filter(case=case)[:events_limit])
    staff_attach(
        [
            *((answer, "answered_by") for answer in answers),
            *((row, "recorded_by") for row in recorded),
            *((item, "uploaded_by") for item in evidence),
            *((event, "actor") for event in events),
        ]
    )
    sources = {name: fact_source(row) for name, row in fact_rows.items()}
    values = {name: dictionary[name].parse(row.value) for name, row in fact_rows.items()}
    links: dict[int, list[EvidenceLink]] = defaultdict(list)
    for link in EvidenceLink.objects.filter(case=case):
        if link.evidence_id in documents:
            link.evidence = documents[link.evidence_id]
        links[link.criterion_id].append(link)
    exceptions = active_exceptions(case)
    excepted = frozenset(label for label, node in nodes.items() if node.pk in exceptions)
    summary = rollup(case, answers=answers, facts=values, excepted=excepted)
    proposals = {c.label: c.proposed.value for c in summary.facts_result.criteria}
    referral = referral_changes(case)
    rows: dict[str, CriterionRow] = {}
    for position, criterion in enumerate(checklist.criteria(), start=1):
        node = nodes[criterion.label]
        rows[criterion.label] = CriterionRow(
            node=node,
            criterion=criterion,
            answer=by_node.get(node.pk),
            proposed=proposals[criterion.label],
            links=links.get(node.pk, []),
            facts=[(dictionary[n], values.get(n)) for n in criterion.facts],
            exception=exceptions.get(node.pk),
            proposal_documents=proposal_documents(criterion.facts, sources),
            changed_since_referral=bool(
                referral
                and (
                    criterion.label in referral.criteria
                    or referral.facts.intersection(criterion.facts)
                )
            ),
            position=position,
        )
    statuses = _node_statuses(summary.result)
    tree = _tree(checklist.root, rows, statuses)
    labels_by_node = {node.pk: label for label, node in nodes.items()}
    for item in evidence:
        # Shown beside each document on the case page (an attribute for this page only).
        item.relied_on_by = sorted(  # type: ignore[attr-defined]
            {
                labels_by_node[link.criterion_id]
                for lst in links.values()
                for link in lst
                if link.evidence_id == item.pk
            },
            key=list(rows).index,
        )
    facts = [(dictionary[name], values.get(name), fact_rows.get(name)) for name in checklist.facts]
    return Workspace(
        case,
        tree,
        rows,
        summary,
        facts,
        evidence,
        events,
        checklist.all_documents_to_request(),
        referral,
    )


def staff_attach(rows: Iterable[tuple[Any, str]]) -> None:
    """Each row's staff member (``row.<field>``, a user with the staff profile their name comes
    from), read in one query: the same few reviewers recorded a case's answers, facts, documents
    and events, and joining them to each of those reads cost a millisecond a read."""
    pairs = [(row, name) for row, name in rows if getattr(row, f"{name}_id") is not None]
    people = User.objects.select_related("staff_profile").in_bulk(
        {getattr(row, f"{name}_id") for row, name in pairs}
    )
    for row, name in pairs:
        setattr(row, name, people[getattr(row, f"{name}_id")])


def _node_statuses(result: Result) -> dict[int, str]:
    statuses: dict[int, str] = {}

    def walk(node_result) -> None:
        statuses[id(node_result.node)] = node_result.status.value
        for child in node_result.children:
            walk(child)

    walk(result.root)
    return statuses


def _tree(node: EngineNode, rows: dict[str, CriterionRow], statuses: dict[int, str]) -> TreeRow:
    if isinstance(node, Criterion):
        return TreeRow("criterion", row=rows[node.label], status=statuses.get(id(node), ""))
    if isinstance(node, Include):
        inner = node.checklist
        return TreeRow(
            "include",
            text=inner.title,
            status=statuses.get(id(node), ""),
            children=[_tree(inner.root, rows, statuses)],
        )
    return TreeRow(
        node.kind,
        node.label,
        node.text,
        node.describe(),
        [_tree(child, rows, statuses) for child in node.children],
        status=statuses.get(id(node), ""),
    )


def reviewers_for_assignment() -> QuerySet[User]:
    """Active nurse reviewers and medical directors, by name: whom a case may be assigned to."""
    return (
        User.objects.filter(
            is_active=True, groups__name__in=[Role.NURSE.value, Role.DIRECTOR.value]
        )
        .select_related("staff_profile")
        .distinct()
        .order_by("staff_profile__display_name", "username")
    )


def reassigners_only(user: User) -> None:
    """The reassignment pages are for reviewers and UM managers (403 otherwise)."""
    if not (user.has_perm(REVIEW_CASES) or user.has_perm(VIEW_OPERATIONS)):
        raise PermissionDenied("Only reviewers and UM managers reassign cases.")


def case_by_reference(*, reference: str) -> Case | None:
    """The case with this reference (``UM-2026-000123``, any case), or None."""
    return Case.objects.filter(reference__iexact=reference.strip()).first()


def case_get_for_reassignment(*, user: User, pk: int) -> Case:
    """The case, for those who may reassign cases: reviewers, and UM managers (who see the case's
    reference, member, status and reviewer on the reassignment page, not its clinical record)."""
    reassigners_only(user)
    return case_get(pk)


# --- what a user may do ------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseActions:
    """What one user may do on one case now: the question every page and template asks.

    Each flag comes from the guard its service enforces (``rules``), so a page never offers what
    the service would refuse. To add an action: a field here (False by default), its guard in the
    app's rules, and one line in ``case_actions``.
    """

    claim: bool = False
    edit: bool = False  # answers, facts and evidence
    apply_all: bool = False  # some unanswered criteria are decided by their facts
    pend: bool = False
    resume: bool = False
    refer: bool = False
    withdraw: bool = False
    offer_approval: bool = False  # the case is in review: the approve button is shown ...
    approve: bool = False  # ... and enabled: every criterion is answered and met
    review: bool = False  # open the medical director's review page
    decide: bool = False  # decide, and grant or withdraw exceptions
    reopen: bool = False
    recall: bool = False  # take a referral back, while nobody else has acted on the case
    reassign: bool = False  # hand the case to another reviewer
    file_appeal: bool = False  # record an appeal of the adverse determination in force


def case_actions(
    *,
    user: User,
    workspace: Workspace,
    current: rules.DeterminationOnRecord | None,
) -> CaseActions:
    """The allowed actions (no query: everything is in the workspace and ``current``, the
    determination in force, which only a decided or closed case has)."""
    case = workspace.case

    def allowed(states: tuple[str, ...]) -> bool:
        return case.status in states

    director = not rules.director_refusal(user=user)
    works = not rules.work_refusal(case=case, user=user)
    in_review = allowed(rules.APPROVABLE) and user.has_perm(APPROVE_CASES) and works
    edit = not rules.edit_refusal(case=case, user=user) and works
    referral = workspace.referral
    return CaseActions(
        claim=not rules.claim_refusal(case=case, user=user),
        edit=edit,
        apply_all=edit and bool(workspace.applicable),
        pend=allowed(rules.PENDABLE) and works,
        resume=allowed(rules.RESUMABLE) and works,
        refer=allowed(rules.REFERRABLE) and works,
        withdraw=not rules.withdraw_refusal(case=case, user=user),
        reassign=not rules.reassign_refusal(case=case, user=user),
        offer_approval=in_review,
        approve=in_review
        and not rules.approve_refusal(
            user=user, rollup=workspace.rollup, excepted=workspace.excepted
        ),
        review=director and allowed(rules.DECIDABLE),
        decide=director and allowed(rules.DECIDABLE),
        reopen=allowed(rules.REOPENABLE) and not rules.reopen_refusal(user=user, current=current),
        recall=not rules.recall_refusal(
            case=case, user=user, acted_by_others=bool(referral and referral.acted_by_others)
        ),
        file_appeal=not rules.appeal_file_refusal(case=case, user=user, current=current),
    )


# --- texts drafted for the reviewer -------------------------------------------------------------


@dataclass(frozen=True)
class MissingItem:
    """A criterion the pend asks about, and the documents that would settle it."""

    row: CriterionRow
    documents: tuple[str, ...]


def information_missing(*, workspace: Workspace) -> list[MissingItem]:
    """What a pend asks for: each criterion that is unknown (unanswered, its facts do not decide
    it) or answered "not documented", with the documents that would settle it: those of its
    facts that are not recorded (all of its facts' when the answer says the proof is missing)."""
    dictionary = library.fact_dictionary()
    items = []
    for row in workspace.rows.values():
        if row.exception is not None:
            continue
        undocumented = row.status == AnswerStatus.NOT_DOCUMENTED
        if not (undocumented or (not row.status and row.proposed in (Status.UNKNOWN, ""))):
            continue
        names = [fact.name for fact, value in row.facts if value is None or undocumented]
        documents: list[str] = []
        for name in names or row.criterion.facts:
            document = dictionary[name].document
            if document and document not in documents:
                documents.append(document)
        items.append(MissingItem(row, tuple(documents)))
    return items


def information_request_draft(*, workspace: Workspace) -> str:
    """The pend's request to the provider: only what is unknown or not documented, each with the
    document that would settle it."""
    case = workspace.case
    missing = information_missing(workspace=workspace)
    lines = [
        f"Re: {case.reference}, {case.member_name} (member ID {case.member_id})",
        "",
        "To complete the review we need documentation for the following:",
    ]
    for item in missing:
        lines.append(f"- {item.row.criterion.label}: {item.row.criterion.text}")
        if item.documents:
            lines.append(f"  Please send: {'; '.join(item.documents)}.")
    if not missing:
        lines.append("- (every criterion is decided; nothing is missing)")
    return "\n".join(lines)


def referral_summary_draft(*, workspace: Workspace) -> str:
    """The summary for the medical director, drafted from the result and what is open."""
    case, rollup = workspace.case, workspace.rollup
    lines = [
        f"{case.checklist.title} under {case.policy_version}.",
        f"Answers: {rollup.answered} of {rollup.total}; result {rollup.outcome.value}.",
    ]
    lines += [f"Not met: {label} {workspace.rows[label].criterion.text}" for label in rollup.failed]
    lines += [
        f"Not documented: {label} {workspace.rows[label].criterion.text}"
        for label in rollup.unknown
    ]
    return "\n".join(lines)
