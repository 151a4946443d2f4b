"""Who may do what to an appeal, and when: every guard, stated once.

Each ``*_refusal`` returns why an action is refused, in staff's words, or "" when it is allowed.
The services raise that reason (``AppealForbidden`` for a matter of who the person is, audited
in the case timeline; ``AppealRefused`` for a matter of state); the allowed-actions selector
(``selectors.appeal_actions``) asks the same functions, so a page never offers what the service
would refuse. Filing itself is guarded by ``cases.rules.appeal_file_refusal`` (role, case state,
an adverse signed determination in force) and ``appeal_again_refusal`` here.

Who may decide an appeal (REGULATORY.md section 1):
- a medical director (ours is physician-only, like every adverse decision);
- who had no part in the decision appealed: not its decider, nor anyone who made an earlier
  determination, granted an exception or decided an earlier appeal on the case (Medicaid: not
  involved at any earlier level, 42 CFR 438.406(b)(2)(i); Medicare Advantage: not involved in the
  first decision, 422.590(h)(1); ERISA: neither the decider nor a subordinate, 29 CFR
  2560.503-1(h)(3)(ii));
- who is not a subordinate of any of them (the staff profiles' supervisors, all the way up);
- whose specialty is one the line of business's appeal reviewer rule asks for (438.406(b)(2)(iii),
  422.590(h)(2), 2560.503-1(h)(3)(iii)).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser, User

from reviewapp.accounts.roles import DECIDE_ADVERSE, REVIEW_CASES

from .models import (
    Appeal,
    AppealClockRule,
    AppealOutcome,
    AppealReviewerRule,
    AppealStatus,
    ExtensionAsker,
)

if TYPE_CHECKING:
    from reviewapp.decisions.models import Determination

AnyUser = User | AnonymousUser

OPEN = (AppealStatus.OPEN,)
DECIDED = (AppealStatus.DECIDED,)

ONLY_REVIEWERS = "Only nurse reviewers and medical directors work appeals."
ONLY_DIRECTORS = "Only a medical director may review and decide an appeal."


def state_refusal(appeal: Appeal, allowed: Iterable[str], action: str) -> str:
    if appeal.status in allowed:
        return ""
    return f"Appeal {appeal.reference} is {appeal.get_status_display().lower()}; it cannot be {action}."


def staff_refusal(*, user: AnyUser) -> str:
    return "" if user.has_perm(REVIEW_CASES) else ONLY_REVIEWERS


def director_refusal(*, user: AnyUser) -> str:
    return "" if user.has_perm(DECIDE_ADVERSE) else ONLY_DIRECTORS


def appeal_again_refusal(
    *, determination: Determination, appeals: Sequence[Appeal], made_on_appeal: bool
) -> str:
    """One plan appeal per determination (a withdrawn one may be filed again); a determination an
    appeal made is not appealed to the plan again: the next level is outside the plan."""
    live = [a for a in appeals if a.status != AppealStatus.WITHDRAWN]
    if live:
        appeal = live[0]
        if appeal.is_open:
            return f"Appeal {appeal.reference} of this determination is already open."
        return (
            f"This determination was appealed already ({appeal.reference}, "
            f"{appeal.get_outcome_display().lower()}). The next level is outside the plan: a "
            "state fair hearing, the independent review entity or an external review."
        )
    if made_on_appeal:
        return (
            "This determination was made on appeal. The next level is outside the plan: a state "
            "fair hearing, the independent review entity or an external review."
        )
    return ""


def reviewer_refusal(
    *,
    user: AnyUser,
    involved: Mapping[int, str],
    supervisors: Sequence[tuple[int, str]],
    specialty: str,
    rule: AppealReviewerRule | None,
    scope: str,
) -> str:
    """Why this user may not review the appeal (claim it, re-answer its criteria, decide it).

    ``involved``: user id -> how they took part in the decision appealed; ``supervisors``: the
    user's supervisors, nearest first, as (user id, name); ``rule``: the appeal reviewer rule
    for the case (None: there is none); ``scope`` names the line of business (and indication).
    """
    if not user.has_perm(DECIDE_ADVERSE):
        return ONLY_DIRECTORS
    pk = user.pk
    if pk is not None and pk in involved:
        return (
            f"You {involved[pk]}. An appeal goes to a physician who had no part in the "
            "decision appealed."
        )
    for pk, name in supervisors:
        if pk in involved:
            return (
                f"You report to {name}, who {involved[pk]}. An appeal is never decided by a "
                "subordinate of anyone who took part in the decision appealed."
            )
    if rule is None:
        return (
            f"No appeal reviewer rule names the specialties for {scope}: an administrator adds one "
            "(Appeals > Appeal reviewer rules)."
        )
    if not rule.admits(specialty):
        return (
            f"Appeals for {scope} go to a reviewer in "
            + ", ".join(rule.specialty_list)
            + f"; your staff profile records {specialty or 'no specialty'}."
        )
    return ""


def assigned_refusal(*, appeal: Appeal, user: AnyUser, reviewer_name: str) -> str:
    """An appeal someone else claimed is theirs to work (they may hand it on by another claim)."""
    if appeal.reviewer_id is None or appeal.reviewer_id == user.pk:
        return ""
    return f"Appeal {appeal.reference} is assigned to {reviewer_name}; claim it first."


def expedite_decline_refusal(*, appeal: Appeal) -> str:
    """The plan may move a member's request for a fast appeal to the standard clock, but never
    one the provider backs: Medicaid 438.410(a)-(c); Medicare Advantage 422.584(c)-(d); ERISA
    urgent care as the treating physician says, 2560.503-1(m)(1)(ii)."""
    if refusal := state_refusal(appeal, OPEN, "moved to the standard clock"):
        return refusal
    if appeal.priority != "expedited":
        return f"Appeal {appeal.reference} is already on the standard clock."
    if appeal.provider_supports_expedited:
        return (
            "The provider says waiting could seriously harm the member's health: the appeal must "
            "stay expedited."
        )
    return ""


def extension_refusal(*, appeal: Appeal, rule: AppealClockRule, asked_by: str) -> str:
    if refusal := state_refusal(appeal, OPEN, "extended"):
        return refusal
    if appeal.extended_at is not None:
        return f"Appeal {appeal.reference} was extended once already."
    if not rule.allows_extension:
        return (
            f"{rule.get_line_of_business_display()} {rule.get_priority_display().lower()} appeals "
            "allow no extension."
        )
    if asked_by == ExtensionAsker.MEMBER and not rule.extension_on_member_request:
        return "This appeal's rule does not allow an extension at the member's request."
    if asked_by == ExtensionAsker.PLAN and not rule.extension_on_plan_request:
        return "This appeal's rule does not allow an extension the plan starts."
    if asked_by not in ExtensionAsker.values:
        return "Say who asked for the extension."
    return ""


def sign_forbidden(*, appeal: Appeal, user: AnyUser) -> str:
    """Only the physician who decided the appeal signs its letter (a matter of identity: 403)."""
    if appeal.decided_by_id is None or user.pk != appeal.decided_by_id:
        return (
            f"Only {appeal.decider_name or 'the physician who decides the appeal'} can sign its "
            "letter."
        )
    if not user.has_perm(DECIDE_ADVERSE):
        return ONLY_DIRECTORS
    return ""


def sign_refusal(*, appeal: Appeal) -> str:
    if refusal := state_refusal(appeal, DECIDED, "given a letter until it is decided"):
        return refusal
    if appeal.letter_id is not None:
        return f"The letter of appeal {appeal.reference} is signed and can never change."
    return ""


def independent_review_required(*, appeal: Appeal) -> bool:
    """Medicare Advantage: a reconsideration not overturned in full goes to the independent review
    entity (422.590(a)(2), 422.592)."""
    return (
        appeal.case.line_of_business == "medicare_advantage"
        and appeal.status == AppealStatus.DECIDED
        and appeal.outcome != AppealOutcome.OVERTURNED
    )
