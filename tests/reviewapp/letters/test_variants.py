"""Every variant of every letter kind, as HTML (fast): which blocks each line of business and
outcome carries, and that every fixed paragraph reads at grade 8 or lower.

The signed PDFs of the same variants are checked in test_specimens.py, built once per session.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from reviewapp.cases.services import case_pend
from reviewapp.letters import services
from reviewapp.letters.content.readability import MAX_GRADE, fk_grade, prose_paragraphs
from tests.factories import CaseFactory

from .conftest import NOT_DOCUMENTED, NOT_MET, decided

pytestmark = pytest.mark.django_db

LINES = ("medicaid", "medicare_advantage", "commercial")
OUTCOMES = ("approved", "approved_exception", "partially_approved", "denied")


def variant(nurse, director, line_of_business: str, outcome: str):
    case = CaseFactory(
        by=nurse, line_of_business=line_of_business, codes=(("62322", 1), ("62323", 1))
    )
    if outcome == "approved":
        return decided(case, nurse, outcome)
    if outcome == "approved_exception":
        return decided(case, director, outcome, exceptions={NOT_MET: "Advanced disease."})
    codes = {"62322": ("deny", ""), "62323": ("deny", "")}
    if outcome == "partially_approved":
        codes = {"62323": ("deny", "")}
    return decided(
        case,
        director,
        outcome,
        statuses={NOT_MET: "not_met", NOT_DOCUMENTED: "not_documented"},
        codes=codes,
        reasons="The pain score is 5 out of 10.",
        p2p_to="Dr. Test Provider",
    )


def hard_paragraphs(html: str) -> list[tuple[float, str]]:
    return [
        (grade, p)
        for p in prose_paragraphs(html, fixed_only=True)
        if (grade := fk_grade(p)) > MAX_GRADE
    ]


@pytest.mark.parametrize("line_of_business", LINES)
def test_every_fixed_paragraph_of_every_outcome_reads_at_grade_8_or_lower(
    nurse, director, line_of_business
):
    for outcome in OUTCOMES:
        html = services.letter_render_html(
            determination=variant(nurse, director, line_of_business, outcome)
        )
        paragraphs = prose_paragraphs(html, fixed_only=True)
        assert len(paragraphs) >= 12, (outcome, len(paragraphs))
        assert hard_paragraphs(html) == [], outcome


@pytest.mark.parametrize("line_of_business", LINES)
def test_every_fixed_paragraph_of_the_extension_notice_reads_at_grade_8_or_lower(
    nurse, line_of_business
):
    case = CaseFactory(by=nurse, line_of_business=line_of_business)
    before = case.due_at
    case_pend(case=case, by=nurse, request_text="Send the psychological evaluation.")
    case.refresh_from_db()
    content, details = services.extension_notice_content(
        case=case, by=nurse, previous_due_at=before, information_wanted="Send the evaluation."
    )
    html = content.html()
    assert hard_paragraphs(html) == []
    assert details["new_due_at"] == case.due_at.isoformat()
    new_due = timezone.localdate(case.due_at)
    assert f"{new_due:%B} {new_due.day}, {new_due.year}" in html
    if line_of_business == "commercial":  # at least 45 days to send what is missing
        respond_by = dt.date.fromisoformat(details["respond_by"])
        assert respond_by - timezone.localdate() >= dt.timedelta(days=45)


@pytest.mark.parametrize(
    ("line_of_business", "present", "absent"),
    [
        (
            "medicaid",
            [
                "rights-medicaid",
                "State fair hearing",
                "Keep your services",
                "grievance",
                "Louisiana Division of Administrative Law",
                "within 60 days",
                "120 days",
            ],
            ["rights-medicare-advantage", "rights-commercial", "ERISA", "reconsideration"],
        ),
        (
            "medicare_advantage",
            [
                "rights-medicare-advantage",
                "A doctor, Dr. Grace, MD, reviewed",
                "65 days",
                "Fast reconsideration",
                "1-800-MEDICARE",
                "1-877-486-2048",
                "Notice of denial of medical coverage",
                "If you also have Medicaid",
            ],
            ["rights-medicaid", "rights-commercial", "fair hearing", "ERISA"],
        ),
        (
            "commercial",
            [
                "rights-commercial",
                "180 days",
                "502(a)",
                "External review",
                "What could change this decision",
                "requirements: 2.d",
                "Louisiana Department of Insurance",
            ],
            ["rights-medicaid", "rights-medicare-advantage", "fair hearing", "reconsideration"],
        ),
    ],
)
def test_an_adverse_letter_carries_its_line_of_business_and_no_other(
    nurse, director, line_of_business, present, absent
):
    html = services.letter_render_html(
        determination=variant(nurse, director, line_of_business, "denied")
    )
    for phrase in present:
        assert phrase in html, phrase
    for phrase in absent:
        assert phrase not in html, phrase


def test_approvals_carry_no_appeal_rights_but_every_plan_the_nondiscrimination_notice(
    nurse, director
):
    for line_of_business in LINES:
        for outcome in ("approved", "approved_exception"):
            html = services.letter_render_html(
                determination=variant(nurse, director, line_of_business, outcome)
            )
            assert 'data-testid="rights"' not in html and "peer-to-peer" not in html
            assert 'data-testid="nondiscrimination"' in html
            assert html.count('class="tagline ') == 15


def test_the_internal_clinical_rationale_never_prints(nurse, director):
    case = CaseFactory(by=nurse)
    determination = decided(
        case,
        director,
        "denied",
        statuses={NOT_MET: "not_met"},
        codes={"62322": ("deny", "")},
        reasons="Your pain score is 5 out of 10.",
        rationale="INTERNAL: NRS 5/10 per PCP note; r/o OIH not documented.",
    )
    html = services.letter_render_html(determination=determination)
    assert "INTERNAL" not in html and "OIH" not in html
    assert "Your pain score is 5 out of 10." in html
