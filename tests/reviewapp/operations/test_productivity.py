"""Productivity per reviewer and per week, against values computed by hand.

Two weeks, 3 to 16 March 2025 (hours from receipt: to decision / to notice):

    week of 3 March   Nina   P1  24 / 36, pended
                      Nina   P2  48 / 72, referred
                      Oscar  P5  48 / 58, pended
    week of 10 March  Nina   P3  48 / 52
                      Nina   P4  withdrawn

Week of 3 March: 3 closed, medians 48.0 / 58.0, referred 33.3%, pended 66.7%.
Week of 10 March: 2 closed (1 withdrawn), medians 48.0 / 52.0, referred and pended 0.0%.
Nina: 4 closed, medians of (24, 48, 48) = 48.0 and (36, 72, 52) = 52.0, 25.0% and 25.0%.
Oscar: 1 closed, 48.0 / 58.0, referred 0.0%, pended 100.0%.
Both: 5 closed, medians 48.0 and (52 + 58) / 2 = 55.0, referred 20.0%, pended 40.0%.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from reviewapp.decisions.models import Outcome
from reviewapp.operations import selectors

from .conftest import request

pytestmark = pytest.mark.django_db
MARCH_3, MARCH_10, UNTIL = dt.date(2025, 3, 3), dt.date(2025, 3, 10), dt.date(2025, 3, 16)


@pytest.fixture
def two_weeks(nurse, other_nurse, director):
    def req(by, **kwargs):
        return request(by=by, decider=director, **kwargs)

    req(
        nurse,
        received="2025-03-03 08:00",
        decided="2025-03-04 08:00",
        notice="2025-03-04 20:00",
        pended=True,
    )
    req(
        nurse,
        received="2025-03-04 08:00",
        decided="2025-03-06 08:00",
        notice="2025-03-07 08:00",
        referred=True,
    )
    req(nurse, received="2025-03-09 08:00", decided="2025-03-11 08:00", notice="2025-03-11 12:00")
    req(nurse, received="2025-03-10 08:00", decided="2025-03-12 08:00", outcome=Outcome.WITHDRAWN)
    req(
        other_nurse,
        received="2025-03-03 08:00",
        decided="2025-03-05 08:00",
        notice="2025-03-05 18:00",
        pended=True,
    )
    # Closed the week after, and the Sunday before: outside the period.
    req(nurse, received="2025-03-14 08:00", decided="2025-03-16 08:00", notice="2025-03-17 08:00")
    req(nurse, received="2025-02-28 08:00", decided="2025-03-02 08:00", notice="2025-03-02 10:00")
    return nurse, other_nurse


def test_per_week(two_weeks):
    report = selectors.productivity(weeks=2, until=UNTIL)
    assert report.weeks == [MARCH_3, MARCH_10]
    first, second = report.week_row(MARCH_3), report.week_row(MARCH_10)
    assert (first.closed, first.withdrawn, first.referred, first.pended) == (3, 0, 1, 2)
    assert (first.median_decision_hours, first.median_notice_hours) == (48.0, 58.0)
    assert (first.referred_pct, first.pended_pct) == (33.3, 66.7)
    assert (second.closed, second.withdrawn) == (2, 1)
    assert (second.median_decision_hours, second.median_notice_hours) == (48.0, 52.0)
    assert (second.referred_pct, second.pended_pct) == (0.0, 0.0)


def test_per_reviewer_and_in_all(two_weeks):
    nina, oscar = two_weeks
    report = selectors.productivity(weeks=2, until=UNTIL)
    mine, his = report.by_reviewer[nina.pk], report.by_reviewer[oscar.pk]
    assert (mine.closed, mine.withdrawn) == (4, 1)
    assert (mine.median_decision_hours, mine.median_notice_hours) == (48.0, 52.0)
    assert (mine.referred_pct, mine.pended_pct) == (25.0, 25.0)
    assert (his.closed, his.median_decision_hours, his.median_notice_hours) == (1, 48.0, 58.0)
    assert (his.referred_pct, his.pended_pct) == (0.0, 100.0)
    assert report.by_week_and_reviewer[(MARCH_3, nina.pk)].closed == 2
    assert (MARCH_10, oscar.pk) not in report.by_week_and_reviewer
    total = report.total
    assert (total.closed, total.withdrawn) == (5, 1)
    assert (total.median_decision_hours, total.median_notice_hours) == (48.0, 55.0)
    assert (total.referred_pct, total.pended_pct) == (20.0, 40.0)
    assert [name for _, name, _ in report.reviewer_rows] == ["Nurse Nina, RN", "Nurse Oscar, RN"]


def test_filters_by_reviewer_and_line_of_business(two_weeks):
    nina, _ = two_weeks
    assert selectors.productivity(weeks=2, until=UNTIL, reviewer=nina.pk).total.closed == 4
    assert (
        selectors.productivity(weeks=2, until=UNTIL, line_of_business="commercial").total.closed
        == 0
    )


def test_the_page_shows_tables_and_charts(two_weeks, manager_client):
    response = manager_client.get("/operations/productivity/?weeks=4&until=2025-03-16")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg id="chart-closed-per-week"' in html
    assert '<svg id="chart-median-time"' in html and '<svg id="chart-closed-per-reviewer"' in html
    assert "<title" in html and "style=" not in html
    assert "Nurse Nina" in html and "55.0" in html


def test_the_csv_export(two_weeks, manager_client):
    response = manager_client.get("/operations/productivity/export.csv?weeks=4&until=2025-03-16")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_key = {(r["week_starting"], r["reviewer"]): r for r in rows}
    nina = by_key[("2025-03-03", "Nurse Nina, RN")]
    assert (nina["cases_closed"], nina["median_hours_to_decision"]) == ("2", "36.0")
    week = by_key[("2025-03-03", "All reviewers")]
    assert (week["cases_closed"], week["referred_pct"], week["pended_pct"]) == ("3", "33.3", "66.7")
    assert by_key[("2025-02-17", "All reviewers")]["cases_closed"] == "0"


def test_a_week_not_begun_is_refused_and_roles(two_weeks, manager_client, nurse_client):
    response = manager_client.get("/operations/productivity/?until=2999-01-01")
    assert "Choose a week that has begun." in response.content.decode()
    assert nurse_client.get("/operations/productivity/").status_code == 403
    assert nurse_client.get("/operations/productivity/export.csv").status_code == 403


@pytest.mark.parametrize("extra", [0, 4])
def test_query_count_is_constant(nurse, director, manager_client, django_assert_num_queries, extra):
    for i in range(1 + extra):
        request(
            by=nurse,
            decider=director,
            received=f"2025-03-0{3 + i} 08:00",
            decided=f"2025-03-0{4 + i} 08:00",
        )
    manager_client.get("/operations/productivity/")
    # session, user, group permissions, user permissions, reviewers (filter choices); the
    # the period's closed cases, reviewers' names
    with django_assert_num_queries(7):
        manager_client.get("/operations/productivity/?weeks=4&until=2025-03-16")
