"""Writes on staff accounts, and the security events that record changes to access."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import SecurityEvent, SecurityEventKind, StaffProfile
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
    supervisor: User | None = None,
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
            "supervisor": supervisor,
        },
    )
    return user


# --- security events -----------------------------------------------------------------------------


class AccountActionRefused(Exception):
    """An account action that cannot be done; the message says why."""


def _name(user: AbstractBaseUser | None) -> str:
    return user.get_username() if user is not None else ""


def security_event_record(
    *,
    kind: str,
    actor: AbstractBaseUser | None,
    target: AbstractBaseUser | None,
    summary: str,
    before: Any = None,
    after: Any = None,
    address: str | None = None,
) -> SecurityEvent:
    """Append one security event (who did what to whose access, from where)."""
    return SecurityEvent.objects.create(
        kind=kind,
        actor_id=actor.pk if actor is not None else None,
        actor_name=_name(actor),
        target_id=target.pk if target is not None else None,
        target_name=_name(target),
        summary=summary[:500],
        before=before,
        after=after,
        address=address,
    )


@dataclass(frozen=True)
class AccountSnapshot:
    """What about an account decides what its holder may do (and where their links go)."""

    username: str
    email: str
    is_active: bool
    is_staff: bool
    is_superuser: bool
    roles: tuple[str, ...]
    permissions: tuple[str, ...]


def account_snapshot(*, user: User) -> AccountSnapshot:
    """The account as stored now (read from the database, not from the object in hand)."""
    stored = User.objects.get(pk=user.pk)
    return AccountSnapshot(
        username=stored.username,
        email=stored.email,
        is_active=stored.is_active,
        is_staff=stored.is_staff,
        is_superuser=stored.is_superuser,
        roles=tuple(sorted(stored.groups.values_list("name", flat=True))),
        permissions=tuple(
            sorted(
                f"{app}.{code}"
                for app, code in stored.user_permissions.values_list(
                    "content_type__app_label", "codename"
                )
            )
        ),
    )


_FLAG_EVENTS = {
    "is_superuser": (SecurityEventKind.SUPERUSER_CHANGED, "superuser"),
    "is_staff": (SecurityEventKind.STAFF_FLAG_CHANGED, "staff status"),
    "is_active": (SecurityEventKind.ACTIVE_CHANGED, "active"),
}


@transaction.atomic
def account_changes_record(
    *,
    actor: AbstractBaseUser,
    target: User,
    before: AccountSnapshot | None,
    address: str | None,
) -> list[SecurityEvent]:
    """Record every change to an account's access since ``before`` (None: a new account).

    One event per kind of change (roles, individual permissions, superuser, staff and active
    flags, username, e-mail), each with its before and after. When the e-mail address changes,
    the previous address is told, so an address swapped to receive a reset link does not go
    unnoticed.
    """
    after = account_snapshot(user=target)
    by = _name(actor)
    events = []

    def record(kind: str, summary: str, old: Any, new: Any) -> None:
        events.append(
            security_event_record(
                kind=kind,
                actor=actor,
                target=target,
                summary=summary,
                before=old,
                after=new,
                address=address,
            )
        )

    if before is None:
        record(
            SecurityEventKind.ACCOUNT_CREATED,
            f"{by} created the account {after.username}"
            + (f" with roles {', '.join(after.roles)}" if after.roles else ""),
            None,
            {"username": after.username, "email": after.email, "roles": list(after.roles)},
        )
        return events
    if before.roles != after.roles:
        record(
            SecurityEventKind.ROLES_CHANGED,
            f"{by} changed the roles of {after.username}: "
            f"{', '.join(before.roles) or 'none'} -> {', '.join(after.roles) or 'none'}",
            {"roles": list(before.roles)},
            {"roles": list(after.roles)},
        )
    if before.permissions != after.permissions:
        record(
            SecurityEventKind.PERMISSIONS_CHANGED,
            f"{by} changed the individual permissions of {after.username}",
            {"permissions": list(before.permissions)},
            {"permissions": list(after.permissions)},
        )
    for flag, (kind, label) in _FLAG_EVENTS.items():
        old, new = getattr(before, flag), getattr(after, flag)
        if old != new:
            record(
                kind,
                f"{by} set {label} of {after.username} to {'yes' if new else 'no'}",
                {flag: old},
                {flag: new},
            )
    if before.username != after.username:
        record(
            SecurityEventKind.USERNAME_CHANGED,
            f"{by} renamed the account {before.username} to {after.username}",
            {"username": before.username},
            {"username": after.username},
        )
    if before.email != after.email:
        record(
            SecurityEventKind.EMAIL_CHANGED,
            f"{by} changed the e-mail address of {after.username}",
            {"email": before.email},
            {"email": after.email},
        )
        if before.email:
            _send_after_commit(
                subject="The e-mail address of your UM review account was changed",
                body=(
                    f"The e-mail address of your account {after.username} was changed to "
                    f"{after.email or '(none)'} by {by}.\n\nIf you did not expect this, tell "
                    "your UM manager: password links now go to the new address."
                ),
                to=before.email,
            )
    return events


@transaction.atomic
def group_permissions_record(
    *,
    actor: AbstractBaseUser,
    group: Group,
    before: tuple[str, ...],
    address: str | None,
) -> SecurityEvent | None:
    """Record a change to what a role may do (its group's permissions)."""
    after = group_permissions_of(group=group)
    if after == before:
        return None
    return security_event_record(
        kind=SecurityEventKind.GROUP_PERMISSIONS_CHANGED,
        actor=actor,
        target=None,
        summary=f"{_name(actor)} changed the permissions of the role {group.name}",
        before={"role": group.name, "permissions": list(before)},
        after={"role": group.name, "permissions": list(after)},
        address=address,
    )


def group_permissions_of(*, group: Group) -> tuple[str, ...]:
    return tuple(
        sorted(
            f"{app}.{code}"
            for app, code in group.permissions.values_list("content_type__app_label", "codename")
        )
    )


def _send_after_commit(*, subject: str, body: str, to: str) -> None:
    # A notice about a change that was rolled back would be false: send once it is committed.
    transaction.on_commit(lambda: send_mail(subject, body, None, [to]))


# --- password links ------------------------------------------------------------------------------


def password_link_url(*, user: User, base_url: str) -> str:
    """A one-time link with which the user chooses their own password (Django's reset token:
    it stops working once the password changes, and after PASSWORD_RESET_TIMEOUT)."""
    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


@transaction.atomic
def password_link_send(
    *,
    user: User,
    by: AbstractBaseUser,
    base_url: str,
    invitation: bool,
    address: str | None,
) -> SecurityEvent:
    """Send the user a link to choose their password: an invitation for a new account, a reset
    link otherwise. Nobody else ever sets or learns the password."""
    if not user.email:
        raise AccountActionRefused(
            f"{user.get_username()} has no e-mail address: add one, then send the link."
        )
    if not user.is_active:
        raise AccountActionRefused(f"{user.get_username()} is deactivated: no link was sent.")
    link = password_link_url(user=user, base_url=base_url)
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    if invitation:
        subject = f"Your UM review account at {settings.ORGANISATION_NAME}"
        opening = (
            f"An account was created for you ({user.get_username()}). Choose your password here:"
        )
    else:
        subject = "Choose a new password for your UM review account"
        opening = (
            f"{_name(by)} sent you a link to choose a new password for your account "
            f"{user.get_username()}:"
        )
    body = (
        f"{opening}\n\n{link}\n\nThe link works once, for {days} day{'s' if days > 1 else ''}. "
        "If you did not expect it, ignore this message and tell your UM manager."
    )
    _send_after_commit(subject=subject, body=body, to=user.email)
    return security_event_record(
        kind=SecurityEventKind.PASSWORD_LINK_SENT,
        actor=by,
        target=user,
        summary=f"{_name(by)} sent {user.get_username()} "
        + ("an invitation to choose a password" if invitation else "a password-reset link"),
        after={"email": user.email, "invitation": invitation},
        address=address,
    )


def sign_in_lock_record(*, username: str, address: str | None) -> SecurityEvent | None:
    """Record that sign-in locked for an account at an address (once per cool-off period:
    every further attempt while locked would otherwise add another event)."""
    since = timezone.now() - dt.timedelta(hours=settings.AXES_COOLOFF_TIME or 0)
    recent = SecurityEvent.objects.filter(
        kind=SecurityEventKind.SIGN_IN_LOCKED, target_name=username, address=address, at__gte=since
    )
    if recent.exists():
        return None
    target = User.objects.filter(username=username).first()
    return SecurityEvent.objects.create(
        kind=SecurityEventKind.SIGN_IN_LOCKED,
        target=target,
        target_name=username,
        summary=f"Sign-in locked for {username or 'an unnamed account'} from "
        f"{address or 'an unknown address'} after repeated failures",
        address=address,
    )
