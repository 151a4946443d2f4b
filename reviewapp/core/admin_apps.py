from django.contrib.admin import apps as admin_apps


class UMAdminConfig(admin_apps.AdminConfig):
    """The Django admin app, with its site restricted to UM administrators."""

    default_site = "reviewapp.core.admin_site.UMAdminSite"
