from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AppealRightsText


@admin.register(AppealRightsText)
class AppealRightsTextAdmin(SimpleHistoryAdmin):
    """Administrators adapt the wording; the three lines of business always have one block."""

    list_display = ["line_of_business", "title", "updated_at"]
    readonly_fields = ["line_of_business", "updated_at"]
    fields = ["line_of_business", "title", "body", "updated_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
