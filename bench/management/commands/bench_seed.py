"""Seed the benchmark database up to a number of cases and write the driver's plan."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from bench import seed as seeding


class Command(BaseCommand):
    help = "Add synthetic cases (bulk) until there are --cases in all; write the driver's plan."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, required=True, help="total cases wanted")
        parser.add_argument("--batch", type=int, default=5000, help="cases per COPY batch")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument("--plan", type=Path, help="write the driver's plan (JSON) here")
        parser.add_argument("--deep-page", type=int, default=200, help="the queue's deep page")

    def handle(self, *args, cases: int, batch: int, seed: int, plan: Path | None, **options):
        report = seeding.seed(cases=cases, batch_size=batch, seed_value=seed, say=self.stdout.write)
        self.stdout.write(
            f"added {report.added:,} cases in {report.seconds:.1f} s; "
            + ", ".join(f"{k.split('.')[-1]} {v:,}" for k, v in report.counts.items())
        )
        if plan:
            data = seeding.bench_plan(deep_page=options["deep_page"])
            data["seed_seconds"] = round(report.seconds, 1)
            plan.write_text(json.dumps(data, indent=1))
            self.stdout.write(f"plan written to {plan}")
