"""Indexes the benchmark showed the work queue needs at production scale (100,000 cases).

- The open tabs ("all open", "mine", "unassigned") walk partial indexes that hold only open
  cases in due order, instead of stepping over every closed case due earlier (the cost of the
  first page grew with the number of closed cases).
- Search by reference or member ID compares upper-cased values (Django's ``iexact`` on
  PostgreSQL): expression indexes on UPPER(...) turn a full scan into two index probes.

Written as SQL that PostgreSQL and SQLite both accept; the models do not declare them, so
``makemigrations`` has nothing to add (moving them into ``Case.Meta.indexes`` would give the
same schema).
"""

from django.db import migrations

OPEN = "status IN ('intake', 'in_review', 'pended', 'referred')"

INDEXES = {
    "case_open_due": f"(due_at, id) WHERE {OPEN}",
    "case_open_assignee_due": f"(assigned_to_id, due_at, id) WHERE {OPEN}",
    "case_reference_upper": "(UPPER(reference))",
    "case_member_id_upper": "(UPPER(member_id))",
}


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_case_correction_reason"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX {name} ON cases_case {definition}",
            reverse_sql=f"DROP INDEX {name}",
        )
        for name, definition in INDEXES.items()
    ]
