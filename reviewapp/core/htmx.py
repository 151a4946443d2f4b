"""Responding to htmx and plain requests from one view."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import RequestContext
from django.template.loader import get_template
from django.urls import reverse

_SENTINEL = 987654321


def render_fragments(
    request: HttpRequest, template: str, fragments: list[tuple[str, dict]], *, status: int = 200
) -> HttpResponse:
    """Render partials of one template in one response: the first is the swap target, the rest
    carry ``hx-swap-oob`` (their context has ``oob=True``).

    The fragments share one request context, so the context processors run once per response
    rather than once per fragment.
    """
    context = RequestContext(request)
    parts = []
    with context.bind_template(get_template(template).template):
        for name, fragment_context in fragments:
            with context.push(fragment_context):
                parts.append(get_template(f"{template}#{name}").template.render(context))
    return HttpResponse("".join(parts), status=status)


def back_to(url: str, anchor: str = "") -> HttpResponse:
    """Post/redirect/get for requests made without JavaScript."""
    return redirect(f"{url}#{anchor}" if anchor else url)


def url_pattern(name: str, *args: object) -> str:
    """A URL with its last argument left as ``{}``, reversed once, for formatting per row.

    A page that lists many rows (criteria, documents) builds their URLs from one reverse each,
    instead of one reverse per row and link.
    """
    return reverse(name, args=[*args, _SENTINEL]).replace(str(_SENTINEL), "{}")
