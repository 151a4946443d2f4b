"""Password rules beyond Django's own validators."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class UsernameNotInPasswordValidator:
    """A password may not contain the account's username (in any letter case).

    Django's similarity validator compares the whole password with the username; "nina2026-pump"
    is not similar to "nina" as a whole, but anyone who knows the username has a head start.
    """

    def validate(self, password: str, user=None) -> None:
        username = (user.get_username() if user is not None else "") or ""
        if len(username) >= 3 and username.casefold() in password.casefold():
            raise ValidationError(
                "Your password may not contain your username.", code="password_has_username"
            )

    def get_help_text(self) -> str:
        return "Your password may not contain your username."
