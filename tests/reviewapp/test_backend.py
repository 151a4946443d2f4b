"""The staff authentication backend: what every page needs, in fewer queries, same answers."""

import pytest
from django.contrib.auth import authenticate, get_user
from django.contrib.auth.models import User

from reviewapp.accounts.backends import StaffBackend
from reviewapp.accounts.roles import Role, roles_of
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_roles_and_permissions_come_from_one_query(director, django_assert_num_queries):
    user = StaffBackend().get_user(director.pk)
    # group names with their permissions; the user's own permissions
    with django_assert_num_queries(2):
        assert roles_of(user) == {Role.DIRECTOR}
        assert user.has_perm("accounts.decide_adverse")
    with django_assert_num_queries(0):  # cached on the user for the rest of the request
        assert not user.has_perm("accounts.administer")
        assert user.staff_profile.credentials == "MD"  # loaded with the user


def test_same_permissions_as_the_model_backend(nurse, director, administrator, outsider):
    from django.contrib.auth.backends import ModelBackend

    for user in (nurse, director, administrator, outsider):
        fresh = User.objects.get(pk=user.pk)
        assert StaffBackend().get_all_permissions(fresh) == ModelBackend().get_all_permissions(
            User.objects.get(pk=user.pk)
        )


def test_a_superuser_keeps_every_permission_and_the_administrator_role(db):
    admin = User.objects.create_superuser("root", "root@example.invalid", "x" * 16)
    assert StaffBackend().has_perm(admin, "accounts.decide_adverse")
    assert roles_of(User.objects.get(pk=admin.pk)) == {Role.ADMINISTRATOR}


def test_sign_in_authenticates_through_the_staff_backend(nurse, rf):
    request = rf.post("/accounts/login/")
    user = authenticate(request, username="nina", password=PASSWORD)
    assert user is not None and user.backend == "reviewapp.accounts.backends.StaffBackend"


def test_an_inactive_user_is_not_loaded(nurse, client):
    client.force_login(nurse)
    User.objects.filter(pk=nurse.pk).update(is_active=False)
    request = type("R", (), {"session": client.session})()
    assert not get_user(request).is_authenticated
