"""The UM manager's dashboard: counts, links to the filtered queue, who may open it, cost."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from reviewapp.cases import services
from reviewapp.cases.models import Case
from reviewapp.operations import selectors

from .conftest import open_case

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


@pytest.fixture
def clock_cases(nurse, other_nurse):
    """Five open cases: two overdue, one due within a day and past 75% of its clock, one past
    75% but due later, one early in its clock (unassigned, pended later in a test)."""
    return {
        "overdue": open_case(by=nurse, received_ago=200 * H, due_in=-2 * H),
        "overdue_expedited": open_case(
            by=other_nurse, received_ago=80 * H, due_in=-8 * H, priority="expedited"
        ),
        # 150 of 168 hours used (89%), due in 18 hours.
        "due_soon": open_case(by=nurse, received_ago=150 * H, due_in=18 * H),
        # 270 of 360 hours used (75%), due in 90 hours.
        "alert": open_case(by=other_nurse, received_ago=270 * H, due_in=90 * H),
        # 10 of 168 hours used.
        "early": open_case(by=nurse, received_ago=10 * H, due_in=158 * H, assign_to_me=False),
    }


def test_counts_by_clock_status_and_age(clock_cases):
    board = selectors.dashboard()
    assert board.open == 5
    assert board.overdue == 2
    assert board.due_24h == 1
    assert board.alert == 2  # due_soon (89%) and alert (75%), neither overdue
    intake = next(row for row in board.inventory if row.status == "intake")
    assert intake.open == 1 and dict(intake.by_age)["0-1"] == 1
    in_review = next(row for row in board.inventory if row.status == "in_review")
    assert dict(in_review.by_age) == {"0-1": 0, "1-3": 0, "3-7": 2, "7-14": 2, "14+": 0}
    assert dict(board.age_totals) == {"0-1": 1, "1-3": 0, "3-7": 2, "7-14": 2, "14+": 0}


def test_pended_and_referred_and_workload(clock_cases, nurse, other_nurse):
    services.case_pend(case=clock_cases["due_soon"], by=nurse, request_text="Send notes.")
    services.case_refer_to_director(case=clock_cases["alert"], by=other_nurse, summary="Review.")
    board = selectors.dashboard()
    assert (board.pended, board.referred) == (1, 1)
    workload = {row.name: row for row in board.workload}
    assert workload["Nurse Nina, RN"].open == 2 and workload["Nurse Nina, RN"].overdue == 1
    assert workload["Nurse Oscar, RN"].expedited == 1 and workload["Nurse Oscar, RN"].overdue == 1
    assert workload["Unassigned"].open == 1 and workload["Unassigned"].reviewer_id is None
    # The most overdue reviewers come first.
    assert board.workload[-1].overdue == 0


def test_the_page_links_every_count_to_the_filtered_queue(clock_cases, manager_client):
    html = manager_client.get("/operations/").content.decode()
    assert re.search(r'id="count-overdue" href="/cases/\?tab=all&amp;due=overdue">2<', html)
    assert re.search(r'id="count-due-24h" href="/cases/\?tab=all&amp;due=24h">1<', html)
    assert re.search(r'id="count-alert" href="/cases/\?tab=all&amp;due=alert">2<', html)
    assert 'href="/cases/?tab=all&amp;status=in_review&amp;age=7-14">2<' in html
    assert 'href="/cases/?tab=unassigned">1<' in html
    assert "Appeals" in html
    assert '<svg id="chart-open-by-age"' in html and "style=" not in html


def test_following_each_count_shows_exactly_the_cases_it_counts(clock_cases, manager_client):
    def refs(url):
        html = manager_client.get(url).content.decode()
        return set(re.findall(r">(UM-\d{4}-\d{6})</a>", html))

    def ref(*names):
        return {clock_cases[n].reference for n in names}

    assert refs("/cases/?tab=all&due=overdue") == ref("overdue", "overdue_expedited")
    assert refs("/cases/?tab=all&due=24h") == ref("due_soon")
    assert refs("/cases/?tab=all&due=alert") == ref("due_soon", "alert")
    assert refs("/cases/?tab=all&status=in_review&age=7-14") == ref("overdue", "alert")
    nina = clock_cases["overdue"].assigned_to_id
    assert refs(f"/cases/?tab=all&reviewer={nina}&due=overdue") == ref("overdue")


def test_the_queue_highlights_cases_past_three_quarters_of_their_clock(clock_cases, nurse_client):
    html = nurse_client.get("/cases/?tab=all").content.decode()
    rows = re.findall(r'<tr class="([^"]*)">\s*<td[^>]*>.*?>(UM-\d{4}-\d{6})<', html, re.S)
    classes = {ref: css for css, ref in rows}
    assert "clock-alert" in classes[clock_cases["alert"].reference]
    assert "clock-alert" in classes[clock_cases["due_soon"].reference]
    assert "overdue" in classes[clock_cases["overdue"].reference]
    assert classes[clock_cases["early"].reference] == ""
    assert "75% of the clock used" in html


def test_the_director_queue_highlights_them_too(clock_cases, other_nurse, director_client):
    services.case_refer_to_director(case=clock_cases["alert"], by=other_nurse, summary="Review.")
    html = director_client.get("/director/").content.decode()
    assert 'class="table-warning clock-alert"' in html and "75% of the clock used" in html


def test_a_manager_reads_the_queue_but_does_not_work_it(clock_cases, manager_client):
    html = manager_client.get("/cases/?tab=all&due=overdue").content.decode()
    overdue = clock_cases["overdue"]
    assert f'href="/cases/{overdue.pk}/timeline/">{overdue.reference}<' in html
    assert "Claim" not in html and "New case" not in html
    assert "My cases" not in html
    assert "Overdue" in html and "remove" in html  # the dashboard's filter is shown
    assert manager_client.get(f"/cases/{overdue.pk}/timeline/").status_code == 200
    assert manager_client.get(f"/cases/{overdue.pk}/").status_code == 403
    assert manager_client.post(f"/cases/{overdue.pk}/claim/").status_code == 403
    # A manager's default tab is every open case.
    assert overdue.reference in manager_client.get("/cases/").content.decode()


def test_who_may_open_the_dashboard(role_clients):
    for role, status in {
        "manager": 200,
        "nurse": 403,
        "director": 403,
        "administrator": 403,
        "no_role": 403,
    }.items():
        assert role_clients[role].get("/operations/").status_code == status, role
    assert role_clients["anonymous"].get("/operations/").status_code == 302


def test_the_htmx_refresh_returns_the_figures_only(clock_cases, manager_client):
    response = manager_client.get("/operations/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="dashboard-figures"')
    assert "<nav" not in html


@pytest.mark.parametrize("count", [1, 6])
def test_query_count_is_constant(nurse, manager_client, django_assert_num_queries, count):
    for i in range(count):
        open_case(by=nurse, received_ago=(10 + i) * H, due_in=(5 - i) * H)
    manager_client.get("/operations/")  # the session's idle clock
    # session, user (with profile), group names and permissions, user permissions,
    # open cases by status and reviewer, the reviewers' names, the open appeals counted
    with django_assert_num_queries(7):
        response = manager_client.get("/operations/")
    assert response.context["board"].open == count


def test_the_case_property_and_the_sql_filter_agree(clock_cases):
    from django.utils import timezone

    from reviewapp.cases.selectors import clock_alert_filter

    in_sql = set(clock_alert_filter(Case.objects.all(), now=timezone.now()))
    in_python = {c for c in Case.objects.all() if c.clock_alert}
    assert in_sql == in_python == {clock_cases["due_soon"], clock_cases["alert"]}


def test_the_figures_are_reused_for_a_minute(settings, clock_cases, nurse, manager_client):
    from django.core.cache import cache

    settings.OPERATIONS_CACHE_SECONDS = 60
    cache.clear()
    assert manager_client.get("/operations/").context["board"].overdue == 2
    open_case(by=nurse, received_ago=300 * H, due_in=-1 * H)
    assert manager_client.get("/operations/").context["board"].overdue == 2
    cache.clear()
    assert manager_client.get("/operations/").context["board"].overdue == 3
    cache.clear()
