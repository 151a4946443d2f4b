"""The appeal decision letter: what each line of business and outcome says (HTML, fast), and
signing it through the letter machinery (PDF, signed, queued; an overturn's new determination
signed with it)."""

from __future__ import annotations

import pytest

from reviewapp.appeals import selectors, services
from reviewapp.cases.models import CaseEvent
from reviewapp.decisions.models import Determination
from reviewapp.letters import services as letters
from reviewapp.letters.content.readability import MAX_GRADE, fk_grade, prose_paragraphs
from reviewapp.letters.models import Delivery, Letter
from tests.appeal_factories import (
    decide_overturned,
    decide_upheld,
    denied,
    file_appeal,
    sign_appeal_letter,
)

pytestmark = pytest.mark.django_db

LINES = ("medicaid", "medicare_advantage", "commercial")


def decided_appeal(nurse, director, reviewer, lob, outcome, **kwargs):
    appeal = file_appeal(denied(nurse, director, line_of_business=lob, **kwargs), nurse)
    if outcome == "overturned":
        return decide_overturned(appeal, reviewer)
    return decide_upheld(appeal, reviewer)


@pytest.mark.parametrize(
    ("lob", "title", "next_level", "absent"),
    [
        (
            "medicaid",
            "Notice of appeal resolution",
            [
                "State fair hearing",
                "within 120 days of the date of this letter",
                "Keep your services",
            ],
            ["independent review entity", "External review"],
        ),
        (
            "medicare_advantage",
            "Notice of our reconsideration decision",
            ["independent review entity", "You do not need to ask", "Administrative Law Judge"],
            ["State fair hearing", "External review"],
        ),
        (
            "commercial",
            "Notice of our decision on your appeal",
            ["External review", "within 4 months", "502(a)", "last appeal you can make with us"],
            ["State fair hearing", "independent review entity"],
        ),
    ],
)
def test_an_upheld_appeal_gives_its_reasons_and_the_next_level(
    nurse, director, appeal_director, lob, title, next_level, absent
):
    appeal = decided_appeal(nurse, director, appeal_director, lob, "upheld")
    html = services.appeal_letter_content(appeal=appeal).html()
    assert title in html and "We did not change our decision" in html
    assert "Requirement 2.a" in html and "Requirement 2.c.vi" in html  # the reasons
    assert "Dr. Henry" in html and "Physical Medicine and Rehabilitation" in html
    assert appeal.reference in html and appeal.case.reference in html
    for text in next_level:
        assert text in html, text
    for text in absent:
        assert text not in html, text
    assert "Internal: nothing new" not in html  # the rationale never prints
    assert "Your approval" not in html


@pytest.mark.parametrize("lob", LINES)
def test_an_overturned_appeal_says_what_is_authorized_and_for_how_long(
    nurse, director, appeal_director, lob
):
    appeal = decided_appeal(nurse, director, appeal_director, lob, "overturned")
    authorization = appeal.new_determination.authorization
    html = services.appeal_letter_content(appeal=appeal).html()
    assert "We changed our decision" in html and "now approved" in html
    assert authorization.number in html and "Valid through" in html
    assert "What happens next" in html
    for text in ("State fair hearing", "independent review entity", "External review"):
        assert text not in html


@pytest.mark.parametrize("lob", LINES)
def test_every_fixed_paragraph_reads_at_grade_8_or_lower(nurse, director, appeal_director, lob):
    for outcome in ("upheld", "overturned"):
        html = services.appeal_letter_content(
            appeal=decided_appeal(nurse, director, appeal_director, lob, outcome)
        ).html()
        hard = [
            (grade, p)
            for p in prose_paragraphs(html, fixed_only=True)
            if (grade := fk_grade(p)) > MAX_GRADE
        ]
        assert hard == [], (outcome, hard)


def test_the_spanish_letter_is_in_spanish(nurse, director, appeal_director):
    appeal = decided_appeal(
        nurse, director, appeal_director, "medicaid", "upheld", preferred_language="es"
    )
    html = services.appeal_letter_content(appeal=appeal).html()
    assert 'lang="es"' in html and "No cambiamos nuestra decisión" in html
    assert "audiencia imparcial" in html


def test_only_the_deciding_physician_signs_what_they_saw(
    nurse, director, appeal_director, letter_settings
):
    appeal = decided_appeal(nurse, director, appeal_director, "commercial", "upheld")
    html = services.appeal_letter_content(appeal=appeal).html()
    for other in (director, nurse):
        with pytest.raises(services.AppealForbidden):
            services.appeal_letter_sign(
                appeal=appeal, by=other, preview_digest=letters.letter_digest(html)
            )
    assert CaseEvent.objects.filter(case=appeal.case, kind="refused").count() == 2
    with pytest.raises(services.AppealRefused, match="changed since you previewed"):
        services.appeal_letter_sign(appeal=appeal, by=appeal_director, preview_digest="0" * 64)
    assert not Letter.objects.filter(kind="appeal_decision").exists()
    letter = sign_appeal_letter(appeal, appeal_director)
    appeal.refresh_from_db()
    assert appeal.letter == letter and letter.kind == "appeal_decision"
    assert letter.signed_by == appeal_director and letter.determination is None
    check = letters.letter_verify(data=letters.letter_file_bytes(letter=letter))
    assert check.check.signed and check.check.intact and check.letter == letter
    assert sorted(letter.deliveries.values_list("recipient", flat=True)) == ["member", "provider"]
    with pytest.raises(services.AppealRefused, match="signed and can never change"):
        sign_appeal_letter(appeal, appeal_director)


def test_an_overturn_signs_its_new_determination_with_the_appeal_letter(
    nurse, director, appeal_director, letter_settings
):
    appeal = decided_appeal(nurse, director, appeal_director, "medicaid", "overturned")
    letter = sign_appeal_letter(appeal, appeal_director)
    new = Determination.objects.get(pk=appeal.new_determination_id)
    assert new.is_signed and new.letter_sha256 == letter.sha256
    assert letter.determination == new
    assert letters.letter_integrity_problems(determination=new) == []
    assert letters.letter_signed_bytes(determination=new) == letters.letter_file_bytes(
        letter=letter
    )


def test_the_appeal_clock_stops_when_the_members_copy_is_sent(
    nurse, director, appeal_director, letter_settings
):
    appeal = decided_appeal(nurse, director, appeal_director, "commercial", "upheld")
    letter = sign_appeal_letter(appeal, appeal_director)
    appeal.refresh_from_db()
    assert selectors.appeal_notice_sent_at(appeal) is None
    batch = letters.mail_batch_create(by=nurse)
    letters.mail_batch_mark_sent(batch=batch, by=nurse)
    member = Delivery.objects.get(letter=letter, recipient="member")
    assert selectors.appeal_notice_sent_at(appeal) == member.sent_at
