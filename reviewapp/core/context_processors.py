from django.conf import settings
from django.http import HttpRequest

from reviewapp.accounts.roles import roles_of

from .navigation import nav_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": [], "organisation_name": settings.ORGANISATION_NAME}
    return {
        "nav_items": nav_for(user),
        "user_roles": sorted(role.value for role in roles_of(user)),
        "organisation_name": settings.ORGANISATION_NAME,
        # The page's script warns before the session ends for inactivity (static/js/app.js).
        "session_timeout_seconds": settings.SESSION_IDLE_TIMEOUT_SECONDS,
        "session_warning_seconds": min(
            settings.SESSION_WARNING_SECONDS, settings.SESSION_IDLE_TIMEOUT_SECONDS // 2
        ),
    }
