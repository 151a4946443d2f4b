"""The words and badge colours of a case's statuses: one filter for each, used by every page.

A criterion's status on a case is the reviewer's answer (``AnswerStatus``), what the engine says
(``criteria.vocabulary.STATUS_LABELS``: met, not met, unknown, not applicable), met by exception,
or unanswered; a checklist's result is an outcome; a case has its own states (``CaseStatus``).
"""

from __future__ import annotations

from django import template

from criteria.vocabulary import OUTCOME_LABELS
from criteria.vocabulary import STATUS_LABELS as ENGINE_STATUS_LABELS

from ..models import EXCEPTED, UNANSWERED, AnswerStatus
from ..selectors import first_page as _first_page

register = template.Library()

STATUS_LABELS: dict[str, str] = {
    **ENGINE_STATUS_LABELS,
    **dict(AnswerStatus.choices),
    EXCEPTED: "Met by exception",
    UNANSWERED: "Unanswered",
}
STATUS_CLASSES = {
    "met": "text-bg-success",
    "not_met": "text-bg-danger",
    "unknown": "text-bg-warning",
    "not_documented": "text-bg-warning",
    "not_applicable": "text-bg-secondary",
    EXCEPTED: "text-bg-info",
    UNANSWERED: "text-bg-light border",
}
OUTCOME_CLASSES = {
    "meets": "text-bg-success",
    "not_met": "text-bg-danger",
    "incomplete": "text-bg-warning",
    "external": "text-bg-info",
}
CASE_STATUS_CLASSES = {
    "intake": "text-bg-light border",
    "in_review": "text-bg-primary",
    "pended": "text-bg-warning",
    "referred": "text-bg-info",
    "decided": "text-bg-success",
    "closed": "text-bg-secondary",
    "withdrawn": "text-bg-dark",
}


@register.filter
def status_label(value: object) -> str:
    return STATUS_LABELS.get(str(value), str(value))


@register.filter
def status_class(value: object) -> str:
    return STATUS_CLASSES.get(str(value), "text-bg-light")


@register.filter
def outcome_label(outcome: object) -> str:
    return OUTCOME_LABELS.get(str(outcome), str(outcome))  # type: ignore[call-overload]


@register.filter
def outcome_class(outcome: object) -> str:
    return OUTCOME_CLASSES.get(str(outcome), "text-bg-light")


@register.filter
def case_status_class(status: str) -> str:
    return CASE_STATUS_CLASSES.get(status, "text-bg-light")


@register.filter
def first_page(pages: str) -> int:
    """The page a page reference opens the viewer at ("3-5, 8" -> 3)."""
    return _first_page(pages)


@register.filter
def clock_share(used: float) -> str:
    """The share of a case's clock used, in whole percent rounded down ("80%")."""
    return f"{int(used * 100)}%"


@register.simple_tag(takes_context=True)
def jinja(context: template.Context, template_name: str) -> str:
    """A case page row drawn by Jinja2 (``templates/jinja2/``, ``reviewapp/cases/jinja.py``) with
    this template's context: the criterion and fact rows, which Django's templates drew slowly."""
    from .. import jinja as rows  # the environment imports these filters

    return rows.render(template_name, context.flatten())
