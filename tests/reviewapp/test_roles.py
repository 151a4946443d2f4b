"""Roles: groups and permissions exist after migrate; each role sees what it may use."""

import pytest
from django.contrib.auth.models import Group

from reviewapp.accounts.roles import Role, roles_of

EXPECTED = {
    "Nurse reviewer": {"accounts.review_cases", "accounts.approve_cases"},
    "Medical director": {
        "accounts.review_cases",
        "accounts.approve_cases",
        "accounts.decide_adverse",
    },
    "UM administrator": {
        "accounts.administer",
        "accounts.view_audit",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "accounts.view_staffprofile",
        "accounts.add_staffprofile",
        "accounts.change_staffprofile",
        "cases.view_turnaroundrule",
        "cases.change_turnaroundrule",
        "letters.view_statenoticesettings",
        "letters.add_statenoticesettings",
        "letters.change_statenoticesettings",
        "appeals.view_appealclockrule",
        "appeals.change_appealclockrule",
        "appeals.view_appealreviewerrule",
        "appeals.add_appealreviewerrule",
        "appeals.change_appealreviewerrule",
        "appeals.delete_appealreviewerrule",
    },
    "UM manager": {"accounts.view_audit", "accounts.view_operations"},
}


@pytest.mark.django_db
def test_migrations_create_the_four_role_groups_with_their_permissions():
    groups = {
        g.name: {f"{p.content_type.app_label}.{p.codename}" for p in g.permissions.all()}
        for g in Group.objects.prefetch_related("permissions__content_type")
    }
    assert groups == EXPECTED
    assert {r.value for r in Role} == set(EXPECTED)


def test_roles_of_reads_groups(nurse, director, administrator, manager, outsider):
    assert roles_of(nurse) == {Role.NURSE}
    assert roles_of(director) == {Role.DIRECTOR}
    assert roles_of(administrator) == {Role.ADMINISTRATOR}
    assert roles_of(manager) == {Role.MANAGER}
    assert roles_of(outsider) == set()
    assert director.has_perm("accounts.decide_adverse")
    assert not nurse.has_perm("accounts.decide_adverse")


def test_user_without_role_sees_no_access_page(outsider_client):
    response = outsider_client.get("/")
    assert response.status_code == 403
    assert b"has no role" in response.content
    # ...but may still change their password and sign out.
    assert outsider_client.get("/accounts/password/").status_code == 200
    assert outsider_client.post("/accounts/logout/").status_code == 302


def test_admin_site_is_for_administrators_only(role_clients):
    assert role_clients["administrator"].get("/admin/").status_code == 200
    assert role_clients["administrator"].get("/admin/auth/user/").status_code == 200
    for role in ("nurse", "director"):
        response = role_clients[role].get("/admin/")
        assert response.status_code == 403, role
        assert b"UM administrators only" in response.content
    assert role_clients["no_role"].get("/admin/").status_code == 403
    response = role_clients["anonymous"].get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert b'name="password"' in response.content


def test_sign_in_with_password_reaches_home(client, nurse):
    from tests.conftest import PASSWORD

    response = client.post("/accounts/login/", {"username": "nina", "password": PASSWORD})
    assert response.status_code == 302
    home = client.get(response["Location"], follow=True)
    assert home.redirect_chain[-1][0] == "/cases/"  # a reviewer starts in the work queue
    assert "Nurse Nina" in home.content.decode()


def test_wrong_password_rerenders_the_form_with_an_error(client, nurse):
    response = client.post("/accounts/login/", {"username": "nina", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_an_htmx_refusal_is_shown_in_the_message_area(role_clients):
    response = role_clients["administrator"].get("/cases/", headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#messages"
    assert "Not allowed." in response.content.decode()
    assert "<html" not in response.content.decode()
