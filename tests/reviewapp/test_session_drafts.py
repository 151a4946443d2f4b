"""Sessions that end for inactivity: the page is warned (how long is left, "stay signed in"),
what was typed survives the end and comes back after signing in again, on the page the reviewer
was on; another person signing in on that browser gets nothing."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from criteria import selectors as library
from reviewapp.cases.models import Answer
from tests.conftest import PASSWORD
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def expire(client: Client) -> None:
    session = client.session
    session["last_seen"] = int(time.time()) - 31 * 60
    session.save()


def sign_in(client: Client, username: str, next_path: str):
    """Through the sign-in form, with its CSRF token, as a browser would."""
    client.get(f"/accounts/login/?next={next_path}")
    return client.post(
        f"/accounts/login/?next={next_path}",
        {
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )


def answer_url(case, label):
    return f"/cases/{case.pk}/criteria/{library.checklist_nodes(case.checklist)[label].pk}/answer/"


@pytest.fixture
def case(nurse):
    return CaseFactory(by=nurse)


@pytest.fixture
def nurse_browser(nurse) -> Client:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, "nina", "/cases/")
    return client


def csrf(client: Client) -> str:
    client.get("/cases/")
    return client.cookies["csrftoken"].value


def test_the_page_asks_how_long_is_left_without_it_counting_as_activity(nurse_client):
    page = nurse_client.get("/cases/").content.decode()
    assert 'data-session-timeout="1800"' in page and 'data-session-warning="120"' in page
    session = nurse_client.session
    session["last_seen"] = int(time.time()) - 600
    session.save()
    left = nurse_client.get("/accounts/session/").json()["expires_in"]
    assert 1190 <= left <= 1200
    assert nurse_client.get("/accounts/session/").json()["expires_in"] <= left  # not touched
    # "Stay signed in" is activity: the clock starts again.
    assert nurse_client.post("/accounts/session/").json()["expires_in"] >= 1799


def test_after_expiry_asking_says_so_and_signs_nobody_out(nurse_client):
    nurse_client.get("/cases/")
    expire(nurse_client)
    assert nurse_client.get("/accounts/session/").json()["expires_in"] < 0
    # The next real request signs out.
    response = nurse_client.get("/cases/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_answer_posted_after_expiry_comes_back_in_its_row(case, nurse_browser):
    token = csrf(nurse_browser)
    expire(nurse_browser)
    url = answer_url(case, "2.d")
    response = nurse_browser.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "revision": "0",
            "status": "met",
            "note": "Afebrile, no wound",
        },
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver/cases/{case.pk}/"},
    )
    # htmx is told to go to the sign-in page, which returns to the case page.
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/accounts/login/?next=%2Fcases%2F{case.pk}%2F"
    assert not Answer.objects.filter(case=case).exclude(status="").exists()
    login = nurse_browser.get(response["HX-Redirect"]).content.decode()
    assert "what you had typed is kept for you" in login
    response = sign_in(nurse_browser, "nina", f"/cases/{case.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    page = nurse_browser.get(f"/cases/{case.pk}/").content.decode()
    row = page.split('data-label="2.d"')[1].split("</li>")[0]
    assert 'value="Afebrile, no wound"' in row and "Restored what you typed" in row
    assert 'value="met" id=' in row and "checked" in row.split('value="met"')[1].split(">")[0]
    # Once: the next visit shows the saved state only.
    page = nurse_browser.get(f"/cases/{case.pk}/").content.decode()
    assert "Afebrile, no wound" not in page


def test_the_page_hands_over_its_unsaved_forms_as_the_session_ends(case, nurse_browser):
    token = csrf(nurse_browser)
    expire(nurse_browser)
    drafts = {
        answer_url(case, "2.a"): {"revision": "0", "note": "Pain 8/10 on three visits"},
        f"/cases/{case.pk}/refer/": {"summary": "Typed summary"},
    }
    response = nurse_browser.post(
        "/accounts/session/drafts/",
        {"csrfmiddlewaretoken": token, "drafts": json.dumps(drafts)},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver/cases/{case.pk}/"},
    )
    assert response.status_code == 204 and "next=%2Fcases%2F" in response["HX-Redirect"]
    sign_in(nurse_browser, "nina", f"/cases/{case.pk}/")
    page = nurse_browser.get(f"/cases/{case.pk}/").content.decode()
    assert 'value="Pain 8/10 on three visits"' in page


def test_pend_refer_and_intake_text_survive_expiry(case, nurse_browser):
    token = csrf(nurse_browser)
    for path, field, text in (
        (f"/cases/{case.pk}/refer/", "summary", "My summary for the director"),
        (f"/cases/{case.pk}/pend/", "request_text", "Please send the psych evaluation"),
        ("/cases/new/", "member_name", "Ada Typed"),
    ):
        expire(nurse_browser)
        response = nurse_browser.post(
            path,
            {"csrfmiddlewaretoken": token, field: text},
            headers={"Referer": f"http://testserver{path}"},
        )
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
        sign_in(nurse_browser, "nina", path)
        token = csrf(nurse_browser)
        page = nurse_browser.get(path).content.decode()
        assert text in page and 'data-testid="restored"' in page, path


def test_another_user_signing_in_gets_nothing(case, nurse_browser, other_nurse):
    token = csrf(nurse_browser)
    expire(nurse_browser)
    nurse_browser.post(
        f"/cases/{case.pk}/refer/",
        {"csrfmiddlewaretoken": token, "summary": "Nina's private draft"},
        headers={"Referer": f"http://testserver/cases/{case.pk}/refer/"},
    )
    sign_in(nurse_browser, "oscar", f"/cases/{case.pk}/refer/")
    assert (
        "Nina's private draft" not in nurse_browser.get(f"/cases/{case.pk}/refer/").content.decode()
    )


def test_a_post_failing_the_csrf_check_keeps_nothing(case, nurse_browser):
    csrf(nurse_browser)
    expire(nurse_browser)
    nurse_browser.post(
        f"/cases/{case.pk}/refer/",
        {"csrfmiddlewaretoken": "forged", "summary": "Injected text"},
        headers={"Referer": f"http://testserver/cases/{case.pk}/refer/"},
    )
    sign_in(nurse_browser, "nina", f"/cases/{case.pk}/refer/")
    assert "Injected text" not in nurse_browser.get(f"/cases/{case.pk}/refer/").content.decode()


def test_signing_out_drops_the_drafts(case, nurse_browser):
    token = csrf(nurse_browser)
    expire(nurse_browser)
    nurse_browser.post(
        f"/cases/{case.pk}/refer/",
        {"csrfmiddlewaretoken": token, "summary": "Left behind"},
        headers={"Referer": f"http://testserver/cases/{case.pk}/refer/"},
    )
    sign_in(nurse_browser, "nina", "/cases/")
    nurse_browser.post("/accounts/logout/", {"csrfmiddlewaretoken": csrf(nurse_browser)})
    sign_in(nurse_browser, "nina", "/cases/")
    assert "Left behind" not in nurse_browser.get(f"/cases/{case.pk}/refer/").content.decode()


def test_the_whole_intake_form_survives_expiry(nurse_browser):
    """Every intake field comes back, the delivery fields (mailing address, language, large
    print, the provider's address and fax, the servicing provider) as well as the request's
    (diagnoses, date of service, servicing facility)."""
    typed = {
        "member_name": "Ada Typed",
        "member_id": "ZZ123456",
        "member_dob": "1970-05-17",
        "member_address_line1": "12 Example Lane",
        "member_state": "LA",
        "provider_name": "Dr. Sample Provider",
        "provider_npi": "1234567893",
        "provider_address_line1": "200 Clinic Way",
        "provider_city": "New Orleans",
        "provider_state": "LA",
        "provider_zip": "70112",
        "line_of_business": "commercial",
        "policy": "molina-mcp-160",
        "indication": "non_malignant_pain",
        "codes": "62322",
        "stage": "",
        "service_date": "2026-12-20",
        "servicing_facility_npi": "",
        "trial_case": "",
        "received_at": "2026-11-30T09:00",
        "priority": "standard",
        "assign_to_me": "on",
        "member_city": "Lafayette",
        "member_zip": "70506",
        "alternate_format": "large_print",
        "preferred_language": "es",
        "provider_fax": "337-555-0142",
        "provider_address_line2": "Suite 9",
        "servicing_provider_name": "Dr. Surgeon Typed",
        "servicing_provider_npi": "1234567893",
        "servicing_facility": "Acadiana Surgical Typed",
        "diagnoses": "G89.4, M96.1",
        "clinical_summary": "Typed last, kept too.",
    }
    token = csrf(nurse_browser)
    expire(nurse_browser)
    response = nurse_browser.post(
        "/cases/new/",
        {"csrfmiddlewaretoken": token, **typed},
        headers={"Referer": "http://testserver/cases/new/"},
    )
    assert response.status_code == 302
    sign_in(nurse_browser, "nina", "/cases/new/")
    page = nurse_browser.get("/cases/new/").content.decode()
    for field in (
        "member_name",
        "member_city",
        "member_zip",
        "provider_fax",
        "provider_address_line2",
        "servicing_provider_name",
        "servicing_provider_npi",
        "servicing_facility",
    ):
        assert f'value="{typed[field]}"' in page, field
    assert "Typed last, kept too." in page
    assert '<option value="es" selected>' in page
    assert '<option value="large_print" selected>' in page
