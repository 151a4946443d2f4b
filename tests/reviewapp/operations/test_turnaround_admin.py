"""Turnaround rules in the admin: administrators change the clocks, with reasons and history,
within what the regulations allow; nobody adds or removes a rule."""

from __future__ import annotations

import pytest

from reviewapp.cases.models import TurnaroundRule
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def rule(lob="medicaid", priority="standard") -> TurnaroundRule:
    return TurnaroundRule.objects.get(line_of_business=lob, priority=priority)


def test_administrators_see_the_six_rules(admin_client_um):
    response = admin_client_um.get("/admin/cases/turnaroundrule/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="field-clock"') == 6
    assert "7 calendar days" in html and "72 hours" in html
    assert 'href="/admin/cases/turnaroundrule/add/"' not in html


def test_a_change_is_kept_with_its_reason_and_applies_to_new_cases(admin_client_um, nurse):
    before = CaseFactory(by=nurse, line_of_business="medicaid")
    target = rule()
    url = f"/admin/cases/turnaroundrule/{target.pk}/change/"
    response = admin_client_um.post(
        url, {"hours": "120", "pend_extension_hours": "240", "change_reason": "State contract 2026"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.hours, target.pend_extension_hours) == (120, 240)
    latest = target.history.first()
    assert latest.history_change_reason == "State contract 2026"
    assert latest.history_user.username == "avery"
    history = admin_client_um.get(f"/admin/cases/turnaroundrule/{target.pk}/history/")
    assert "State contract 2026" in history.content.decode()
    # Open cases keep their due time; new ones get the new clock.
    before.refresh_from_db()
    assert (before.due_at - before.received_at).total_seconds() == 168 * 3600
    after = CaseFactory(by=nurse, line_of_business="medicaid")
    assert (after.due_at - after.received_at).total_seconds() == 120 * 3600


@pytest.mark.parametrize(
    ("lob", "priority", "data", "message"),
    [
        (
            "medicaid",
            "standard",
            {"hours": "200", "pend_extension_hours": "0"},
            "Between 1 hour and 168 hours",
        ),
        ("commercial", "expedited", {"hours": "96", "pend_extension_hours": "0"}, "72 hours"),
        (
            "medicare_advantage",
            "standard",
            {"hours": "168", "pend_extension_hours": "400"},
            "At most 336 hours",
        ),
        ("commercial", "standard", {"hours": "0", "pend_extension_hours": "0"}, "Between 1 hour"),
    ],
)
def test_a_clock_looser_than_the_regulations_is_refused(
    admin_client_um, lob, priority, data, message
):
    target = rule(lob, priority)
    before = (target.hours, target.pend_extension_hours)
    url = f"/admin/cases/turnaroundrule/{target.pk}/change/"
    response = admin_client_um.post(url, {**data, "change_reason": "Try"})
    assert response.status_code == 200 and message in response.content.decode()
    target.refresh_from_db()
    assert (target.hours, target.pend_extension_hours) == before


def test_a_reason_is_required(admin_client_um):
    target = rule()
    url = f"/admin/cases/turnaroundrule/{target.pk}/change/"
    response = admin_client_um.post(url, {"hours": "100", "pend_extension_hours": "0"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()


def test_rules_cannot_be_added_or_deleted(admin_client_um):
    assert admin_client_um.get("/admin/cases/turnaroundrule/add/").status_code == 403
    target = rule()
    assert (
        admin_client_um.post(f"/admin/cases/turnaroundrule/{target.pk}/delete/").status_code == 403
    )
    assert TurnaroundRule.objects.count() == 6


def test_only_administrators(role_clients):
    for role in ("nurse", "director", "manager"):
        assert role_clients[role].get("/admin/cases/turnaroundrule/").status_code == 403
