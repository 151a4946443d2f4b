"""The appeal-rights texts: one per line of business, edited by administrators in the admin."""

from __future__ import annotations

import pytest

from reviewapp.cases.models import LineOfBusiness
from reviewapp.letters.models import AppealRightsText
from reviewapp.letters.selectors import plain_blocks

pytestmark = pytest.mark.django_db


def test_every_line_of_business_has_a_default_in_plain_words():
    texts = {t.line_of_business: t for t in AppealRightsText.objects.all()}
    assert set(texts) == set(LineOfBusiness.values)
    assert "state fair hearing" in texts["medicaid"].body.lower()
    assert "within 10 days" in texts["medicaid"].body
    assert "65 days" in texts["medicare_advantage"].body
    assert "180 days" in texts["commercial"].body
    for text in texts.values():
        assert "{organisation_phone}" in text.body
        for jargon in ("IRE", "SHIP", "ERISA", "UM ", "TTY"):
            assert jargon not in text.body, (text.line_of_business, jargon)


def test_an_administrator_edits_the_text_in_the_admin(admin_client_um, administrator):
    text = AppealRightsText.objects.get(line_of_business="medicaid")
    url = f"/admin/letters/appealrightstext/{text.pk}/change/"
    assert admin_client_um.get("/admin/letters/appealrightstext/").status_code == 200
    response = admin_client_um.post(url, {"title": "Appeals", "body": "Call us."})
    assert response.status_code == 302
    text.refresh_from_db()
    assert (text.title, text.body) == ("Appeals", "Call us.")
    assert text.history.latest().history_user == administrator  # who changed it, and when
    assert admin_client_um.get("/admin/letters/appealrightstext/add/").status_code == 403


def test_reviewers_cannot_reach_the_admin(nurse_client, director_client):
    for client in (nurse_client, director_client):
        assert client.get("/admin/letters/appealrightstext/").status_code == 403


def test_plain_blocks_turn_paragraphs_and_dashes_into_paragraphs_and_lists():
    text = "First line\ncontinues.\n\n- one\n- two\n  wraps\n\nLast."
    assert plain_blocks(text) == [
        ("p", "First line continues."),
        ("ul", ["one", "two wraps"]),
        ("p", "Last."),
    ]
