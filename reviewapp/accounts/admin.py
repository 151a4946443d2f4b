"""Staff administration: administrators manage accounts and roles, never their own access.

- ``is_superuser``, ``is_staff`` and individual ``user_permissions`` are read-only to anyone who
  is not a superuser, and a superuser's account is read-only to them;
- nobody changes their own roles or deactivates themselves;
- nobody sets another person's password: new staff get an invitation link, others a reset
  link, and the admin's set-password page is refused;
- every change to an account's access (and every refused attempt) is a security event, which
  managers and administrators read under Audit > Security events.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UsernameField
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from reviewapp.accounts.addresses import client_address

from . import services
from .models import SecurityEventKind, StaffProfile

# Fields that grant power: only a superuser edits them, and nobody edits their own.
PROTECTED = ("is_superuser", "is_staff", "user_permissions")
OWN_ACCOUNT_PROTECTED = ("groups", "is_active")
ACCOUNT_HELP = (
    "Nobody sets another person's password. To give this person a new password, send them a "
    "reset link (the button above, or the staff list's action); they choose it themselves."
)


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    fk_name = "user"
    can_delete = False


class StaffInviteForm(forms.ModelForm):
    """A new account: no password (the new member of staff chooses it through the invitation)."""

    email = forms.EmailField(
        required=True, help_text="The invitation to choose a password is sent here."
    )

    class Meta:
        model = User
        fields = ("username", "email", "first_name", "last_name")
        field_classes = {"username": UsernameField}


class StaffChangeForm(UserChangeForm):
    """Django's user form without the password field and its link to the set-password page."""

    password = None  # type: ignore[assignment]


class UserAdmin(BaseUserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "full_name", "roles", "is_active", "last_login"]
    list_filter = ["groups", "is_active"]
    actions = ["send_password_reset_link"]
    form = StaffChangeForm
    add_form = StaffInviteForm
    change_form_template = "admin/accounts/user_change_form.html"
    fieldsets = (
        (None, {"fields": ("username",), "description": ACCOUNT_HELP}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Access",
            {"fields": ("is_active", "groups", "is_staff", "is_superuser", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "email", "first_name", "last_name")}),)

    @admin.display(description="Name")
    def full_name(self, obj: User) -> str:
        profile = getattr(obj, "staff_profile", None)
        return profile.signature_name if profile else obj.get_full_name()

    @admin.display(description="Roles")
    def roles(self, obj: User) -> str:
        return ", ".join(g.name for g in obj.groups.all())

    def get_inlines(self, request: HttpRequest, obj: User | None):
        # A new account is created first (and invited); its profile is filled in on the next
        # page, with its roles.
        return self.inlines if obj is not None else []

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("staff_profile").prefetch_related("groups")
        )

    # --- who may edit what ------------------------------------------------------------------

    def _locked_fields(self, request: HttpRequest, obj: User | None) -> tuple[str, ...]:
        locked: tuple[str, ...] = () if request.user.is_superuser else PROTECTED
        if obj is not None and obj.pk == request.user.pk:
            locked += OWN_ACCOUNT_PROTECTED
        return locked

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None):
        if obj is None:
            return ()
        return (*super().get_readonly_fields(request, obj), *self._locked_fields(request, obj))

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # a superuser's account is read-only to everyone else
        return super().has_change_permission(request, obj)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                self._record_refused_changes(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def _record_refused_changes(self, request: HttpRequest, obj: User) -> None:
        """The form never offers these fields, so a value posted for one is a crafted request:
        it is ignored, and recorded."""
        if obj.is_superuser and not request.user.is_superuser:
            tried = {"account": "a superuser's account"}
        else:
            tried = {
                field: request.POST.getlist(field)
                for field in self._locked_fields(request, obj)
                if field in request.POST
            }
        if tried:
            services.security_event_record(
                kind=SecurityEventKind.ESCALATION_REFUSED,
                actor=request.user,
                target=obj,
                summary=f"{request.user.get_username()} tried to change protected access of "
                f"{obj.get_username()} ({', '.join(tried)}); refused",
                after=tried,
                address=client_address(request),
            )

    # --- saving, with its security events -------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        request._account_before = services.account_snapshot(user=obj) if change else None
        if not change:
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user = form.instance
        address = client_address(request)
        services.account_changes_record(
            actor=request.user,
            target=user,
            before=getattr(request, "_account_before", None),
            address=address,
        )
        if not change:
            services.password_link_send(
                user=user,
                by=request.user,
                base_url=request.build_absolute_uri("/"),
                invitation=True,
                address=address,
            )
            self.message_user(request, f"An invitation to choose a password went to {user.email}.")

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.security_event_record(
            kind=SecurityEventKind.ACCOUNT_DELETED,
            actor=request.user,
            target=obj,
            summary=f"{request.user.get_username()} deleted the account {obj.get_username()}",
            before={"username": obj.get_username(), "email": obj.email},
            address=client_address(request),
        )
        super().delete_model(request, obj)

    # --- passwords: links, never typed by someone else ----------------------------------------

    def user_change_password(self, request: HttpRequest, id, form_url=""):
        raise PermissionDenied(
            "Nobody sets another person's password here. Send them a password-reset link."
        )

    def get_urls(self):
        return [
            path(
                "<id>/send-reset-link/",
                self.admin_site.admin_view(self.send_reset_link_view),
                name="auth_user_send_reset_link",
            ),
            *super().get_urls(),
        ]

    def _send_links(self, request: HttpRequest, users) -> None:
        for user in users:
            try:
                services.password_link_send(
                    user=user,
                    by=request.user,
                    base_url=request.build_absolute_uri("/"),
                    invitation=not user.has_usable_password() and user.last_login is None,
                    address=client_address(request),
                )
            except services.AccountActionRefused as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"A password link went to {user.email}.")

    @admin.action(description="Send a password-reset link", permissions=["change"])
    def send_password_reset_link(self, request: HttpRequest, queryset) -> None:
        allowed = [u for u in queryset if self.has_change_permission(request, u)]
        self._send_links(request, allowed)

    def send_reset_link_view(self, request: HttpRequest, id: str) -> HttpResponse:
        return _send_reset_link(self, request, id)


@require_POST
def _send_reset_link(model_admin: UserAdmin, request: HttpRequest, id: str) -> HttpResponse:
    user = get_object_or_404(User, pk=unquote(id))
    if not model_admin.has_change_permission(request, user):
        raise PermissionDenied("You may not send links for this account.")
    model_admin._send_links(request, [user])
    return HttpResponseRedirect(reverse("admin:auth_user_change", args=[user.pk]))


class GroupAdmin(BaseGroupAdmin):
    """Roles: what each may do. Changes (superusers only) are security events."""

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        group = form.instance
        before = services.group_permissions_of(group=group) if change else ()
        super().save_related(request, form, formsets, change)
        services.group_permissions_record(
            actor=request.user, group=group, before=before, address=client_address(request)
        )


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, GroupAdmin)


@admin.register(StaffProfile)
class StaffProfileAdmin(SimpleHistoryAdmin):
    list_display = [
        "display_name",
        "credentials",
        "licence_state",
        "specialty",
        "supervisor",
        "user",
    ]
    search_fields = ["display_name", "user__username"]
