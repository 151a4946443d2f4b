"""The cast every test can use: a nurse, a medical director, an administrator, a UM manager and
an outsider."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from criteria.selectors import library_cache_clear
from criteria.services import library_load
from reviewapp.accounts.roles import Role
from reviewapp.accounts.services import staff_upsert

PASSWORD = "test-password-for-staff"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The policy library is loaded once into the test database, as the demo loads it."""
    with django_db_blocker.unblock():
        reports = library_load()
        refused = [r for r in reports if r.status == "refused"]
        assert not refused, refused
    library_cache_clear()


@pytest.fixture(autouse=True)
def _fresh_library_caches():
    """A test that loads library files in its own transaction must not leak cached objects."""
    yield
    library_cache_clear()


def make_staff(username: str, role: Role | None, **profile) -> User:
    defaults = {
        Role.NURSE: {"display_name": f"Nurse {username.title()}", "credentials": "RN"},
        Role.DIRECTOR: {
            "display_name": f"Dr. {username.title()}",
            "credentials": "MD",
            "specialty": "Pain Medicine",
            "licence_number": "MD-1",
            "licence_state": "LA",
        },
        Role.ADMINISTRATOR: {"display_name": f"Admin {username.title()}", "credentials": ""},
        Role.MANAGER: {"display_name": f"Manager {username.title()}", "credentials": "RN, CPHQ"},
        None: {"display_name": username.title(), "credentials": ""},
    }[role]
    return staff_upsert(username=username, password=PASSWORD, role=role, **(defaults | profile))


@pytest.fixture
def nurse(db) -> User:
    return make_staff("nina", Role.NURSE)


@pytest.fixture
def other_nurse(db) -> User:
    return make_staff("oscar", Role.NURSE)


@pytest.fixture
def director(db) -> User:
    return make_staff("grace", Role.DIRECTOR)


@pytest.fixture
def administrator(db) -> User:
    return make_staff("avery", Role.ADMINISTRATOR)


@pytest.fixture
def manager(db) -> User:
    return make_staff("morgan", Role.MANAGER)


@pytest.fixture
def outsider(db) -> User:
    """Signed in, but holds no role."""
    return make_staff("olive", None)


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def nurse_client(nurse) -> Client:
    return _client_for(nurse)


@pytest.fixture
def director_client(director) -> Client:
    return _client_for(director)


@pytest.fixture
def admin_client_um(administrator) -> Client:
    return _client_for(administrator)


@pytest.fixture
def manager_client(manager) -> Client:
    return _client_for(manager)


@pytest.fixture
def outsider_client(outsider) -> Client:
    return _client_for(outsider)


@pytest.fixture
def role_clients(nurse, director, administrator, manager, outsider) -> dict[str, Client]:
    """Clients keyed by role name, plus anonymous."""
    return {
        "nurse": _client_for(nurse),
        "director": _client_for(director),
        "administrator": _client_for(administrator),
        "manager": _client_for(manager),
        "no_role": _client_for(outsider),
        "anonymous": Client(),
    }
