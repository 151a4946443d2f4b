"""Database expressions the reports share: elapsed seconds between two times, and the median.

Both work on PostgreSQL (production, the benchmark) and SQLite (the demo and the tests):

- ``Seconds(later, earlier)`` is the time between two datetimes in seconds, as a float.
- ``Median`` is PostgreSQL's ``percentile_cont(0.5)``, an ordered-set aggregate. SQLite has no
  median: callers check ``median_in_database()`` and, on SQLite, compute the median in Python
  over the values (``median``); the demo's data is small.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from django.db import connection
from django.db.models import Aggregate, FloatField, Func


class Seconds(Func):
    """``later - earlier`` in seconds (a float); NULL when either is NULL."""

    output_field = FloatField()
    arity = 2

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::double precision",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # Datetimes are stored as ISO text in UTC; julianday() reads them to fractional days.
        later, earlier = self.source_expressions
        later_sql, later_params = compiler.compile(later)
        earlier_sql, earlier_params = compiler.compile(earlier)
        return (
            f"((julianday({later_sql}) - julianday({earlier_sql})) * 86400.0)",
            (*later_params, *earlier_params),
        )


class Median(Aggregate):
    """The median (PostgreSQL only: ``percentile_cont(0.5) WITHIN GROUP (ORDER BY ...)``)."""

    function = "percentile_cont"
    name = "Median"
    output_field = FloatField()
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def median_in_database() -> bool:
    return connection.vendor == "postgresql"


def median(values: Iterable[float | None]) -> float | None:
    """The median of the values that are not None, or None when there are none."""
    present = [v for v in values if v is not None]
    return float(statistics.median(present)) if present else None
