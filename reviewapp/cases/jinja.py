"""The Jinja2 environment of the case page's repeated rows: the checklist tree with its criterion
rows, the fact rows and the document rows (``templates/jinja2/cases/``).

A case page draws twenty-odd criterion rows and as many fact rows, each with its forms; Django's
template language spent most of the page's time on them (issue 20's profile: about two thirds of
the page). The same rows in Jinja2, through Django's own Jinja2 backend, render several times
faster; the page around them, its partials and the htmx fragments stay Django templates, which
include a row or a list with ``{% jinja "cases/criterion_row.html" %}`` (``case_tags.jinja``).

Every value is escaped as Django escapes it (``_escape``), so a row reads exactly as it did.
The filters are the Django ones the rows use, with the same meaning: ``date`` converts to the
current time zone first, as Django's filter does inside a Django template.
"""

from __future__ import annotations

import re
from typing import Any

import markupsafe
from django.template import engines
from django.template.defaultfilters import date as django_date
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from jinja2 import ChainableUndefined, Environment

from criteria.templatetags.criteria_tags import fact_display
from reviewapp.core.templatetags.um_tags import fill, staff_name

from .templatetags.case_tags import first_page, status_class, status_label

# The formats the rows use, written with strftime: Django's date filter costs ten times more, and a
# page shows a hundred dates. Any other format goes to Django's filter.
_STRFTIME = {"Y-m-d": "%Y-%m-%d", "H:i:s": "%H:%M:%S", "Y-m-d H:i": "%Y-%m-%d %H:%M"}


def _date(value: Any, fmt: str) -> str:
    if not value:
        return ""
    value = template_localtime(value)
    if fmt in _STRFTIME:
        return value.strftime(_STRFTIME[fmt])
    if fmt == "M j H:i":  # "Nov 30 17:05", as Django's filter writes it
        return f"{MONTHS_3[value.month].title()} {value.day} {value:%H:%M}"
    return django_date(value, fmt)


_NEEDS_ESCAPING = re.compile(r"[&<>\"']")


def _escape(value: Any) -> str:
    """Django's ``conditional_escape``, the same entities (&#x27;, &quot;), without its lazy-text
    wrapper: Django's version costs a few microseconds a value, and a page has thousands. What is
    already safe (a SafeString, a Markup) is left as it is. Every {{ ... }} goes through it."""
    if hasattr(value, "__html__"):
        return value.__html__()
    text = value if type(value) is str else str(value)
    if _NEEDS_ESCAPING.search(text) is None:
        return text
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def _selecting(options: str, chosen: object) -> markupsafe.Markup:
    """Options rendered once for the page (``source_options``), with the one whose value is
    ``chosen`` (a document's id) selected: a fact row does not draw the case's documents again."""
    # ``options`` is our template's output (escaped); the id an integer.
    if not chosen:  # none named (None, or no fact recorded yet: undefined)
        return markupsafe.Markup(options)  # noqa: S704  # nosec B704
    marker = f'<option value="{int(chosen)}">'  # type: ignore[call-overload]
    selected = f'<option value="{int(chosen)}" selected>'  # type: ignore[call-overload]
    return markupsafe.Markup(options.replace(marker, selected, 1))  # noqa: S704  # nosec B704


def render(template_name: str, context: dict[str, Any]) -> SafeString:
    """A template of ``templates/jinja2/``, rendered with ``context``; safe to include in a page
    (every value in it was escaped by ``_escape``)."""
    template = engines["jinja2"].env.get_template(template_name)  # type: ignore[attr-defined]
    return mark_safe(template.render(context))  # nosec B308 B703


def environment(**options: Any) -> Environment:
    # As in a Django template, a missing attribute (``row.answer.note`` of an unanswered row)
    # renders as nothing rather than failing: the row templates guard what they show.
    options["undefined"] = ChainableUndefined
    # Escaping as Django's templates escape (the same entities, e.g. &#x27;): every {{ ... }} goes
    # through ``_escape``, so Jinja's own autoescaping (markupsafe, other entities, and a second
    # pass over each value) is off.
    options["autoescape"] = False
    options["finalize"] = _escape
    env = Environment(**options)  # noqa: S701  # nosec B701 - escaped by ``finalize``
    env.filters.update(
        date=_date,
        fact_display=fact_display,
        fill=fill,
        first_page=first_page,
        selecting=_selecting,
        staff_name=staff_name,
        status_class=status_class,
        status_label=status_label,
    )
    return env
