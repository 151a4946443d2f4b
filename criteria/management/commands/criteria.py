"""``manage.py criteria load|export|facts|evaluate``: the policy library from the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from criteria import reports, selectors
from criteria.services import EvaluationInputError, library_load, policy_evaluate


class Command(BaseCommand):
    help = "Load, export and evaluate the policy library."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Load criteria/library/*.yaml into the database.")
        load.add_argument("--directory", type=Path, default=None)
        sub.add_parser("export", help="Print the whole library as JSON.")
        sub.add_parser("facts", help="Print the clinical fact dictionary as JSON.")
        evaluate = sub.add_parser("evaluate", help="Evaluate facts against a policy on a date.")
        evaluate.add_argument("--policy", required=True)
        evaluate.add_argument("--date", required=True, help="YYYY-MM-DD (the request date)")
        evaluate.add_argument("--indication", required=True)
        evaluate.add_argument("--stage", required=True)
        evaluate.add_argument("--facts", required=True, type=Path, help="JSON file: name -> value")

    def handle(self, *args, action: str, **options) -> None:
        try:
            getattr(self, f"do_{action}")(**options)
        except DatabaseError as exc:
            raise CommandError(
                f"The database is not ready ({exc}): run `manage.py migrate` first, then "
                "`manage.py criteria load`."
            ) from None

    def do_load(self, directory: Path | None, **_) -> None:
        reports_ = library_load(directory=directory)
        for report in reports_:
            line = f"{report.status:>9}  {report.file}"
            if report.status == "refused":
                self.stderr.write(self.style.ERROR(f"{line}\n           {report.message}"))
            else:
                self.stdout.write(line + (f" ({report.message})" if report.message else ""))
        refused = [r for r in reports_ if r.status == "refused"]
        if refused:
            raise CommandError(
                f"{len(refused)} library file(s) refused; nothing of them was loaded"
            )

    def do_export(self, **_) -> None:
        self.stdout.write(json.dumps(reports.library_export(), indent=2, ensure_ascii=False))

    def do_facts(self, **_) -> None:
        facts = [
            {
                "name": f.name,
                "type": f.type.value,
                "label": f.label,
                "unit": f.unit,
                "help": f.help,
                "choices": [{"value": v, "label": label} for v, label in f.choices] or None,
                "min": float(f.minimum) if f.minimum is not None else None,
                "max": float(f.maximum) if f.maximum is not None else None,
                "retired": f.retired,
                "replaced_by": list(f.replaced_by),
            }
            for f in selectors.fact_dictionary().values()
        ]
        self.stdout.write(json.dumps({"facts": facts}, indent=2, ensure_ascii=False))

    def do_evaluate(
        self, policy: str, date: str, indication: str, stage: str, facts: Path, **_
    ) -> None:
        try:
            raw = json.loads(facts.read_text())
        except FileNotFoundError:
            raise CommandError(f"no such facts file: {facts}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{facts} is not valid JSON: {exc}") from None
        try:
            evaluation = policy_evaluate(
                policy_key=policy, on=date, indication=indication, stage=stage, raw_facts=raw
            )
        except EvaluationInputError as exc:
            raise CommandError(str(exc)) from None
        report = reports.evaluation_report(
            evaluation.result,
            policy_key=policy,
            version=evaluation.version,
            on=dt.date.fromisoformat(date),
        )
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
