"""The public CMS-0057-F page: open without sign-in, aggregates only, cached, same as the CLI."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from reviewapp.operations import cms0057, selectors

from .conftest import request

pytestmark = pytest.mark.django_db
URL = "/public/prior-authorization-metrics/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def decided(nurse, director):
    cases = [
        request(
            by=nurse, decider=director, received="2025-03-01 08:00", decided="2025-03-03 08:00"
        ),
        request(
            by=nurse,
            decider=director,
            received="2025-04-01 08:00",
            decided="2025-04-02 20:00",
            outcome="denied",
            priority="expedited",
            line_of_business="medicare_advantage",
        ),
        request(by=nurse, decider=director, received="2025-12-20 08:00"),  # open at year end
    ]
    return cases


def test_open_to_anyone_without_signing_in(decided):
    response = Client().get(URL + "?year=2025")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Prior authorization metrics, 2025" in html
    assert "100.0% (1 of 1)" in html  # standard approved
    assert "Set-Cookie" not in str(response.headers) and "csrftoken" not in html


def test_a_signed_in_user_without_a_role_sees_it_too(decided, outsider_client):
    assert outsider_client.get(URL + "?year=2025").status_code == 200


def test_no_personal_data(decided, nurse, director):
    html = Client().get(URL + "?year=2025").content.decode()
    for case in decided:
        for value in (case.member_name, case.member_id, case.reference, case.provider_name):
            assert value not in html, value
        assert case.provider_npi not in html
        assert case.member_dob.isoformat() not in html
    for staff in (nurse, director):
        assert staff.staff_profile.display_name not in html and staff.username not in html
    assert "UM-2025-" not in html
    # What it does show: percentages, counts and times, and each definition.
    for definition in cms0057.DEFINITIONS.values():
        assert definition["label"] in html


def test_the_page_matches_the_command(decided, capsys):
    call_command("metrics", "cms0057", "--year", "2025", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert printed == selectors.cms0057_figures(year=2025).report
    html = Client().get(URL + "?year=2025").content.decode()
    html = html[html.index('id="cms0057-figures"') :]
    cells = [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td>([^<]*)</td>", html)]
    expected = [cell for row in cms0057.rows(printed) for cell in row.cells]
    assert cells == expected
    assert "mean 36.0 h, median 36.0 h" in cells  # expedited, Medicare Advantage


def test_the_figures_are_cached(decided, nurse, director, django_assert_num_queries):
    client = Client()
    client.get(URL + "?year=2025")
    with django_assert_num_queries(0):
        response = client.get(URL + "?year=2025")
    assert response.status_code == 200
    # A decision made since does not show until the cache expires...
    request(by=nurse, decider=director, received="2025-05-01 08:00", decided="2025-05-02 08:00")
    assert "100.0% (1 of 1)" in client.get(URL + "?year=2025").content.decode()
    # ... until the figures are computed again (the cache expires, or a manager asks).
    cache.clear()
    assert "100.0% (2 of 2)" in client.get(URL + "?year=2025").content.decode()


def test_the_default_year_is_the_last_complete_one_and_bad_years_are_404(decided):
    from django.utils import timezone

    client = Client()
    last_year = timezone.localdate().year - 1
    assert f"Prior authorization metrics, {last_year}" in client.get(URL).content.decode()
    assert client.get(URL + "?year=2999").status_code == 404
    assert client.get(URL + "?year=abc").status_code == 404


def test_the_managers_page_shows_the_same_figures_and_recomputes_them(
    decided, nurse, director, manager_client, nurse_client
):
    html = manager_client.get("/operations/metrics/?year=2025").content.decode()
    assert "100.0% (1 of 1)" in html and "Numerator" in html
    request(by=nurse, decider=director, received="2025-05-01 08:00", decided="2025-05-02 08:00")
    assert (
        "100.0% (1 of 1)" in manager_client.get("/operations/metrics/?year=2025").content.decode()
    )
    fresh = manager_client.get("/operations/metrics/?year=2025&refresh=1").content.decode()
    assert "100.0% (2 of 2)" in fresh
    # The public page shows the figures the manager computed.
    assert "100.0% (2 of 2)" in Client().get(URL + "?year=2025").content.decode()
    assert nurse_client.get("/operations/metrics/").status_code == 403
