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
