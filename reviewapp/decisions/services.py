"""Decisions on a case: who may decide what, and the determination each decision produces.

The rules (enforced here, whatever the page shows):
- a nurse reviewer may approve only a case whose answers meet every criterion (or whose external
  review is met), with no exception involved;
- only a medical director may deny, partially approve or grant an exception;
- nobody decides a case that is not in a state that allows it;
- a signed determination never changes; a correction reopens the case and supersedes it;
- a determination never contradicts itself: the reasons of an adverse one are exactly the
  criteria not met and not excepted when it is made (derived here, at decision time; the director
  words them but cannot drop or add one), and an approval grants an authorization.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from criteria.engine import Criterion, Status
from criteria.models import Node
from reviewapp.accounts.models import staff_display_name
from reviewapp.accounts.roles import DECIDE_ADVERSE
from reviewapp.cases import rules
from reviewapp.cases import selectors as case_selectors
from reviewapp.cases.models import Case, CaseStatus, CriterionException, EventKind
from reviewapp.cases.services import (
    CaseActionRefused,
    case_lock,
    case_require_status,
    case_require_worker,
    case_transition,
    event_record,
)

from .models import (
    ADVERSE_OUTCOMES,
    Authorization,
    AuthorizationItem,
    CodeDecision,
    Determination,
    NoticeChannel,
    Outcome,
    PeerToPeerOffer,
)
from .selectors import (
    current_determination,
    letter_language,
    reason_drafts,
    reasons_required,
)


class DecisionForbidden(Exception):
    """The user's role does not allow this decision (answered 403 and audited)."""


def refusal_record(*, case: Case, by: User, action: str, reason: str) -> None:
    """Audit a refused attempt. Called before (outside) the refused action's transaction, so the
    record survives the refusal."""
    event_record(
        case=case,
        actor=by,
        kind=EventKind.REFUSED,
        summary=f"Refused: {action}. {reason}",
        after={"action": action},
    )


def _forbid(case: Case, by, action: str, reason: str) -> DecisionForbidden:
    refusal_record(case=case, by=by, action=action, reason=reason)
    return DecisionForbidden(reason)


def decider_role(user: User) -> str:
    return "Medical director" if user.has_perm(DECIDE_ADVERSE) else "Nurse reviewer"


def determination_snapshot(case: Case) -> tuple[list[dict], dict]:
    """The criteria statuses, exceptions and evidence as they stand, for the record and letter."""
    workspace = case_selectors.case_workspace(case, events_limit=0)
    criteria = []
    for label, row in workspace.rows.items():
        status = row.status or "unanswered"
        if row.exception is not None:
            status = "excepted"
        criteria.append(
            {
                "label": label,
                "text": row.criterion.text,
                "status": status,
                "answered_status": row.status,
                "proposed": row.proposed,
                "member_reason": row.criterion.member_reason,
                "citation": row.criterion.citation,
                "note": row.answer.note if row.answer else "",
                "requires_documentation": row.criterion.requires_documentation,
                "exception": {
                    "kind": row.exception.kind,
                    "kind_label": row.exception.get_kind_display(),
                    "waiver_condition": row.exception.waiver_condition,
                    "waiver_condition_label": row.exception.waiver_condition_label,
                    "rationale": row.exception.rationale,
                    "granted_by": staff_display_name(row.exception.granted_by),
                }
                if row.exception
                else None,
                "evidence": [
                    {
                        "name": link.evidence.original_name,
                        "pages": link.pages,
                        "doc_type": link.evidence.get_doc_type_display(),
                        "document_date": link.evidence.document_date.isoformat()
                        if link.evidence.document_date
                        else None,
                        "sha256": link.evidence.sha256,
                    }
                    for link in row.links
                ],
            }
        )
    version = case.policy_version
    policy: dict[str, object] = {
        "key": version.policy.key,
        "payer": version.policy.payer,
        "number": version.policy.number,
        "title": version.policy.title,
        "version": version.label,
        "effective_from": version.effective_from.isoformat(),
        "source_document": version.source_document,
        "checklist": case.checklist.title,
        "external": case.checklist.external,
        "outcome": workspace.rollup.outcome.value,
    }
    route = workspace.rollup.result.route
    if route is not None:
        # The route that decided how the request was reviewed (another criteria set, or a medical
        # director's review where the policy does not address the request): the letter says so.
        policy["route"] = {
            "outcome": route.outcome.value,
            "reason": " ".join(route.reason.split()),
            "citation": route.citation,
            "external": route.external,
        }
    return criteria, policy


def _determination_create(
    *,
    case: Case,
    by: User,
    outcome: str,
    rationale: str = "",
    explanation: str = "",
    reason_items: list[dict] | None = None,
    code_decisions: dict[str, tuple[str, str]] | None = None,
) -> Determination:
    """Record a determination. On a case reopened for correction it supersedes the one in force
    (which stays on record, unchanged). ``reasons`` is the explanation and the reason items as one
    text, for the record and the API."""
    reason_items = reason_items or []
    reasons = "\n\n".join(
        [explanation.strip()] * bool(explanation.strip())
        + [f"{item['label']}: {item['text']}" for item in reason_items]
    )
    criteria, policy = determination_snapshot(case)
    supersedes = current_determination(case) if case.correction_reason else None
    profile = getattr(by, "staff_profile", None)
    determination = Determination.objects.create(
        case=case,
        outcome=outcome,
        decided_by=by,
        decider_name=profile.display_name if profile else by.get_username(),
        decider_credentials=profile.credentials if profile else "",
        decider_role=decider_role(by),
        decided_at=timezone.now(),
        reasons=reasons,
        explanation=explanation.strip(),
        reason_items=reason_items,
        letter_language=letter_language(case),
        rationale=rationale.strip(),
        criteria_snapshot=criteria,
        policy_snapshot=policy,
        supersedes=supersedes,
        correction_reason=case.correction_reason if supersedes else "",
    )
    code_decisions = code_decisions or {}
    CodeDecision.objects.bulk_create(
        CodeDecision(
            determination=determination,
            code=s.code,
            units=s.units,
            description=s.description,
            decision=code_decisions.get(s.code, ("approve", ""))[0],
            reason=code_decisions.get(s.code, ("approve", ""))[1],
        )
        for s in case.services.all()
    )
    return determination


def _authorization_grant(*, case: Case, determination: Determination) -> Authorization:
    """The authorization an approval grants: its approved codes and units, the servicing provider
    (the requesting provider unless intake named another), valid from the decision date for
    ``AUTHORIZATION_VALID_DAYS``."""
    approved = [
        c for c in determination.code_decisions.all() if c.decision == CodeDecision.Decision.APPROVE
    ]
    today = timezone.localdate(determination.decided_at)
    authorization = Authorization.objects.create(
        determination=determination,
        case=case,
        # A unique placeholder until the primary key gives the number its digits.
        number=f"new-{determination.pk}",
        valid_from=today,
        # Valid for AUTHORIZATION_VALID_DAYS days, the decision day counted (inclusive).
        valid_to=today + dt.timedelta(days=settings.AUTHORIZATION_VALID_DAYS - 1),
        servicing_provider_name=case.servicing_provider_name or case.provider_name,
        servicing_provider_npi=case.servicing_provider_npi or case.provider_npi,
        issued_at=determination.decided_at,
    )
    authorization.number = f"PA-{today:%Y}-{authorization.pk:07d}"
    authorization.save(update_fields=["number"])
    AuthorizationItem.objects.bulk_create(
        AuthorizationItem(
            authorization=authorization, code=c.code, description=c.description, units=c.units
        )
        for c in approved
    )
    return authorization


def case_approve_by_nurse(*, case: Case, by: User, rationale: str = "") -> Determination:
    """A reviewer approves a case whose answers meet every criterion.

    A refusal on the rules of who may decide (role, criteria not met, an exception in play) is
    audited and raised as DecisionForbidden; a case in the wrong state is CaseActionRefused.
    """
    workspace = case_selectors.case_workspace(case, events_limit=0)
    if refusal := rules.approve_refusal(
        user=by, rollup=workspace.rollup, excepted=workspace.excepted
    ):
        raise _forbid(case, by, "approve", refusal)
    return _approve(case=case, by=by, rationale=rationale)


@transaction.atomic
def _approve(*, case: Case, by: User, rationale: str) -> Determination:
    case = case_lock(case)
    case_require_status(case, rules.APPROVABLE, "approved")
    case_require_worker(case, by)
    if not case_selectors.rollup(case).meets:  # re-checked under the lock
        raise CaseActionRefused("The answers changed meanwhile; review them and approve again.")
    determination = _determination_create(
        case=case, by=by, outcome=Outcome.APPROVED, rationale=rationale
    )
    authorization = _authorization_grant(case=case, determination=determination)
    case_transition(
        case,
        to=CaseStatus.DECIDED,
        by=by,
        kind=EventKind.DECIDED,
        summary=f"Approved by {staff_display_name(by)} ({decider_role(by).lower()}); "
        f"authorization {authorization.number}",
        correction_reason="",
    )
    return determination


@dataclass(frozen=True)
class MemberNotice:
    """The member's notice of a withdrawal: how it goes out and what it says."""

    channel: str
    text: str


def withdrawal_notice_required(case: Case) -> bool:
    """Whether the member's plan wants a written notice when a request is withdrawn
    (``WITHDRAWAL_NOTICE_LINES_OF_BUSINESS``; no federal rule in REGULATORY.md names one, state
    Medicaid contracts commonly do [U]: the compliance officer sets the list)."""
    return case.line_of_business in settings.WITHDRAWAL_NOTICE_LINES_OF_BUSINESS


def case_withdraw(
    *, case: Case, by: User, reason: str, member_notice: MemberNotice | None = None
) -> Determination:
    """The request is withdrawn before a decision (by the provider or member).

    Guards: the case is open; the user is a medical director or the reviewer the case is
    assigned to (a referred case: only those two; ``rules.withdraw_refusal``), refused with 403
    and recorded otherwise; a reason; the member notice where the plan requires one
    (``withdrawal_notice_required``), recorded with the withdrawal.
    """
    if not rules.status_refusal(case, rules.WITHDRAWABLE, "withdrawn") and (
        refusal := rules.withdraw_refusal(case=case, user=by)
    ):
        raise _forbid(case, by, "withdraw the request", refusal)
    return _withdraw(case=case, by=by, reason=reason, member_notice=member_notice)


@transaction.atomic
def _withdraw(
    *, case: Case, by: User, reason: str, member_notice: MemberNotice | None
) -> Determination:
    case = case_lock(case)
    case_require_status(case, rules.WITHDRAWABLE, "withdrawn")
    if refusal := rules.withdraw_refusal(case=case, user=by):  # re-checked under the lock
        raise CaseActionRefused(refusal)
    if not reason.strip():
        raise CaseActionRefused("Give the reason for the withdrawal.")
    notice = None
    if withdrawal_notice_required(case):
        if member_notice is None or not member_notice.channel or not member_notice.text.strip():
            raise CaseActionRefused(
                f"The member's plan ({case.get_line_of_business_display()}) requires a notice "
                "to the member when a request is withdrawn: choose how it is sent and check "
                "its text."
            )
        if member_notice.channel not in NoticeChannel.values:
            raise CaseActionRefused("Choose how the member's notice is sent.")
        notice = {
            "channel": member_notice.channel,
            "text": member_notice.text.strip(),
            "reason": reason.strip(),
        }
    determination = _determination_create(
        case=case,
        by=by,
        outcome=Outcome.WITHDRAWN,
        rationale=reason,
        code_decisions={s.code: ("deny", "Withdrawn") for s in case.services.all()},
    )
    case_transition(
        case,
        to=CaseStatus.WITHDRAWN,
        by=by,
        kind=EventKind.WITHDRAWN,
        summary=f"Withdrawn: {reason.strip()}",
        closed_at=timezone.now(),
        correction_reason="",
    )
    if notice is not None:
        event_record(
            case=case,
            actor=by,
            kind=EventKind.MEMBER_NOTIFIED,
            summary="Member notice of the withdrawal: "
            + NoticeChannel(notice["channel"]).label.lower(),
            after={"determination": determination.pk, **notice},
        )
    return determination


def withdrawal_notice_draft(*, case: Case) -> str:
    """The notice's text in plain words, for the reviewer to check before withdrawing."""
    codes = ", ".join(f"{s.code} ({s.description})" for s in case.services.all())
    return (
        f"Dear {case.member_name},\n\n"
        f"We received a request from {case.provider_name} for {codes} "
        f"(reference {case.reference}). The request was withdrawn before we made a decision, "
        "so it was not approved or denied.\n\n"
        "Nothing else is needed from you. Your provider can send a new request at any time. "
        "If you did not agree to this withdrawal, or have questions, call the member services "
        "number on your member ID card."
    )


# --- the medical director ----------------------------------------------------------------------


def _require_director(case: Case, by: User, action: str) -> None:
    if refusal := rules.director_refusal(user=by):
        raise _forbid(case, by, action, refusal)


def exception_grant(
    *, case: Case, criterion: Node, by: User, rationale: str, waiver_condition: str = ""
) -> CriterionException:
    """A medical director counts a not-met or unknown criterion as met, for this case only.

    The kind follows the policy: where the policy lets a medical director waive the criterion case
    by case and its condition holds on the case's facts (LHCC II.A.1: only when no trial was done),
    it is a policy waiver, and where the policy names its grounds the director picks the one that
    applies (``waiver_condition``, a key of the criterion's waiver options); without a ground, or
    where the waiver is not open, it is the director's own exception. Both need a rationale.
    """
    _require_director(case, by, f"grant an exception for {criterion.label}")
    return _exception_grant(
        case=case,
        criterion=criterion,
        by=by,
        rationale=rationale,
        waiver_condition=waiver_condition,
    )


@transaction.atomic
def _exception_grant(
    *, case: Case, criterion: Node, by, rationale: str, waiver_condition: str = ""
) -> CriterionException:
    case = case_lock(case)
    case_require_status(case, rules.DECIDABLE, "given an exception")
    if not rationale.strip():
        raise CaseActionRefused("An exception needs a written rationale.")
    workspace = case_selectors.case_workspace(case, events_limit=0)
    row = workspace.rows.get(criterion.label)
    if row is None or row.node.pk != criterion.pk:
        raise CaseActionRefused("That criterion is not on this case's checklist.")
    if row.exception is not None:
        raise CaseActionRefused(f"{criterion.label} already has an exception.")
    status = workspace.rollup.result.status_of(criterion.label)
    if status not in (Status.NOT_MET, Status.UNKNOWN):
        raise CaseActionRefused(
            f"{criterion.label} is {status.value.replace('_', ' ')}; exceptions are for criteria "
            "that are not met or unknown."
        )
    kind, condition_label = _exception_kind(
        row.criterion,
        workspace.rollup.result.by_label[criterion.label].waiver_open,
        waiver_condition,
    )
    exception = CriterionException.objects.create(
        case=case,
        criterion=criterion,
        kind=kind,
        waiver_condition=waiver_condition if condition_label else "",
        waiver_condition_label=condition_label,
        rationale=rationale.strip(),
        granted_by=by,
    )
    ground = f"; {condition_label.lower()}" if condition_label else ""
    event_record(
        case=case,
        actor=by,
        kind=EventKind.EXCEPTION_GRANTED,
        summary=f"Exception for {criterion.label} ({exception.get_kind_display().lower()}"
        f"{ground}): {rationale.strip()}",
        after={
            "criterion": criterion.label,
            "kind": kind,
            "waiver_condition": exception.waiver_condition,
            "rationale": rationale.strip(),
        },
    )
    return exception


def _exception_kind(
    criterion: Criterion, waiver_open: bool | None, waiver_condition: str
) -> tuple[str, str]:
    """The exception's kind and the label of the policy's ground the director chose ("" if none).

    LHCC II.A.1: the policy's waiver is for the trial requirement in malignant pain when no trial
    was done, on one of the grounds the note under section II names; a ground chosen where the
    waiver is not open, or that the policy does not name, is refused rather than recorded."""
    options = dict(criterion.waiver_options)
    if not waiver_condition:
        if waiver_open and not options:
            return CriterionException.Kind.POLICY_WAIVER, ""
        return CriterionException.Kind.DIRECTOR_DISCRETION, ""
    if waiver_condition not in options:
        named = "; ".join(options.values()) or "none"
        raise CaseActionRefused(
            f"{criterion.label}: the policy's waiver grounds are {named}. Choose one of them, or "
            "none for your own exception."
        )
    if not waiver_open:
        why = (
            "is undecided until the facts it depends on are recorded"
            if waiver_open is None
            else "does not apply to this case"
        )
        raise CaseActionRefused(
            f"{criterion.label}: the policy's waiver {why} ({criterion.waiver_conditions}). "
            "Grant it as your own exception, with no policy ground."
        )
    return CriterionException.Kind.POLICY_WAIVER, options[waiver_condition]


def exception_withdraw(*, case: Case, exception: CriterionException, by: User) -> None:
    _require_director(case, by, f"withdraw the exception for {exception.criterion.label}")
    _exception_withdraw(case=case, exception=exception, by=by)


@transaction.atomic
def _exception_withdraw(*, case: Case, exception: CriterionException, by) -> None:
    case = case_lock(case)
    case_require_status(case, rules.DECIDABLE, "changed")
    if exception.case_id != case.pk or exception.withdrawn_at is not None:
        raise CaseActionRefused("That exception is not in force on this case.")
    exception.withdrawn_at, exception.withdrawn_by = timezone.now(), by
    exception.save(update_fields=["withdrawn_at", "withdrawn_by"])
    event_record(
        case=case,
        actor=by,
        kind=EventKind.EXCEPTION_WITHDRAWN,
        summary=f"Exception for {exception.criterion.label} withdrawn",
        before={"criterion": exception.criterion.label, "rationale": exception.rationale},
    )


def outcome_for(code_decisions: dict[str, str], *, exceptions: bool) -> str:
    """The determination that follows from the decision on each requested code."""
    decisions = set(code_decisions.values())
    if decisions == {"approve"}:
        return Outcome.APPROVED_BY_EXCEPTION if exceptions else Outcome.APPROVED
    if decisions == {"deny"}:
        return Outcome.DENIED
    return Outcome.PARTIALLY_APPROVED


@dataclass(frozen=True)
class PeerToPeer:
    offered_to: str
    offered_at: dt.datetime
    result: str = PeerToPeerOffer.Result.PENDING
    notes: str = ""


def case_decide(
    *,
    case: Case,
    by: User,
    code_decisions: dict[str, str],
    reasons: Mapping[str, str],
    explanation: str = "",
    rationale: str = "",
    peer_to_peer: PeerToPeer | None = None,
) -> Determination:
    """A medical director decides a referred case, code by code.

    Approving every code needs the criteria met once exceptions are counted; it grants an
    authorization. Anything not fully approved is adverse: only a medical director may make it,
    it needs a recorded peer-to-peer offer, and its reasons (``reasons``: criterion label ->
    the member-facing wording) must cover exactly the criteria not met and not excepted at this
    moment, each with a reason: a reason for a criterion that is met or excepted (a page drafted
    before an exception changed), a failing criterion left without one, or an invented label is
    refused, and nothing is recorded. ``explanation`` speaks to the member (printed);
    ``rationale`` is the internal clinical rationale (never printed).
    """
    _require_director(case, by, "decide the case")
    return _decide(
        case=case,
        by=by,
        code_decisions=code_decisions,
        reasons=reasons,
        explanation=explanation,
        rationale=rationale,
        peer_to_peer=peer_to_peer,
    )


@transaction.atomic
def _decide(
    *,
    case: Case,
    by,
    code_decisions: dict[str, str],
    reasons: Mapping[str, str],
    explanation: str,
    rationale: str,
    peer_to_peer: PeerToPeer | None,
) -> Determination:
    case = case_lock(case)
    case_require_status(case, rules.DECIDABLE, "decided")
    codes = [s.code for s in case.services.all()]
    if sorted(code_decisions) != sorted(codes) or not set(code_decisions.values()) <= {
        "approve",
        "deny",
    }:
        raise CaseActionRefused("Decide every requested code: approve or deny.")
    workspace = case_selectors.case_workspace(case, events_limit=0)
    has_exceptions = any(row.exception for row in workspace.rows.values())
    outcome = outcome_for(code_decisions, exceptions=has_exceptions)
    result = workspace.rollup.result
    # A request routed elsewhere (external criteria, or not addressed by the policy) is decided
    # on its checklist's own items: the external review, the director's review, or the criteria
    # of a policy that does not address the member.
    criteria_met = (
        result.root.status is Status.MET
        if workspace.rollup.external or result.route is not None
        else result.outcome.value == "meets"
    )
    if outcome in (Outcome.APPROVED, Outcome.APPROVED_BY_EXCEPTION) and not criteria_met:
        open_items = ", ".join(result.failed + result.unknown) or "the external review"
        raise CaseActionRefused(
            f"To approve, every criterion must be met or excepted; still open: {open_items}. "
            "Grant an exception with a rationale, or deny."
        )
    adverse = outcome in ADVERSE_OUTCOMES
    reason_items = (
        _reason_items(case=case, workspace=workspace, reasons=reasons, explanation=explanation)
        if adverse
        else []
    )
    if adverse and (peer_to_peer is None or not peer_to_peer.offered_to.strip()):
        raise CaseActionRefused("Record the peer-to-peer discussion offered to the provider.")
    determination = _determination_create(
        case=case,
        by=by,
        outcome=outcome,
        explanation=explanation,
        reason_items=reason_items,
        rationale=rationale,
        code_decisions={code: (decision, "") for code, decision in code_decisions.items()},
    )
    authorization = (
        _authorization_grant(case=case, determination=determination)
        if outcome != Outcome.DENIED
        else None
    )
    if adverse:
        assert peer_to_peer is not None  # required for an adverse determination, above
        PeerToPeerOffer.objects.create(
            case=case,
            determination=determination,
            offered_at=peer_to_peer.offered_at,
            offered_to=peer_to_peer.offered_to.strip(),
            offered_by=by,
            result=peer_to_peer.result,
            notes=peer_to_peer.notes.strip(),
        )
    case_transition(
        case,
        to=CaseStatus.DECIDED,
        by=by,
        kind=EventKind.DECIDED,
        summary=f"{determination.get_outcome_display()} by {staff_display_name(by)} (medical director)"
        + "; "
        + ", ".join(f"{c} {d}" for c, d in code_decisions.items())
        + (f"; authorization {authorization.number}" if authorization else ""),
        correction_reason="",
    )
    return determination


def _reason_items(
    *, case: Case, workspace: case_selectors.Workspace, reasons: Mapping[str, str], explanation: str
) -> list[dict]:
    """The reasons an adverse determination records, checked against the criteria as they stand
    under the lock: exactly the criteria not met and not excepted, each worded. Raises
    ``CaseActionRefused`` naming what is stale, missing or empty."""
    required = reasons_required(workspace)
    given = {label: " ".join(str(text).split()) for label, text in reasons.items()}
    stale = [label for label in given if label not in required]
    if stale:
        states = []
        for label in stale:
            row = workspace.rows.get(label)
            if row is None:
                states.append(f"{label} is not a criterion of this checklist")
            elif row.exception is not None:
                states.append(f"{label} is met by exception now")
            else:
                states.append(f"{label} is met now")
        raise CaseActionRefused(
            "The reasons do not match the criteria as they stand: "
            + "; ".join(states)
            + ". A letter cannot give a reason for a criterion that is met or excepted. The "
            "reasons were drafted again from the criteria still open: review them and record "
            "the decision again."
        )
    missing = [label for label in required if label not in given]
    if missing:
        raise CaseActionRefused(
            "Every criterion not met needs its reason in the letter; missing: "
            + ", ".join(missing)
            + ". A criterion cannot be left out: grant an exception, or give its reason."
        )
    empty = [label for label in required if not given[label]]
    if empty:
        raise CaseActionRefused(f"Write the reason for {', '.join(empty)}; it cannot be empty.")
    if not required and not explanation.strip():
        raise CaseActionRefused(
            "Every criterion is met or excepted, so explain to the member in your own words why "
            "the services not approved are not approved."
        )
    drafts = {d.label: d for d in reason_drafts(case=case, workspace=workspace)}
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


def case_reopen(*, case: Case, by: User, reason: str) -> Case:
    """Reopen a decided or closed case to correct its determination.

    The old determination stays as it is, readable; the next decision supersedes it. A medical
    director may reopen any case; a nurse only a case whose determination is her own approval.
    """
    current = current_determination(case)
    if refusal := rules.reopen_refusal(user=by, current=current):
        raise _forbid(case, by, "reopen", refusal)
    return _reopen(case=case, by=by, reason=reason, current=current)


@transaction.atomic
def _reopen(*, case: Case, by, reason: str, current: Determination | None) -> Case:
    case = case_lock(case)
    case_require_status(case, rules.REOPENABLE, "reopened")
    if not reason.strip():
        raise CaseActionRefused("Say what is being corrected.")
    to = CaseStatus.REFERRED if by.has_perm(DECIDE_ADVERSE) else CaseStatus.IN_REVIEW
    return case_transition(
        case,
        to=to,
        by=by,
        kind=EventKind.REOPENED,
        summary=f"Reopened for correction: {reason.strip()}"
        + (f" (determination of {current.decided_at:%Y-%m-%d} stays on record)" if current else ""),
        correction_reason=reason.strip(),
        closed_at=None,
        notice_sent_at=None,
    )


# --- determinations made on appeal --------------------------------------------------------------


def determination_record_on_appeal(
    *,
    appealed: Determination,
    by: User,
    code_decisions: Mapping[str, str],
    reason_items: list[dict],
    explanation: str,
    rationale: str,
    criteria_snapshot: list[dict],
    policy_snapshot: dict,
) -> Determination:
    """The new determination an appeal makes when it overturns the one appealed, in whole or in
    part: it supersedes the one appealed (which stays on record, unchanged) and grants an
    authorization for every code now approved.

    Called by ``reviewapp.appeals`` inside its transaction, under the case lock, once the appeal's
    rules (a medical director who had no part in the decision appealed, in a fitting specialty)
    have been checked. ``code_decisions`` covers every requested code; ``criteria_snapshot`` is
    the checklist as the appeal left it, in the determination's snapshot shape.
    """
    case = appealed.case
    if refusal := rules.director_refusal(user=by):
        raise _forbid(case, by, "decide an appeal", refusal)
    if Determination.objects.filter(supersedes=appealed).exists():
        raise CaseActionRefused("A later determination already supersedes the one appealed.")
    codes = {s.code: s for s in case.services.all()}
    if sorted(code_decisions) != sorted(codes) or not set(code_decisions.values()) <= {
        "approve",
        "deny",
    }:
        raise CaseActionRefused("Decide every requested code: approve or deny.")
    exceptions = any(item.get("exception") for item in criteria_snapshot)
    outcome = outcome_for(dict(code_decisions), exceptions=exceptions)
    if outcome == Outcome.DENIED:
        raise CaseActionRefused("An appeal that approves nothing upholds the determination.")
    reasons = "\n\n".join(
        [explanation.strip()] * bool(explanation.strip())
        + [f"{item['label']}: {item['text']}" for item in reason_items]
    )
    if outcome in ADVERSE_OUTCOMES and not reasons:
        raise CaseActionRefused("A partial approval gives its reasons.")
    profile = getattr(by, "staff_profile", None)
    determination = Determination.objects.create(
        case=case,
        outcome=outcome,
        decided_by=by,
        decider_name=profile.display_name if profile else by.get_username(),
        decider_credentials=profile.credentials if profile else "",
        decider_role=decider_role(by),
        decided_at=timezone.now(),
        reasons=reasons,
        explanation=explanation.strip(),
        reason_items=reason_items,
        letter_language=appealed.letter_language,
        rationale=rationale.strip(),
        criteria_snapshot=criteria_snapshot,
        policy_snapshot=policy_snapshot,
        supersedes=appealed,
    )
    CodeDecision.objects.bulk_create(
        CodeDecision(
            determination=determination,
            code=code,
            units=service.units,
            description=service.description,
            decision=code_decisions[code],
        )
        for code, service in codes.items()
    )
    _authorization_grant(case=case, determination=determination)
    return determination
