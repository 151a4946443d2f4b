"""What the case page's templates are given: one context for the page and for each fragment.

The nurse's case page (``cases.views``) and the medical director's review page
(``decisions.views``) show the same header, criterion rows and timeline, so both views build
their context here: the workspace, the allowed actions, the answer form and the row URLs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from django.contrib.auth.models import User

from reviewapp.core.htmx import url_pattern

from . import jinja, rules, selectors
from .forms import AnswerForm
from .models import Answer, Case, DocumentType


class CaseUrls:
    """The case page's per-row URLs, reversed once per page (see ``url_pattern``)."""

    def __init__(self, case: Case) -> None:
        self.answer = url_pattern("cases:criterion-answer", case.pk)
        self.apply = url_pattern("cases:criterion-apply", case.pk)
        self.link = url_pattern("cases:evidence-link", case.pk)
        self.unlink = url_pattern("cases:evidence-unlink", case.pk)
        self.file = url_pattern("cases:evidence-file", case.pk)
        self.view = url_pattern("cases:evidence-view", case.pk)
        self.details = url_pattern("cases:evidence-details", case.pk)
        self.fact = url_pattern("cases:fact-save", case.pk)


def row_refuse(
    row: selectors.CriterionRow,
    *,
    error: str = "",
    conflict: Answer | None = None,
    attempt: dict[str, str] | None = None,
) -> None:
    """Show a refused save in its row: the reason, the other person's answer, what was typed."""
    row.error, row.conflict, row.attempt = error, conflict, attempt or {}


def rows_restore(context: dict[str, Any], restored: dict[str, dict[str, str]]) -> None:
    """Put back into each criterion row what was typed there before the session ended (the
    drafts are keyed by the form's action URL)."""
    urls: CaseUrls = context["urls"]
    for row in context["ws"].rows.values():
        typed = restored.get(urls.answer.format(row.node.pk))
        if typed:
            row.attempt, row.restored = dict(typed), True


def case_context(
    *,
    case: Case,
    user: User,
    workspace: selectors.Workspace | None = None,
    determinations: Sequence[rules.DeterminationOnRecord] | None = None,
) -> dict[str, Any]:
    """The context every case template and fragment reads.

    ``determinations`` (newest first, from ``decisions.selectors.determinations_for``) are needed
    by a decided or closed case, whose reopen action depends on the one in force; an open case has
    none in force, and its fragments leave them out.
    """
    if determinations is None and case.status in rules.REOPENABLE:
        raise ValueError(f"Case {case.reference} is {case.status}: pass its determinations.")
    workspace = workspace or selectors.case_workspace(case)
    current = determinations[0] if determinations else None
    return {
        "case": case,
        "ws": workspace,
        "actions": selectors.case_actions(user=user, workspace=workspace, current=current),
        "determinations": determinations or [],
        "answer_form": AnswerForm(),
        "doc_types": DocumentType.choices,
        "urls": CaseUrls(case),
        # Every criterion row and every fact offers the case's documents: rendered once, not
        # once per row.
        "evidence_options": jinja.render("cases/document_options.html", {"ws": workspace}),
        "source_options": jinja.render("cases/source_options.html", {"ws": workspace}),
        # Read only where a template shows it (a pended case's header, the pend page): Django
        # calls a callable when the template first uses it.
        "turnaround_rule": partial(selectors.turnaround_rule_for, case),
        # Past the next review date its source states: the payer may have a newer version.
        "policy_review_overdue": partial(selectors.policy_review_overdue, case),
        # Where the checklist sends requests instead of deciding them on its criteria.
        "routes": selectors.checklist_routes(case),
    }
