"""``manage.py audit purge [--dry-run]``: remove access-log rows and security events older than
ACCESS_LOG_RETENTION_DAYS (never less than six years)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from reviewapp.audit.services import audit_purge, retention_cutoff


class Command(BaseCommand):
    help = "Access log and security events: apply the retention period."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser("purge", help="Remove entries older than the retention period.")
        purge.add_argument("--dry-run", action="store_true", help="Count, remove nothing.")

    def handle(self, *args, action: str, dry_run: bool = False, **options) -> None:
        counts = audit_purge(dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(
            f"Retention {settings.ACCESS_LOG_RETENTION_DAYS} days (before "
            f"{retention_cutoff():%Y-%m-%d}): {verb} {counts['access_events']} access-log "
            f"entries and {counts['security_events']} security events."
        )
