"""Authentication: Django's model backend, reading what every page needs in fewer queries."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class StaffBackend(ModelBackend):
    """The model backend, with the staff profile loaded with the user (the header shows it) and
    the user's group names read with the groups' permissions in one query (``roles_of`` uses
    the names, every permission check the permissions)."""

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("staff_profile").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_group_permissions(user_obj, obj)
        if not hasattr(user_obj, "_group_perm_cache"):
            rows = Permission.objects.filter(group__user=user_obj).values_list(
                "group__name", "content_type__app_label", "codename"
            )
            user_obj._group_names = set()
            user_obj._group_perm_cache = set()
            for group, app_label, codename in rows:
                user_obj._group_names.add(group)
                user_obj._group_perm_cache.add(f"{app_label}.{codename}")
        return user_obj._group_perm_cache
