"""How the operations pages write a figure that may be missing."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()


def _muted(text: str) -> str:
    return format_html('<span class="text-body-secondary">{}</span>', text)


@register.filter
def figure(value: float | int | None, unit: str = "") -> str:
    """The value with its unit, or a muted "no data" when there is none."""
    if value is None:
        return _muted("no data")
    return format_html("{}{}", value, unit)


@register.filter
def kappa(value: float | None) -> str:
    """Cohen's kappa to two decimals, or "not defined"."""
    if value is None:
        return _muted("not defined")
    return f"{value:.2f}"


@register.filter
def share(value: float | None) -> str:
    """A 0-1 share as a whole percentage."""
    if value is None:
        return _muted("no answers")
    return f"{value:.0%}"
