"""Sign-in throttling behind a load balancer: the client's address comes from the trusted proxy
header, and failures count per account at an address and per address, so nobody can lock out a
user they do not share an address with. The password page is throttled like the sign-in page,
and a new password may not contain the username."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings

from reviewapp.accounts.addresses import client_address
from reviewapp.accounts.models import SecurityEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BALANCER = "10.0.0.2"
ATTACKER = "198.51.100.66"
NINA_AT_HOME = "203.0.113.7"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()


def through_balancer(address: str, forged: str = "") -> dict:
    """What the app server sees: the balancer as peer, the client appended to the header."""
    chain = f"{forged}, {address}" if forged else address
    return {"REMOTE_ADDR": BALANCER, "HTTP_X_FORWARDED_FOR": chain}


def sign_in(client: Client, username: str, password: str, **meta):
    return client.post("/accounts/login/", {"username": username, "password": password}, **meta)


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}, "192.0.2.1"),
        (1, through_balancer("192.0.2.9"), "192.0.2.9"),
        (1, through_balancer("192.0.2.9", forged="203.0.113.7"), "192.0.2.9"),
        (
            2,
            {"REMOTE_ADDR": BALANCER, "HTTP_X_FORWARDED_FOR": "1.1.1.1, 192.0.2.9, 10.9.9.9"},
            "192.0.2.9",
        ),
        (1, {"REMOTE_ADDR": BALANCER}, BALANCER),  # a probe from inside the network
        (1, {"REMOTE_ADDR": BALANCER, "HTTP_X_FORWARDED_FOR": "not-an-address"}, None),
        (1, {"REMOTE_ADDR": BALANCER, "HTTP_X_FORWARDED_FOR": "[2001:db8::1]:443"}, "2001:db8::1"),
    ],
)
def test_the_client_address_is_read_through_the_configured_number_of_proxies(
    settings, proxies, meta, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(RequestFactory().get("/", **meta)) == expected


@override_settings(AXES_ENABLED=True, TRUSTED_PROXY_COUNT=1)
def test_an_attacker_cannot_lock_out_a_user_they_do_not_share_an_address_with(nurse):
    attacker = Client()
    for _ in range(10):
        # Forging the victim's address in the header changes nothing: the balancer's entry counts.
        sign_in(attacker, "nina", "wrong", **through_balancer(ATTACKER, forged=NINA_AT_HOME))
    # The attacker is locked out at their own address, even with the right password...
    assert sign_in(attacker, "nina", PASSWORD, **through_balancer(ATTACKER)).status_code == 429
    # ...and Nina, behind the same load balancer but at her own address, signs in.
    response = sign_in(Client(), "nina", PASSWORD, **through_balancer(NINA_AT_HOME))
    assert response.status_code == 302


@override_settings(AXES_ENABLED=True, TRUSTED_PROXY_COUNT=1, SIGN_IN_ADDRESS_FAILURE_LIMIT=8)
def test_an_address_trying_many_accounts_is_throttled_on_its_own_limit(nurse, director):
    attacker = Client()
    for number in range(8):  # one failure each on eight accounts: no account reaches five
        response = sign_in(attacker, f"user{number}", "wrong", **through_balancer(ATTACKER))
    assert response.status_code == 429
    assert sign_in(attacker, "grace", PASSWORD, **through_balancer(ATTACKER)).status_code == 429
    assert sign_in(Client(), "grace", PASSWORD, **through_balancer(NINA_AT_HOME)).status_code == 302


@override_settings(AXES_ENABLED=True, TRUSTED_PROXY_COUNT=1)
def test_a_few_typing_mistakes_across_an_office_do_not_lock_the_office(nurse, director):
    office = through_balancer("192.0.2.50")
    for username in ("nina", "grace", "nina", "grace", "nina", "grace"):
        sign_in(Client(), username, "typo", **office)  # three each: under five per account
    assert sign_in(Client(), "nina", PASSWORD, **office).status_code == 302


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_a_lockout_is_a_security_event_once(nurse):
    client = Client()
    for _ in range(6):
        sign_in(client, "nina", "wrong")
    events = SecurityEvent.objects.filter(kind="sign_in_locked")
    assert events.count() == 1
    assert events.get().target == nurse and events.get().address == "127.0.0.1"


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_the_password_page_is_throttled_like_sign_in(nurse, nurse_client):
    for _ in range(3):
        response = nurse_client.post(
            "/accounts/password/",
            {
                "old_password": "a-guess-at-it",
                "new_password1": "a-new-long-passphrase-2026",
                "new_password2": "a-new-long-passphrase-2026",
            },
        )
    assert response.status_code == 429
    assert "Sign-in temporarily locked" in response.content.decode()
    # The account is locked at this address for signing in too, even with the right password.
    assert sign_in(Client(), "nina", PASSWORD).status_code == 429
    nurse.refresh_from_db()
    assert nurse.check_password(PASSWORD)


def test_a_password_change_is_a_security_event(nurse, nurse_client):
    response = nurse_client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-2026",
            "new_password2": "a-new-long-passphrase-2026",
        },
    )
    assert response.status_code == 302
    assert SecurityEvent.objects.filter(kind="password_changed", target=nurse).exists()


@pytest.mark.parametrize(
    "new", ["nina-pump-review-2026", "Review2026NINA!!", "xxNiNaxx-long-enough"]
)
def test_a_new_password_may_not_contain_the_username(nurse, nurse_client, new):
    response = nurse_client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    assert "may not contain your username" in response.content.decode()
    nurse.refresh_from_db()
    assert nurse.check_password(PASSWORD)
