"""``manage.py operations digest [--dry-run]``: e-mail the turnaround digest to UM managers.

Run it once a day (cron, or any scheduler), e.g. at 07:00:

    0 7 * * *  cd /srv/um-review && .venv/bin/python manage.py operations digest
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from reviewapp.operations import services


class Command(BaseCommand):
    help = "Operations: `operations digest [--dry-run]` e-mails the turnaround digest to managers."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        digest = sub.add_parser("digest", help="E-mail the daily turnaround digest to UM managers.")
        digest.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the e-mail and its recipients; send nothing.",
        )

    def handle(self, *args, action: str, dry_run: bool = False, **options) -> None:
        sent = services.digest_send(dry_run=dry_run)
        if dry_run:
            self.stdout.write(
                f"To: {', '.join(sent.recipients) or '(no manager has an e-mail address)'}"
            )
            self.stdout.write(f"Subject: {sent.subject}\n")
            self.stdout.write(sent.body)
            return
        if not sent.recipients:
            self.stderr.write("No UM manager has an e-mail address: nothing sent.")
            return
        self.stdout.write(f"Digest sent to {len(sent.recipients)} manager(s): {sent.subject}")
