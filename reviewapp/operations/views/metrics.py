"""The CMS-0057-F prior-authorization metrics: the manager's page and the public page.

Both show the same figures (``selectors.cms0057_report(...).as_json()``, which
``manage.py metrics cms0057 --json`` prints), each with its definition beside it, computed at
most once per ``METRICS_CACHE_SECONDS`` per year (a manager can recompute them now). The public
page needs no sign-in and shows aggregates only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reviewapp.accounts.middleware import role_not_required

from .. import cms0057, forms, selectors


def _year(request: HttpRequest, *, last_year: bool) -> int:
    form = forms.MetricsYearForm(request.GET, last_year=last_year)
    if not form.is_valid():
        raise Http404("There are no metrics for that year.")
    return form.cleaned_data["year"]


def _context(figures: selectors.CachedFigures, years: list[int]) -> dict:
    report = figures.report
    return {
        "report": report,
        "computed_at": figures.computed_at,
        "years": years,
        "rows": cms0057.rows(report),
        "columns": [label for _, label in cms0057.COLUMNS],
        "items": cms0057.DEFINITIONS["items_requiring_prior_authorization"],
        "choices": [(cms0057.CHOICE_TITLES[k], text) for k, text in cms0057.CHOICES.items()],
    }


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The manager's page: this year so far unless another year is asked for; ``refresh=1``
    computes the figures now (and the public page shows them from then on)."""
    selectors.operations_access(user=request.user)
    year = _year(request, last_year=False)
    figures = selectors.cms0057_figures(year=year, refresh=request.GET.get("refresh") == "1")
    return render(
        request, "operations/metrics.html", _context(figures, selectors.public_metrics_years())
    )


@require_GET
@login_not_required
@role_not_required
def public_metrics(request: HttpRequest) -> HttpResponse:
    """The page a plan links from its website: no sign-in, aggregates only, cached."""
    year = _year(request, last_year=True)
    figures = selectors.cms0057_figures(year=year)
    return render(
        request,
        "operations/public_metrics.html",
        _context(figures, selectors.public_metrics_years()),
    )
