"""Template filters for the policy library's words: indications, stages, fact values."""

from django import template

from criteria.facts import FactDef
from criteria.vocabulary import INDICATIONS, ROUTE_LABELS, STAGES

register = template.Library()


@register.filter
def indication_label(value: str) -> str:
    return INDICATIONS.get(value, value)


@register.filter
def stage_label(value: str) -> str:
    return STAGES.get(value, value)


@register.filter
def fact_display(fact: FactDef, value: object) -> str:
    return fact.display(value)


@register.filter
def route_label(value: object) -> str:
    return ROUTE_LABELS.get(str(value), str(value))  # type: ignore[call-overload]


@register.filter
def expr_source(value: object) -> str:
    """A stored expression (``criteria.library_files.expr_to_source``) as one line."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        op, items = next(iter(value.items()))
        joiner = " and " if op == "all" else " or "
        return "(" + joiner.join(expr_source(item) for item in items) + ")"
    return str(value)
