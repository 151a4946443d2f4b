"""Reads for determinations, their authorizations, the director's queue, and the reasons a
determination must give."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from criteria import letter_wording
from criteria import selectors as library
from reviewapp.cases.models import Case, CaseStatus
from reviewapp.cases.selectors import Workspace, case_fact_values, case_workspace

from .models import Authorization, AuthorizationItem, Determination

LETTER_LANGUAGES = ("en", "es")


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
    """Referred cases by due time (the keys of the director's queue, for ``paginate``)."""
    return Case.objects.filter(status=CaseStatus.REFERRED).order_by("due_at", "id")


def director_queue_rows() -> QuerySet[Case]:
    """The same cases with what the queue shows: the counts of not-met and undocumented answers
    (one query for a page; the number of criteria per checklist comes from the cached library)."""
    return (
        director_queue()
        .select_related("policy", "checklist", "assigned_to__staff_profile")
        .prefetch_related("services")
        .annotate(
            not_met=Count("answers", filter=Q(answers__status="not_met")),
            not_documented=Count("answers", filter=Q(answers__status="not_documented")),
            answered=Count("answers", filter=~Q(answers__status="")),
        )
    )


def letter_language(case: Case) -> str:
    """The language the member's letters are written in: Spanish or English (any other preferred
    language gets the English letter with its taglines)."""
    return case.preferred_language if case.preferred_language in LETTER_LANGUAGES else "en"


@dataclass(frozen=True)
class ReasonDraft:
    """The reason a letter must give for one criterion not met and not excepted, drafted in the
    member's words (and language) for the director to edit."""

    label: str
    status: str  # "not_met" or "not_documented"
    citation: str
    text: str
    recorded: tuple[str, ...] = ()  # the member's own recorded values, in words
    wording_missing: str = ""  # why the library wording could not be used, if it could not


def reasons_required(workspace: Workspace) -> list[str]:
    """The labels a determination's reasons must cover, exactly: the criteria not met or not
    documented, and not excepted, as the case stands now (the engine's view, so a failed
    alternative inside a satisfied ANY group is not among them)."""
    result = workspace.rollup.result
    return [
        label
        for label in result.failed + result.unknown
        if label in workspace.rows and workspace.rows[label].exception is None
    ]


def reason_drafts(*, case: Case, workspace: Workspace | None = None) -> list[ReasonDraft]:
    """One drafted reason per required label, from the library's member wording in the letter's
    language, naming the member's recorded values where a measured fact decided the criterion.

    "Not documented" criteria say what is missing rather than what the records show.
    """
    workspace = workspace or case_workspace(case, events_limit=0)
    unknown = set(workspace.rollup.result.unknown)
    return reason_drafts_for(
        case=case,
        required=[
            (label, "not_documented" if label in unknown else "not_met")
            for label in reasons_required(workspace)
        ],
    )


def reason_drafts_for(*, case: Case, required: list[tuple[str, str]]) -> list[ReasonDraft]:
    """The drafted reason for each (criterion label, "not_met" | "not_documented") of the case's
    checklist: what a determination, or an appeal deciding it again, gives the member."""
    language = letter_language(case)
    version = case.policy_version
    checklist = library.engine_checklist(case.checklist)
    facts = case_fact_values(case)
    labels = {name: fact.label for name, fact in library.fact_dictionary().items()}
    drafts = []
    for label, status in required:
        criterion = checklist.criterion(label)
        missing = ""
        try:
            wording = letter_wording.member_wording(
                language=language,
                policy_key=version.policy.key,
                version_label=version.label,
                label=label,
                text=criterion.text,
                reason=criterion.member_reason,
            )
            reason = wording.member_reason
        except letter_wording.WordingMissing as exc:
            reason, missing = letter_wording.normalise(criterion.member_reason), str(exc)
        recorded: list[str] = []
        if status == "not_documented":
            reason = letter_wording.not_documented_reason(language)
        else:
            try:
                recorded = letter_wording.recorded_value_phrases(
                    language=language,
                    criterion=checklist.criterion(label),
                    facts=facts,
                    fact_labels=labels,
                )
            except letter_wording.WordingMissing as exc:
                missing = str(exc)
        drafts.append(
            ReasonDraft(
                label=label,
                status=status,
                citation=criterion.citation,
                text=" ".join([reason, *recorded]),
                recorded=tuple(recorded),
                wording_missing=missing,
            )
        )
    return drafts


# --- authorizations ----------------------------------------------------------------------------


def _authorizations() -> QuerySet[Authorization]:
    return Authorization.objects.prefetch_related(
        Prefetch("items", queryset=AuthorizationItem.objects.order_by("id"))
    )


def authorization_for(determination: Determination) -> Authorization | None:
    """The authorization an approving determination granted, with its items (two queries)."""
    return _authorizations().filter(determination=determination).first()


def case_authorization(case: Case) -> Authorization | None:
    """The authorization in force on a case: the one of its current determination, if any."""
    return (
        _authorizations()
        .filter(case=case, determination__superseded_by__isnull=True)
        .select_related("determination")
        .first()
    )


@dataclass(frozen=True)
class CaseClock:
    """When the request came in, when it was due, when it was decided, and when the member was
    told. The turnaround clock stops at the notice, not at the decision or the signing."""

    received_at: dt.datetime
    due_at: dt.datetime
    decided_at: dt.datetime | None
    notice_sent_at: dt.datetime | None

    @property
    def stopped_at(self) -> dt.datetime | None:
        return self.notice_sent_at

    @property
    def turnaround(self) -> dt.timedelta | None:
        """Receipt to notice, once the member is notified."""
        return self.notice_sent_at - self.received_at if self.notice_sent_at else None

    @property
    def on_time(self) -> bool | None:
        return self.notice_sent_at <= self.due_at if self.notice_sent_at else None


def case_clock(case: Case) -> CaseClock:
    """The case's decision time (its current determination's) and notice time, one query."""
    current = (
        Determination.objects.filter(case=case, superseded_by__isnull=True)
        .exclude(outcome="withdrawn")
        .values_list("decided_at", flat=True)
        .first()
    )
    return CaseClock(
        received_at=case.received_at,
        due_at=case.due_at,
        decided_at=current,
        notice_sent_at=case.notice_sent_at,
    )
