"""The UM manager's dashboard: open inventory by status and age, the clock, workload, appeals.

Every number links to the work queue (or the list of open appeals) filtered to what it counts.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reviewapp.cases.models import CLOCK_ALERT_SHARE

from .. import charts, selectors


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    selectors.operations_access(user=request.user)
    board = selectors.recent("operations:dashboard", selectors.dashboard)
    labels = board.age_bands
    context = {
        "board": board,
        "alert_percent": round(CLOCK_ALERT_SHARE * 100),
        "age_chart": charts.bar_chart(
            chart_id="chart-open-by-age",
            title="Open cases by time since receipt",
            items=[(labels[key], count, str(count)) for key, count in board.age_totals],
        ),
    }
    template = (
        "operations/dashboard.html#dashboard-figures"
        if request.htmx
        else "operations/dashboard.html"
    )
    return render(request, template, context)
