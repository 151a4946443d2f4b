from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User
from simple_history.admin import SimpleHistoryAdmin

from .models import StaffProfile


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False


class UserAdmin(BaseUserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "full_name", "roles", "is_active", "last_login"]
    list_filter = ["groups", "is_active"]

    @admin.display(description="Name")
    def full_name(self, obj: User) -> str:
        profile = getattr(obj, "staff_profile", None)
        return profile.signature_name if profile else obj.get_full_name()

    @admin.display(description="Roles")
    def roles(self, obj: User) -> str:
        return ", ".join(g.name for g in obj.groups.all())

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("staff_profile").prefetch_related("groups")
        )


admin.site.unregister(User)
admin.site.register(User, UserAdmin)


@admin.register(StaffProfile)
class StaffProfileAdmin(SimpleHistoryAdmin):
    list_display = ["display_name", "credentials", "licence_state", "specialty", "user"]
    search_fields = ["display_name", "user__username"]
