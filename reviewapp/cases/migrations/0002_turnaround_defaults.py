"""Default turnaround rules, and the administrator's permission to change them.

Expedited: 72 hours. Standard: 7 calendar days for Medicare Advantage and Medicaid (the federal
rules from 2026), 15 days for commercial plans. A pend may extend a standard request once by 14
days; expedited requests keep their clock. Administrators adjust these to their contracts.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DEFAULTS = [
    ("medicaid", "expedited", 72, 0),
    ("medicaid", "standard", 7 * 24, 14 * 24),
    ("medicare_advantage", "expedited", 72, 0),
    ("medicare_advantage", "standard", 7 * 24, 14 * 24),
    ("commercial", "expedited", 72, 0),
    ("commercial", "standard", 15 * 24, 14 * 24),
]
ADMIN_PERMISSIONS = ["view_turnaroundrule", "change_turnaroundrule"]


def forwards(apps, schema_editor):
    Rule = apps.get_model("cases", "TurnaroundRule")
    for lob, priority, hours, extension in DEFAULTS:
        Rule.objects.get_or_create(
            line_of_business=lob, priority=priority,
            defaults={"hours": hours, "pend_extension_hours": extension},
        )
    app_config = apps.get_app_config("cases")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.get(name="UM administrator")
    for codename in ADMIN_PERMISSIONS:
        admin.permissions.add(
            Permission.objects.get(content_type__app_label="cases", codename=codename)
        )


def backwards(apps, schema_editor):
    apps.get_model("cases", "TurnaroundRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("accounts", "0002_roles")]
    operations = [migrations.RunPython(forwards, backwards)]
