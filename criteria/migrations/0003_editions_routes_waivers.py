"""Editions of a policy version, routes, the policy's waiver scope, documentation-only criteria,
retired facts and the review-due date.

Every checklist already loaded becomes part of edition 1 of its version, so cases opened on it
keep pointing at the same rows.
"""

import django.db.models.deletion
from django.db import migrations, models


def first_editions(apps, schema_editor):
    PolicyVersion = apps.get_model("criteria", "PolicyVersion")
    VersionEdition = apps.get_model("criteria", "VersionEdition")
    Checklist = apps.get_model("criteria", "Checklist")
    for version in PolicyVersion.objects.all():
        edition = VersionEdition.objects.create(
            version=version,
            number=1,
            notes=version.notes,
            file_name=version.file_name,
            content_sha256=version.content_sha256,
        )
        Checklist.objects.filter(version=version).update(edition=edition)


class Migration(migrations.Migration):
    dependencies = [
        ("criteria", "0002_library_revision"),
    ]

    operations = [
        migrations.AddField(
            model_name="fact",
            name="retired",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="fact",
            name="replaced_by",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="policyversion",
            name="review_due",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="policyversion",
            name="edition",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="node",
            name="waiver_applies_when",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="node",
            name="waiver_options",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="node",
            name="documentation_only",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="checklist",
            name="routes",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.CreateModel(
            name="VersionEdition",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveIntegerField()),
                ("changes", models.TextField(blank=True, help_text="What this edition changed, and why.")),
                ("notes", models.TextField(blank=True)),
                ("file_name", models.CharField(max_length=200)),
                ("content_sha256", models.CharField(max_length=64)),
                ("loaded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="editions",
                        to="criteria.policyversion",
                    ),
                ),
            ],
            options={
                "ordering": ["number"],
                "constraints": [
                    models.UniqueConstraint(fields=("version", "number"), name="edition_number_unique"),
                    models.CheckConstraint(condition=models.Q(("number__gte", 1)), name="edition_number_positive"),
                ],
            },
        ),
        migrations.AddField(
            model_name="checklist",
            name="edition",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="checklists",
                to="criteria.versionedition",
            ),
        ),
        migrations.RunPython(first_editions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="checklist",
            name="edition",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="checklists",
                to="criteria.versionedition",
            ),
        ),
        migrations.RemoveConstraint(model_name="checklist", name="checklist_key_unique"),
        migrations.RemoveConstraint(
            model_name="checklist", name="checklist_indication_stage_unique"
        ),
        migrations.AddConstraint(
            model_name="checklist",
            constraint=models.UniqueConstraint(fields=("edition", "key"), name="checklist_key_unique"),
        ),
        migrations.AddConstraint(
            model_name="checklist",
            constraint=models.UniqueConstraint(
                fields=("edition", "indication", "stage"), name="checklist_indication_stage_unique"
            ),
        ),
    ]
