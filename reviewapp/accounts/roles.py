"""The four staff roles, the Django groups that carry them, and their permissions.

A role is a Django group; what a role may do is the group's permissions (created by the migration
accounts.0002_roles), so an administrator can see and audit them in the admin. Views check
permissions (``user.has_perm``), never group names; group names only tell a user which role they
hold (navigation, letters).
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Role(StrEnum):
    NURSE = "Nurse reviewer"
    DIRECTOR = "Medical director"
    ADMINISTRATOR = "UM administrator"
    # Watches the clock and consistency (inventory, workload, metrics) and, with administrators,
    # the access log and security events; never decides cases.
    MANAGER = "UM manager"


# Permission codenames defined on StaffProfile.Meta.permissions (app label "accounts").
REVIEW_CASES = "accounts.review_cases"
APPROVE_CASES = "accounts.approve_cases"
DECIDE_ADVERSE = "accounts.decide_adverse"
ADMINISTER = "accounts.administer"
VIEW_AUDIT = "accounts.view_audit"
VIEW_OPERATIONS = "accounts.view_operations"


def roles_of(user: AbstractBaseUser | AnonymousUser) -> set[Role]:
    """The roles a user holds (empty for anonymous users and users with no role).

    Reads the groups once per request object and caches them on the user.
    """
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        # The staff backend reads group names with the permissions every page checks anyway.
        user.get_group_permissions()
        names = getattr(user, "_group_names", None)
        if names is None:  # another backend, or a superuser
            names = set(user.groups.values_list("name", flat=True))
        cached = {role for role in Role if role.value in names}
        if user.is_superuser:
            cached.add(Role.ADMINISTRATOR)
        user._roles_cache = cached
    return cached
