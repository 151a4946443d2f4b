"""Sign-in and password pages. Signing out and one's own password are open to any signed-in
user, even one with no role; a password link is open to anyone holding it."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import reverse_lazy

from reviewapp.accounts.addresses import client_address

from . import services
from .forms import ThrottledPasswordChangeForm
from .middleware import role_not_required
from .models import SecurityEventKind


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password-change-done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        services.security_event_record(
            kind=SecurityEventKind.PASSWORD_CHANGED,
            actor=self.request.user,
            target=self.request.user,
            summary=f"{self.request.user.get_username()} changed their password",
            address=client_address(self.request),
        )
        return response


class PasswordSetByLinkView(auth_views.PasswordResetConfirmView):
    """The invitation or reset link: the holder chooses their password (Django's one-time
    token). They are not signed in by it; they sign in on the sign-in page, throttled."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        services.security_event_record(
            kind=SecurityEventKind.PASSWORD_SET_BY_LINK,
            actor=form.user,
            target=form.user,
            summary=f"{form.user.get_username()} chose a password through a link",
            address=client_address(self.request),
        )
        return response


logout_view = role_not_required(auth_views.LogoutView.as_view())
password_change_view = role_not_required(PasswordChangeView.as_view())
password_change_done_view = role_not_required(
    auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
)
password_reset_confirm_view = login_not_required(role_not_required(PasswordSetByLinkView.as_view()))
password_reset_complete_view = login_not_required(
    role_not_required(
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        )
    )
)
login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html", redirect_authenticated_user=True
)
