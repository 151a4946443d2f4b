"""Routes and policies past their review date, where the nurse meets them: at intake (before a
policy is chosen, and on opening the case) and on the case page."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages

from reviewapp.cases import selectors
from tests.factories import CaseFactory, answered_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(monkeypatch):
    def pin(day: str):
        monkeypatch.setattr(
            selectors.timezone, "localdate", lambda *args: dt.date.fromisoformat(day)
        )

    return pin


def test_the_intake_page_lists_routes_and_policies_past_their_review_date(nurse_client, today):
    today("2026-09-15")  # Molina MCP-160 2025-08-13 was due for review by August 2026
    html = nurse_client.get("/cases/new/").content.decode()
    start = html.index('data-testid="policy-notices"')
    notices = html[start : html.index("</section>", start)]
    molina = notices[notices.index("MCP-160") :]
    assert molina.index("past its review date (August 2026)") < molina.index("</li>\n")
    # Requests a policy does not decide on its criteria, each where it goes.
    assert "The policy does not address members younger than 18 (T.1)" in notices
    assert "not addressed by this policy: medical director review" in notices
    assert "LA.PHAR.149 (Intrathecal Baclofen)" in notices
    assert "has none for replacing an implanted pump" in notices
    today("2026-08-01")
    html = nurse_client.get("/cases/new/").content.decode()
    assert 'data-testid="review-overdue"' not in html


def test_opening_a_case_says_where_it_goes_and_that_the_policy_is_past_review(
    nurse_client, intake_data, today
):
    today("2026-09-15")
    data = intake_data | {
        "indication": "replacement",
        "stage": "replacement",
        "codes": "62362, E0786",
    }
    response = nurse_client.post("/cases/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("past its review date (August 2026)" in m for m in shown)
    assert any("has none for replacing an implanted pump" in m for m in shown)


def test_the_case_page_shows_the_route_and_the_review_flag(nurse, nurse_client, today):
    today("2026-09-15")
    case = CaseFactory(by=nurse, indication="replacement", stage="replacement")
    html = nurse_client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="policy-review-overdue"' in html and "2026-08-31" in html
    routes = html[html.index('data-testid="routes"') :]
    assert "has none for replacing an implanted pump" in routes[: routes.index("</div>")]
    route = html[html.index('data-testid="route"') :]
    assert route.startswith(
        'data-testid="route">Route: not addressed by this policy: medical director review.'
    )
    today("2026-08-01")
    html = nurse_client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="policy-review-overdue"' not in html


def test_a_route_waiting_on_a_fact_says_which(nurse, nurse_client):
    case = answered_case(
        by=nurse,
        facts={},
        policy="lhcc-la-cp-mp-173",
        indication="spasticity",
        codes=(("62322", 1),),
    )
    html = nurse_client.get(f"/cases/{case.pk}/").content.decode()
    assert "Route undecided: record intrathecal_baclofen first." in html
