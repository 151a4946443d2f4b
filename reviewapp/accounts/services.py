"""Writes on staff accounts."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import transaction

from .models import StaffProfile
from .roles import Role


@transaction.atomic
def staff_upsert(
    *,
    username: str,
    password: str | None,
    role: Role | None,
    display_name: str,
    credentials: str,
    licence_number: str = "",
    licence_state: str = "",
    specialty: str = "",
    email: str = "",
) -> User:
    """Create or update a staff member with exactly one role (or none) and their profile.

    ``password`` None keeps an existing password (new users get an unusable one).
    """
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if password is not None:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    first, _, last = display_name.replace("Dr. ", "").partition(" ")
    user.first_name, user.last_name, user.email = first, last, email or user.email
    user.save()
    user.groups.set([Group.objects.get(name=role.value)] if role else [])
    StaffProfile.objects.update_or_create(
        user=user,
        defaults={
            "display_name": display_name,
            "credentials": credentials,
            "licence_number": licence_number,
            "licence_state": licence_state,
            "specialty": specialty,
        },
    )
    return user
