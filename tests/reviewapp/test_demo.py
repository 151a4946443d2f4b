"""The demo command loads its data once; running it again changes nothing."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command

from reviewapp.accounts.roles import Role, roles_of
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

    call_command("demo")
    assert User.objects.count() == len(users)
