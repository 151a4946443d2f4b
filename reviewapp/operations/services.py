"""Every write of operations: inter-rater reliability studies, and the managers' daily digest.

Each service is keyword-only, checks its guards (``rules``) before writing, and runs in one
transaction. A refused action raises ``IrrRefused`` with a message for the user; nothing is
written. The studies' rows say who did what and when (drawn by, assigned at, submitted at,
reference recorded by, closed by); a study and its cases keep their row history.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from criteria.models import Policy
from reviewapp.cases.models import Answer, AnswerStatus, Case
from reviewapp.decisions.models import Determination

from . import rules, selectors
from .models import IrrAnswer, IrrAssignment, IrrReference, IrrStudy, IrrStudyCase

logger = logging.getLogger(__name__)

MAX_SAMPLE = 200
MAX_REVIEWERS_PER_CASE = 5


class IrrRefused(Exception):
    """A guard refused the action; the message says why."""


def _refuse_unless(refusal: str) -> None:
    if refusal:
        raise IrrRefused(refusal)


# --- studies -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyDraw:
    """What a manager asks for: which closed cases to sample, how many, and who re-reviews."""

    title: str
    decided_from: dt.date
    decided_to: dt.date
    sample_size: int
    reviewers: list[User]
    reviewers_per_case: int = 1
    reference: str = IrrReference.ORIGINAL
    policy: Policy | None = None
    original_reviewer: User | None = None
    notes: str = ""
    seed: int | None = None
    excluded: list[int] = field(default_factory=list)


@transaction.atomic
def irr_study_create(*, draw: StudyDraw, by: User) -> IrrStudy:
    """Draw a random sample of closed cases and assign each to other reviewers.

    Guards: a UM manager; a title; a period that ends after it starts; 1 to ``MAX_SAMPLE``
    cases; 1 to ``MAX_REVIEWERS_PER_CASE`` reviewers per case, no more than were chosen; at
    least one closed case matching. Each case goes to the chosen reviewers who neither worked
    it nor decided it, the least loaded first; a case with too few of them refuses the study.
    The original answers are copied into the study as they stand now, so later corrections of
    a case do not change its reference. The draw is reproducible from the stored seed.
    """
    _refuse_unless(rules.manager_refusal(user=by))
    if not draw.title.strip():
        raise IrrRefused("Give the study a title.")
    if draw.decided_to < draw.decided_from:
        raise IrrRefused("The period ends before it starts.")
    if not 1 <= draw.sample_size <= MAX_SAMPLE:
        raise IrrRefused(f"Sample between 1 and {MAX_SAMPLE} cases.")
    if not 1 <= draw.reviewers_per_case <= MAX_REVIEWERS_PER_CASE:
        raise IrrRefused(f"Assign each case to 1 to {MAX_REVIEWERS_PER_CASE} reviewers.")
    if len(draw.reviewers) < draw.reviewers_per_case:
        raise IrrRefused(
            f"Choose at least {draw.reviewers_per_case} reviewers to assign each case to "
            f"{draw.reviewers_per_case}."
        )
    for reviewer in draw.reviewers:
        _refuse_unless(rules.reviewer_refusal(reviewer=reviewer, original=()))
    candidates = list(
        selectors.irr_candidates(
            policy=draw.policy,
            reviewer=draw.original_reviewer,
            decided_from=draw.decided_from,
            decided_to=draw.decided_to,
        ).values_list("pk", flat=True)
    )
    if not candidates:
        raise IrrRefused(
            "No closed case matches: decided in the period, with answers"
            + (f", under {draw.policy.number}" if draw.policy else "")
            + (", worked by the reviewer chosen" if draw.original_reviewer else "")
            + "."
        )
    seed = draw.seed if draw.seed is not None else secrets.randbelow(2**31)
    # Not for security: a reproducible sample (the seed is kept with the study).
    chosen = random.Random(seed).sample(candidates, min(draw.sample_size, len(candidates)))  # noqa: S311  # nosec B311
    cases = {c.pk: c for c in Case.objects.filter(pk__in=chosen)}
    deciders: dict[int, set[int]] = {pk: set() for pk in chosen}
    for case_id, decider in Determination.objects.filter(case__in=chosen).values_list(
        "case_id", "decided_by_id"
    ):
        deciders[case_id].add(decider)
    originals: dict[int, dict[str, str]] = {pk: {} for pk in chosen}
    for case_id, node_id, status in (
        Answer.objects.filter(case__in=chosen)
        .exclude(status="")
        .values_list("case_id", "criterion_id", "status")
    ):
        originals[case_id][str(node_id)] = status
    now = timezone.now()
    study = IrrStudy.objects.create(
        title=draw.title.strip(),
        reference=draw.reference,
        policy=draw.policy,
        original_reviewer=draw.original_reviewer,
        decided_from=draw.decided_from,
        decided_to=draw.decided_to,
        sample_size=draw.sample_size,
        reviewers_per_case=draw.reviewers_per_case,
        seed=seed,
        candidates=len(candidates),
        notes=draw.notes.strip(),
        created_by=by,
        created_at=now,
    )
    load = {reviewer.pk: 0 for reviewer in draw.reviewers}
    order = {reviewer.pk: i for i, reviewer in enumerate(draw.reviewers)}
    assignments = []
    for position, case_id in enumerate(chosen, start=1):
        case = cases[case_id]
        study_case = IrrStudyCase.objects.create(
            study=study,
            case=case,
            position=position,
            original_reviewer_id=case.assigned_to_id,
            original_answers=originals[case_id],
        )
        involved = {case.assigned_to_id, *deciders[case_id]}
        eligible = [
            r for r in draw.reviewers if not rules.reviewer_refusal(reviewer=r, original=involved)
        ]
        if len(eligible) < draw.reviewers_per_case:
            raise IrrRefused(
                f"{case.reference} needs {draw.reviewers_per_case} reviewer(s) who neither worked "
                f"nor decided it; only {len(eligible)} of those chosen qualify. Choose more "
                "reviewers."
            )
        eligible.sort(key=lambda r: (load[r.pk], order[r.pk]))
        for reviewer in eligible[: draw.reviewers_per_case]:
            load[reviewer.pk] += 1
            assignments.append(
                IrrAssignment(study_case=study_case, reviewer=reviewer, assigned_at=now)
            )
    IrrAssignment.objects.bulk_create(assignments)
    logger.info("IRR study %s drawn by %s: %s cases", study.pk, by.get_username(), len(chosen))
    return study


def _checked_answers(study_case: IrrStudyCase, answers: dict[int, str]) -> dict[int, str]:
    """Every criterion of the case's checklist answered with a known status, nothing else."""
    criteria = selectors.checklist_criteria(study_case.case)
    expected = {node.pk for node, _ in criteria}
    unknown = set(answers) - expected
    if unknown:
        raise IrrRefused("An answer names a criterion that is not on this checklist.")
    missing = [criterion.label for node, criterion in criteria if not answers.get(node.pk)]
    if missing:
        raise IrrRefused("Answer every criterion; missing: " + ", ".join(missing) + ".")
    if any(status not in AnswerStatus.values for status in answers.values()):
        raise IrrRefused("An answer has a status that does not exist.")
    return answers


@transaction.atomic
def irr_answers_submit(*, assignment: IrrAssignment, by: User, answers: dict[int, str]) -> None:
    """A reviewer's blind answers to every criterion, final once submitted."""
    locked = (
        IrrAssignment.objects.select_for_update(of=("self",))
        .select_related("study_case__study", "study_case__case__checklist")
        .get(pk=assignment.pk)
    )
    _refuse_unless(rules.answer_refusal(assignment=locked, user=by))
    checked = _checked_answers(locked.study_case, answers)
    IrrAnswer.objects.bulk_create(
        IrrAnswer(assignment=locked, criterion_id=node, status=status)
        for node, status in checked.items()
    )
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["submitted_at"])


@transaction.atomic
def irr_reference_record(*, study_case: IrrStudyCase, by: User, answers: dict[int, str]) -> None:
    """A manager's reference answers for one sampled case (kept with their history)."""
    _refuse_unless(rules.manager_refusal(user=by))
    locked = (
        IrrStudyCase.objects.select_for_update(of=("self",))
        .select_related("study", "case__checklist")
        .get(pk=study_case.pk)
    )
    _refuse_unless(rules.study_open_refusal(study=locked.study))
    checked = _checked_answers(locked, answers)
    locked.reference_answers = {str(node): status for node, status in checked.items()}
    locked.reference_by = by
    locked.reference_at = timezone.now()
    locked.save(update_fields=["reference_answers", "reference_by", "reference_at"])


@transaction.atomic
def irr_study_close(*, study: IrrStudy, by: User) -> IrrStudy:
    """Close a study: no more answers; its report is final. Assignments not submitted stay
    on record as not done."""
    _refuse_unless(rules.manager_refusal(user=by))
    locked = IrrStudy.objects.select_for_update().get(pk=study.pk)
    _refuse_unless(rules.study_open_refusal(study=locked))
    locked.closed_at = timezone.now()
    locked.closed_by = by
    locked.save(update_fields=["closed_at", "closed_by"])
    return locked


# --- the daily digest --------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestSent:
    recipients: list[str]
    subject: str
    body: str


def digest_send(*, now: dt.datetime | None = None, dry_run: bool = False) -> DigestSent:
    """E-mail the turnaround digest to every UM manager with an address, through Django's
    e-mail backend (``EMAIL_BACKEND``). Case references only: no member data in e-mail."""
    digest = selectors.digest(now=now)
    recipients = [user.email for user in selectors.digest_recipients()]
    body = render_to_string(
        "operations/digest_email.txt",
        {
            "board": digest.dashboard,
            "sections": [
                ("Overdue", digest.overdue, digest.dashboard.overdue),
                ("Due in the next 24 hours", digest.due_24h, digest.dashboard.due_24h),
                ("Past 75% of their clock", digest.alert, digest.dashboard.alert),
            ],
            "dashboard_url": settings.SITE_URL.rstrip("/") + reverse("operations:dashboard"),
            "queue_url": settings.SITE_URL.rstrip("/") + reverse("cases:queue"),
            "appeals_url": settings.SITE_URL.rstrip("/") + reverse("operations:appeals-due"),
            "organisation_name": settings.ORGANISATION_NAME,
        },
    )
    if recipients and not dry_run:
        # One message per manager: no manager sees the others' addresses.
        send_mass_mail([(digest.subject, body, None, [to]) for to in recipients])
        logger.info("Turnaround digest sent to %s manager(s)", len(recipients))
    return DigestSent(recipients=recipients, subject=digest.subject, body=body)
