"""``manage.py case_editions [--apply --by USER] [--case REF ...]``: open cases on an earlier
edition of their criteria, and moving them to the latest (see ``reviewapp.cases.editions``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviewapp.cases import editions
from reviewapp.cases.services import CaseActionRefused


class Command(BaseCommand):
    help = (
        "List open cases opened on an earlier edition of their policy version's criteria, with "
        "what moving them would change; --apply moves them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", action="append", default=[], help="Only this case reference")
        parser.add_argument("--apply", action="store_true", help="Move the cases (default: list)")
        parser.add_argument("--by", help="Username recorded as the one who moved them")

    def handle(self, *args, case: list[str], apply: bool, by: str | None, **options) -> None:
        user = None
        if apply:
            if not by:
                raise CommandError("--apply needs --by USERNAME (the timeline records who did it)")
            user = get_user_model().objects.filter(username=by, is_active=True).first()
            if user is None:
                raise CommandError(f"no active user {by!r}")
        cases = editions.cases_on_earlier_editions()
        if case:
            cases = cases.filter(reference__in=case)
        found = 0
        for item in cases:
            found += 1
            plan = editions.case_edition_plan(item)
            if plan is None:
                continue
            if not apply:
                self.stdout.write(plan.summary)
                continue
            try:
                editions.case_edition_upgrade(case=item, by=user)
            except CaseActionRefused as exc:
                self.stderr.write(f"{item.reference}: not moved: {exc}")
            else:
                self.stdout.write(f"moved  {plan.summary}")
        if not found:
            self.stdout.write("No open case is on an earlier edition of its criteria.")
