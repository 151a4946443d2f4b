"""OAuth 2.0 client credentials, scopes, one client's requests hidden from another, rate limits,
the audit of every call, and the management command that registers clients."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from reviewapp.cases.models import Case, CaseEvent
from reviewapp.fhir import examples
from reviewapp.fhir.models import ApiCall, ApiClient

from .conftest import fhir_valid, make_api

pytestmark = pytest.mark.django_db


def _bundle(plan="lhcc-medicaid"):
    return examples.request_bundle(plan=plan, codes=[("62324", 1)], diagnoses=["C50.911"])


def test_the_command_registers_a_client_whose_secret_gets_a_token(plans):
    out = io.StringIO()
    call_command(
        "fhir", "clients", "add", "Bayou EHR", "--plan", "lhcc-medicaid", "--json", stdout=out
    )
    printed = json.loads(out.getvalue())
    assert set(printed) == {"client_id", "client_secret"}
    client = ApiClient.objects.get(name="Bayou EHR")
    assert client.application.client_id == printed["client_id"]
    assert client.application.client_secret != printed["client_secret"]  # only a hash is kept
    assert [p.identifier for p in client.plans.all()] == ["lhcc-medicaid"]
    response = Client().post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "client_id": printed["client_id"],
            "client_secret": printed["client_secret"],
        },
    )
    assert response.status_code == 200
    assert set(response.json()["scope"].split()) == {"submit", "read"}
    # The service account cannot sign in to the staff site.
    assert not client.user.has_usable_password() and not client.user.groups.exists()


def test_the_command_refuses_a_duplicate_or_unknown_plan(plans):
    call_command("fhir", "clients", "add", "Bayou EHR", "--json", stdout=io.StringIO())
    with pytest.raises(Exception, match="already exists"):
        call_command("fhir", "clients", "add", "Bayou EHR", stdout=io.StringIO())
    with pytest.raises(Exception, match="No plan"):
        call_command("fhir", "clients", "add", "X", "--plan", "nope", stdout=io.StringIO())


def test_without_a_token_or_with_a_bad_one(api):
    anonymous = Client()
    for path in ("/fhir/r4/ClaimResponse?identifier=UM-1", "/fhir/r4/Questionnaire"):
        response = anonymous.get(path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        fhir_valid(response.json())
        response = anonymous.get(path, headers={"Authorization": "Bearer not-a-token"})
        assert response.status_code == 401
    # A token in the query string is never accepted.
    assert anonymous.get(f"/fhir/r4/Questionnaire?access_token={api.token}").status_code == 401
    # The CapabilityStatement is public.
    metadata = anonymous.get("/fhir/r4/metadata")
    assert metadata.status_code == 200
    fhir_valid(metadata.json())


def test_a_wrong_secret_gets_no_token_and_failures_are_throttled(api, settings):
    settings.FHIR_TOKEN_FAILURES_PER_MINUTE = 3
    http = Client()
    bad = base64.b64encode(f"{api.org.application.client_id}:wrong".encode()).decode()
    statuses = [
        http.post(
            "/o/token/",
            {"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {bad}"},
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    assert ApiCall.objects.filter(interaction="token", status_code=401).count() == 3


def test_scopes_are_granted_per_client(plans):
    reader = make_api("Read-only portal", [plans["lhcc-medicaid"]], scopes=("read",))
    response = reader.submit(_bundle())
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"
    assert reader.get("/fhir/r4/Questionnaire").status_code == 200
    # Asking for a scope the client was not given gets no token.
    credentials = base64.b64encode(
        f"{reader.org.application.client_id}:{reader.secret}".encode()
    ).decode()
    response = Client().post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": "submit"},
        headers={"Authorization": f"Basic {credentials}"},
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


def test_a_token_with_the_read_scope_only_cannot_submit(api):
    api.authorize(scope="read")
    assert api.submit(_bundle()).status_code == 403
    assert Case.objects.count() == 0


def test_a_client_sees_only_its_own_requests(api, other_api):
    mine = other_api.submit(_bundle()).json()["entry"][0]["resource"]["id"]
    # The other client: the same answer as for a case that does not exist.
    assert api.get(f"/fhir/r4/ClaimResponse/{mine}").status_code == 404
    assert api.get("/fhir/r4/ClaimResponse", identifier=mine).json()["total"] == 0
    inquiry = examples.inquiry_bundle(identifier=mine)
    assert api.post("/fhir/r4/Claim/$inquire", inquiry).status_code == 404
    assert other_api.post("/fhir/r4/Claim/$inquire", inquiry).status_code == 200
    assert other_api.get("/fhir/r4/ClaimResponse", identifier=mine).json()["total"] == 1
    # An inquiry naming another member does not match.
    wrong_member = examples.inquiry_bundle(identifier=mine, member_id="SOMEONE-ELSE")
    assert other_api.post("/fhir/r4/Claim/$inquire", wrong_member).status_code == 404


def test_a_deactivated_client_is_refused(api):
    from reviewapp.fhir.services import client_deactivate

    client_deactivate(client=api.org)
    assert api.get("/fhir/r4/Questionnaire").status_code == 401


def test_rate_limit_per_client(plans):
    limited = make_api("Small clinic", [plans["lhcc-medicaid"]], rate=3)
    statuses = [
        limited.get("/fhir/r4/ValueSet/prior-authorization-codes").status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    response = limited.get("/fhir/r4/ValueSet/prior-authorization-codes")
    assert response["Retry-After"] == "60"
    assert response.json()["issue"][0]["code"] == "throttled"


def test_every_call_is_audited_and_calls_on_a_case_are_in_its_timeline(api):
    reference = api.submit(_bundle()).json()["entry"][0]["resource"]["id"]
    api.get(f"/fhir/r4/ClaimResponse/{reference}")
    api.get("/fhir/r4/ClaimResponse", identifier=reference)
    api.get("/fhir/r4/Questionnaire/nope")
    calls = list(ApiCall.objects.filter(client=api.org).order_by("at", "id"))
    assert [(c.interaction, c.status_code) for c in calls] == [
        ("token", 200),
        ("submit", 200),
        ("read", 200),
        ("read", 200),
        ("questionnaire", 404),
    ]
    case = Case.objects.get(reference=reference)
    events = CaseEvent.objects.filter(case=case, kind__startswith="api_").order_by("at", "id")
    assert [e.kind for e in events] == [
        "api_request_received",
        "api_submit",
        "api_read",
        "api_read",
    ]
    assert all(e.actor == api.org.user for e in events)
    assert "Example EHR read the decision" in events[2].summary


def test_api_calls_are_append_only(api):
    call = ApiCall.objects.first()
    with pytest.raises(Exception, match="append-only"):
        call.save()
    with pytest.raises(Exception, match="append-only"):
        call.delete()


def test_post_only_and_get_only(api):
    assert api.get("/fhir/r4/Claim/$submit").status_code == 405
    assert api.post("/fhir/r4/ClaimResponse", {}).status_code == 405


def test_api_reads_of_member_data_are_in_the_access_log(api, other_api):
    from reviewapp.audit.models import AccessEvent

    reference = other_api.submit(_bundle()).json()["entry"][0]["resource"]["id"]
    before = AccessEvent.objects.count()
    other_api.get(f"/fhir/r4/ClaimResponse/{reference}")
    other_api.post("/fhir/r4/Claim/$inquire", examples.inquiry_bundle(identifier=reference))
    api.get(f"/fhir/r4/ClaimResponse/{reference}")  # another client: not found, still logged
    other_api.get("/fhir/r4/Questionnaire")  # no member data: not an access
    events = list(AccessEvent.objects.order_by("id"))[before:]
    assert [(e.kind, e.method, e.status, e.case_reference) for e in events] == [
        ("api", "GET", 200, reference),
        ("api", "POST", 200, reference),
        ("api", "GET", 404, ""),
    ]
    assert events[0].username == "Other Portal (API client)"
    assert events[0].user_id == other_api.org.user.pk
    assert events[0].member_id == "SYN000123"
    assert events[2].username == "Example EHR (API client)" and events[2].detail == "not found"
