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

from reviewapp.accounts.models import staff_display_name
from reviewapp.accounts.roles import APPROVE_CASES, DECIDE_ADVERSE, REVIEW_CASES, VIEW_OPERATIONS

from .models import OPEN_STATUSES, Case, CaseStatus

AnyUser = User | AnonymousUser

# The states in which each action may happen.
CLAIMABLE = (CaseStatus.INTAKE, CaseStatus.IN_REVIEW, CaseStatus.PENDED)
EDITABLE = OPEN_STATUSES  # answers, facts and evidence
PENDABLE = (CaseStatus.IN_REVIEW,)
RESUMABLE = (CaseStatus.PENDED,)
REFERRABLE = (CaseStatus.IN_REVIEW, CaseStatus.PENDED)
# Referred: the checklist is the medical director's to read; it is locked for everyone else
# until the referral is recalled (which is possible while nobody else has acted on the case).
LOCKED_FOR_NURSES = (CaseStatus.REFERRED,)
RECALLABLE = (CaseStatus.REFERRED,)
APPROVABLE = (CaseStatus.IN_REVIEW,)  # a reviewer's approval of a case meeting every criterion
WITHDRAWABLE = OPEN_STATUSES
DECIDABLE = (CaseStatus.REFERRED,)  # a medical director's decision, exceptions included
REOPENABLE = (CaseStatus.DECIDED, CaseStatus.CLOSED)
REASSIGNABLE = OPEN_STATUSES
# An appeal is filed against the adverse determination in force once its letter is signed
# (``reviewapp.appeals`` checks the rest: one appeal per determination, the filing limit).
APPEALABLE = (CaseStatus.DECIDED, CaseStatus.CLOSED)

ONLY_DIRECTORS = "Only a medical director may do this."


class DeterminationOnRecord(Protocol):
    """What the reopen guard reads of the determination in force (a ``decisions`` model)."""

    @property
    def decided_by_id(self) -> int: ...

    @property
    def is_adverse(self) -> bool: ...

    @property
    def is_signed(self) -> bool: ...


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
    """Only an unassigned case is claimed; taking over someone's case is a reassignment."""
    if refusal := status_refusal(case, CLAIMABLE, "claimed"):
        return refusal
    if case.assigned_to_id == user.pk:
        return f"Case {case.reference} is already yours."
    if case.assigned_to_id is not None:
        return (
            f"Case {case.reference} is assigned to {staff_display_name(case.assigned_to)}; "
            "it changes hands only by reassignment."
        )
    return ""


# Ownership. A case is worked by the reviewer it is assigned to. A UM department expects that
# nobody quietly works (or closes) a colleague's case: the assigned nurse hands it over, or a
# UM manager or a medical director reassigns it, and the timeline says so.


def work_refusal(*, case: Case, user: AnyUser) -> str:
    """Who may save answers, facts, evidence and links, pend, resume, refer and approve.

    - the reviewer the case is assigned to;
    - a medical director, while the case is referred (the director's review);
    - while nobody is assigned, the person (or API client) who opened the case, so a request's
      documents and facts can be recorded before it waits in the queue; anyone else claims it.
    """
    if case.assigned_to_id is not None and case.assigned_to_id == user.pk:
        return ""
    if case.status == CaseStatus.REFERRED and user.has_perm(DECIDE_ADVERSE):
        return ""
    if case.assigned_to_id is None:
        if case.created_by_id == user.pk:
            return ""
        return f"Case {case.reference} is not assigned to anyone: claim it before working on it."
    return (
        f"Case {case.reference} is assigned to {staff_display_name(case.assigned_to)}; only "
        "the assigned reviewer works it. Ask them to hand it over, or a UM manager or a "
        "medical director to reassign it."
    )


def withdraw_refusal(*, case: Case, user: AnyUser) -> str:
    """A medical director or the assigned reviewer withdraws a request (with a reason; the
    service asks for the member notice where the plan requires one). A referred case is out of
    the nurse queue's hands: only a medical director or the nurse it is assigned to may withdraw
    it. An unassigned case (waiting in the queue, nobody's yet) may be withdrawn by any reviewer."""
    if refusal := status_refusal(case, WITHDRAWABLE, "withdrawn"):
        return refusal
    if user.has_perm(DECIDE_ADVERSE):
        return ""
    if case.assigned_to_id is not None and case.assigned_to_id == user.pk:
        return ""
    if (
        case.status != CaseStatus.REFERRED
        and case.assigned_to_id is None
        and user.has_perm(REVIEW_CASES)
    ):
        return ""  # nobody's case yet: the reviewer taking the provider's call withdraws it
    if case.status == CaseStatus.REFERRED:
        return (
            f"Case {case.reference} is referred to a medical director; only a medical director "
            "or the assigned nurse may withdraw it."
        )
    return (
        f"Only the reviewer case {case.reference} is assigned to, or a medical director, may "
        "withdraw it."
    )


def reassign_refusal(*, case: Case, user: AnyUser) -> str:
    """Who may hand a case to another reviewer: the assigned reviewer (a hand-over), a medical
    director, or a UM manager (workload)."""
    if refusal := status_refusal(case, REASSIGNABLE, "reassigned"):
        return refusal
    if case.assigned_to_id is not None and case.assigned_to_id == user.pk:
        return ""
    if user.has_perm(DECIDE_ADVERSE) or user.has_perm(VIEW_OPERATIONS):
        return ""
    return (
        "Only the assigned reviewer (handing the case over), a medical director or a UM manager "
        "may reassign a case."
    )


def assignee_refusal(*, case: Case, to: AnyUser) -> str:
    """Whom a case may be assigned to: an active nurse reviewer or medical director."""
    if not to.is_active or not to.has_perm(REVIEW_CASES):
        return f"{staff_display_name(to)} does not review cases; choose a nurse or a director."
    if case.assigned_to_id == to.pk:
        return f"Case {case.reference} is already assigned to {staff_display_name(to)}."
    return ""


def edit_refusal(*, case: Case, user: AnyUser, action: str = "changed") -> str:
    """Answers, facts and evidence: an open case; a referred one only by a medical director."""
    if refusal := status_refusal(case, EDITABLE, action):
        return refusal
    if case.status in LOCKED_FOR_NURSES and not user.has_perm(DECIDE_ADVERSE):
        return (
            f"Case {case.reference} is referred to a medical director, so its checklist is "
            "locked. Recall the referral to change it (possible until a medical director acts)."
        )
    return ""


def recall_role_refusal(*, user: AnyUser) -> str:
    """Recalling a referral is the nurse reviewer's; a medical director decides the case."""
    if not user.has_perm(REVIEW_CASES) or user.has_perm(DECIDE_ADVERSE):
        return "Only a nurse reviewer recalls a referral; a medical director decides the case."
    return ""


def recall_refusal(*, case: Case, user: AnyUser, acted_by_others: bool) -> str:
    """A nurse takes a referral back, while nobody else has acted on the case since."""
    if refusal := recall_role_refusal(user=user):
        return refusal
    if refusal := status_refusal(case, RECALLABLE, "recalled from the medical director"):
        return refusal
    if acted_by_others:
        return (
            f"A medical director has already acted on {case.reference} since it was referred; "
            "ask them to return it."
        )
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


def appeal_file_refusal(*, case: Case, user: AnyUser, current: DeterminationOnRecord | None) -> str:
    """Staff who work cases record an appeal of the adverse determination in force, once its
    letter is signed (the member has been, or is being, told of it)."""
    if not user.has_perm(REVIEW_CASES):
        return "Only nurse reviewers and medical directors record appeals."
    if refusal := status_refusal(case, APPEALABLE, "appealed"):
        return refusal
    if current is None or not current.is_adverse:
        return (
            f"Case {case.reference} has no adverse determination in force: only a denial or a "
            "partial approval can be appealed."
        )
    if not current.is_signed:
        return "The determination's letter is not signed yet: sign it before an appeal is filed."
    return ""
