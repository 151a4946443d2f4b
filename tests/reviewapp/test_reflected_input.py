"""No endpoint echoes input as markup: query strings and form fields come back escaped (or not
at all), for every URL the resolver knows, as pages and as htmx fragments."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.reviewapp.test_permission_matrix import STATE_CHANGING
from tests.urlwalk import endpoints

pytestmark = pytest.mark.django_db

PAYLOAD = (
    '"><script>alert(1)</script><meta http-equiv="refresh" content="0;url=https://evil.example/">'
    "<img src=x onerror=alert(2)>"
)
RAW = ("<script>alert(1)", '<meta http-equiv="refresh"', "<img src=x onerror")
PARAMS = (
    "codes", "q", "tab", "status", "policy", "priority", "page", "next", "download", "user",
    "member_id", "case_reference", "kind", "date_from", "date_to", "digest",
)  # fmt: skip
HTMX = {"HX-Request": "true"}


def reflected(response) -> list[str]:
    content = getattr(response, "content", b"") if not response.streaming else b""
    text = content.decode("utf-8", errors="replace")
    return [raw for raw in RAW if raw in text]


def test_the_stage_hint_escapes_the_codes_it_echoes(nurse_client):
    response = nurse_client.get("/cases/new/stage-hint/", {"codes": PAYLOAD}, headers=HTMX)
    assert response.status_code == 200
    assert reflected(response) == []
    assert "&lt;meta http-equiv=" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


@pytest.fixture
def world(nurse):
    from reviewapp.decisions.services import case_approve_by_nurse
    from reviewapp.letters import services as letters
    from tests.factories import meeting_case

    letters.signing_key_ensure()
    case = meeting_case(by=nurse)
    case_approve_by_nurse(case=case, by=nurse)
    link = case.evidence_links.first()
    return {
        "pk": str(case.pk),
        "evidence_id": str(case.evidence.first().pk),
        "link_id": str(link.pk),
        "node_id": str(link.criterion_id),
        "name": "pain_nrs",
        "exception_id": "1",
        "policy_key": "molina-mcp-160",
        "version_label": "2025-08-13",
        "checklist_key": "malignant-trial",
        "object_id": "1",
        "app_label": "auth",
        "uidb64": "MQ",
        "token": "set-password",
        "page": "1",
    }


def test_no_endpoint_reflects_markup_from_its_query_string(
    world, role_clients, director, manager, administrator
):
    query = {name: PAYLOAD for name in PARAMS}
    checked = 0
    for endpoint in endpoints(world):
        if endpoint.path.startswith("/admin/"):
            continue
        # A reviewer reaches the case pages (as a page and as a fragment); the others reach
        # their own pages and the refusal pages, which must not echo either.
        for role, variants in (
            ("director", ({}, HTMX)),
            ("manager", ({},)),
            ("administrator", ({},)),
        ):
            for headers in variants:
                response = role_clients[role].get(endpoint.path, query, headers=headers)
                assert reflected(response) == [], (endpoint.name, role, response.status_code)
                checked += 1
    assert checked > 100


def _hostile(data: dict) -> dict:
    """The same form with every free-text value replaced by markup."""
    return {
        key: PAYLOAD if isinstance(value, str) and key not in ("revision",) else value
        for key, value in data.items()
    }


@pytest.mark.parametrize("name", sorted(set(STATE_CHANGING) - {"accounts:logout"}))
def test_no_form_echoes_markup_unescaped(name, nurse, director, administrator, manager, outsider):
    users = {
        "nurse": nurse,
        "director": director,
        "administrator": administrator,
        "manager": manager,
        "no_role": outsider,
    }
    roles, setup = STATE_CHANGING[name]
    actor = users["director"] if "director" in roles else users[sorted(roles)[0]]
    for headers in ({}, HTMX):
        call = setup(users, actor)
        client = Client()
        client.force_login(actor)
        response = client.post(call.path, _hostile(call.data), headers=headers, follow=True)
        assert response.status_code < 500, (name, response.status_code)
        assert reflected(response) == [], (name, headers, reflected(response))
