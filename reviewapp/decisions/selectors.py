"""Reads for determinations and the director's queue."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from reviewapp.cases.models import Case, CaseStatus
from reviewapp.cases.selectors import Workspace

from .models import Determination


def current_determination(case: Case) -> Determination | None:
    """The determination in force: the latest one that nothing supersedes."""
    return (
        Determination.objects.filter(case=case, superseded_by__isnull=True)
        .select_related("decided_by__staff_profile")
        .prefetch_related("code_decisions")
        .first()
    )


def determinations_for(case: Case) -> list[Determination]:
    return list(
        Determination.objects.filter(case=case)
        .select_related("decided_by__staff_profile", "supersedes")
        .prefetch_related("code_decisions")
    )


def director_queue() -> QuerySet[Case]:
    """Referred cases by due time, with the counts of not-met and undocumented answers
    (one query; the number of criteria per checklist comes from the cached library)."""
    return (
        Case.objects.filter(status=CaseStatus.REFERRED)
        .select_related("policy", "checklist", "assigned_to__staff_profile")
        .prefetch_related("services")
        .annotate(
            not_met=Count("answers", filter=Q(answers__status="not_met")),
            not_documented=Count("answers", filter=Q(answers__status="not_documented")),
            answered=Count("answers", filter=~Q(answers__status="")),
        )
        .order_by("due_at", "id")
    )


def reasons_draft(*, case: Case, workspace: Workspace) -> str:
    """Specific reasons drafted from the failed and undocumented criteria, for the director to
    edit: each criterion's plain-language reason with its policy citation."""
    version = case.policy_version
    lines = []
    for label in workspace.rollup.result.failed + workspace.rollup.result.unknown:
        row = workspace.rows[label]
        if row.exception is not None:
            continue
        lines.append(
            f"{row.criterion.member_reason} ({version.policy.number}, version "
            f"{version.label}, {row.criterion.citation}.)"
        )
    return "\n\n".join(lines)
