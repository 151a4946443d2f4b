"""The work queue: due-time order, tabs, filters, search, claiming, constant query count."""

import datetime as dt

import pytest
from django.utils import timezone

from reviewapp.cases import services
from reviewapp.cases.models import Case
from tests.factories import CaseFactory

from .conftest import HTMX

pytestmark = pytest.mark.django_db


def refs(response) -> list[str]:
    import re

    return re.findall(r">(UM-\d{4}-\d{6})</a>", response.content.decode())


def test_my_cases_are_ordered_by_due_time_and_overdue_cases_stand_out(nurse, nurse_client):
    late = CaseFactory(
        by=nurse, priority="expedited", received_at=timezone.now() - dt.timedelta(hours=80)
    )
    soon = CaseFactory(by=nurse, priority="expedited")
    later = CaseFactory(by=nurse)
    response = nurse_client.get("/cases/")
    assert refs(response) == [late.reference, soon.reference, later.reference]
    html = response.content.decode()
    assert html.count('class="table-danger overdue"') == 1
    assert "overdue by 8 h" in html


def test_tabs_unassigned_pended_and_claiming(nurse, other_nurse, nurse_client):
    mine = CaseFactory(by=nurse)
    unassigned = CaseFactory(by=other_nurse, assign_to_me=False)
    theirs = CaseFactory(by=other_nurse)
    assert refs(nurse_client.get("/cases/")) == [mine.reference]
    assert refs(nurse_client.get("/cases/?tab=unassigned")) == [unassigned.reference]
    services.case_pend(case=theirs, by=other_nurse, request_text="Send the psych evaluation.")
    assert refs(nurse_client.get("/cases/?tab=pended")) == [theirs.reference]

    response = nurse_client.post(f"/cases/{unassigned.pk}/claim/", {"next": "/cases/"})
    assert response["Location"] == "/cases/"
    unassigned.refresh_from_db()
    assert unassigned.assigned_to == nurse and unassigned.status == "in_review"
    assert set(refs(nurse_client.get("/cases/"))) == {mine.reference, unassigned.reference}


def test_filters_and_search(nurse, nurse_client):
    molina = CaseFactory(by=nurse)
    nia = CaseFactory(by=nurse, policy="nia-cg-310", priority="expedited")
    assert refs(nurse_client.get("/cases/?policy=nia-cg-310")) == [nia.reference]
    assert refs(nurse_client.get("/cases/?priority=standard")) == [molina.reference]
    assert refs(nurse_client.get(f"/cases/?q={molina.member_id.lower()}")) == [molina.reference]
    assert refs(nurse_client.get(f"/cases/?q={nia.reference}")) == [nia.reference]
    assert refs(nurse_client.get("/cases/?q=NOBODY")) == []


def test_search_finds_closed_cases_too(nurse, nurse_client):
    from reviewapp.decisions.services import case_withdraw

    case = CaseFactory(by=nurse)
    case_withdraw(case=case, by=nurse, reason="Provider withdrew.")
    assert refs(nurse_client.get("/cases/")) == []
    assert refs(nurse_client.get(f"/cases/?q={case.reference}")) == [case.reference]


def test_pagination_without_counting(nurse, nurse_client, monkeypatch):
    from reviewapp.cases.views import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    cases = [CaseFactory(by=nurse) for _ in range(5)]
    page1 = nurse_client.get("/cases/")
    assert refs(page1) == [c.reference for c in cases[:2]] and "page=2" in page1.content.decode()
    page3 = nurse_client.get("/cases/?page=3")
    assert refs(page3) == [cases[4].reference] and "Next" not in page3.content.decode()
    assert refs(nurse_client.get("/cases/?page=abc")) == refs(page1)


def test_htmx_filter_returns_only_the_results_fragment(nurse, nurse_client):
    CaseFactory(by=nurse)
    response = nurse_client.get("/cases/?tab=mine", headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue-results"')
    assert "<html" not in html and "Work queue</h1>" not in html


@pytest.mark.parametrize("count", [1, 8])
def test_queue_query_count_is_constant_in_the_number_of_cases(
    nurse, nurse_client, django_assert_num_queries, count
):
    for _ in range(count):
        CaseFactory(by=nurse)
    nurse_client.get("/cases/")  # first request sets the idle clock in the session
    # session, user (with staff profile), group names with their permissions, user permissions,
    # policies (filter choices), cases (with policy, assignee, profile), requested services,
    # the access-log row (the list shows members)
    with django_assert_num_queries(8):
        response = nurse_client.get("/cases/")
    assert len(refs(response)) == count


def test_roles_for_the_queue(role_clients):
    assert role_clients["nurse"].get("/cases/").status_code == 200
    assert role_clients["director"].get("/cases/").status_code == 200
    assert role_clients["administrator"].get("/cases/").status_code == 403
    assert role_clients["no_role"].get("/cases/").status_code == 403


def test_claiming_a_case_that_is_already_yours_is_refused(nurse, nurse_client):
    case = CaseFactory(by=nurse)
    response = nurse_client.post(f"/cases/{case.pk}/claim/", follow=True)
    assert "is already yours" in response.content.decode()
    assert Case.objects.get(pk=case.pk).events.filter(kind="claimed").count() == 0
