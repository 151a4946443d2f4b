"""The CMS-0057-F figures on constructed requests, against values computed by hand.

The year 2025 (America/Chicago). Standard requests (hours from receipt to the initial decision):

    A  Medicaid  approved            72 h
    B  Medicaid  denied             144 h
    C  Medicaid  partially approved  24 h   (counts as denied)
    D  Medicaid  approved           240 h   extended by a pend
    H  Medicaid  approved            48 h   later corrected to a denial (counts as approved)
    K  Commercial approved by exception 240 h

Expedited: I  Medicare Advantage approved 36 h; J  Medicare Advantage denied 24 h.
Not counted: E withdrawn (Medicaid), F decided 2024-12-30, G received 2025-12-30 and decided in
2026 (open at the end of 2025), L commercial, never decided (open at the end of 2025).

Standard overall: 6 decided, 4 approved (66.7%), 2 denied (33.3%), 1 partial; mean
(72+144+24+240+48+240)/6 = 128.0 h; median of 24 48 72 144 240 240 = (72+144)/2 = 108.0 h.
Expedited: 2 decided, 1 approved, 1 denied (50.0% each); mean 30.0 h, median 30.0 h.
Extended then approved: D, 1 of 8 = 12.5%. Withdrawn 1. Open at year end 2 (G, L).
Medicaid alone: standard 5 decided, 3 approved (60.0%), 2 denied (40.0%); mean 528/5 = 105.6 h,
median of 24 48 72 144 240 = 72.0 h; extended then approved 1 of 5 = 20.0%; open 1 (G).
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from reviewapp.decisions.models import Outcome
from reviewapp.operations import selectors

from .conftest import at, determination, request

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_2025(nurse, director):
    def req(**kwargs):
        return request(by=nurse, decider=director, **kwargs)

    req(received="2025-03-01 08:00", decided="2025-03-04 08:00")  # A
    req(received="2025-03-10 08:00", decided="2025-03-16 08:00", outcome=Outcome.DENIED)  # B
    req(
        received="2025-04-01 08:00",
        decided="2025-04-02 08:00",
        outcome=Outcome.PARTIALLY_APPROVED,
    )  # C
    req(received="2025-05-01 08:00", decided="2025-05-11 08:00", extended=True)  # D
    req(received="2025-06-01 08:00", decided="2025-06-02 08:00", outcome=Outcome.WITHDRAWN)  # E
    req(received="2024-12-20 08:00", decided="2024-12-30 08:00")  # F
    req(received="2025-12-30 08:00", decided="2026-01-03 08:00")  # G
    h = req(received="2025-06-29 08:00", decided="2025-07-01 08:00")  # H
    determination(
        h,
        by=director,
        outcome=Outcome.DENIED,
        decided_at=at("2025-07-05 08:00"),
        supersedes=h.determinations.get(),
    )
    req(
        received="2025-02-01 00:00",
        decided="2025-02-02 12:00",
        priority="expedited",
        line_of_business="medicare_advantage",
    )  # I
    req(
        received="2025-02-05 00:00",
        decided="2025-02-06 00:00",
        priority="expedited",
        line_of_business="medicare_advantage",
        outcome=Outcome.DENIED,
    )  # J
    req(
        received="2025-08-01 08:00",
        decided="2025-08-11 08:00",
        line_of_business="commercial",
        outcome=Outcome.APPROVED_BY_EXCEPTION,
    )  # K
    req(received="2025-11-01 08:00", line_of_business="commercial")  # L


def test_overall_figures_match_the_hand_computed_values(year_2025):
    report = selectors.cms0057_report(year=2025)
    standard, expedited = report.overall.standard, report.overall.expedited
    assert (standard.decided, standard.approved, standard.denied) == (6, 4, 2)
    assert standard.partially_approved == 1
    assert (standard.approved_pct, standard.denied_pct) == (66.7, 33.3)
    assert standard.time_to_decision.mean_hours == 128.0
    assert standard.time_to_decision.median_hours == 108.0
    assert (expedited.decided, expedited.approved, expedited.denied) == (2, 1, 1)
    assert (expedited.approved_pct, expedited.denied_pct) == (50.0, 50.0)
    assert expedited.time_to_decision.mean_hours == 30.0
    assert expedited.time_to_decision.median_hours == 30.0
    assert (report.overall.extended_approved, report.overall.all_decided) == (1, 8)
    assert report.overall.extended_approved_pct == 12.5
    assert report.overall.withdrawn == 1
    assert report.overall.open_at_year_end == 2


def test_each_line_of_business_has_its_own_figures(year_2025):
    report = selectors.cms0057_report(year=2025)
    medicaid = report.by_line_of_business["medicaid"]
    assert (medicaid.standard.decided, medicaid.standard.approved, medicaid.standard.denied) == (
        5,
        3,
        2,
    )
    assert (medicaid.standard.approved_pct, medicaid.standard.denied_pct) == (60.0, 40.0)
    assert medicaid.standard.time_to_decision.mean_hours == 105.6
    assert medicaid.standard.time_to_decision.median_hours == 72.0
    assert medicaid.expedited.decided == 0 and medicaid.expedited.approved_pct is None
    assert medicaid.expedited.time_to_decision.median_hours is None
    assert medicaid.extended_approved_pct == 20.0
    assert (medicaid.withdrawn, medicaid.open_at_year_end) == (1, 1)
    advantage = report.by_line_of_business["medicare_advantage"]
    assert advantage.standard.decided == 0 and advantage.expedited.decided == 2
    assert advantage.extended_approved_pct == 0.0
    commercial = report.by_line_of_business["commercial"]
    assert commercial.standard.approved_pct == 100.0
    assert commercial.standard.time_to_decision.median_hours == 240.0
    assert commercial.open_at_year_end == 1


def test_the_year_is_the_year_of_the_initial_determination_in_local_time(nurse, director):
    # 23:30 on 31 December in Chicago is already 1 January in UTC: it counts in 2025.
    request(by=nurse, decider=director, received="2025-12-29 08:00", decided="2025-12-31 23:30")
    # Decided half an hour into 2026 (local): 2026, and open at the end of 2025.
    request(by=nurse, decider=director, received="2025-12-30 08:00", decided="2026-01-01 00:30")
    assert selectors.cms0057_report(year=2025).overall.standard.decided == 1
    assert selectors.cms0057_report(year=2025).overall.open_at_year_end == 1
    assert selectors.cms0057_report(year=2026).overall.standard.decided == 1


def test_the_command_prints_the_same_figures_as_json(year_2025, capsys):
    call_command("metrics", "cms0057", "--year", "2025", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(selectors.cms0057_report(year=2025).as_json()))
    assert printed["overall"]["standard"]["approved_pct"] == 66.7
    assert printed["by_line_of_business"]["medicaid"]["standard"]["time_to_decision_hours"] == {
        "mean": 105.6,
        "median": 72.0,
    }
    assert set(printed["definitions"]) >= {
        "standard_approved_pct",
        "standard_denied_pct",
        "standard_approved_after_appeal_pct",
        "extended_then_approved_pct",
        "expedited_approved_pct",
        "expedited_denied_pct",
        "standard_time_to_decision",
        "expedited_time_to_decision",
        "items_requiring_prior_authorization",
    }
    assert {item["code"] for item in printed["items_requiring_prior_authorization"]} >= {
        "62350",
        "62362",
        "E0786",
    }
    assert "J2274" not in {item["code"] for item in printed["items_requiring_prior_authorization"]}


def test_the_command_prints_a_table_with_definitions(year_2025, capsys):
    call_command("metrics", "cms0057", "--year", "2025")
    out = capsys.readouterr().out
    assert "Standard requests approved" in out
    assert "66.7% (4 of 6)" in out
    assert "mean 128.0 h, median 108.0 h" in out
    assert "Numerator:" in out and "Denominator:" in out and "Clock:" in out


def test_the_command_refuses_a_year_not_begun():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--year"):
        call_command("metrics", "cms0057", "--year", "2999")


def test_query_count_does_not_grow_with_the_requests(nurse, director, django_assert_num_queries):
    request(by=nurse, decider=director, received="2025-03-01 08:00", decided="2025-03-02 08:00")
    # initial determinations grouped; medians (PostgreSQL: by priority; SQLite: the times);
    # open at year end; appeals decided in the year
    queries = 4
    with django_assert_num_queries(queries):
        selectors.cms0057_report(year=2025)
    for n in range(5):
        request(
            by=nurse,
            decider=director,
            received=f"2025-04-0{n + 1} 08:00",
            decided=f"2025-04-0{n + 2} 08:00",
            priority=("standard", "expedited")[n % 2],
        )
    with django_assert_num_queries(queries):
        selectors.cms0057_report(year=2025)
