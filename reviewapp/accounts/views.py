import time

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_http_methods, require_POST

from .middleware import LAST_SEEN, role_not_required, seconds_left

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


@require_http_methods(["GET", "POST"])
@role_not_required
def session_view(request: HttpRequest) -> JsonResponse:
    """How long the signed-in session has left (GET: asking is not activity); POST: "stay signed
    in" (activity, so the idle clock starts again)."""
    if request.method == "POST":
        request.session[LAST_SEEN] = int(time.time())
    return JsonResponse({"expires_in": seconds_left(request)})


@require_POST
@role_not_required
def session_drafts_view(request: HttpRequest) -> JsonResponse:
    """Where a page sends its unsaved text as the session ends. While the session is still
    signed in (another tab kept it alive) nothing is kept and the page is told how long is left;
    once it has ended the idle-timeout middleware keeps the text for after signing in again."""
    return JsonResponse({"expires_in": seconds_left(request)})
