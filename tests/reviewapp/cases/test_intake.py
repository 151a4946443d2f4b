"""Opening a case: validation, the pinned policy version, due time, reference."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from criteria import selectors as library
from reviewapp.cases.forms import npi_is_valid
from reviewapp.cases.models import Case, CaseEvent, TurnaroundRule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("npi", "valid"),
    [
        ("1234567893", True),
        ("1234567890", False),
        ("1245319599", True),
        ("123456789", False),
        ("12345678a3", False),
    ],
)
def test_npi_check_digit(npi, valid):
    assert npi_is_valid(npi) is valid


def test_nurse_opens_a_case_with_the_version_in_effect_and_a_reference(nurse_client, intake_data):
    response = nurse_client.post("/cases/new/", intake_data)
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.reference == f"UM-{timezone.localdate():%Y}-{case.pk:06d}"
    assert case.member_name == "Ada Example" and case.member_id == "ZZ123456"
    assert case.policy_version.label == "2025-08-13"
    assert case.checklist.key == "non-malignant-trial"
    assert case.stage == "trial"  # suggested from code 62322
    assert case.status == "in_review" and case.assigned_to.username == "nina"
    assert [(s.code, s.units) for s in case.services.all()] == [("62322", 1)]
    assert "spinal canal" in case.services.get().description
    assert CaseEvent.objects.get(case=case).kind == "created"
    # Where the letters go, in which language and format.
    assert (case.member_address_line1, case.member_city, case.member_state, case.member_zip) == (
        "12 Example Lane",
        "Baton Rouge",
        "LA",
        "70801",
    )
    assert case.preferred_language == "es" and case.alternate_format == "large_print"
    assert (case.provider_state, case.provider_zip, case.provider_fax) == (
        "LA",
        "70112-1234",
        "5045550199",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("member_state", "XX", "two-letter postal code of a US state"),
        ("provider_state", "Louisiana", "at most 2 characters"),
        ("member_zip", "7080", "A ZIP code is 5 digits"),
        ("provider_zip", "70112-12", "A ZIP code is 5 digits"),
        ("provider_fax", "555-0199", "A US fax number has 10 digits"),
        ("provider_fax", "(104) 555-0199", "A US fax number has 10 digits"),
        ("member_address_line1", "", "This field is required"),
        ("servicing_provider_npi", "1234567890", "passes its check digit"),
    ],
)
def test_delivery_details_are_validated_and_nothing_typed_is_lost(
    nurse_client, intake_data, field, value, message
):
    intake_data[field] = value
    response = nurse_client.post("/cases/new/", intake_data)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert "12 Example Lane" in html or field == "member_address_line1"
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("received", "version"),
    [("2025-08-12T23:30", "2024-08-14"), ("2025-08-13T00:10", "2025-08-13")],
)
def test_the_received_date_pins_the_version(nurse_client, intake_data, received, version):
    intake_data["received_at"] = received
    intake_data["service_date"] = "2025-09-01"
    nurse_client.post("/cases/new/", intake_data)
    case = Case.objects.get()
    assert case.policy_version.label == version
    # The version stays pinned even if another version takes effect later.
    case.refresh_from_db()
    assert case.policy_version.label == version


@pytest.mark.parametrize(
    ("lob", "priority", "hours"),
    [
        ("commercial", "standard", 15 * 24),
        ("medicaid", "standard", 7 * 24),
        ("medicare_advantage", "standard", 7 * 24),
        ("commercial", "expedited", 72),
    ],
)
def test_due_time_follows_line_of_business_and_priority(
    nurse_client, intake_data, lob, priority, hours
):
    intake_data.update(line_of_business=lob, priority=priority)
    nurse_client.post("/cases/new/", intake_data)
    case = Case.objects.get()
    assert case.due_at - case.received_at == dt.timedelta(hours=hours)


def test_an_administrator_changes_a_turnaround_rule(nurse_client, intake_data):
    TurnaroundRule.objects.filter(line_of_business="commercial", priority="standard").update(
        hours=10 * 24
    )
    nurse_client.post("/cases/new/", intake_data)
    case = Case.objects.get()
    assert case.due_at - case.received_at == dt.timedelta(days=10)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("provider_npi", "1234567890", "fails its check digit"),
        ("provider_npi", "12345", "at least 10 characters"),
        ("member_dob", "2999-01-01", "date of birth is in the future"),
        ("codes", "62322, 99999", "Unknown code 99999"),
        ("codes", "62322 x", "is not a code"),
        ("codes", "62322, 62322", "listed twice"),
        ("codes", "", "This field is required"),
        ("stage", "permanent", "The codes point to trial, not permanent implant"),
        ("received_at", "2999-01-01T10:00", "cannot be received in the future"),
        ("member_name", "x" * 121, "at most 120 characters"),
        ("member_id", "AB 12<script>", "letters, digits and hyphens"),
        ("policy", "acme-1", "Select a valid choice"),
    ],
)
def test_bad_intake_is_refused_with_a_clear_message_and_nothing_saved(
    nurse_client, intake_data, field, value, message
):
    intake_data[field] = value
    response = nurse_client.post("/cases/new/", intake_data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Case.objects.exists()
    # Nothing typed is lost: the other fields come back filled in.
    assert 'value="Dr. Sample Provider"' in response.content.decode()


def test_intake_refuses_a_date_before_any_version(nurse_client, intake_data):
    intake_data["received_at"] = "2024-01-05T10:00"
    intake_data["service_date"] = "2024-02-01"
    response = nurse_client.post("/cases/new/", intake_data)
    assert response.status_code == 422
    assert "No version of MCP-160 was in effect on 2024-01-05" in response.content.decode()
    assert not Case.objects.exists()


def test_a_request_the_policy_does_not_address_opens_on_its_route(nurse_client, intake_data):
    """Molina has no replacement criteria: the request is no dead end, it opens on the route that
    sends it to a medical director."""
    intake_data.update(indication="replacement", codes="62362, E0786", stage="")
    response = nurse_client.post("/cases/new/", intake_data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.checklist.key == "replacement"
    routes = library.engine_checklist(case.checklist).all_routes()
    assert [route.outcome.value for route in routes] == ["not_addressed"]


def test_received_time_is_read_in_the_organisation_time_zone(nurse_client, intake_data):
    intake_data["received_at"] = "2025-08-12T23:30"
    intake_data["service_date"] = "2025-09-01"
    nurse_client.post("/cases/new/", intake_data)
    received = Case.objects.get().received_at.astimezone(zoneinfo.ZoneInfo("America/Chicago"))
    assert (received.hour, received.minute) == (23, 30)


def test_stage_hint_suggests_the_stage_from_codes(nurse_client):
    response = nurse_client.get(
        "/cases/new/stage-hint/", {"codes": "62350, 62362"}, headers={"HX-Request": "true"}
    )
    assert "Stage from the codes: Permanent implant" in response.content.decode()
    response = nurse_client.get("/cases/new/stage-hint/", {"codes": "62362, E0786"})
    assert "Replacement" in response.content.decode()
    response = nurse_client.get("/cases/new/stage-hint/", {"codes": "12345"})
    assert "Unknown code 12345" in response.content.decode()


def test_roles_for_intake(role_clients):
    assert role_clients["nurse"].get("/cases/new/").status_code == 200
    assert role_clients["director"].get("/cases/new/").status_code == 200
    assert role_clients["administrator"].get("/cases/new/").status_code == 403
    assert role_clients["no_role"].get("/cases/new/").status_code == 403
    assert role_clients["anonymous"].get("/cases/new/").status_code == 302


def test_a_double_submit_of_the_intake_form_opens_one_case(nurse_client, intake_data, director):
    import re
    import uuid

    from django.test import Client

    page = nurse_client.get("/cases/new/").content.decode()
    token = re.search(r'name="intake_token" value="([0-9a-f-]{36})"', page).group(1)
    intake_data["intake_token"] = token
    first = nurse_client.post("/cases/new/", intake_data)
    assert first.status_code == 302
    second = nurse_client.post("/cases/new/", intake_data, follow=True)
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert str(case.intake_token) == token
    assert second.redirect_chain[-1][0] == first["Location"] == f"/cases/{case.pk}/"
    assert f"case {case.reference} was opened from it, and no second case was made" in (
        second.content.decode()
    )
    assert CaseEvent.objects.filter(case=case, kind="created").count() == 1
    # A new form (a new token) opens a new case; a token is its sender's only.
    intake_data["intake_token"] = str(uuid.uuid4())
    # (the same member and codes: opened once the nurse confirms it is not a duplicate)
    assert nurse_client.post("/cases/new/", intake_data).status_code == 409
    intake_data["confirm_duplicate"] = "on"
    assert nurse_client.post("/cases/new/", intake_data).status_code == 302
    assert Case.objects.count() == 2
    other = Client()
    other.force_login(director)
    intake_data["intake_token"] = token
    refused = other.post("/cases/new/", intake_data)
    assert refused.status_code == 422
    assert "This intake form was already used" in refused.content.decode()
    assert Case.objects.count() == 2


def test_two_submits_at_the_same_moment_open_one_case(nurse, monkeypatch):
    """The second submit passed the look-up before the first was saved: the unique token stops
    it, and it gets the first case."""
    import uuid

    from criteria.models import Policy
    from reviewapp.cases import services

    token = uuid.uuid4()
    intake = services.Intake(
        member_name="Same Moment",
        member_id="SM1",
        member_dob=dt.date(1970, 1, 1),
        provider_name="Dr. S",
        provider_npi="1234567893",
        line_of_business="commercial",
        priority="standard",
        policy=Policy.objects.get(key="molina-mcp-160"),
        indication="non_malignant_pain",
        stage="trial",
        received_at=timezone.now() - dt.timedelta(hours=1),
        clinical_summary="",
        services=[("62322", 1)],
    )
    first = services.case_create_once(intake=intake, by=nurse, intake_token=token)
    looked_up = []
    real = services._case_by_intake_token

    def racing(found_token, by):
        looked_up.append(found_token)
        return None if len(looked_up) == 1 else real(found_token, by)

    monkeypatch.setattr(services, "_case_by_intake_token", racing)
    second = services.case_create_once(intake=intake, by=nurse, intake_token=token)
    assert first.created and not second.created
    assert second.case.pk == first.case.pk and Case.objects.count() == 1
