"""Reads for appeals: the queues, access, the rules that apply, who took part in the decision
appealed, the appeal's own record of the checklist, what a user may do, and what the appeal's
letter is built from.

``appeals_open`` and ``appeals_decided_in`` are the interface the operations dashboard and the
CMS-0057-F metrics read (keep their names).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from criteria import selectors as library
from criteria.engine import Criterion, Result, Status, evaluate
from criteria.models import Node
from reviewapp.accounts.models import StaffProfile, staff_display_name
from reviewapp.cases.models import (
    EXCEPTED,
    UNANSWERED,
    AnswerStatus,
    Case,
    CaseEvent,
    CriterionException,
    Evidence,
)
from reviewapp.cases.selectors import CASE_RELATED
from reviewapp.decisions.models import Authorization, CodeDecision, Determination
from reviewapp.decisions.selectors import ReasonDraft, authorization_for, reason_drafts_for
from reviewapp.letters.content import notices
from reviewapp.letters.models import Delivery, Letter
from reviewapp.letters.selectors import case_parties, notice_settings_for

from . import rules
from .models import (
    OVERTURNING,
    Appeal,
    AppealAnswer,
    AppealClockRule,
    AppealDocument,
    AppealReviewerRule,
    AppealStatus,
    IndependentReview,
)

APPEAL_RELATED = (
    "case",
    "determination__decided_by__staff_profile",
    "reviewer__staff_profile",
    "new_determination",
    "letter",
)


# --- the interface other apps read -------------------------------------------------------------


def appeals_open() -> QuerySet[Appeal]:
    """Appeals not yet decided (nor withdrawn), by due time: the appeals queue and the
    dashboard's "appeals due" count."""
    return (
        Appeal.objects.filter(status=AppealStatus.OPEN)
        .select_related(*APPEAL_RELATED)
        .order_by("due_at", "id")
    )


def appeals_decided_in(year: int) -> QuerySet[Appeal]:
    """Appeals decided in a calendar year (in the organisation's time zone), oldest first: the
    CMS-0057-F "approved after appeal" count reads their outcomes."""
    zone = timezone.get_current_timezone()
    start = dt.datetime(year, 1, 1, tzinfo=zone)
    end = dt.datetime(year + 1, 1, 1, tzinfo=zone)
    return (
        Appeal.objects.filter(
            status=AppealStatus.DECIDED, decided_at__gte=start, decided_at__lt=end
        )
        .select_related(*APPEAL_RELATED)
        .order_by("decided_at", "id")
    )


# --- access ------------------------------------------------------------------------------------


def appeal_get_for_user(*, user: User, pk: int) -> Appeal:
    """The appeal, if this user may work appeals: 403 without a reviewing role, 404 if none."""
    if refusal := rules.staff_refusal(user=user):
        raise PermissionDenied(refusal)
    try:
        return Appeal.objects.select_related(
            *APPEAL_RELATED, *(f"case__{name}" for name in CASE_RELATED)
        ).get(pk=pk)
    except (Appeal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such appeal.") from None


def appeals_for_case(case: Case) -> list[Appeal]:
    """The case's appeals, newest first, with the determinations they concern (one query)."""
    return list(
        Appeal.objects.filter(case=case)
        .select_related(
            "determination", "new_determination", "letter", "reviewer__staff_profile", "ire"
        )
        .order_by("-received_at", "-id")
    )


# --- the queue ---------------------------------------------------------------------------------

QUEUE_TABS = {
    "open": "Open",
    "mine": "Assigned to me",
    "unsigned": "Decided, letter to sign",
    "ire": "Independent review to send",
    "decided": "Decided",
}
QUEUE_LIMIT = 200


def appeal_queue(*, user: User, tab: str, line_of_business: str = "") -> QuerySet[Appeal]:
    """One tab of the appeals queue (one query): open appeals by due time, or the decided ones
    whose letter or independent review is still to do, or the latest decided."""
    appeals = Appeal.objects.select_related(
        "case", "determination", "reviewer__staff_profile", "ire"
    )
    if line_of_business:
        appeals = appeals.filter(case__line_of_business=line_of_business)
    if tab == "open":
        return appeals.filter(status=AppealStatus.OPEN).order_by("due_at", "id")
    if tab == "mine":
        return appeals.filter(status=AppealStatus.OPEN, reviewer=user).order_by("due_at", "id")
    if tab == "unsigned":
        return appeals.filter(status=AppealStatus.DECIDED, letter__isnull=True).order_by(
            "due_at", "id"
        )
    if tab == "ire":
        return appeals.filter(ire__isnull=False, ire__sent_at__isnull=True).order_by(
            "ire__due_at", "id"
        )
    if tab == "decided":
        return appeals.filter(status=AppealStatus.DECIDED).order_by("-decided_at", "-id")[
            :QUEUE_LIMIT
        ]
    return appeals.none()


def queue_counts() -> dict[str, int]:
    """How many appeals each tab holds that is not a history (one query per count)."""
    return {
        "open": Appeal.objects.filter(status=AppealStatus.OPEN).count(),
        "unsigned": Appeal.objects.filter(status=AppealStatus.DECIDED, letter__isnull=True).count(),
        "ire": IndependentReview.objects.filter(sent_at__isnull=True).count(),
    }


# --- the rules that apply ----------------------------------------------------------------------


def clock_rule_for(*, line_of_business: str, priority: str) -> AppealClockRule:
    return AppealClockRule.objects.get(line_of_business=line_of_business, priority=priority)


def clock_rules() -> QuerySet[AppealClockRule]:
    return AppealClockRule.objects.all()


def reviewer_rule_for(case: Case) -> AppealReviewerRule | None:
    """The rule for the case's line of business and indication, else for every indication."""
    rules_found = {
        r.indication: r
        for r in AppealReviewerRule.objects.filter(
            Q(indication=case.indication) | Q(indication=""),
            line_of_business=case.line_of_business,
        )
    }
    return rules_found.get(case.indication) or rules_found.get("")


def reviewer_scope(case: Case) -> str:
    return f"{case.get_line_of_business_display()} ({case.indication.replace('_', ' ')})"


@dataclass(frozen=True)
class FilingWindow:
    """When the member was told of the determination, and until when an appeal is on time."""

    notice_date: dt.date
    deadline: dt.date
    limit_days: int

    def days_late(self, received: dt.date) -> int:
        return max((received - self.deadline).days, 0)


def filing_window(*, determination: Determination, priority: str) -> FilingWindow:
    """The filing limit counts from the date of the determination's notice: the date its letter
    carries (the signing date), which is what the letter tells the member to count from."""
    case = determination.case
    rule = clock_rule_for(line_of_business=case.line_of_business, priority=priority)
    signed = determination.signed_at or determination.decided_at
    notice = timezone.localdate(signed)
    return FilingWindow(
        notice_date=notice,
        deadline=notice + dt.timedelta(days=rule.filing_limit_days),
        limit_days=rule.filing_limit_days,
    )


# --- who took part in the decision appealed ----------------------------------------------------


def involvement(appeal: Appeal) -> dict[int, str]:
    """Everyone who took part in the decision appealed, and how (three queries): the deciders of
    the case's determinations, the medical directors who granted exceptions on it, and whoever
    decided an earlier appeal on it."""
    involved: dict[int, str] = {}
    appealed = appeal.determination
    for determination in Determination.objects.filter(
        case_id=appeal.case_id, decided_at__lte=appealed.decided_at
    ).only("pk", "decided_by_id"):
        involved.setdefault(
            determination.decided_by_id,
            "made the determination appealed"
            if determination.pk == appealed.pk
            else "made an earlier determination on this case",
        )
    for granted_by in CriterionException.objects.filter(case_id=appeal.case_id).values_list(
        "granted_by_id", flat=True
    ):
        involved.setdefault(granted_by, "granted an exception on this case")
    for decided_by in (
        Appeal.objects.filter(case_id=appeal.case_id, decided_by__isnull=False)
        .exclude(pk=appeal.pk)
        .values_list("decided_by_id", flat=True)
    ):
        involved.setdefault(decided_by, "decided an earlier appeal on this case")
    involved[appealed.decided_by_id] = "made the determination appealed"
    return involved


def supervisors_of(user: User) -> list[tuple[int, str]]:
    """The user's supervisors, nearest first, as recorded on the staff profiles (one query for
    the whole chain; a loop in the records ends the walk)."""
    chain = dict(StaffProfile.objects.values_list("user_id", "supervisor_id"))
    names = {}
    found: list[int] = []
    current = chain.get(user.pk)
    while current is not None and current not in found and current != user.pk:
        found.append(current)
        current = chain.get(current)
    if found:
        names = {
            p.user_id: p.signature_name for p in StaffProfile.objects.filter(user_id__in=found)
        }
    return [(pk, names.get(pk, "someone")) for pk in found]


def reviewer_refusal(*, appeal: Appeal, user: User) -> str:
    """Why this user may not review this appeal ("" when they may): ``rules.reviewer_refusal``
    with what it reads."""
    if not user.is_authenticated:
        return rules.ONLY_DIRECTORS
    profile = StaffProfile.objects.filter(user=user).first()
    return rules.reviewer_refusal(
        user=user,
        involved=involvement(appeal),
        supervisors=supervisors_of(user),
        specialty=profile.specialty if profile else "",
        rule=reviewer_rule_for(appeal.case),
        scope=reviewer_scope(appeal.case),
    )


# --- the appeal's own record of the checklist --------------------------------------------------


@dataclass
class AppealRow:
    """One criterion as the appeal reviewer sees it: the original (from the determination
    appealed, as it stood), the appeal's own answer if any, and the status now."""

    node: Node
    criterion: Criterion
    original: dict[str, Any]
    answer: AppealAnswer | None
    status: str  # the appeal's view: met, not_met, not_documented, not_applicable, excepted...
    engine_status: str  # what the engine made of it, in the appeal's evaluation
    # The documents the original answer relied on: (snapshot entry, the case's document if it
    # is still on the case) pairs.
    original_documents: list[tuple[dict, Evidence | None]] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"appeal-criterion-{self.node.pk}"

    @property
    def open(self) -> bool:
        """Still not met or not documented on the appeal's record."""
        return self.engine_status in (Status.NOT_MET.value, Status.UNKNOWN.value)

    @property
    def original_status(self) -> str:
        return self.original.get("status") or UNANSWERED

    @property
    def changed(self) -> bool:
        return self.answer is not None

    @property
    def revision(self) -> int:
        return self.answer.revision if self.answer else 0

    @property
    def has_evidence(self) -> bool:
        return bool(self.original.get("evidence")) or bool(self.answer and self.answer.evidence_id)


@dataclass
class AppealWorkspace:
    appeal: Appeal
    case: Case
    appealed: Determination
    rows: dict[str, AppealRow]
    result: Result
    documents: list[AppealDocument]
    evidence: list[Evidence]  # every document on the case (the original ones and the new)
    evidence_by_sha: dict[str, Evidence]
    codes: list[CodeDecision]  # the determination appealed's decisions, per code
    original_letter: Letter | None
    events: list[CaseEvent] = field(default_factory=list)

    @property
    def denied_codes(self) -> list[CodeDecision]:
        return [c for c in self.codes if c.decision == CodeDecision.Decision.DENY]

    @property
    def reasons_required(self) -> list[str]:
        return appeal_reasons_required(self.result, self.rows)

    @property
    def criteria_met(self) -> bool:
        """The appeal's answers (and exceptions) meet the checklist."""
        if library.engine_checklist(self.case.checklist).external:
            return self.result.root.status is Status.MET
        return self.result.outcome.value == "meets"


def appeal_reasons_required(result: Result, rows: dict[str, AppealRow]) -> list[str]:
    """The criteria an upheld (or partly upheld) appeal gives reasons for: not met or not
    documented in the appeal's evaluation, and not excepted."""
    return [
        label
        for label in result.failed + result.unknown
        if label in rows and rows[label].status != EXCEPTED
    ]


def _original_statuses(snapshot: list[dict]) -> tuple[dict[str, Status], set[str]]:
    """The determination's snapshot as the engine reads it: recorded answers and exceptions."""
    answers: dict[str, Status] = {}
    excepted: set[str] = set()
    for item in snapshot:
        label = item.get("label", "")
        if item.get("exception"):
            excepted.add(label)
            continue
        answered = item.get("answered_status")
        if answered is None:  # a snapshot from before the answered status was kept apart
            answered = item.get("status") if item.get("status") in AnswerStatus.values else ""
        if answered:
            answers[label] = AnswerStatus(answered).engine_status
    return answers, excepted


def appeal_evaluation(
    *, case: Case, snapshot: list[dict], answers: dict[str, AppealAnswer]
) -> Result:
    """The checklist evaluated on the appeal's record: the determination's answers and exceptions
    as they stood, with the appeal's answers in their place where it gave one."""
    confirmed, excepted = _original_statuses(snapshot)
    for label, answer in answers.items():
        confirmed.pop(label, None)
        excepted.discard(label)
        if answer.status == EXCEPTED:
            excepted.add(label)
        else:
            confirmed[label] = AnswerStatus(answer.status).engine_status
    return evaluate(
        library.engine_checklist(case.checklist),
        {},
        answers=confirmed,
        excepted=frozenset(excepted),
        facts_decide=False,
    )


def appeal_workspace(appeal: Appeal, *, events: bool = True) -> AppealWorkspace:
    """Everything the appeal page shows, in a fixed number of queries: the determination's
    codes, the appeal's answers, its documents, the case's evidence, the original letter and the
    appeal's timeline (+ cached library reads)."""
    case = appeal.case
    appealed = appeal.determination
    nodes = library.checklist_nodes(case.checklist)
    checklist = library.engine_checklist(case.checklist)
    labels = {node.pk: label for label, node in nodes.items()}
    answers = {
        labels[a.criterion_id]: a
        for a in AppealAnswer.objects.filter(appeal=appeal).select_related(
            "evidence", "answered_by__staff_profile"
        )
        if a.criterion_id in labels
    }
    snapshot = appealed.criteria_snapshot or []
    result = appeal_evaluation(case=case, snapshot=snapshot, answers=answers)
    originals = {item.get("label"): item for item in snapshot}
    evidence = list(Evidence.objects.filter(case=case).order_by("uploaded_at", "id"))
    by_sha = {e.sha256: e for e in evidence}
    rows: dict[str, AppealRow] = {}
    for criterion in checklist.criteria():
        label = criterion.label
        original = originals.get(label, {})
        answer = answers.get(label)
        status = answer.status if answer is not None else original.get("status") or UNANSWERED
        rows[label] = AppealRow(
            node=nodes[label],
            criterion=criterion,
            original=original,
            answer=answer,
            status=status,
            engine_status=result.status_of(label).value,
            original_documents=[
                (item, by_sha.get(item.get("sha256", "")))
                for item in original.get("evidence") or []
            ],
        )
    documents = list(
        AppealDocument.objects.filter(appeal=appeal)
        .select_related("evidence", "added_by__staff_profile")
        .order_by("added_at", "id")
    )
    codes = list(CodeDecision.objects.filter(determination=appealed).order_by("id"))
    original_letter = Letter.objects.filter(determination=appealed).first()
    timeline = (
        list(
            CaseEvent.objects.filter(case=case, after__appeal=appeal.pk).select_related(
                "actor__staff_profile"
            )[:50]
        )
        if events
        else []
    )
    return AppealWorkspace(
        appeal=appeal,
        case=case,
        appealed=appealed,
        rows=rows,
        result=result,
        documents=documents,
        evidence=evidence,
        evidence_by_sha=by_sha,
        codes=codes,
        original_letter=original_letter,
        events=timeline,
    )


def appeal_reason_drafts(workspace: AppealWorkspace) -> list[ReasonDraft]:
    """The reasons an upheld (or partly upheld) appeal gives, drafted in the member's words and
    language, as a determination's are."""
    unknown = set(workspace.result.unknown)
    return reason_drafts_for(
        case=workspace.case,
        required=[
            (label, "not_documented" if label in unknown else "not_met")
            for label in workspace.reasons_required
        ],
    )


def appeal_snapshot(workspace: AppealWorkspace) -> list[dict]:
    """The checklist as the appeal left it, in a determination's snapshot shape (what the
    appeal's letter prints, and an overturn's new determination records): the original entries,
    with the appeal's answer, note, exception and document where it gave one."""
    snapshot = []
    for label, row in workspace.rows.items():
        item = dict(row.original) or {
            "label": label,
            "text": row.criterion.text,
            "member_reason": row.criterion.member_reason,
            "citation": row.criterion.citation,
            "requires_documentation": row.criterion.requires_documentation,
            "status": UNANSWERED,
            "answered_status": "",
            "evidence": [],
            "exception": None,
        }
        answer = row.answer
        if answer is not None:
            evidence = list(item.get("evidence") or [])
            if answer.evidence is not None:
                document = answer.evidence
                evidence.append(
                    {
                        "name": document.original_name,
                        "pages": answer.pages,
                        "doc_type": document.get_doc_type_display(),
                        "document_date": document.document_date.isoformat()
                        if document.document_date
                        else None,
                        "sha256": document.sha256,
                    }
                )
            item.update(
                {
                    "status": answer.status,
                    "answered_status": "" if answer.status == EXCEPTED else answer.status,
                    "note": answer.note,
                    "evidence": evidence,
                    "exception": {
                        "kind": "director_discretion",
                        "kind_label": CriterionException.Kind.DIRECTOR_DISCRETION.label,
                        "rationale": answer.note,
                        "granted_by": staff_display_name(answer.answered_by),
                    }
                    if answer.status == EXCEPTED
                    else None,
                    "on_appeal": True,
                }
            )
        snapshot.append(item)
    return snapshot


# --- what a user may do ------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealActions:
    """What one user may do on one appeal now. Each flag comes from the guard its service
    enforces (``rules``), so the page never offers what the service would refuse."""

    add_documents: bool = False
    claim: bool = False
    review: bool = False  # re-answer criteria and decide
    decline_expedite: bool = False
    extend: bool = False
    withdraw: bool = False
    sign_letter: bool = False
    prepare_case_file: bool = False
    mark_forwarded: bool = False
    reviewer_refusal: str = ""  # why this user may not review it, when they may not


def appeal_actions(*, user: User, appeal: Appeal) -> AppealActions:
    """Three or four queries (who took part, the supervisors, the profile and the reviewer rule)
    for a medical director on an open appeal; none otherwise."""
    staff = not rules.staff_refusal(user=user)
    is_open = appeal.is_open
    refusal = reviewer_refusal(appeal=appeal, user=user) if is_open else rules.ONLY_DIRECTORS
    reviewer = is_open and not refusal
    mine = reviewer and not rules.assigned_refusal(appeal=appeal, user=user, reviewer_name="")
    rule = (
        clock_rule_for(line_of_business=appeal.case.line_of_business, priority=appeal.priority)
        if is_open and staff
        else None
    )
    extendable = rule is not None and any(
        not rules.extension_refusal(appeal=appeal, rule=rule, asked_by=asker)
        for asker in ("member", "plan")
    )
    ire = getattr(appeal, "ire", None) if appeal.status == AppealStatus.DECIDED else None
    return AppealActions(
        add_documents=staff and is_open,
        claim=reviewer and appeal.reviewer_id != user.pk,
        review=mine,
        decline_expedite=not rules.director_refusal(user=user)
        and not rules.expedite_decline_refusal(appeal=appeal),
        extend=staff and extendable,
        withdraw=staff and is_open,
        sign_letter=not rules.sign_forbidden(appeal=appeal, user=user)
        and not rules.sign_refusal(appeal=appeal),
        prepare_case_file=staff
        and ire is not None
        and appeal.letter_id is not None
        and not ire.is_sent,
        mark_forwarded=staff and ire is not None and bool(ire.case_file_sha256) and not ire.is_sent,
        reviewer_refusal=refusal if is_open else "",
    )


# --- the case page's appeals panel -------------------------------------------------------------


@dataclass(frozen=True)
class CaseAppeals:
    """The case page's history of determinations and appeals, and whether an appeal can be filed
    now (the case's own guard and this app's: one appeal per determination)."""

    appeals: list[Appeal]
    can_file: bool
    file_refusal: str
    made_on_appeal: dict[int, Appeal]  # new determination id -> the appeal that made it
    appealed_by: dict[int, list[Appeal]]  # determination id -> its appeals
    superseded: frozenset[int]  # the determinations a later one supersedes


def case_appeals(
    *, case: Case, determinations: list[Determination], case_allows: bool
) -> CaseAppeals:
    """The panel, from the case's determinations (newest first, ``determinations_for``) and the
    case's own guard (``CaseActions.file_appeal``). One query."""
    current = determinations[0] if determinations else None
    appeals = appeals_for_case(case)
    made = {a.new_determination_id: a for a in appeals if a.new_determination_id}
    by_determination: dict[int, list[Appeal]] = defaultdict(list)
    for appeal in appeals:
        by_determination[appeal.determination_id].append(appeal)
    refusal = ""
    if case_allows and current is not None:
        refusal = rules.appeal_again_refusal(
            determination=current,
            appeals=by_determination.get(current.pk, []),
            made_on_appeal=current.pk in made,
        )
    return CaseAppeals(
        appeals=appeals,
        can_file=case_allows and current is not None and not refusal,
        file_refusal=refusal,
        made_on_appeal=made,
        appealed_by=dict(by_determination),
        superseded=frozenset(d.supersedes_id for d in determinations if d.supersedes_id),
    )


# --- notice ------------------------------------------------------------------------------------


def appeal_notice_sent_at(appeal: Appeal) -> dt.datetime | None:
    """When the member's copy of the appeal decision letter was sent: the appeal's notice, where
    its clock stops (one query; None while unsigned or unsent)."""
    if appeal.letter_id is None:
        return None
    return (
        Delivery.objects.filter(
            letter_id=appeal.letter_id, recipient=Delivery.Recipient.MEMBER, sent_at__isnull=False
        )
        .values_list("sent_at", flat=True)
        .first()
    )


# --- the appeal's letter -----------------------------------------------------------------------


def appeal_letter_inputs(
    appeal: Appeal, *, language: str, large_print: bool
) -> notices.AppealDecisionInputs:
    """What the appeal decision letter reads: the appeal's own record, the determination
    appealed and its codes, the state's settings, and for an overturn its authorization."""
    from reviewapp.letters.rendering import PrintOptions

    case = appeal.case
    appealed = appeal.determination
    member, provider = case_parties(case)
    decided = appeal.code_decisions or {}
    codes = [
        notices.AppealCode(
            code=c.code,
            description=c.description,
            units=c.units,
            decision=decided.get(c.code, c.decision),
            before=c.decision,
        )
        for c in CodeDecision.objects.filter(determination=appealed).order_by("id")
    ]
    authorization: Authorization | None = None
    if appeal.new_determination is not None and appeal.outcome in OVERTURNING:
        authorization = authorization_for(appeal.new_determination)
    ire = IndependentReview.objects.filter(appeal=appeal).first()
    return notices.AppealDecisionInputs(
        appeal=appeal,
        appealed=appealed,
        codes=codes,
        state=notice_settings_for(case),
        member=member,
        provider=provider,
        options=PrintOptions(language=language, large_print=large_print),
        authorization=authorization,
        independent_review_due=ire.due_at if ire else None,
    )


def appeal_letter_language(appeal: Appeal) -> tuple[str, bool]:
    """The appeal letter is written in the language of the determination appealed, in the
    member's format."""
    language = appeal.determination.letter_language
    return (
        language if language in ("en", "es") else "en",
        appeal.case.alternate_format == "large_print",
    )


def independent_review_for(appeal: Appeal) -> IndependentReview | None:
    return IndependentReview.objects.filter(appeal=appeal).first()
