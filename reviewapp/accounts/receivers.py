"""Receivers for other libraries' signals; each only hands over to a service."""

from __future__ import annotations

from . import services


def sign_in_locked(sender, request, username: str | None, ip_address: str | None, **kwargs):
    """django-axes locked a sign-in: a security event for managers (once per lock)."""
    services.sign_in_lock_record(username=username or "", address=ip_address)
