"""Account forms: changing one's own password, throttled like signing in."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """The current password is checked through ``authenticate``, so a wrong one counts as a
    failed sign-in (django-axes): guessing it here locks the account at that address exactly as
    guessing it on the sign-in page would."""

    def __init__(self, user, *args, request: HttpRequest, **kwargs) -> None:
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        checked = authenticate(
            self.request, username=self.user.get_username(), password=old_password
        )
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password
