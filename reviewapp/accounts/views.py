from django.contrib.auth import views as auth_views

from .middleware import role_not_required

# Signing out and changing one's password are open to any signed-in user, even one with no role.
logout_view = role_not_required(auth_views.LogoutView.as_view())
password_change_view = role_not_required(
    auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html",
        success_url="/accounts/password/changed/",
    )
)
password_change_done_view = role_not_required(
    auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
)
login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html", redirect_authenticated_user=True
)
