"""Appeals in the manager's figures: appeals due on the dashboard, and the CMS-0057-F "standard
requests approved after appeal", read from the appeals app through ``operations.sources``.

2025 (America/Chicago). Denied standard requests: M1 and M2 (Medicaid), C1 (commercial); denied
expedited: E1 (Medicare Advantage). Appeals decided:

    M1  overturned            2025-04-10   (its new determination supersedes the denial)
    M2  upheld                2025-05-10
    C1  partially overturned  2026-01-02   (counts in 2026)
    E1  overturned            2025-06-10   (an expedited request: not in the standard figure)

2025 standard, all lines: 2 appeals decided, 1 approved (50.0%); Medicaid the same; commercial
none. 2026: commercial 1 of 1 (100.0%). The initial determinations still count as denied: 2025
standard denied 3 of 3. Two appeals are open: one overdue, one due within 24 hours.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from reviewapp.decisions.models import Outcome
from reviewapp.operations import selectors

from .conftest import at, determination, request

pytestmark = pytest.mark.django_db


def appeal(case, *, by, outcome="", decided=None, due=None, number=[0]):  # noqa: B006
    from reviewapp.appeals.models import Appeal

    number[0] += 1
    received = (
        at(decided) - dt.timedelta(days=5) if decided else timezone.now() - dt.timedelta(days=3)
    )
    return Appeal.objects.create(
        reference=f"AP-TEST-{number[0]:04d}",
        case=case,
        determination=case.determinations.get(),
        status="decided" if outcome else "open",
        requester="member",
        requester_name="The member",
        received_via="mail",
        received_at=received,
        request_summary="Please look again.",
        priority="standard",
        due_at=due or received + dt.timedelta(days=30),
        notice_date=received.date(),
        filing_deadline=received.date() + dt.timedelta(days=60),
        outcome=outcome,
        decided_at=at(decided) if decided else None,
        created_by=by,
    )


@pytest.fixture
def appealed(nurse, director):
    def denied(received, decided, **kwargs):
        return request(
            by=nurse,
            decider=director,
            received=received,
            decided=decided,
            outcome=Outcome.DENIED,
            **kwargs,
        )

    m1 = denied("2025-03-01 08:00", "2025-03-03 08:00")
    m2 = denied("2025-03-05 08:00", "2025-03-07 08:00")
    c1 = denied("2025-11-01 08:00", "2025-11-05 08:00", line_of_business="commercial")
    e1 = denied(
        "2025-05-01 08:00",
        "2025-05-02 08:00",
        priority="expedited",
        line_of_business="medicare_advantage",
    )
    first = appeal(m1, by=nurse, outcome="overturned", decided="2025-04-10 09:00")
    first.new_determination = determination(
        m1,
        by=director,
        outcome=Outcome.APPROVED,
        decided_at=at("2025-04-10 09:00"),
        supersedes=m1.determinations.get(outcome=Outcome.DENIED),
    )
    first.save()
    appeal(m2, by=nurse, outcome="upheld", decided="2025-05-10 09:00")
    appeal(c1, by=nurse, outcome="partially_overturned", decided="2026-01-02 09:00")
    appeal(e1, by=nurse, outcome="overturned", decided="2025-06-10 09:00")
    # Open appeals: one overdue, one due within a day.
    late = denied("2025-08-01 08:00", "2025-08-02 08:00")
    soon = denied("2025-08-03 08:00", "2025-08-04 08:00")
    now = timezone.now()
    appeal(late, by=nurse, due=now - dt.timedelta(hours=3))
    appeal(soon, by=nurse, due=now + dt.timedelta(hours=10))


def test_standard_requests_approved_after_appeal(appealed):
    report = selectors.cms0057_report(year=2025)
    overall = report.overall.standard_appeals
    assert (overall.decided, overall.approved, overall.approved_pct) == (2, 1, 50.0)
    medicaid = report.by_line_of_business["medicaid"].standard_appeals
    assert (medicaid.decided, medicaid.approved) == (2, 1)
    assert report.by_line_of_business["commercial"].standard_appeals.decided == 0
    next_year = selectors.cms0057_report(year=2026).by_line_of_business["commercial"]
    assert next_year.standard_appeals.approved_pct == 100.0
    # The overturn does not change how the request first counted.
    assert (report.overall.standard.denied, report.overall.standard.decided) == (5, 5)


def test_appeals_due_on_the_dashboard_link_to_the_open_appeals(
    appealed, manager_client, django_assert_num_queries
):
    board = selectors.dashboard()
    assert (board.appeals.open, board.appeals.overdue, board.appeals.due_24h) == (2, 1, 1)
    html = manager_client.get("/operations/").content.decode()
    assert re.search(r'id="count-appeals" href="/operations/appeals/">2<', html)
    assert 'href="/operations/appeals/?due=overdue">1' in html
    assert 'href="/operations/appeals/?due=24h">1' in html

    def listed(query: str) -> list[str]:
        page = manager_client.get(f"/operations/appeals/{query}").content.decode()
        return re.findall(r"AP-TEST-\d+", page)

    everything = listed("")
    assert len(everything) == 2
    late, soon = everything  # the soonest due first
    assert listed("?due=overdue") == [late]
    assert listed("?due=24h") == [soon]
    assert listed("?line_of_business=commercial") == []
    # A manager opens the case's audit trail, not the appeal (managers do not work appeals).
    page = manager_client.get("/operations/appeals/").content.decode()
    # The one due in 10 hours was received 3 days ago: 72 of its 82 hours used (87%).
    assert page.count('class="table-danger overdue"') == 1
    assert page.count('class="table-warning clock-alert"') == 1
    assert "87% of the clock used" in page
    assert "/appeals/" not in page.replace("/operations/appeals/", "")
    assert re.search(r'href="/cases/\d+/timeline/"', page)
    # session, user, group permissions, user permissions, the page of appeals (with their
    # cases and reviewers), the access-log row
    with django_assert_num_queries(6):
        manager_client.get("/operations/appeals/", HTTP_HX_REQUEST="true")


def test_the_digest_counts_the_open_appeals(appealed, manager):
    from django.core import mail
    from django.core.management import call_command

    manager.email = "morgan@example.org"
    manager.save()
    call_command("operations", "digest")
    body = mail.outbox[0].body
    assert "Open appeals: 2 (1 overdue, 1 due in 24 hours)" in body
    assert "http://127.0.0.1:8000/operations/appeals/" in body
