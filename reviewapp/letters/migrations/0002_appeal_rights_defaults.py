"""Default appeal-rights text for each line of business, and the administrator's right to edit it.

Written in our own words from the time limits commonly used: Medicaid (plan appeal within 60
days, state fair hearing within 120 days of the plan's appeal decision, expedited appeal,
continuation of benefits when asked within 10 days), Medicare Advantage (reconsideration within 65
days, standard or fast), commercial plans (internal appeal within 180 days, then external review).
Administrators adapt them to their contracts and state rules in the admin.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MEDICAID = """If you disagree with this decision, you can ask us to look at it again. This is called an appeal. You can ask for it yourself, or someone you choose can ask for you, including your provider with your written permission.

- How and by when: ask within 60 days of the date of this letter. Call us at {organisation_phone} or write to us at {organisation_address}. Tell us the case reference and why you disagree. If you call, we may ask you to confirm the appeal in writing, unless it is a fast appeal.
- Fast (expedited) appeal: if you or your provider believe that waiting for a standard appeal could seriously harm your life, your health or your ability to get back to full function, ask for a fast appeal. We will decide a fast appeal within 72 hours.
- Keeping your services during the appeal: if this decision stops or reduces a service you are already getting, you can ask to keep getting it while we decide your appeal. You must ask within 10 days of the date of this letter, or before the service stops, whichever is later. If the appeal is not decided in your favor, you may be asked to pay for the services you received during the appeal.
- State fair hearing: if you still disagree after our decision on your appeal, or if we do not decide your appeal in time, you can ask the state for a fair hearing. You must ask within 120 days of the date of our letter deciding your appeal. A hearing officer who does not work for us will hear your case. You can also ask for a fast fair hearing if waiting could seriously harm your health.
- You can see your case file, including the medical records and the criteria we used, free of charge, and send us more information or speak to us about your appeal.

Free help, including interpreters and letters in large print or other languages, is available at {organisation_phone}."""

MEDICARE_ADVANTAGE = """If you disagree with this decision, you can ask us to review it again. In Medicare this first appeal is called a reconsideration. You, your doctor or another provider, or someone you choose can ask for it.

- How and by when: ask within 65 days of the date of this letter. Call us at {organisation_phone} or write to us at {organisation_address}, and tell us the case reference.
- Standard reconsideration: we will send you our decision within 30 days of getting your request for a service you have not yet received.
- Fast reconsideration: if you or your doctor believe that waiting up to 30 days could seriously harm your life, your health or your ability to get back to full function, ask for a fast reconsideration. If your doctor asks for it or supports your request, we will give you a fast decision. We will decide within 72 hours.
- If we do not change our decision in your favor, we will send your case on to an independent review organization that works for Medicare, not for us. You do not have to ask for this; it happens automatically, and the organization will write to you.
- You can ask for a free copy of your case file, including the records and the criteria we used, and send us more information to support your appeal.

For help with Medicare appeals, you can also call 1-800-MEDICARE (1-800-633-4227; text telephone users call 1-877-486-2048), or your state's free Medicare counseling program."""

COMMERCIAL = """If you disagree with this decision, you can ask us to look at it again. This is called an internal appeal. You, your provider, or someone you choose can ask for it.

- How and by when: ask within 180 days of the date of this letter. Call us at {organisation_phone} or write to us at {organisation_address}, and tell us the case reference and why you disagree.
- A physician who was not involved in this decision will review your appeal. We will decide within 30 days for a service you have not yet received.
- Urgent (expedited) appeal: if waiting could seriously harm your life, your health or your ability to get back to full function, ask for an urgent appeal. We will decide within 72 hours. In that case you may also ask for an urgent external review at the same time.
- External review: if we do not change our decision after your internal appeal, you can ask for an external review by an independent reviewer who does not work for us. Ask within 4 months of the date of our letter deciding your appeal. If the independent reviewer decides in your favor, we must follow that decision.
- You can ask for a free copy of your case file, including the records and the criteria we used, and send us more information to support your appeal.

Your state's department of insurance may also be able to help you with an appeal."""

DEFAULTS = [
    ("medicaid", "Your right to appeal (Medicaid)", MEDICAID),
    ("medicare_advantage", "Your right to appeal (Medicare Advantage)", MEDICARE_ADVANTAGE),
    ("commercial", "Your right to appeal", COMMERCIAL),
]
ADMIN_PERMISSIONS = ["view_appealrightstext", "change_appealrightstext"]


def forwards(apps, schema_editor):
    Text = apps.get_model("letters", "AppealRightsText")
    for lob, title, body in DEFAULTS:
        Text.objects.get_or_create(line_of_business=lob, defaults={"title": title, "body": body})
    app_config = apps.get_app_config("letters")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.get(name="UM administrator")
    for codename in ADMIN_PERMISSIONS:
        admin.permissions.add(
            Permission.objects.get(content_type__app_label="letters", codename=codename)
        )


def backwards(apps, schema_editor):
    apps.get_model("letters", "AppealRightsText").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("letters", "0001_initial"), ("accounts", "0002_roles")]
    operations = [migrations.RunPython(forwards, backwards)]
