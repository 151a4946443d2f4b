"""Responding to htmx and plain requests from one view."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string


def render_fragments(
    request: HttpRequest, template: str, fragments: list[tuple[str, dict]], *, status: int = 200
) -> HttpResponse:
    """Render partials of one template in one response: the first is the swap target, the rest
    carry ``hx-swap-oob`` (their context has ``oob=True``)."""
    html = "".join(
        render_to_string(f"{template}#{name}", context, request=request)
        for name, context in fragments
    )
    return HttpResponse(html, status=status)


def back_to(url: str, anchor: str = "") -> HttpResponse:
    """Post/redirect/get for requests made without JavaScript."""
    return redirect(f"{url}#{anchor}" if anchor else url)
