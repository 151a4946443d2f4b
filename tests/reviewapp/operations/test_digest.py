"""The managers' daily turnaround digest, by e-mail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from reviewapp.accounts.roles import Role
from tests.conftest import make_staff

from .conftest import open_case

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


@pytest.fixture
def managers(manager):
    manager.email = "morgan@example.org"
    manager.save()
    second = make_staff("mira", Role.MANAGER)
    second.email = "mira@example.org"
    second.save()
    make_staff("mute", Role.MANAGER)  # no e-mail address: not sent to
    return manager, second


def test_the_digest_goes_to_each_manager_with_the_clock(managers, nurse, administrator):
    administrator.email = "admin@example.org"
    administrator.save()
    nurse.email = "nina@example.org"
    nurse.save()
    overdue = open_case(by=nurse, received_ago=200 * H, due_in=-2 * H)
    soon = open_case(by=nurse, received_ago=150 * H, due_in=10 * H)
    call_command("operations", "digest")
    assert sorted(m.to[0] for m in mail.outbox) == ["mira@example.org", "morgan@example.org"]
    assert all(len(m.to) == 1 for m in mail.outbox)  # nobody sees the others' addresses
    message = mail.outbox[0]
    assert message.subject.startswith("Turnaround: 1 overdue, 1 due in 24 hours, 1 at 75%")
    assert overdue.reference in message.body and soon.reference in message.body
    assert overdue.member_name not in message.body and overdue.member_id not in message.body
    assert "http://127.0.0.1:8000/operations/" in message.body


def test_dry_run_prints_and_sends_nothing(managers, nurse, capsys):
    open_case(by=nurse, received_ago=200 * H, due_in=-2 * H)
    call_command("operations", "digest", "--dry-run")
    out = capsys.readouterr().out
    assert "To: " in out and "morgan@example.org" in out and "Overdue (1)" in out
    assert mail.outbox == []


def test_no_manager_with_an_address(manager, capsys):
    call_command("operations", "digest")
    assert mail.outbox == []
    assert "nothing sent" in capsys.readouterr().err
