"""``manage.py metrics cms0057 --year YYYY [--json]``: the CMS-0057-F figures of one year.

Prints what the public page shows (``selectors.cms0057_report(...).as_json()``), as JSON or as a
table with each metric's definition.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reviewapp.operations import cms0057, selectors


class Command(BaseCommand):
    help = "Prior-authorization metrics: `metrics cms0057 --year 2025 [--json]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        figures = sub.add_parser("cms0057", help="The CMS-0057-F metrics of one calendar year.")
        figures.add_argument(
            "--year", type=int, required=True, help="The calendar year, e.g. 2025."
        )
        figures.add_argument(
            "--json", action="store_true", help="Print JSON (what the page shows)."
        )

    def handle(self, *args, **options) -> None:
        year: int = options["year"]
        this_year = timezone.localdate().year
        if not 2000 <= year <= this_year:
            raise CommandError(f"--year must be between 2000 and {this_year}.")
        report = selectors.cms0057_report(year=year).as_json()
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
            return
        self.stdout.write(f"{report['metric_set']}, {report['organisation']}, {year}")
        self.stdout.write(
            f"Requests decided {report['period']['from']} to {report['period']['to']} "
            f"({report['period']['time_zone']})\n"
        )
        headers = [label for _, label in cms0057.COLUMNS]
        for row in cms0057.rows(report):
            self.stdout.write(row.label)
            for header, cell in zip(headers, row.cells, strict=True):
                self.stdout.write(f"  {header}: {cell}")
            if row.definition:
                self.stdout.write(f"  Numerator: {row.definition['numerator']}")
                self.stdout.write(f"  Denominator: {row.definition['denominator']}")
                self.stdout.write(f"  Clock: {row.definition['clock']}")
        self.stdout.write("\nItems and services that need prior authorization:")
        for item in report["items_requiring_prior_authorization"]:
            self.stdout.write(
                f"  {item['code']} ({item['kind']}, {item['stage']}): {item['description']}"
            )
