# A fact's origin may also be a document page: a suggestion read from a document and accepted by
# a reviewer (the documents app). Choices only: the column and its values are unchanged.

from django.db import migrations, models

ORIGINS = [
    ("typed", "Typed by a reviewer"),
    ("document", "Accepted from a document"),
    ("api", "Received from the provider over the API"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_case_diagnoses_fact_origin"),
    ]

    operations = [
        migrations.AlterField(
            model_name=model,
            name="origin",
            field=models.CharField(choices=ORIGINS, default="typed", max_length=12),
        )
        for model in ("casefact", "historicalcasefact")
    ]
