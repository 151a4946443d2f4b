"""The demo command loads its data once; running it again changes nothing."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command

from reviewapp.accounts.roles import Role, roles_of
from reviewapp.appeals.models import Appeal
from reviewapp.appeals.selectors import appeals_open
from reviewapp.appeals.selectors import reviewer_refusal as appeal_reviewer_refusal
from reviewapp.demo.services import DEMO_PASSWORD


@pytest.mark.django_db
def test_demo_creates_staff_for_each_role_and_is_idempotent(capsys):
    call_command("demo")
    first = capsys.readouterr().out
    users = {u.username: u for u in User.objects.all()}
    assert roles_of(users["nurse"]) == {Role.NURSE}
    assert roles_of(users["director"]) == {Role.DIRECTOR}
    assert roles_of(users["admin"]) == {Role.ADMINISTRATOR}
    assert users["director"].staff_profile.credentials == "MD"
    assert authenticate(username="nurse", password=DEMO_PASSWORD) is not None
    assert DEMO_PASSWORD in first

    # The demo appeal: open, filed by the provider with the trial report, against the denial
    # ``director`` made; she may not review it, ``director2`` (no part in it) may.
    (appeal,) = appeals_open()
    assert appeal.reference in first and appeal.requester == "provider"
    assert appeal.determination.decided_by == users["director"]
    assert appeal.documents.get().evidence.doc_type == "trial_report"
    assert appeal_reviewer_refusal(appeal=appeal, user=users["director"])
    assert appeal_reviewer_refusal(appeal=appeal, user=users["director2"]) == ""

    call_command("demo")
    assert User.objects.count() == len(users)
    assert Appeal.objects.count() == 1
