"""Who may do what in an inter-rater reliability study, stated once.

Each ``*_refusal`` returns why an action is refused, in the user's words, or "" when allowed;
the services raise it (``IrrRefused``) and the pages ask the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User

from reviewapp.accounts.roles import REVIEW_CASES, VIEW_OPERATIONS

from .models import IrrAssignment, IrrStudy

AnyUser = User | AnonymousUser

ONLY_MANAGERS = "Only UM managers run inter-rater reliability studies."


def manager_refusal(*, user: AnyUser) -> str:
    return "" if user.has_perm(VIEW_OPERATIONS) else ONLY_MANAGERS


def study_open_refusal(*, study: IrrStudy) -> str:
    if study.is_open:
        return ""
    return f"The study {study.title!r} is closed; its record can be read, not changed."


def reviewer_refusal(*, reviewer: User, original: Iterable[int | None]) -> str:
    """A blind re-review goes to an active reviewer who did not work or decide the case."""
    if not reviewer.is_active or not reviewer.has_perm(REVIEW_CASES):
        return f"{reviewer.get_username()} is not an active reviewer."
    if reviewer.pk in set(original):
        return f"{reviewer.get_username()} worked or decided this case and cannot re-review it."
    return ""


def answer_refusal(*, assignment: IrrAssignment, user: AnyUser) -> str:
    if assignment.reviewer_id != user.pk:
        return "This review is assigned to someone else."
    if refusal := study_open_refusal(study=assignment.study_case.study):
        return refusal
    if assignment.is_submitted:
        return "You submitted this review already; answers are final once submitted."
    return ""
