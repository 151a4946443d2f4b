"""What a plan adapts per state: agencies, contacts, the 15 tagline languages (admin-edited)."""

from __future__ import annotations

import json

import pytest

from reviewapp.letters import selectors
from reviewapp.letters.content.taglines import TAGLINES, taglines_for
from reviewapp.letters.models import StateNoticeSettings
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_louisiana_demo_values_are_loaded_with_fifteen_tagline_languages():
    louisiana = StateNoticeSettings.objects.get(state="LA")
    assert "Division of Administrative Law" in louisiana.fair_hearing_agency
    assert louisiana.fair_hearing_days == 120
    assert len(set(louisiana.tagline_languages)) == 15
    assert "en" not in louisiana.tagline_languages
    assert all(code in TAGLINES for code in louisiana.tagline_languages)


def test_every_tagline_is_in_its_own_script_and_names_the_number():
    scripts = {
        "zh-Hant": "\u4e00",  # CJK ideographs start here
        "ko": "\uac00",
        "ar": "\u0600",
        "fa": "\u0600",
        "ur": "\u0600",
        "lo": "\u0e80",
        "th": "\u0e00",
        "hi": "\u0900",
        "gu": "\u0a80",
        "ru": "\u0400",
    }
    for code, tagline in TAGLINES.items():
        sentence = tagline.sentence("1-800-555-0100")
        assert "1-800-555-0100" in sentence, code
        assert tagline.text != TAGLINES["es"].text or code == "es"
        if code in scripts:
            block = ord(scripts[code])
            assert any(block <= ord(ch) < block + 0x100 or ord(ch) >= 0x4E00 for ch in sentence)
    # A Spanish letter needs no Spanish tagline; it gets the rest of the state's list.
    assert [t.code for t in taglines_for(["es", "vi"], skip="es")] == ["vi"]


def test_an_administrator_changes_a_states_settings_and_the_letter_follows(
    admin_client_um, administrator
):
    louisiana = StateNoticeSettings.objects.get(state="LA")
    url = f"/admin/letters/statenoticesettings/{louisiana.pk}/change/"
    data = {
        field.name: getattr(louisiana, field.name)
        for field in StateNoticeSettings._meta.fields
        if field.name not in ("id", "updated_at")
    }
    data["fair_hearing_agency"] = "Example State Hearings Office"
    data["tagline_languages"] = json.dumps(louisiana.tagline_languages)
    response = admin_client_um.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    louisiana.refresh_from_db()
    assert louisiana.fair_hearing_agency == "Example State Hearings Office"
    assert louisiana.history.latest().history_user == administrator


def test_the_admin_refuses_too_few_or_unknown_tagline_languages(admin_client_um):
    louisiana = StateNoticeSettings.objects.get(state="LA")
    url = f"/admin/letters/statenoticesettings/{louisiana.pk}/change/"
    data = {
        field.name: getattr(louisiana, field.name)
        for field in StateNoticeSettings._meta.fields
        if field.name not in ("id", "updated_at")
    }
    for languages, message in (
        (["es", "vi"], "at least 15"),
        ([*louisiana.tagline_languages, "xx"], "No tagline is written for xx"),
    ):
        data["tagline_languages"] = json.dumps(languages)
        response = admin_client_um.post(url, data)
        assert response.status_code == 200 and message in response.content.decode()
    louisiana.refresh_from_db()
    assert len(louisiana.tagline_languages) == 15


def test_reviewers_cannot_reach_the_settings(nurse_client, director_client):
    for client in (nurse_client, director_client):
        assert client.get("/admin/letters/statenoticesettings/").status_code == 403


def test_a_member_in_a_state_without_settings_gets_the_plans_state(nurse, settings):
    case = CaseFactory(by=nurse, member_state="TX")
    assert selectors.notice_settings_for(case).state == "LA"  # Texas has none: the plan's state
    settings.ORGANISATION_STATE = "MS"
    with pytest.raises(selectors.NoNoticeSettings, match="an administrator adds them"):
        selectors.notice_settings_for(case)
