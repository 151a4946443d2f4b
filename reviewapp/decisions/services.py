"""Decisions on a case: who may decide what, and the determination each decision produces.

The rules (enforced here, whatever the page shows):
- a nurse reviewer may approve only a case whose answers meet every criterion (or whose external
  review is met), with no exception involved;
- only a medical director may deny, partially approve or grant an exception;
- nobody decides a case that is not in a state that allows it;
- a signed determination never changes; a correction reopens the case and supersedes it.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from reviewapp.accounts.roles import APPROVE_CASES, DECIDE_ADVERSE
from reviewapp.cases import selectors as case_selectors
from reviewapp.cases.models import Case, CaseStatus
from reviewapp.cases.services import (
    CaseActionRefused,
    _locked,
    _name,
    _require_status,
    _transition,
    event_record,
)

from .models import CodeDecision, Determination, Outcome


class DecisionForbidden(Exception):
    """The user's role does not allow this decision (answered 403 and audited)."""


def refusal_record(*, case: Case, by: AbstractBaseUser, action: str, reason: str) -> None:
    """Audit a refused attempt, in its own transaction so it survives the refusal."""
    event_record(
        case=case,
        actor=by,
        kind="refused",
        summary=f"Refused: {action}. {reason}",
        after={"action": action},
    )


def _forbid(case: Case, by, action: str, reason: str) -> DecisionForbidden:
    refusal_record(case=case, by=by, action=action, reason=reason)
    return DecisionForbidden(reason)


def decider_role(user: AbstractBaseUser) -> str:
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
                    "rationale": row.exception.rationale,
                    "granted_by": _name(row.exception.granted_by),
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
    policy = {
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
    return criteria, policy


def _determination_create(
    *,
    case: Case,
    by: AbstractBaseUser,
    outcome: str,
    reasons: str = "",
    rationale: str = "",
    code_decisions: dict[str, tuple[str, str]] | None = None,
    supersedes: Determination | None = None,
) -> Determination:
    criteria, policy = determination_snapshot(case)
    profile = getattr(by, "staff_profile", None)
    determination = Determination.objects.create(
        case=case,
        outcome=outcome,
        decided_by=by,
        decider_name=profile.display_name if profile else by.get_username(),
        decider_credentials=profile.credentials if profile else "",
        decider_role=decider_role(by),
        decided_at=timezone.now(),
        reasons=reasons.strip(),
        rationale=rationale.strip(),
        criteria_snapshot=criteria,
        policy_snapshot=policy,
        supersedes=supersedes,
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


def case_approve_by_nurse(
    *, case: Case, by: AbstractBaseUser, rationale: str = ""
) -> Determination:
    """A reviewer approves a case whose answers meet every criterion.

    A refusal on the rules of who may decide (role, criteria not met, an exception in play) is
    audited and raised as DecisionForbidden; a case in the wrong state is CaseActionRefused.
    """
    if not by.has_perm(APPROVE_CASES):
        raise _forbid(case, by, "approve", "Your role cannot approve cases.")
    workspace = case_selectors.case_workspace(case, events_limit=0)
    if any(row.exception for row in workspace.rows.values()):
        raise _forbid(
            case, by, "approve", "This case has an exception; a medical director decides it."
        )
    summary = workspace.rollup
    if not summary.meets:
        problems = []
        if summary.answered < summary.total:
            problems.append(f"{summary.total - summary.answered} criteria are not answered")
        if summary.failed:
            problems.append("not met: " + ", ".join(summary.failed))
        if summary.unknown:
            problems.append("not documented: " + ", ".join(summary.unknown))
        if summary.disagreements:
            problems.append(
                "answers that contradict the facts without a reason: "
                + ", ".join(summary.disagreements)
            )
        if summary.external and not problems:
            problems.append("the external review is not recorded as met")
        raise _forbid(
            case,
            by,
            "approve",
            "Approval needs every criterion met ("
            + "; ".join(problems or ["the criteria are not met"])
            + "). Pend for information or refer to a medical director.",
        )
    return _approve(case=case, by=by, rationale=rationale)


@transaction.atomic
def _approve(*, case: Case, by: AbstractBaseUser, rationale: str) -> Determination:
    case = _locked(case)
    _require_status(case, (CaseStatus.IN_REVIEW,), "approved")
    if not case_selectors.rollup(case).meets:  # re-checked under the lock
        raise CaseActionRefused("The answers changed meanwhile; review them and approve again.")
    determination = _determination_create(
        case=case, by=by, outcome=Outcome.APPROVED, rationale=rationale
    )
    _transition(
        case,
        to=CaseStatus.DECIDED,
        by=by,
        kind="decided",
        summary=f"Approved by {_name(by)} ({decider_role(by).lower()})",
    )
    return determination


@transaction.atomic
def case_withdraw(*, case: Case, by: AbstractBaseUser, reason: str) -> Determination:
    """The request is withdrawn before a decision (by the provider or member)."""
    case = _locked(case)
    _require_status(
        case,
        (CaseStatus.INTAKE, CaseStatus.IN_REVIEW, CaseStatus.PENDED, CaseStatus.REFERRED),
        "withdrawn",
    )
    if not reason.strip():
        raise CaseActionRefused("Give the reason for the withdrawal.")
    determination = _determination_create(
        case=case,
        by=by,
        outcome=Outcome.WITHDRAWN,
        rationale=reason,
        code_decisions={s.code: ("deny", "Withdrawn") for s in case.services.all()},
    )
    _transition(
        case,
        to=CaseStatus.WITHDRAWN,
        by=by,
        kind="withdrawn",
        summary=f"Withdrawn: {reason.strip()}",
        closed_at=timezone.now(),
    )
    return determination
