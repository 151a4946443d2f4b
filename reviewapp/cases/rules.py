"""Who may do what to a case, and in which state: every guard, stated once.

Each ``*_refusal`` function returns why an action is refused, in the reviewer's words, or "" when
it is allowed. The services raise that reason (``CaseActionRefused``, or ``DecisionForbidden``
for a matter of role, which is audited); the allowed-actions selector
(``selectors.case_actions``) asks the same functions, so a page never offers what the service
would refuse. The state sets below are the only place the states of an action are listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from django.contrib.auth.models import AnonymousUser, User

from reviewapp.accounts.roles import APPROVE_CASES, DECIDE_ADVERSE

from .models import OPEN_STATUSES, Case, CaseStatus

AnyUser = User | AnonymousUser

# The states in which each action may happen.
CLAIMABLE = (CaseStatus.INTAKE, CaseStatus.IN_REVIEW, CaseStatus.PENDED)
EDITABLE = OPEN_STATUSES  # answers, facts and evidence
PENDABLE = (CaseStatus.IN_REVIEW,)
RESUMABLE = (CaseStatus.PENDED,)
REFERRABLE = (CaseStatus.IN_REVIEW, CaseStatus.PENDED)
APPROVABLE = (CaseStatus.IN_REVIEW,)  # a reviewer's approval of a case meeting every criterion
WITHDRAWABLE = OPEN_STATUSES
DECIDABLE = (CaseStatus.REFERRED,)  # a medical director's decision, exceptions included
REOPENABLE = (CaseStatus.DECIDED, CaseStatus.CLOSED)

ONLY_DIRECTORS = "Only a medical director may do this."


class DeterminationOnRecord(Protocol):
    """What the reopen guard reads of the determination in force (a ``decisions`` model)."""

    @property
    def decided_by_id(self) -> int: ...

    @property
    def is_adverse(self) -> bool: ...


class RollupLike(Protocol):
    """What the approve guard reads of a case's result (``selectors.Rollup``)."""

    @property
    def answered(self) -> int: ...
    @property
    def total(self) -> int: ...
    @property
    def failed(self) -> list[str]: ...
    @property
    def unknown(self) -> list[str]: ...
    @property
    def disagreements(self) -> list[str]: ...
    @property
    def external(self) -> bool: ...
    @property
    def meets(self) -> bool: ...
    @property
    def not_addressed(self) -> str: ...


def status_refusal(case: Case, allowed: Iterable[str], action: str) -> str:
    """Refused when the case is not in one of the ``allowed`` states for ``action``."""
    if case.status in allowed:
        return ""
    return (
        f"Case {case.reference} is {case.get_status_display().lower()}; it cannot be {action} now."
    )


def claim_refusal(*, case: Case, user: AnyUser) -> str:
    if refusal := status_refusal(case, CLAIMABLE, "claimed"):
        return refusal
    if case.assigned_to_id == user.pk:
        return f"Case {case.reference} is already yours."
    return ""


def director_refusal(*, user: AnyUser) -> str:
    """Denials, partial approvals, exceptions and the director's review: medical directors only."""
    return "" if user.has_perm(DECIDE_ADVERSE) else ONLY_DIRECTORS


def approve_refusal(*, user: AnyUser, rollup: RollupLike, excepted: bool) -> str:
    """Why this user may not approve the case as its answers stand (a matter of role or of the
    criteria; the state is checked separately, under the case lock)."""
    if not user.has_perm(APPROVE_CASES):
        return "Your role cannot approve cases."
    if excepted:
        return "This case has an exception; a medical director decides it."
    if rollup.meets:
        return ""
    problems = []
    if rollup.answered < rollup.total:
        problems.append(f"{rollup.total - rollup.answered} criteria are not answered")
    if rollup.failed:
        problems.append("not met: " + ", ".join(rollup.failed))
    if rollup.unknown:
        problems.append("not documented: " + ", ".join(rollup.unknown))
    if rollup.disagreements:
        problems.append(
            "answers that contradict the facts without a reason: " + ", ".join(rollup.disagreements)
        )
    if rollup.not_addressed:
        problems.append(f"the policy does not address this request: {rollup.not_addressed}")
    if rollup.external and not problems:
        problems.append("the external review is not recorded as met")
    return (
        "Approval needs every criterion met ("
        + "; ".join(problems or ["the criteria are not met"])
        + "). Pend for information or refer to a medical director."
    )


def reopen_refusal(*, user: AnyUser, current: DeterminationOnRecord | None) -> str:
    """A medical director may reopen any decided case; a nurse only her own approval."""
    mine = current is not None and current.decided_by_id == user.pk and not current.is_adverse
    if user.has_perm(DECIDE_ADVERSE) or mine:
        return ""
    return "Only a medical director may reopen this case."
