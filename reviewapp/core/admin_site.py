from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse

from reviewapp.accounts.roles import ADMINISTER


class UMAdminSite(admin.AdminSite):
    """The Django admin, open to UM administrators only (not to every ``is_staff`` user)."""

    site_header = "UM review administration"
    site_title = "UM review administration"
    index_title = "Users, roles and settings"

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_perm(ADMINISTER)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not self.has_permission(request):
                raise PermissionDenied("The administration site is for UM administrators only.")
            return inner(request, *args, **kwargs)

        guarded.__dict__.update(inner.__dict__)
        return guarded

    def login(self, request: HttpRequest, extra_context=None):
        """One sign-in page for the whole site: ours (throttled), not the admin's own."""
        return redirect_to_login(request.GET.get("next", self.index_url()), settings.LOGIN_URL)

    def index_url(self) -> str:
        return reverse("admin:index", current_app=self.name)
