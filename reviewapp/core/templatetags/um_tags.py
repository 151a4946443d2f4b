"""Template helpers shared by every page: due times, staff names, row URLs."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from reviewapp.accounts.models import staff_display_name

register = template.Library()


def _span(delta: dt.timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rem = divmod(minutes, 24 * 60)
    hours, mins = divmod(rem, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


@register.filter
def due_in(due_at: dt.datetime | None) -> str:
    """ "due in 2 d 4 h" or "overdue by 3 h 10 min"."""
    if due_at is None:
        return ""
    delta = due_at - timezone.now()
    if delta.total_seconds() < 0:
        return f"overdue by {_span(delta)}"
    return f"due in {_span(delta)}"


@register.filter
def staff_name(user) -> str:
    return "unassigned" if user is None else staff_display_name(user)


@register.filter
def fill(pattern: str, value) -> str:
    """Fill a URL pattern made by ``reviewapp.core.htmx.url_pattern`` with a row's id."""
    return pattern.format(value)
