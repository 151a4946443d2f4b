"""``manage.py storage sweep [--delete] [--grace-minutes N] [--under FOLDER ...] [--json]``:
find (and with ``--delete`` remove) files in the private storage that no row names, left by a
process killed between writing a file and committing its row."""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviewapp.core.storage import orphans_sweep


class Command(BaseCommand):
    help = "The private file storage: find or remove files no row names (orphans)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sweep = sub.add_parser(
            "sweep",
            help="List files no row names; --delete removes those older than the grace period.",
        )
        sweep.add_argument(
            "--delete",
            action="store_true",
            help="Remove the orphans (recorded as a security event). Without it: a dry run.",
        )
        sweep.add_argument(
            "--grace-minutes",
            type=int,
            default=None,
            help="Leave files younger than this alone (default STORAGE_ORPHAN_GRACE_MINUTES).",
        )
        sweep.add_argument(
            "--under",
            action="append",
            default=None,
            metavar="FOLDER",
            help="Only this folder of the storage (e.g. cases/12); repeatable. Default: all.",
        )
        sweep.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, action: str, **options) -> None:
        minutes = options["grace_minutes"]
        if minutes is None:
            minutes = settings.STORAGE_ORPHAN_GRACE_MINUTES
        if minutes < 0:
            raise CommandError("--grace-minutes cannot be negative.")
        result = orphans_sweep(
            grace=dt.timedelta(minutes=minutes),
            delete=options["delete"],
            under=options["under"] or ("",),
        )
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "dry_run": not options["delete"],
                        "grace_minutes": minutes,
                        "files": result.files,
                        "orphans": result.orphans,
                        "recent": result.recent,
                        "removed": result.removed,
                        "failed": result.failed,
                    },
                    indent=2,
                )
            )
        else:
            self.stdout.write(
                f"{result.files} file(s) looked at; {len(result.orphans)} named by no row and "
                f"older than {minutes} minutes; {len(result.recent)} named by no row yet but "
                "younger (left alone)."
            )
            if options["delete"]:
                self.stdout.write(f"Removed {len(result.removed)}:")
            elif result.orphans:
                self.stdout.write("Dry run, nothing removed (add --delete to remove):")
            for name in result.orphans:
                self.stdout.write(f"  {name}")
        if result.failed:
            raise CommandError(f"{len(result.failed)} orphaned file(s) could not be removed.")
