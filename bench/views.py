"""The floor: the cheapest signed-in page, served by the same server in the same run.

It goes through every middleware (session, user, role, CSP, axes) and renders the base layout
with its navigation, but reads nothing else: what the framework and the layout cost on this
machine. Every other page is read as a ratio to it.
"""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.views.decorators.http import require_GET

FLOOR_TEMPLATE = """{% extends "base.html" %}
{% block title %}Benchmark floor{% endblock %}
{% block content %}<h1 class="h3">Signed in as {{ user.get_username }}</h1>{% endblock %}
"""


@cache
def _template():
    # From a string, so the view needs no template directory (the smoke test serves it too).
    return engines["django"].from_string(FLOOR_TEMPLATE)


@require_GET
def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_template().render({}, request))
