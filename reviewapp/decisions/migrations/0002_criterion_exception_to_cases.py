# Exceptions are an input to a case's evaluation, like its answers: the model moves to the cases
# app (cases.0005 takes it over). Only Django's record of the models changes; the tables and
# their rows stay as they are.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HistoricalCriterionException"),
                migrations.DeleteModel(name="CriterionException"),
            ],
            database_operations=[],
        ),
    ]
