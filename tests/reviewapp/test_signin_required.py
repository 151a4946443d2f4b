"""Every page refuses anonymous users, found by walking the URL resolver."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from tests.urlwalk import endpoints

# The only pages a signed-out visitor may reach: the sign-in page, the load balancer's probe, the
# page a password link opens (it needs the link's one-time token; tested in accounts/), the FHIR
# API's CapabilityStatement and OAuth token endpoint (the API's other endpoints answer 401
# without a bearer token), and the public CMS-0057-F metrics (aggregates only; tested in
# operations/).
OPEN_TO_ANONYMOUS = {
    "accounts:login",
    "healthz",
    "public:prior-authorization-metrics",
    "accounts:password-reset-confirm",
    "accounts:password-reset-complete",
    "fhir:metadata",
    "oauth-token",
}


def test_the_walk_finds_the_application_and_the_admin():
    names = {e.name for e in endpoints()}
    assert {"core:home", "accounts:login", "admin:index", "admin:auth_user_changelist"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_url_refuses_anonymous_users(client, method):
    login_url = resolve_url(settings.LOGIN_URL)
    checked = 0
    for endpoint in endpoints():
        if endpoint.name in OPEN_TO_ANONYMOUS:
            continue
        response = getattr(client, method)(endpoint.path, follow=True)
        landed_on_sign_in = bool(response.redirect_chain) and response.redirect_chain[-1][
            0
        ].startswith(login_url)
        refused = landed_on_sign_in or response.status_code in (401, 403, 405)
        assert refused, (
            f"{method.upper()} {endpoint.path} ({endpoint.name}) answered "
            f"{response.status_code} to an anonymous user"
        )
        checked += 1
    assert checked > 20


@pytest.mark.django_db
def test_htmx_request_from_signed_out_user_is_sent_to_sign_in(client):
    response = client.get(
        "/cases/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/cases/7/"}
    )
    assert response.status_code == 204
    # Back to the page the request came from once signed in.
    assert response["HX-Redirect"] == resolve_url(settings.LOGIN_URL) + "?next=%2Fcases%2F7%2F"


@pytest.mark.django_db
def test_sign_in_page_and_probe_are_open(client):
    assert b'name="password"' in client.get(resolve_url(settings.LOGIN_URL)).content
    assert client.get("/healthz").json() == {"status": "ok"}
