from django import template

from criteria.library_files import INDICATIONS, STAGES

register = template.Library()

STATUS_LABELS = {
    "met": "Met",
    "not_met": "Not met",
    "unknown": "Unknown",
    "not_applicable": "Not applicable",
    "not_documented": "Not documented",
    "excepted": "Met by exception",
}
ROUTE_LABELS = {
    "external": "reviewed against external criteria",
    "not_addressed": "not addressed by this policy: medical director review",
}
STATUS_CLASSES = {
    "met": "text-bg-success",
    "not_met": "text-bg-danger",
    "unknown": "text-bg-warning",
    "not_documented": "text-bg-warning",
    "not_applicable": "text-bg-secondary",
    "excepted": "text-bg-info",
}


@register.filter
def indication_label(value: str) -> str:
    return INDICATIONS.get(value, value)


@register.filter
def stage_label(value: str) -> str:
    return STAGES.get(value, value)


@register.filter
def status_label(value) -> str:
    return STATUS_LABELS.get(str(value), str(value))


@register.filter
def status_class(value) -> str:
    return STATUS_CLASSES.get(str(value), "text-bg-light")


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def fact_display(fact, value) -> str:
    return fact.display(value)


@register.filter
def route_label(value) -> str:
    return ROUTE_LABELS.get(str(value), str(value))


@register.filter
def expr_source(value) -> str:
    """A stored expression (``criteria.library_files.expr_to_source``) as one line."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        op, items = next(iter(value.items()))
        joiner = " and " if op == "all" else " or "
        return "(" + joiner.join(expr_source(item) for item in items) + ")"
    return str(value)
