"""The access log for UM managers and administrators: filter by user, member and date, export
CSV; staff see who looked at a case."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from reviewapp.audit.models import AccessEvent
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def reads(nurse, director, nurse_client, director_client):
    """Two cases read by two people; one old read."""
    first = CaseFactory(by=nurse, member_id="MB100001")
    second = CaseFactory(by=nurse, member_id="MB100002")
    nurse_client.get(f"/cases/{first.pk}/")
    nurse_client.get(f"/cases/{second.pk}/")
    director_client.get(f"/director/cases/{first.pk}/")
    AccessEvent.objects.create(
        at=timezone.now() - dt.timedelta(days=40),
        user=nurse,
        username="nina",
        roles="Nurse reviewer",
        kind="case",
        case_pk=first.pk,
        case_reference=first.reference,
        member_id="MB100001",
        method="GET",
        path=f"/cases/{first.pk}/",
        status=200,
    )
    return first, second


def rows(html: str) -> int:
    return html.count("<tr>") + html.count('<tr class="table-warning">') - 1  # minus the header


def test_managers_and_administrators_read_the_log_and_nobody_else(reads, role_clients):
    for role in ("manager", "administrator"):
        assert role_clients[role].get("/audit/access/").status_code == 200, role
        assert role_clients[role].get("/audit/access/export.csv").status_code == 200, role
    for role in ("nurse", "director", "no_role"):
        assert role_clients[role].get("/audit/access/").status_code == 403, role
        assert role_clients[role].get("/audit/access/export.csv").status_code == 403, role


def test_the_log_filters_by_user_member_and_date(reads, manager_client):
    first, _ = reads
    html = manager_client.get("/audit/access/?member_id=mb100001").content.decode()
    assert html.count(first.reference) == 3 and "MB100002" not in html.split("<tbody>")[1]
    html = manager_client.get("/audit/access/?user=grace").content.decode()
    assert "Medical director review" in html and "Case page" not in html.split("<tbody>")[1]
    today = timezone.localdate().isoformat()
    html = manager_client.get(f"/audit/access/?member_id=MB100001&date_from={today}").content
    assert html.decode().count(first.reference) == 2  # the old read is outside the dates
    bad = manager_client.get(f"/audit/access/?date_from={today}&date_to=2000-01-01")
    assert "The start date is after the end date." in bad.content.decode()
    # The htmx filter returns only the results.
    fragment = manager_client.get("/audit/access/?user=nina", headers=HTMX).content.decode()
    assert fragment.lstrip().startswith('<div id="results"') and "<html" not in fragment


def test_reading_the_log_is_itself_logged_with_its_filters(reads, manager_client):
    manager_client.get("/audit/access/?member_id=MB100002")
    row = AccessEvent.objects.order_by("-id").first()
    assert (row.username, row.kind, row.terms) == ("morgan", "access_log", "member_id=MB100002")
    assert row.result_count == 1


def test_the_export_is_a_csv_of_the_filtered_log(reads, manager_client):
    first, _ = reads
    response = manager_client.get("/audit/access/export.csv?member_id=MB100001")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="access-log-')
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    # The rows are streamed after the export's own read was logged: it names the member too.
    export, *reads = table
    assert (export["username"], export["terms"]) == ("morgan", "export member_id=MB100001")
    assert len(reads) == 3
    assert {r["username"] for r in reads} == {"nina", "grace"}
    assert {r["case_reference"] for r in reads} == {first.reference}
    assert reads[0]["what"] == "Medical director review"  # newest first
    assert {"at", "roles", "address", "member_id", "detail", "status"} <= set(table[0])


def test_csv_cells_never_start_a_formula(nurse, nurse_client, manager_client):
    nurse_client.get("/cases/?q==HYPERLINK(%22http://evil.example%22)")
    response = manager_client.get("/audit/access/export.csv?kind=search")
    text = b"".join(response.streaming_content).decode()
    assert "'q==HYPERLINK" in text or "q==HYPERLINK" in text
    for row in csv.reader(io.StringIO(text)):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_the_log_page_costs_a_fixed_number_of_queries(reads, manager_client, nurse, nurse_client):
    for _ in range(10):
        nurse_client.get(f"/cases/{reads[0].pk}/timeline/")
    manager_client.get("/audit/access/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # session, user (with profile), group names with permissions, user permissions, the page of
    # log rows, the access-log row of this read
    with CaptureQueriesContext(connection) as queries:
        manager_client.get("/audit/access/")
    assert len(queries) == 6, [q["sql"] for q in queries]


def test_staff_see_who_looked_at_a_case(reads, nurse_client, role_clients):
    first, _ = reads
    page = nurse_client.get(f"/cases/{first.pk}/")
    assert f'href="/cases/{first.pk}/access/"' in page.content.decode()
    html = nurse_client.get(f"/cases/{first.pk}/access/").content.decode()
    body = html.split("<tbody>")[1]
    assert "nina" in body and "grace" in body and "Medical director" in body
    assert "192.0.2" not in body  # addresses are for managers
    for role in ("administrator", "manager", "no_role"):
        assert role_clients[role].get(f"/cases/{first.pk}/access/").status_code == 403


def test_security_events_filter_and_export(nurse, administrator, manager_client):
    from reviewapp.accounts.services import security_event_record

    security_event_record(kind="roles_changed", actor=administrator, target=nurse, summary="one")
    security_event_record(kind="password_changed", actor=nurse, target=nurse, summary="two")
    html = manager_client.get("/audit/security/?kind=roles_changed").content.decode()
    assert "one" in html and ">two<" not in html
    response = manager_client.get("/audit/security/export.csv?user=nina")
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["summary"] for r in table] == ["two", "one"]
