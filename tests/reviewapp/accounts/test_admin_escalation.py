"""Administrators manage staff but cannot grant themselves review or superuser powers, cannot
set anyone's password, and every role or permission change is a security event managers see."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core import mail

from reviewapp.accounts.models import SecurityEvent
from reviewapp.accounts.roles import Role
from tests.conftest import PASSWORD
from tests.html_forms import form_data

pytestmark = pytest.mark.django_db


def change_url(user: User) -> str:
    return f"/admin/auth/user/{user.pk}/change/"


def change_form(client, user: User) -> dict[str, list[str]]:
    response = client.get(change_url(user))
    assert response.status_code == 200
    return form_data(response.content.decode())


def group_id(role: Role) -> str:
    return str(Group.objects.get(name=role.value).pk)


def perm_id(codename: str) -> str:
    return str(Permission.objects.get(content_type__app_label="accounts", codename=codename).pk)


def test_an_administrator_cannot_make_themselves_superuser(administrator, admin_client_um):
    data = change_form(admin_client_um, administrator)
    data["is_superuser"] = ["on"]
    data["is_staff"] = ["on"]
    data["user_permissions"] = [perm_id("decide_adverse"), perm_id("review_cases")]
    response = admin_client_um.post(change_url(administrator), data)
    assert response.status_code in (200, 302)
    administrator.refresh_from_db()
    assert not administrator.is_superuser
    assert not administrator.user_permissions.exists()
    fresh = User.objects.get(pk=administrator.pk)
    assert not fresh.has_perm("accounts.decide_adverse")
    assert not fresh.has_perm("accounts.review_cases")
    refused = SecurityEvent.objects.get(kind="escalation_refused")
    assert refused.actor == administrator and refused.target == administrator


def test_an_administrator_cannot_change_their_own_roles(administrator, admin_client_um):
    data = change_form(admin_client_um, administrator)
    assert "groups" not in data  # shown read-only on one's own account
    data["groups"] = [group_id(Role.ADMINISTRATOR), group_id(Role.DIRECTOR)]
    admin_client_um.post(change_url(administrator), data)
    names = set(User.objects.get(pk=administrator.pk).groups.values_list("name", flat=True))
    assert names == {Role.ADMINISTRATOR.value}
    assert SecurityEvent.objects.filter(kind="escalation_refused", actor=administrator).exists()


def test_user_permissions_are_not_editable_by_administrators_on_anyone(
    administrator, nurse, admin_client_um
):
    data = change_form(admin_client_um, nurse)
    assert "user_permissions" not in data and "is_superuser" not in data
    data["user_permissions"] = [perm_id("decide_adverse")]
    data["is_superuser"] = ["on"]
    admin_client_um.post(change_url(nurse), data)
    nurse = User.objects.get(pk=nurse.pk)
    assert not nurse.is_superuser and not nurse.has_perm("accounts.decide_adverse")


def test_an_administrator_may_change_another_staff_members_role_and_it_is_recorded(
    administrator, nurse, admin_client_um, manager_client
):
    data = change_form(admin_client_um, nurse)
    data["groups"] = [group_id(Role.DIRECTOR)]
    response = admin_client_um.post(change_url(nurse), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(nurse.groups.values_list("name", flat=True)) == {Role.DIRECTOR.value}
    event = SecurityEvent.objects.get(kind="roles_changed")
    assert event.actor == administrator and event.target == nurse
    assert event.before == {"roles": [Role.NURSE.value]}
    assert event.after == {"roles": [Role.DIRECTOR.value]}
    assert event.address == "127.0.0.1"
    # Managers see it.
    page = manager_client.get("/audit/security/").content.decode()
    assert "nina" in page and "Medical director" in page and "Nurse reviewer" in page


def test_deactivating_and_changing_an_email_are_security_events(
    administrator, nurse, admin_client_um, django_capture_on_commit_callbacks
):
    nurse.email = "nina@old.example.org"
    nurse.save()
    data = change_form(admin_client_um, nurse)
    data.pop("is_active", None)
    data["email"] = ["nina@new.example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_um.post(change_url(nurse), data)
    kinds = set(SecurityEvent.objects.filter(target=nurse).values_list("kind", flat=True))
    assert {"active_changed", "email_changed"} <= kinds
    # The old address is told, so a hijacked address cannot quietly receive a reset link.
    assert any("nina@old.example.org" in m.to for m in mail.outbox)


def test_no_one_sets_another_users_password_in_the_admin(administrator, nurse, admin_client_um):
    url = f"/admin/auth/user/{nurse.pk}/password/"
    assert admin_client_um.get(url).status_code == 403
    response = admin_client_um.post(
        url, {"password1": "a-new-password-2026!", "password2": "a-new-password-2026!"}
    )
    assert response.status_code == 403
    assert User.objects.get(pk=nurse.pk).check_password(PASSWORD)
    # The change page offers a reset link instead of a password form.
    page = admin_client_um.get(change_url(nurse)).content.decode()
    assert f"/admin/auth/user/{nurse.pk}/password/" not in page
    assert "reset link" in page


def test_a_superuser_cannot_set_other_users_passwords_either(nurse):
    boss = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    from django.test import Client

    client = Client()
    client.force_login(boss)
    response = client.post(
        f"/admin/auth/user/{nurse.pk}/password/",
        {"password1": "a-new-password-2026!", "password2": "a-new-password-2026!"},
    )
    assert response.status_code == 403
    assert User.objects.get(pk=nurse.pk).check_password(PASSWORD)


def test_administrators_cannot_edit_a_superuser(administrator, admin_client_um):
    boss = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    data = change_form(admin_client_um, boss)  # viewable...
    data["email"] = ["attacker@example.org"]
    response = admin_client_um.post(change_url(boss), data)
    assert response.status_code == 403  # ...not editable
    assert User.objects.get(pk=boss.pk).email == "root@example.org"


def invitation_link(message) -> str:
    return re.search(r"https?://[^\s]+/accounts/reset/[^\s]+/", message.body).group(0)


def test_new_staff_get_an_invitation_link_and_never_a_password_from_the_admin(
    administrator, admin_client_um, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_um.post(
            "/admin/auth/user/add/",
            {
                "username": "newnurse",
                "email": "newnurse@example.org",
                "first_name": "New",
                "last_name": "Nurse",
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="newnurse")
    assert not user.has_usable_password()
    assert [m.to for m in mail.outbox] == [["newnurse@example.org"]]
    link = invitation_link(mail.outbox[0])
    # The new member of staff chooses their own password through the link.
    page = client.get(link, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "a-strong-passphrase-2026", "new_password2": "a-strong-passphrase-2026"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).check_password("a-strong-passphrase-2026")
    kinds = list(SecurityEvent.objects.filter(target=user).values_list("kind", flat=True))
    assert {"account_created", "password_link_sent", "password_set_by_link"} <= set(kinds)
    # The link works once.
    assert client.get(link, follow=True).content.decode().count("invalid") >= 1


def test_a_reset_link_is_sent_from_the_staff_list(
    administrator, nurse, admin_client_um, django_capture_on_commit_callbacks
):
    nurse.email = "nina@example.org"
    nurse.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_um.post(
            "/admin/auth/user/",
            {"action": "send_password_reset_link", "_selected_action": [nurse.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [["nina@example.org"]]
    assert "/accounts/reset/" in mail.outbox[0].body
    assert User.objects.get(pk=nurse.pk).check_password(PASSWORD)  # unchanged until used
    assert SecurityEvent.objects.filter(kind="password_link_sent", target=nurse).exists()


def test_group_permission_changes_by_a_superuser_are_recorded():
    boss = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    from django.test import Client

    client = Client()
    client.force_login(boss)
    group = Group.objects.get(name=Role.NURSE.value)
    data = form_data(client.get(f"/admin/auth/group/{group.pk}/change/").content.decode())
    data["permissions"] = [*data.get("permissions", []), perm_id("decide_adverse")]
    assert client.post(f"/admin/auth/group/{group.pk}/change/", data).status_code == 302
    event = SecurityEvent.objects.get(kind="group_permissions_changed")
    assert "accounts.decide_adverse" in event.after["permissions"]
    assert "accounts.decide_adverse" not in event.before["permissions"]


def test_security_events_are_for_managers_and_administrators_only(role_clients):
    for role in ("manager", "administrator"):
        assert role_clients[role].get("/audit/security/").status_code == 200, role
    for role in ("nurse", "director", "no_role"):
        assert role_clients[role].get("/audit/security/").status_code == 403, role


def test_security_events_are_append_only(administrator, nurse):
    from django.core.exceptions import ValidationError

    from reviewapp.accounts.services import security_event_record

    event = security_event_record(
        kind="roles_changed", actor=administrator, target=nurse, summary="test"
    )
    event.summary = "rewritten"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
