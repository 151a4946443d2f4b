from django.contrib import admin

from .models import Checklist, Fact, Policy, PolicyVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    """The library is loaded from reviewed files (manage.py criteria load), never edited here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    list_display = ["key", "payer", "number", "title"]


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ["policy", "label", "effective_from", "effective_to", "file_name", "loaded_at"]
    list_select_related = ["policy"]


@admin.register(Checklist)
class ChecklistAdmin(ReadOnlyAdmin):
    list_display = ["title", "version", "indication", "stage", "external"]
    list_select_related = ["version__policy"]


@admin.register(Fact)
class FactAdmin(ReadOnlyAdmin):
    list_display = ["name", "label", "type", "unit"]
