"""Productivity per reviewer and per week, with charts and a CSV export."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reviewapp.core.csvexport import csv_response

from .. import charts, forms, selectors


def _productivity(
    request: HttpRequest,
) -> tuple[forms.ProductivityFilterForm, selectors.Productivity]:
    form = forms.ProductivityFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    asked = {
        "weeks": data.get("weeks") or 12,
        "until": data.get("until"),
        "reviewer": data.get("reviewer"),
        "line_of_business": data.get("line_of_business", ""),
    }
    key = "operations:productivity:" + ":".join(f"{k}={v}" for k, v in sorted(asked.items()))
    report = selectors.recent(key, lambda: selectors.productivity(**asked))
    return form, report


@require_GET
def productivity(request: HttpRequest) -> HttpResponse:
    selectors.operations_access(user=request.user)
    form, report = _productivity(request)
    weeks = [f"{monday:%b %-d}" for monday in report.weeks]
    rows = [report.week_row(monday) for monday in report.weeks]
    context = {
        "form": form,
        "report": report,
        "week_rows": list(zip(report.weeks, rows, strict=True)),
        "querystring": request.GET.urlencode(),
        "closed_chart": charts.bar_chart(
            chart_id="chart-closed-per-week",
            title="Cases closed per week",
            items=[
                (label, row.closed, str(row.closed)) for label, row in zip(weeks, rows, strict=True)
            ],
        ),
        "time_chart": charts.line_chart(
            chart_id="chart-median-time",
            title="Median hours from receipt, per week",
            labels=weeks,
            series=[
                ("To the decision", [row.median_decision_hours for row in rows]),
                ("To the notice", [row.median_notice_hours for row in rows]),
            ],
            unit=" h",
        ),
        "reviewer_chart": charts.hbar_chart(
            chart_id="chart-closed-per-reviewer",
            title="Cases closed per reviewer",
            items=[
                (report.reviewers.get(reviewer, "?"), row.closed, str(row.closed))
                for reviewer, row in report.by_reviewer.items()
            ],
        ),
    }
    return render(request, "operations/productivity.html", context)


@require_GET
def productivity_export(request: HttpRequest) -> StreamingHttpResponse:
    """One row per week and reviewer, then one per week (all reviewers), as the page shows."""
    selectors.operations_access(user=request.user)
    _, report = _productivity(request)
    header = [
        "week_starting",
        "reviewer",
        "cases_closed",
        "withdrawn",
        "median_hours_to_decision",
        "median_hours_to_notice",
        "referred_pct",
        "pended_pct",
    ]

    def row(week: dt.date, name: str, figures: selectors.ProductivityRow) -> list[object]:
        return [
            week.isoformat(),
            name,
            figures.closed,
            figures.withdrawn,
            figures.median_decision_hours,
            figures.median_notice_hours,
            figures.referred_pct,
            figures.pended_pct,
        ]

    rows = []
    for monday in report.weeks:
        for reviewer in report.by_reviewer:
            found = report.by_week_and_reviewer.get((monday, reviewer))
            if found:
                rows.append(row(monday, report.reviewers.get(reviewer, "?"), found))
        rows.append(row(monday, "All reviewers", report.week_row(monday)))
    filename = f"productivity-{report.weeks[0]:%Y-%m-%d}-to-{report.weeks[-1]:%Y-%m-%d}.csv"
    return csv_response(filename, header, rows)
