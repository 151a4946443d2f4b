"""What the case page's views share: the reviewer check, the full-page context, and the
responses to a save (the row saved, the rows it changed, the result and the timeline)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from criteria.models import Node
from reviewapp.accounts.roles import REVIEW_CASES
from reviewapp.appeals import selectors as appeal_selectors
from reviewapp.core.htmx import back_to, render_fragments
from reviewapp.decisions.selectors import determinations_for
from reviewapp.letters import selectors as letter_selectors

from .. import pages, rules
from ..models import Answer, Case
from ..selectors import Workspace

DETAIL = "cases/case_detail.html"


def require_reviewer(request: HttpRequest) -> None:
    if not request.user.has_perm(REVIEW_CASES):
        raise PermissionDenied("Only nurse reviewers and medical directors work cases.")


def page_context(
    request: HttpRequest, case: Case, *, workspace: Workspace | None = None, **extra: Any
) -> dict[str, Any]:
    """The whole case page: the case context with the determinations the header lists."""
    determinations = determinations_for(case)
    context = pages.case_context(
        case=case, user=request.user, workspace=workspace, determinations=determinations
    )
    # Read only where the header shows them (Django calls a callable when a template first uses
    # it): the notice of a pend's extension still to send.
    context["extension_notice_due"] = partial(letter_selectors.extension_notice_due, case)
    # The determinations and appeals panel, for a case that has a determination.
    if determinations:
        context["appeal_panel"] = appeal_selectors.case_appeals(
            case=case, determinations=determinations, case_allows=context["actions"].file_appeal
        )
    return {**context, **extra}


def fragment_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    """What the fragments answering a save need: an open case has no determination in force (a
    save refused on a decided case still reads them, for its actions)."""
    if case.status in rules.REOPENABLE:
        return page_context(request, case)
    return pages.case_context(case=case, user=request.user)


def result_fragments(context: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """What every save changes besides its own row, out of band: the result, the approve button
    (in the header of a case in review: it is enabled once every criterion is met) and the
    timeline."""
    oob = {**context, "oob": True}
    fragments = [("rollup", oob)]
    if context["actions"].offer_approval:
        fragments.append(("approve-action", oob))
    return [*fragments, ("timeline", oob)]


def row_response(
    request: HttpRequest,
    case: Case,
    label: str,
    *,
    status: int = 200,
    error: str = "",
    conflict: Answer | None = None,
    attempt: dict[str, str] | None = None,
    also: tuple[str, ...] = (),
    facts_panel: bool = False,
) -> HttpResponse:
    """A criterion row (the swap target), the other rows ``also`` changed and, when a fact
    changed, the facts panel, all out of band with the result."""
    context = fragment_context(request, case)
    rows = context["ws"].rows
    row = {"row": rows[label], "error": error, "conflict": conflict, "attempt": attempt or {}}
    fragments = [("criterion-row", {**context, **row})]
    fragments += [
        ("criterion-row", {**context, "row": rows[other], "oob": True})
        for other in also
        if other != label
    ]
    if facts_panel:
        fragments.append(("facts-panel", {**context, "oob": True}))
    fragments += result_fragments(context)
    return render_fragments(request, DETAIL, fragments, status=status)


def row_refused(
    request: HttpRequest,
    case: Case,
    node: Node,
    error: str,
    *,
    conflict: Answer | None = None,
    attempt: dict[str, str] | None = None,
    status: int = 422,
) -> HttpResponse:
    """A refused save: the row again with the reason (and what was typed), or without htmx a
    message and the page."""
    if request.htmx:
        return row_response(
            request,
            case,
            node.label,
            status=status,
            error=error,
            conflict=conflict,
            attempt=attempt,
        )
    messages.error(request, f"{node.label}: {error}")
    return back_to(reverse("cases:detail", args=[case.pk]), f"criterion-{node.pk}")
