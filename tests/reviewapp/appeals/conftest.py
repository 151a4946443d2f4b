"""The appeal tests' cast and fixtures: a second medical director, an appealable denial, an
appeal, and a signing key for the appeal letters (helpers in ``tests/appeal_factories.py``)."""

from __future__ import annotations

import pytest

from reviewapp.accounts.roles import Role
from reviewapp.decisions.models import Determination
from tests.appeal_factories import denied, file_appeal
from tests.conftest import make_staff


@pytest.fixture
def appeal_director(db):
    """A second medical director, in a specialty the default reviewer rules ask for, with no part
    in the denials below."""
    return make_staff("henry", Role.DIRECTOR, specialty="Physical Medicine and Rehabilitation")


@pytest.fixture
def denial(nurse, director) -> Determination:
    return denied(nurse, director)


@pytest.fixture
def appeal(denial, nurse):
    return file_appeal(denial, nurse)


KEY_PASSPHRASE = "test-appeal-letters"


@pytest.fixture(scope="session")
def appeal_signing_key(tmp_path_factory):
    from reviewapp.letters import signing

    path = tmp_path_factory.mktemp("appeal-letter-key") / "letter-signing.p12"
    signing.signing_key_create(
        path=path, organisation="Test Valley Health Plan", passphrase=KEY_PASSPHRASE
    )
    return path


@pytest.fixture
def letter_settings(settings, appeal_signing_key):
    settings.LETTER_SIGNING_PKCS12 = appeal_signing_key
    settings.LETTER_SIGNING_PASSPHRASE = KEY_PASSPHRASE
    settings.ORGANISATION_NAME = "Test Valley Health Plan"
    return settings
