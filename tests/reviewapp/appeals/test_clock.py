"""The appeal's clock: an expedited request the plan declines moves to the standard clock (never
one the provider backs), and the one extension each line of business allows."""

from __future__ import annotations

import datetime as dt

import pytest

from reviewapp.appeals import services
from reviewapp.appeals.models import AppealClockRule
from reviewapp.cases.models import CaseEvent
from tests.appeal_factories import denied, file_appeal

pytestmark = pytest.mark.django_db


def test_a_director_moves_a_members_fast_request_to_the_standard_clock(
    denial, nurse, appeal_director
):
    appeal = file_appeal(denial, nurse, documents=False, expedited_requested=True)
    with pytest.raises(services.AppealForbidden):
        services.appeal_expedite_decline(
            appeal=appeal, by=nurse, reason="Not urgent.", member_told="Phoned."
        )
    assert CaseEvent.objects.filter(case=appeal.case, kind="refused").count() == 1
    with pytest.raises(services.AppealRefused, match="how and when the member was told"):
        services.appeal_expedite_decline(
            appeal=appeal, by=appeal_director, reason="Not urgent.", member_told=""
        )
    moved = services.appeal_expedite_decline(
        appeal=appeal,
        by=appeal_director,
        reason="Stable on oral medicine; 30 days will not harm her.",
        member_told="Phoned the member at 10:40; letter mailed today.",
    )
    assert moved.priority == "standard"
    assert moved.due_at == moved.received_at + dt.timedelta(days=30)
    assert moved.expedite_declined_by == appeal_director
    event = CaseEvent.objects.get(case=appeal.case, kind="appeal_expedite_declined")
    assert "written notice within 2 days" in event.summary
    with pytest.raises(services.AppealRefused, match="already on the standard clock"):
        services.appeal_expedite_decline(
            appeal=moved, by=appeal_director, reason="Again.", member_told="Phoned."
        )


def test_a_fast_appeal_the_provider_backs_stays_fast(denial, nurse, appeal_director):
    appeal = file_appeal(denial, nurse, documents=False, provider_supports_expedited=True)
    with pytest.raises(services.AppealRefused, match="must stay expedited"):
        services.appeal_expedite_decline(
            appeal=appeal, by=appeal_director, reason="Not urgent.", member_told="Phoned."
        )
    appeal.refresh_from_db()
    assert appeal.priority == "expedited"


def test_medicaid_extends_once_when_the_member_asks(nurse, director):
    appeal = file_appeal(denied(nurse, director, line_of_business="medicaid"), nurse)
    before = appeal.due_at
    extended = services.appeal_extend(
        appeal=appeal, by=nurse, asked_by="member", reason="She is gathering therapy records."
    )
    assert extended.due_at == before + dt.timedelta(days=14)
    assert extended.extension_asked_by == "member" and extended.extended_by == nurse
    with pytest.raises(services.AppealRefused, match="extended once already"):
        services.appeal_extend(appeal=extended, by=nurse, asked_by="member", reason="Again.")


def test_a_plan_started_extension_is_told_to_the_member(nurse, director):
    appeal = file_appeal(denied(nurse, director, line_of_business="medicare_advantage"), nurse)
    with pytest.raises(services.AppealRefused, match="member was told"):
        services.appeal_extend(
            appeal=appeal, by=nurse, asked_by="plan", reason="Waiting for the trial report."
        )
    extended = services.appeal_extend(
        appeal=appeal,
        by=nurse,
        asked_by="plan",
        reason="Waiting for the trial report.",
        member_told="Phoned 2026-03-02; letter mailed 2026-03-02.",
    )
    assert (
        "member told: Phoned"
        in CaseEvent.objects.get(case=extended.case, kind="appeal_extended").summary
    )


def test_commercial_appeals_allow_no_extension(denial, nurse):
    appeal = file_appeal(denial, nurse, documents=False)
    with pytest.raises(services.AppealRefused, match="allow no extension"):
        services.appeal_extend(appeal=appeal, by=nurse, asked_by="member", reason="Asked.")


def test_the_extension_follows_its_rule(nurse, director):
    AppealClockRule.objects.filter(line_of_business="medicaid").update(
        extension_on_plan_request=False
    )
    appeal = file_appeal(denied(nurse, director, line_of_business="medicaid"), nurse)
    with pytest.raises(services.AppealRefused, match="does not allow an extension the plan"):
        services.appeal_extend(
            appeal=appeal, by=nurse, asked_by="plan", reason="x", member_told="Phoned."
        )


def test_a_withdrawn_appeal_is_closed_to_every_change(denial, nurse, appeal_director):
    appeal = file_appeal(denial, nurse, documents=False)
    with pytest.raises(services.AppealRefused, match="Say who withdrew"):
        services.appeal_withdraw(appeal=appeal, by=nurse, reason=" ")
    withdrawn = services.appeal_withdraw(
        appeal=appeal, by=nurse, reason="Member withdrew by phone."
    )
    assert withdrawn.status == "withdrawn"
    with pytest.raises(services.AppealRefused, match="withdrawn"):
        services.appeal_claim(appeal=withdrawn, by=appeal_director)
    with pytest.raises(services.AppealRefused, match="withdrawn"):
        services.appeal_extend(appeal=withdrawn, by=nurse, asked_by="member", reason="x")


def _rule_form(rule: AppealClockRule, **changes) -> dict:
    data = {
        "hours": rule.hours,
        "filing_limit_days": rule.filing_limit_days,
        "extension_hours": rule.extension_hours,
        "extension_notice_days": rule.extension_notice_days,
        "change_reason": "State contract, 2027.",
    }
    for flag in ("extension_on_member_request", "extension_on_plan_request"):
        if getattr(rule, flag):
            data[flag] = "on"
    data.update(changes)
    return data


def test_an_administrator_tightens_a_clock_in_the_admin_with_its_history(
    admin_client_um, administrator, denial, nurse
):
    rule = AppealClockRule.objects.get(line_of_business="commercial", priority="standard")
    url = f"/admin/appeals/appealclockrule/{rule.pk}/change/"
    response = admin_client_um.post(url, _rule_form(rule, hours=20 * 24))
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert rule.hours == 20 * 24
    change = rule.history.latest()
    assert change.history_user == administrator
    assert change.history_change_reason == "State contract, 2027."
    appeal = file_appeal(denial, nurse, documents=False)
    assert appeal.due_at == appeal.received_at + dt.timedelta(days=20)


@pytest.mark.parametrize(
    ("lob", "changes", "message"),
    [
        ("medicaid", {"hours": 45 * 24}, "never slower"),
        ("medicare_advantage", {"filing_limit_days": 30}, "At least 65 days"),
        ("medicaid", {"extension_hours": 30 * 24}, "At most 336 hours (14 days)"),
        ("commercial", {"extension_hours": 24}, "allow no extension"),
        ("medicaid", {"change_reason": ""}, "This field is required"),
    ],
)
def test_the_admin_refuses_a_clock_looser_than_the_regulations(
    admin_client_um, lob, changes, message
):
    rule = AppealClockRule.objects.get(line_of_business=lob, priority="standard")
    before = AppealClockRule.objects.filter(pk=rule.pk).values().get()
    url = f"/admin/appeals/appealclockrule/{rule.pk}/change/"
    response = admin_client_um.post(url, _rule_form(rule, **changes))
    assert response.status_code == 200 and message in response.content.decode()
    assert AppealClockRule.objects.filter(pk=rule.pk).values().get() == before


def test_the_six_clock_rules_are_changed_never_added_or_removed(admin_client_um, director_client):
    rule = AppealClockRule.objects.first()
    assert admin_client_um.get("/admin/appeals/appealclockrule/add/").status_code == 403
    assert (
        admin_client_um.get(f"/admin/appeals/appealclockrule/{rule.pk}/delete/").status_code == 403
    )
    assert director_client.get("/admin/appeals/appealclockrule/").status_code == 403
    assert AppealClockRule.objects.count() == 6
