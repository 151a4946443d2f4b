"""Every change to an appeal: filing, documents, the clock (expedite declined, extension), the
reviewer, the appeal's own answers, the decision, its signed letter, the independent review.

Each service is keyword-only, checks its guards (``rules``) before writing anything, runs in one
transaction under the case lock (the case first, then the appeal: the lock order of every case
service) and records what it did in the case timeline, with the appeal named in the event's
``after``. A refusal that is a matter of who the person is raises ``AppealForbidden`` (answered
403) and is recorded in the timeline; one that is a matter of state or input raises
``AppealRefused`` with a message for staff; either way nothing else is written.

The case's answers, exceptions and determinations are never changed here: the appeal keeps its
own answers, and an overturn's new determination supersedes the one appealed, which stays on
record as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from criteria import selectors as library
from criteria.models import Node
from reviewapp.accounts.models import staff_display_name
from reviewapp.cases import rules as case_rules
from reviewapp.cases.models import EXCEPTED, AnswerStatus, Case, EventKind, Evidence
from reviewapp.cases.services import (
    CaseActionRefused,
    case_lock,
    event_record,
    evidence_receive_after_decision,
    parse_pages,
)
from reviewapp.core.storage import files_atomic, private_storage
from reviewapp.decisions import services as decisions
from reviewapp.decisions.models import Determination
from reviewapp.decisions.selectors import current_determination
from reviewapp.letters import services as letters
from reviewapp.letters.content import notices
from reviewapp.letters.models import Letter
from reviewapp.letters.selectors import NoNoticeSettings

from . import rules, selectors
from .models import (
    Appeal,
    AppealAnswer,
    AppealAnswerStatus,
    AppealDocument,
    AppealOutcome,
    AppealStatus,
    ExtensionAsker,
    IndependentReview,
    ReceivedVia,
    Requester,
)

logger = logging.getLogger(__name__)

# A reception time a few minutes ahead of the server's clock is a typing slip, not the future.
CLOCK_SKEW = dt.timedelta(minutes=5)


class AppealRefused(Exception):
    """A guard refused the action; the message says why, in staff's words."""


class AppealForbidden(Exception):
    """Who the person is does not allow this (answered 403 and recorded in the timeline)."""


class AppealConflict(Exception):
    """Someone saved this criterion of the appeal since the page was loaded; carries theirs."""

    def __init__(self, current: AppealAnswer | None, message: str) -> None:
        self.current = current
        super().__init__(message)


def _forbid(*, case: Case, by: User, action: str, reason: str, appeal: Appeal | None = None):
    """Audit a refused attempt (outside the refused action's transaction, so the record stays)."""
    event_record(
        case=case,
        actor=by,
        kind=EventKind.REFUSED,
        summary=f"Refused: {action}. {reason}",
        after={"action": action, **({"appeal": appeal.pk} if appeal else {})},
    )
    return AppealForbidden(reason)


def refusal_record(*, appeal: Appeal, by: User, action: str, reason: str) -> None:
    """Audit a refused attempt the view caught before the service (e.g. on bad input)."""
    _forbid(case=appeal.case, by=by, action=action, reason=reason, appeal=appeal)


def appeal_lock(appeal: Appeal) -> Appeal:
    """The case, then the appeal, locked and read again (the case service lock order)."""
    case = case_lock(appeal.case)
    locked = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("determination")
        .get(pk=appeal.pk)
    )
    locked.case = case
    locked.determination.case = case
    return locked


def _require_state(appeal: Appeal, allowed, action: str) -> None:
    if refusal := rules.state_refusal(appeal, allowed, action):
        raise AppealRefused(refusal)


def _require_staff(case: Case, by: User, action: str, appeal: Appeal | None = None) -> None:
    if refusal := rules.staff_refusal(user=by):
        raise _forbid(case=case, by=by, action=action, reason=refusal, appeal=appeal)


def _require_reviewer(appeal: Appeal, by: User, action: str) -> None:
    """The appeal's reviewer rules (a director with no part in the decision appealed, no
    subordinate of anyone who had, in a fitting specialty); a refusal is audited."""
    if refusal := selectors.reviewer_refusal(appeal=appeal, user=by):
        raise _forbid(case=appeal.case, by=by, action=action, reason=refusal, appeal=appeal)


def _event(appeal: Appeal, *, by: User, kind: EventKind, summary: str, **after: Any) -> None:
    event_record(
        case=appeal.case,
        actor=by,
        kind=kind,
        summary=summary,
        after={"appeal": appeal.pk, "reference": appeal.reference, **after},
    )


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


# --- filing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealFiling:
    """An appeal as received: who asked (for the member), how and when, what they ask, whether
    they ask for a fast appeal, and for a late one the good cause."""

    requester: str
    requester_name: str
    received_via: str
    received_at: dt.datetime
    request_summary: str
    expedited_requested: bool = False
    provider_supports_expedited: bool = False
    representative_relationship: str = ""
    representative_authorized: bool = False
    good_cause: str = ""


@dataclass(frozen=True)
class AppealDocuments:
    files: list[UploadedFile]
    doc_type: str
    document_date: dt.date | None = None
    source: str = ""


def appeal_file(
    *, case: Case, by: User, filing: AppealFiling, documents: AppealDocuments | None = None
) -> Appeal:
    """Record an appeal of the adverse determination in force, with the documents that came
    with it.

    Priority: expedited when the provider says waiting could seriously harm the member's health
    (the plan must then expedite), or when the member asks (the plan may decline, later, with
    ``appeal_expedite_decline``); standard otherwise. The due time comes from the appeal clock
    rule. The filing limit counts from the date of the determination's notice: an appeal received
    after it is recorded as late, with the good cause the member gave, and never turned away
    unrecorded; without a good cause it is refused with the dates, so that staff record one.
    """
    if refusal := rules.staff_refusal(user=by):
        raise _forbid(case=case, by=by, action="file an appeal", reason=refusal)
    # The documents that come with the appeal are removed if the filing does not commit.
    with files_atomic():
        case = case_lock(case)
        current = current_determination(case)
        if refusal := case_rules.appeal_file_refusal(case=case, user=by, current=current):
            raise AppealRefused(refusal)
        assert current is not None  # appeal_file_refusal refuses a case without one
        current.case = case
        if refusal := rules.appeal_again_refusal(
            determination=current,
            appeals=list(current.appeals.all()),
            made_on_appeal=Appeal.objects.filter(new_determination=current).exists(),
        ):
            raise AppealRefused(refusal)
        _filing_check(filing, current)
        priority = (
            "expedited"
            if filing.expedited_requested or filing.provider_supports_expedited
            else "standard"
        )
        rule = selectors.clock_rule_for(line_of_business=case.line_of_business, priority=priority)
        window = selectors.filing_window(determination=current, priority=priority)
        received_on = timezone.localdate(filing.received_at)
        late = window.days_late(received_on)
        if late and not filing.good_cause.strip():
            raise AppealRefused(
                f"This appeal was received on {received_on:%Y-%m-%d}, {late} day"
                f"{'s' if late != 1 else ''} after the filing limit ({window.deadline:%Y-%m-%d}: "
                f"{window.limit_days} days from the notice of {window.notice_date:%Y-%m-%d}). "
                "Record the good cause the member gave for filing late: the appeal is then "
                "accepted and recorded as late."
            )
        appeal = Appeal.objects.create(
            reference=f"new-{uuid.uuid4().hex[:16]}",
            case=case,
            determination=current,
            requester=filing.requester,
            requester_name=filing.requester_name.strip(),
            representative_relationship=filing.representative_relationship.strip(),
            representative_authorized=filing.representative_authorized,
            received_via=filing.received_via,
            received_at=filing.received_at,
            request_summary=filing.request_summary.strip(),
            expedited_requested=filing.expedited_requested or filing.provider_supports_expedited,
            provider_supports_expedited=filing.provider_supports_expedited,
            priority=priority,
            due_at=filing.received_at + dt.timedelta(hours=rule.hours),
            notice_date=window.notice_date,
            filing_deadline=window.deadline,
            filed_late=bool(late),
            good_cause=filing.good_cause.strip() if late else "",
            created_by=by,
        )
        appeal.reference = f"APL-{received_on:%Y}-{appeal.pk:06d}"
        appeal.save(update_fields=["reference"])
        _event(
            appeal,
            by=by,
            kind=EventKind.APPEAL_FILED,
            summary=f"Appeal {appeal.reference} of the {current.get_outcome_display().lower()} of "
            f"{timezone.localdate(current.decided_at):%Y-%m-%d}, asked by "
            f"{appeal.get_requester_display().lower()} ({appeal.requester_name}) by "
            f"{appeal.get_received_via_display().lower()}; {priority}; due {_local(appeal.due_at)}"
            + (f"; received {late} days late, good cause: {appeal.good_cause}" if late else ""),
            determination=current.pk,
            priority=priority,
            due_at=appeal.due_at.isoformat(),
            filed_late=bool(late),
        )
        if documents is not None and documents.files:
            _documents_add(appeal, by=by, documents=documents)
    return appeal


def _filing_check(filing: AppealFiling, determination: Determination) -> None:
    if filing.requester not in Requester.values:
        raise AppealRefused(
            "Say who asked for the appeal: the member, the provider or a representative."
        )
    if not filing.requester_name.strip():
        raise AppealRefused("Give the name of the person who asked for the appeal.")
    if (
        filing.requester == Requester.REPRESENTATIVE
        and not filing.representative_relationship.strip()
    ):
        raise AppealRefused("Say how the representative is related to the member.")
    if filing.received_via not in ReceivedVia.values:
        raise AppealRefused("Say how the appeal was received: phone, mail, fax or portal.")
    if not filing.request_summary.strip():
        raise AppealRefused("Say what the appeal asks for.")
    if filing.received_at > timezone.now() + CLOCK_SKEW:
        raise AppealRefused("The appeal cannot have been received in the future.")
    if filing.received_at < determination.decided_at:
        raise AppealRefused(
            "The appeal cannot have been received before the determination it appeals "
            f"({_local(determination.decided_at)})."
        )


def _documents_add(appeal: Appeal, *, by: User, documents: AppealDocuments) -> list[Evidence]:
    """Store the documents on the case file and name them the appeal's (under the caller's lock)."""
    try:
        results = evidence_receive_after_decision(
            case=appeal.case,
            by=by,
            files=documents.files,
            doc_type=documents.doc_type,
            document_date=documents.document_date,
            source=documents.source,
            purpose=f"appeal {appeal.reference}",
        )
    except CaseActionRefused as exc:
        raise AppealRefused(str(exc)) from None
    added = []
    for result in results:
        _, created = AppealDocument.objects.get_or_create(
            appeal=appeal, evidence=result.evidence, defaults={"added_by": by}
        )
        if created:
            added.append(result.evidence)
    if added:
        _event(
            appeal,
            by=by,
            kind=EventKind.APPEAL_DOCUMENTS,
            summary=f"Appeal {appeal.reference}: received "
            + ", ".join(f"{e.original_name} ({e.get_doc_type_display().lower()})" for e in added),
            evidence=[e.pk for e in added],
        )
    return added


def appeal_documents_add(*, appeal: Appeal, by: User, documents: AppealDocuments) -> list[Evidence]:
    """Documents received while the appeal is open (the member's or provider's, new or old: the
    reviewer weighs everything they send, 42 CFR 438.406(b)(2)(iii)). Returns the ones new to
    the appeal (a file already on it is recognised)."""
    _require_staff(appeal.case, by, f"add documents to appeal {appeal.reference}", appeal)
    with transaction.atomic():
        appeal = appeal_lock(appeal)
        _require_state(appeal, rules.OPEN, "given new documents")
        if not documents.files:
            raise AppealRefused("Choose at least one document.")
        return _documents_add(appeal, by=by, documents=documents)


# --- the reviewer ------------------------------------------------------------------------------


def appeal_claim(*, appeal: Appeal, by: User) -> Appeal:
    """A medical director who may review the appeal takes it (from whoever had it)."""
    _require_reviewer(appeal, by, f"review appeal {appeal.reference}")
    with transaction.atomic():
        appeal = appeal_lock(appeal)
        _require_state(appeal, rules.OPEN, "claimed")
        if appeal.reviewer_id == by.pk:
            raise AppealRefused(f"Appeal {appeal.reference} is already yours.")
        previous = appeal.reviewer
        appeal.reviewer = by
        appeal.save(update_fields=["reviewer"])
        _event(
            appeal,
            by=by,
            kind=EventKind.APPEAL_CLAIMED,
            summary=f"Appeal {appeal.reference} assigned to {staff_display_name(by)}"
            + (f" (was {staff_display_name(previous)})" if previous else ""),
            reviewer=by.pk,
        )
    return appeal


def _require_assigned(appeal: Appeal, by: User) -> None:
    """Under the lock: the reviewer works an appeal that is theirs, or takes an unassigned one."""
    if refusal := rules.assigned_refusal(
        appeal=appeal, user=by, reviewer_name=staff_display_name(appeal.reviewer)
    ):
        raise AppealRefused(refusal)
    if appeal.reviewer_id is None:
        appeal.reviewer = by
        appeal.save(update_fields=["reviewer"])
        _event(
            appeal,
            by=by,
            kind=EventKind.APPEAL_CLAIMED,
            summary=f"Appeal {appeal.reference} assigned to {staff_display_name(by)}",
            reviewer=by.pk,
        )


# --- the clock ---------------------------------------------------------------------------------


def appeal_expedite_decline(*, appeal: Appeal, by: User, reason: str, member_told: str) -> Appeal:
    """A medical director declines a member's request for a fast appeal: the appeal moves to the
    standard clock (counted from receipt) and the member is told (orally at once, in writing
    within the rule's days: 42 CFR 438.410(c); 422.570(d), 422.584(d)). Never an appeal the
    provider backs (``rules.expedite_decline_refusal``)."""
    if refusal := rules.director_refusal(user=by):
        raise _forbid(
            case=appeal.case,
            by=by,
            action=f"decline the expedited appeal {appeal.reference}",
            reason=refusal,
            appeal=appeal,
        )
    with transaction.atomic():
        appeal = appeal_lock(appeal)
        if refusal := rules.expedite_decline_refusal(appeal=appeal):
            raise AppealRefused(refusal)
        if not reason.strip():
            raise AppealRefused("Say why waiting for the standard clock will not harm the member.")
        if not member_told.strip():
            raise AppealRefused("Record how and when the member was told.")
        rule = selectors.clock_rule_for(
            line_of_business=appeal.case.line_of_business, priority="standard"
        )
        before = appeal.due_at
        appeal.priority = "standard"
        appeal.due_at = appeal.received_at + dt.timedelta(hours=rule.hours)
        appeal.expedite_declined_at = timezone.now()
        appeal.expedite_declined_by = by
        appeal.expedite_decline_reason = reason.strip()
        appeal.expedite_decline_member_told = member_told.strip()
        appeal.save()
        _event(
            appeal,
            by=by,
            kind=EventKind.APPEAL_EXPEDITE_DECLINED,
            summary=f"Expedited appeal {appeal.reference} declined: {reason.strip()}; now "
            f"standard, due {_local(appeal.due_at)} (was {_local(before)}); member told: "
            f"{member_told.strip()}; written notice within {rule.extension_notice_days} days",
            due_at=appeal.due_at.isoformat(),
            previous_due_at=before.isoformat(),
        )
    return appeal


def appeal_extend(
    *, appeal: Appeal, by: User, asked_by: str, reason: str, member_told: str = ""
) -> Appeal:
    """Extend the appeal's due time once, as its clock rule allows: when the member asks, or
    when the plan needs information and the delay is in the member's interest (then the member
    is told: orally, and in writing within the rule's days; 438.408(c)(2), 422.590(f))."""
    _require_staff(appeal.case, by, f"extend appeal {appeal.reference}", appeal)
    with transaction.atomic():
        appeal = appeal_lock(appeal)
        rule = selectors.clock_rule_for(
            line_of_business=appeal.case.line_of_business, priority=appeal.priority
        )
        if refusal := rules.extension_refusal(appeal=appeal, rule=rule, asked_by=asked_by):
            raise AppealRefused(refusal)
        if not reason.strip():
            raise AppealRefused("Give the reason for the extension.")
        if asked_by == ExtensionAsker.PLAN and not member_told.strip():
            raise AppealRefused(
                "The plan started this extension: record how and when the member was told."
            )
        before = appeal.due_at
        appeal.due_at = before + dt.timedelta(hours=rule.extension_hours)
        appeal.extended_at = timezone.now()
        appeal.extended_by = by
        appeal.extension_asked_by = asked_by
        appeal.extension_reason = reason.strip()
        appeal.extension_member_told = member_told.strip()
        appeal.save()
        _event(
            appeal,
            by=by,
            kind=EventKind.APPEAL_EXTENDED,
            summary=f"Appeal {appeal.reference} extended to {_local(appeal.due_at)} (was "
            f"{_local(before)}): {ExtensionAsker(asked_by).label.lower()}; {reason.strip()}"
            + (f"; member told: {member_told.strip()}" if member_told.strip() else ""),
            due_at=appeal.due_at.isoformat(),
            previous_due_at=before.isoformat(),
            asked_by=asked_by,
        )
    return appeal


# --- the appeal's own answers ------------------------------------------------------------------


def appeal_answer_record(
    *,
    appeal: Appeal,
    criterion: Node,
    by: User,
    status: str,
    note: str,
    evidence: Evidence | None = None,
    pages: str = "",
    expected_revision: int,
) -> AppealAnswer:
    """The appeal reviewer answers a criterion again, in the appeal's own record.

    Guards: the reviewer rules (audited); the appeal is open and theirs (an unassigned one
    becomes theirs); the criterion is on the case's checklist; a note says what the appeal showed
    (for an exception, its rationale); a criterion that needs documentation is met only with a
    document (the one cited here, or one the original answer relied on); nobody saved this
    criterion of the appeal since the page was loaded. The case's own answer and the
    determination appealed are not touched.
    """
    _require_reviewer(appeal, by, f"answer {criterion.label} on appeal {appeal.reference}")
    with transaction.atomic():
        appeal = appeal_lock(appeal)
        _require_state(appeal, rules.OPEN, "changed")
        _require_assigned(appeal, by)
        nodes = library.checklist_nodes(appeal.case.checklist)
        if nodes.get(criterion.label) is None or nodes[criterion.label].pk != criterion.pk:
            raise AppealRefused("That criterion is not on this case's checklist.")
        current = (
            AppealAnswer.objects.select_for_update()
            .filter(appeal=appeal, criterion=criterion)
            .first()
        )
        if (current.revision if current else 0) != expected_revision:
            raise AppealConflict(
                current,
                f"{staff_display_name(current.answered_by) if current else 'Someone'} saved "
                f"{criterion.label} on this appeal while you were editing; their answer is shown.",
            )
        if status not in AppealAnswerStatus.values:
            raise AppealRefused("Choose met, not met, not documented, not applicable or exception.")
        if not note.strip():
            raise AppealRefused(
                "Say what the appeal showed"
                + (" (the exception's rationale)." if status == EXCEPTED else ".")
            )
        if evidence is not None and evidence.case_id != appeal.case_id:
            raise AppealRefused("That document is not on this case.")
        try:
            pages = (
                parse_pages(pages, evidence.page_count if evidence else None) if evidence else ""
            )
        except CaseActionRefused as exc:
            raise AppealRefused(str(exc)) from None
        original: dict = next(
            (
                item
                for item in appeal.determination.criteria_snapshot or []
                if item.get("label") == criterion.label
            ),
            {},
        )
        if (
            status == AnswerStatus.MET
            and criterion.requires_documentation
            and evidence is None
            and not original.get("evidence")
        ):
            raise AppealRefused(
                f"{criterion.label} needs documentation: cite the document (with its pages) that "
                "shows it is met."
            )
        before = _answer_state(current)
        answer = current or AppealAnswer(appeal=appeal, criterion=criterion, revision=0)
        answer.status = status
        answer.note = note.strip()
        answer.evidence = evidence
        answer.pages = pages
        answer.answered_by = by
        answer.answered_at = timezone.now()
        answer.revision += 1
        answer.save()
        _event(
            appeal,
            by=by,
            kind=EventKind.APPEAL_ANSWER_RECORDED,
            summary=f"Appeal {appeal.reference}, {criterion.label}: "
            f"{AppealAnswerStatus(status).label.lower()} (originally "
            f"{str(original.get('status') or 'not assessed').replace('_', ' ')}): {note.strip()}"
            + (f"; {evidence.original_name}{' p. ' + pages if pages else ''}" if evidence else ""),
            criterion=criterion.label,
            before=before,
            answer=_answer_state(answer),
        )
    return answer


def _answer_state(answer: AppealAnswer | None) -> dict | None:
    if answer is None:
        return None
    return {
        "status": answer.status,
        "note": answer.note,
        "evidence": answer.evidence_id,
        "pages": answer.pages,
    }


# --- the decision ------------------------------------------------------------------------------


def appeal_decide(
    *,
    appeal: Appeal,
    by: User,
    code_decisions: Mapping[str, str],
    reasons: Mapping[str, str],
    explanation: str = "",
    rationale: str = "",
) -> Appeal:
    """The appeal reviewer decides each service the determination appealed did not approve.

    Approving one needs the checklist met on the appeal's record (the original answers, with the
    appeal's answers and exceptions over them). All approved: overturned; some: partially
    overturned; none: upheld. Whatever is still not approved gives its reasons exactly as a
    determination does: one per criterion still not met and not excepted (worded by the
    reviewer; a stale, missing or empty one is refused), or, when every criterion is met, an
    explanation. An overturn records a new determination that supersedes the one appealed, with
    an authorization for everything now approved (``decisions.determination_record_on_appeal``);
    the determination appealed stays as it was. A Medicare Advantage appeal not overturned in
    full is queued for the independent review entity, due by the end of the appeal's clock
    (expedited: 24 hours after the decision).
    """
    _require_reviewer(appeal, by, f"decide appeal {appeal.reference}")
    with transaction.atomic():
        appeal = appeal_lock(appeal)
        _require_state(appeal, rules.OPEN, "decided")
        _require_assigned(appeal, by)
        appealed = appeal.determination
        if Determination.objects.filter(supersedes=appealed).exists():
            raise AppealRefused(
                "The determination appealed was corrected meanwhile (a later determination "
                "supersedes it). Withdraw this appeal and file one against the determination in "
                "force, if it is still adverse."
            )
        workspace = selectors.appeal_workspace(appeal, events=False)
        denied = [c.code for c in workspace.denied_codes]
        if sorted(code_decisions) != sorted(denied) or not set(code_decisions.values()) <= {
            "approve",
            "deny",
        }:
            raise AppealRefused(
                "Decide each service the determination did not approve ("
                + ", ".join(denied)
                + "): approve or keep the denial."
            )
        approved = [code for code, decision in code_decisions.items() if decision == "approve"]
        if approved and not workspace.criteria_met:
            still = ", ".join(workspace.result.failed + workspace.result.unknown) or "the review"
            raise AppealRefused(
                "To approve on appeal, every criterion must be met or excepted on the appeal's "
                f"record; still open: {still}. Answer them again with what the appeal showed, "
                "or keep the denial."
            )
        if len(approved) == len(denied):
            outcome = AppealOutcome.OVERTURNED
        elif approved:
            outcome = AppealOutcome.PARTIALLY_OVERTURNED
        else:
            outcome = AppealOutcome.UPHELD
        reason_items = (
            _reason_items(workspace, reasons=reasons, explanation=explanation)
            if outcome != AppealOutcome.OVERTURNED
            else []
        )
        snapshot = selectors.appeal_snapshot(workspace)
        new_determination = None
        if outcome != AppealOutcome.UPHELD:
            every_code = {c.code: c.decision for c in workspace.codes}
            every_code.update(code_decisions)
            try:
                new_determination = decisions.determination_record_on_appeal(
                    appealed=appealed,
                    by=by,
                    code_decisions=every_code,
                    reason_items=reason_items,
                    explanation=explanation,
                    rationale=rationale,
                    criteria_snapshot=snapshot,
                    policy_snapshot={
                        **(appealed.policy_snapshot or {}),
                        "outcome": workspace.result.outcome.value,
                    },
                )
            except decisions.DecisionForbidden as exc:
                raise AppealForbidden(str(exc)) from None
            except CaseActionRefused as exc:
                raise AppealRefused(str(exc)) from None
        profile = getattr(by, "staff_profile", None)
        appeal.status = AppealStatus.DECIDED
        appeal.outcome = outcome
        appeal.decided_at = timezone.now()
        appeal.decided_by = by
        appeal.decider_name = profile.display_name if profile else by.get_username()
        appeal.decider_credentials = profile.credentials if profile else ""
        appeal.decider_specialty = profile.specialty if profile else ""
        appeal.code_decisions = dict(code_decisions)
        appeal.reason_items = reason_items
        appeal.explanation = explanation.strip()
        appeal.rationale = rationale.strip()
        appeal.criteria_snapshot = snapshot
        appeal.new_determination = new_determination
        appeal.save()
        ire = None
        if rules.independent_review_required(appeal=appeal):
            ire = IndependentReview.objects.create(
                appeal=appeal,
                due_at=appeal.decided_at + dt.timedelta(hours=24)
                if appeal.priority == "expedited"
                else max(appeal.due_at, appeal.decided_at),
            )
        authorization = new_determination.authorization if new_determination is not None else None
        _event(
            appeal,
            by=by,
            kind=EventKind.APPEAL_DECIDED,
            summary=f"Appeal {appeal.reference} {appeal.get_outcome_display().lower()} by "
            f"{staff_display_name(by)} ({appeal.decider_specialty or 'medical director'}); "
            + ", ".join(f"{c} {d}" for c, d in code_decisions.items())
            + (
                f"; new determination {new_determination.get_outcome_display().lower()}, "
                f"authorization {authorization.number}"
                if new_determination is not None and authorization is not None
                else ""
            )
            + (f"; to the independent review entity by {_local(ire.due_at)}" if ire else ""),
            outcome=outcome,
            new_determination=new_determination.pk if new_determination else None,
        )
    return appeal


def _reason_items(
    workspace: selectors.AppealWorkspace, *, reasons: Mapping[str, str], explanation: str
) -> list[dict]:
    """The reasons an appeal not overturned in full gives, checked against the appeal's record
    as it stands under the lock: exactly the criteria not met and not excepted, each worded."""
    required = workspace.reasons_required
    given = {label: " ".join(str(text).split()) for label, text in reasons.items()}
    stale = [label for label in given if label not in required]
    if stale:
        raise AppealRefused(
            "The reasons do not match the appeal's record as it stands: "
            + ", ".join(stale)
            + " "
            + ("is" if len(stale) == 1 else "are")
            + " met or excepted now (or not on this checklist). The reasons were drafted again: "
            "review them and decide again."
        )
    missing = [label for label in required if label not in given]
    if missing:
        raise AppealRefused(
            "Every criterion still not met needs its reason in the letter; missing: "
            + ", ".join(missing)
            + "."
        )
    empty = [label for label in required if not given[label]]
    if empty:
        raise AppealRefused(f"Write the reason for {', '.join(empty)}; it cannot be empty.")
    if not required and not explanation.strip():
        raise AppealRefused(
            "Every criterion is met or excepted on the appeal's record, so explain to the member "
            "in your own words why the services not approved stay not approved."
        )
    drafts = {d.label: d for d in selectors.appeal_reason_drafts(workspace)}
    return [
        {
            "label": label,
            "status": drafts[label].status,
            "citation": drafts[label].citation,
            "text": given[label],
            "drafted": drafts[label].text,
        }
        for label in required
    ]


def appeal_withdraw(*, appeal: Appeal, by: User, reason: str) -> Appeal:
    """The member (or whoever asked for them) withdraws the appeal before it is decided."""
    _require_staff(appeal.case, by, f"withdraw appeal {appeal.reference}", appeal)
    with transaction.atomic():
        appeal = appeal_lock(appeal)
        _require_state(appeal, rules.OPEN, "withdrawn")
        if not reason.strip():
            raise AppealRefused("Say who withdrew the appeal, and how.")
        appeal.status = AppealStatus.WITHDRAWN
        appeal.withdrawn_reason = reason.strip()
        appeal.save(update_fields=["status", "withdrawn_reason"])
        _event(
            appeal,
            by=by,
            kind=EventKind.APPEAL_WITHDRAWN,
            summary=f"Appeal {appeal.reference} withdrawn: {reason.strip()}",
        )
    return appeal


# --- the appeal's letter -----------------------------------------------------------------------


def appeal_letter_content(
    *, appeal: Appeal, letter_date: dt.date | None = None
) -> notices.LetterContent:
    """What the appeal decision letter says, dated ``letter_date`` (today unless given)."""
    language, large_print = selectors.appeal_letter_language(appeal)
    try:
        inputs = selectors.appeal_letter_inputs(appeal, language=language, large_print=large_print)
        return notices.appeal_decision_letter(
            inputs, letter_date=letter_date or timezone.localdate()
        )
    except (NoNoticeSettings, notices.LetterContentError) as exc:
        raise AppealRefused(f"The letter cannot be written: {exc}") from None


def appeal_letter_sign(*, appeal: Appeal, by: User, preview_digest: str) -> Letter:
    """The physician who decided the appeal signs the letter they previewed (sign what you saw);
    it is stored, signed with the organisation's key, and queued for the member and the
    provider through the letter machinery. An overturn's new determination is signed with it.
    A Medicare Advantage appeal not overturned in full then has its case file for the independent
    review entity exported at once (if that fails, the appeal page offers to export it again).
    """
    if refusal := rules.sign_forbidden(appeal=appeal, user=by):
        raise _forbid(
            case=appeal.case,
            by=by,
            action=f"sign the letter of appeal {appeal.reference}",
            reason=refusal,
            appeal=appeal,
        )
    if refusal := rules.sign_refusal(appeal=appeal):
        raise AppealRefused(refusal)
    signed_on = timezone.localdate()
    content = appeal_letter_content(appeal=appeal, letter_date=signed_on)
    html = content.html()
    if letters.letter_digest(html) != preview_digest:
        raise AppealRefused(
            "The letter changed since you previewed it (or the date changed). Nothing was "
            "signed: read the letter again and sign what you see."
        )

    def record(letter: Letter) -> None:
        # Under the case lock letters holds: refuse a second signing that raced this one.
        if Appeal.objects.filter(pk=appeal.pk, letter__isnull=True).update(letter=letter) != 1:
            raise AppealRefused(f"The letter of appeal {appeal.reference} was signed meanwhile.")

    name = appeal.decider_name + (
        f", {appeal.decider_credentials}" if appeal.decider_credentials else ""
    )
    try:
        letter = letters.letter_issue(
            case=appeal.case,
            kind=Letter.Kind.APPEAL_DECISION,
            content=content,
            html=html,
            by=by,
            signer_name=f"{name} (Medical director)",
            signature_reason=f"Appeal {appeal.reference} on case {appeal.case.reference}: "
            f"{appeal.get_outcome_display()}",
            summary=f"Appeal decision letter signed by {staff_display_name(by)} "
            f"({appeal.reference}, {appeal.get_outcome_display().lower()})",
            details={"appeal": appeal.pk, "reference": appeal.reference, "outcome": appeal.outcome},
            determination=appeal.new_determination,
            within=record,
        )
    except letters.LetterRefused as exc:
        raise AppealRefused(str(exc)) from None
    appeal.letter = letter
    ire = selectors.independent_review_for(appeal)
    if ire is not None:
        try:
            independent_review_prepare(appeal=appeal, by=by)
        except Exception:
            # The letter is signed and kept; the appeal page offers to export the case file again.
            logger.exception("Exporting the case file of appeal %s failed", appeal.pk)
    return letter


# --- the independent review entity (Medicare Advantage) ----------------------------------------


def independent_review_prepare(*, appeal: Appeal, by: User) -> IndependentReview:
    """Export the case file for the independent review entity as one PDF: the plan's
    explanation and the appeal's record, then the determination's letter, the appeal decision
    letter and every document on the case (the appeal's first). Stored privately with its
    SHA-256; exported again on request until it is sent (the newest replaces the last)."""
    from . import case_file

    _require_staff(appeal.case, by, f"export the case file of appeal {appeal.reference}", appeal)
    ire = selectors.independent_review_for(appeal)
    if ire is None:
        raise AppealRefused(f"Appeal {appeal.reference} is not for the independent review entity.")
    if appeal.letter_id is None:
        raise AppealRefused("Sign the appeal's letter first: the case file includes it.")
    if ire.is_sent:
        raise AppealRefused("The case file was sent already; it cannot change.")
    data, pages = case_file.case_file_pdf(appeal=appeal)
    sha256 = hashlib.sha256(data).hexdigest()
    stored = private_storage().save(
        f"appeals/{appeal.case_id}/{appeal.pk}-case-file-{uuid.uuid4().hex}.pdf", ContentFile(data)
    )
    try:
        with transaction.atomic():
            appeal = appeal_lock(appeal)
            ire = IndependentReview.objects.select_for_update().get(appeal=appeal)
            if ire.is_sent:
                raise AppealRefused("The case file was sent already; it cannot change.")
            previous = ire.case_file.name
            ire.case_file.name = stored
            ire.case_file_sha256 = sha256
            ire.case_file_pages = pages
            ire.prepared_at = timezone.now()
            ire.save()
            _event(
                appeal,
                by=by,
                kind=EventKind.APPEAL_FORWARDED,
                summary=f"Appeal {appeal.reference}: case file for the independent review entity "
                f"exported ({pages} pages, SHA-256 {sha256[:16]}…); to send by "
                f"{_local(ire.due_at)}",
                sha256=sha256,
                pages=pages,
            )
            if previous:
                transaction.on_commit(lambda: private_storage().delete(previous))
    except BaseException:
        private_storage().delete(stored)
        raise
    return ire


def independent_review_sent(*, appeal: Appeal, by: User, confirmation: str) -> IndependentReview:
    """Record that the case file went to the independent review entity, with its receipt."""
    _require_staff(appeal.case, by, f"forward appeal {appeal.reference}", appeal)
    with transaction.atomic():
        appeal = appeal_lock(appeal)
        ire = IndependentReview.objects.select_for_update().filter(appeal=appeal).first()
        if ire is None:
            raise AppealRefused(
                f"Appeal {appeal.reference} is not for the independent review entity."
            )
        if ire.sent_at is not None:
            raise AppealRefused(f"The case file was sent on {_local(ire.sent_at)}.")
        if not ire.case_file_sha256:
            raise AppealRefused("Export the case file first.")
        if not confirmation.strip():
            raise AppealRefused("Record the independent review entity's receipt number.")
        ire.sent_at = timezone.now()
        ire.sent_by = by
        ire.confirmation = confirmation.strip()
        ire.save(update_fields=["sent_at", "sent_by", "confirmation"])
        _event(
            appeal,
            by=by,
            kind=EventKind.APPEAL_FORWARDED,
            summary=f"Appeal {appeal.reference} forwarded to the independent review entity "
            f"(receipt {ire.confirmation})"
            + (" after its due time" if ire.sent_at > ire.due_at else ""),
            confirmation=ire.confirmation,
            sent_at=ire.sent_at.isoformat(),
        )
    return ire


def case_file_bytes(*, ire: IndependentReview) -> bytes:
    """The exported case file, checked against its SHA-256 before anyone gets it."""
    if not ire.case_file_sha256:
        raise AppealRefused("The case file has not been exported yet.")
    with ire.case_file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != ire.case_file_sha256:
        logger.error("Case file %s does not match its hash", ire.case_file.name)
        raise AppealRefused(
            "The stored case file does not match the fingerprint recorded when it was exported; "
            "export it again."
        )
    return data
