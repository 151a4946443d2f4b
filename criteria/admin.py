from django.contrib import admin

from .models import Checklist, Fact, Policy, PolicyVersion, VersionEdition


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
    list_display = [
        "policy",
        "label",
        "edition",
        "effective_from",
        "effective_to",
        "review_due",
        "file_name",
        "loaded_at",
    ]
    list_select_related = ["policy"]


@admin.register(VersionEdition)
class VersionEditionAdmin(ReadOnlyAdmin):
    list_display = ["version", "number", "file_name", "loaded_at"]
    list_select_related = ["version__policy"]


@admin.register(Checklist)
class ChecklistAdmin(ReadOnlyAdmin):
    list_display = ["title", "version", "edition", "indication", "stage", "external"]
    list_select_related = ["version__policy", "edition__version__policy"]


@admin.register(Fact)
class FactAdmin(ReadOnlyAdmin):
    list_display = ["name", "label", "type", "unit", "retired"]
