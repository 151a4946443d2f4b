"""The navigation bar: each entry is shown to the users whose permissions allow it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from reviewapp.accounts.roles import (
    ADMINISTER,
    DECIDE_ADVERSE,
    REVIEW_CASES,
    VIEW_AUDIT,
    VIEW_OPERATIONS,
    roles_of,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None  # None: any staff member with a role


NAV_ITEMS: list[NavItem] = [
    NavItem("Director queue", "decisions:queue", DECIDE_ADVERSE),
    NavItem("Work queue", "cases:queue", REVIEW_CASES),
    NavItem("New case", "cases:intake", REVIEW_CASES),
    NavItem("Operations", "operations:dashboard", VIEW_OPERATIONS),
    NavItem("Work queue", "cases:queue", VIEW_OPERATIONS),  # read-only for managers
    NavItem("Consistency reviews", "operations:irr-reviews", REVIEW_CASES),
    NavItem("Appeals", "appeals:queue", REVIEW_CASES),
    NavItem("Mail room", "letters:mail-room", REVIEW_CASES),
    NavItem("Policy library", "criteria:policy-list", None),
    NavItem("Access log", "audit:access-log", VIEW_AUDIT),
    NavItem("Security events", "audit:security-events", VIEW_AUDIT),
    NavItem("Administration", "admin:index", ADMINISTER),
]


def nav_for(user: AbstractBaseUser) -> list[dict[str, str]]:
    if not roles_of(user):
        return []
    shown: dict[str, str] = {}  # url -> label: a page listed for two permissions shows once
    for item in NAV_ITEMS:
        if item.permission is None or user.has_perm(item.permission):
            shown.setdefault(reverse(item.url_name), item.label)
    return [{"label": label, "url": url} for url, label in shown.items()]
