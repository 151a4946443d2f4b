# Where each recorded fact came from (PRODUCT.md invariant 8): typed by a reviewer, accepted from
# a document page, or received from the provider over the API. Database defaults too, so rows
# written outside the ORM (bulk loads) say "typed".

from django.db import migrations, models

ORIGINS = [
    ("typed", "Typed by a reviewer"),
    ("document", "Accepted from a document"),
    ("api", "Received from the provider over the API"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_criterion_exception"),
    ]

    operations = [
        migrations.AddField(
            model_name=model,
            name="origin",
            field=models.CharField(
                choices=ORIGINS, db_default="typed", default="typed", max_length=12
            ),
        )
        for model in ("casefact", "historicalcasefact")
    ] + [
        migrations.AddField(
            model_name=model,
            name="origin_detail",
            field=models.CharField(blank=True, db_default="", default="", max_length=200),
        )
        for model in ("casefact", "historicalcasefact")
    ]
