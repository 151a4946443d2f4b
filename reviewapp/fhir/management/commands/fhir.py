"""``manage.py fhir``: client organisations, plans, notifications and example requests.

fhir clients add NAME [--scopes submit,read] [--plan ID ...] [--rate N] [--json]
fhir clients list [--json]
fhir clients deactivate NAME
fhir plans list [--json]
fhir plans add ID --name NAME --line-of-business LOB --policy KEY --from YYYY-MM-DD
fhir demo                      # the demo plans and policies (bin/demo runs it)
fhir notify [--loop SECONDS]   # deliver due notifications (once, or every N seconds)
fhir example --plan ID [--stage S] [--indication I] [--facts FILE] [--priority stat]
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from criteria import selectors as library
from criteria.models import Policy
from reviewapp.cases.models import LineOfBusiness

from ... import examples, services
from ...models import ApiClient, Plan


class Command(BaseCommand):
    help = "The FHIR prior-authorization API: clients, plans, notifications, example requests."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        clients = commands.add_parser("clients", help="API client organisations")
        client_commands = clients.add_subparsers(dest="action", required=True)
        add = client_commands.add_parser("add", help="register a client; prints its secret once")
        add.add_argument("name")
        add.add_argument("--scopes", default="submit,read", help="comma-separated: submit,read")
        add.add_argument("--plan", action="append", default=[], help="a plan it may submit for")
        add.add_argument("--rate", type=int, default=None, help="calls per minute")
        add.add_argument("--json", action="store_true")
        listing = client_commands.add_parser("list")
        listing.add_argument("--json", action="store_true")
        deactivate = client_commands.add_parser("deactivate")
        deactivate.add_argument("name")

        plans = commands.add_parser("plans", help="plans and the policy each uses")
        plan_commands = plans.add_subparsers(dest="action", required=True)
        plan_list = plan_commands.add_parser("list")
        plan_list.add_argument("--json", action="store_true")
        plan_add = plan_commands.add_parser("add")
        plan_add.add_argument("identifier")
        plan_add.add_argument("--name", required=True)
        plan_add.add_argument("--line-of-business", required=True, choices=LineOfBusiness.values)
        plan_add.add_argument("--policy", required=True, help="policy key")
        plan_add.add_argument("--from", dest="effective_from", required=True)

        commands.add_parser("demo", help="the demo plans")
        notify = commands.add_parser("notify", help="deliver due notifications")
        notify.add_argument("--loop", type=float, default=0, help="repeat every N seconds")

        example = commands.add_parser("example", help="print a synthetic request Bundle")
        example.add_argument("--plan", required=True)
        example.add_argument("--stage", default="trial", choices=list(examples.CODES_FOR))
        example.add_argument(
            "--indication", default="malignant_pain", choices=list(examples.DIAGNOSIS_FOR)
        )
        example.add_argument("--facts", type=Path, help="JSON facts answering the questionnaire")
        example.add_argument("--priority", default="normal", choices=["normal", "stat"])
        example.add_argument("--member-id", default="SYN000123")
        example.add_argument("--claim-id", default=None)

    def handle(self, *args, **options) -> None:
        handler = {
            ("clients", "add"): self.client_add,
            ("clients", "list"): self.client_list,
            ("clients", "deactivate"): self.client_deactivate,
            ("plans", "list"): self.plan_list,
            ("plans", "add"): self.plan_add,
            ("demo", None): self.demo,
            ("notify", None): self.notify,
            ("example", None): self.example,
        }[(options["command"], options.get("action"))]
        handler(options)

    # --- clients

    def client_add(self, options) -> None:
        plans = []
        for identifier in options["plan"]:
            plan = Plan.objects.filter(identifier=identifier).first()
            if plan is None:
                raise CommandError(f"No plan {identifier!r} (see: manage.py fhir plans list).")
            plans.append(plan)
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            client, secret = services.client_create(
                name=options["name"],
                scopes=scopes,
                plans=plans,
                rate_limit_per_minute=options["rate"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(
                json.dumps({"client_id": client.application.client_id, "client_secret": secret})
            )
            return
        self.stdout.write(
            f"Client {client.name} registered (scopes: {client.scopes}; plans: "
            f"{', '.join(p.identifier for p in plans) or 'none'}).\n"
            f"client_id:     {client.application.client_id}\n"
            f"client_secret: {secret}\n"
            "The secret is shown this once; only its hash is kept."
        )

    def client_list(self, options) -> None:
        rows = [
            {
                "name": c.name,
                "client_id": c.application.client_id,
                "scopes": c.scopes.split(),
                "plans": [p.identifier for p in c.plans.all()],
                "rate_limit_per_minute": c.rate_limit,
                "active": c.active,
            }
            for c in ApiClient.objects.select_related("application").prefetch_related("plans")
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        for row in rows:
            self.stdout.write(
                f"{row['name']}: {row['client_id']} scopes={','.join(row['scopes'])} "
                f"plans={','.join(row['plans']) or '-'} rate={row['rate_limit_per_minute']}/min"
                + ("" if row["active"] else " (deactivated)")
            )

    def client_deactivate(self, options) -> None:
        client = ApiClient.objects.filter(name=options["name"]).first()
        if client is None:
            raise CommandError(f"No client {options['name']!r}.")
        services.client_deactivate(client=client)
        self.stdout.write(f"Client {client.name} deactivated; its tokens are revoked.")

    # --- plans

    def plan_list(self, options) -> None:
        rows = [
            {
                "identifier": p.identifier,
                "name": p.name,
                "line_of_business": p.line_of_business,
                "policies": [
                    {
                        "policy": a.policy.key,
                        "from": a.effective_from.isoformat(),
                        "to": a.effective_to.isoformat() if a.effective_to else None,
                    }
                    for a in p.policies.all()
                ],
            }
            for p in Plan.objects.prefetch_related("policies__policy")
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        for row in rows:
            policies = "; ".join(f"{a['policy']} from {a['from']}" for a in row["policies"])
            self.stdout.write(
                f"{row['identifier']}: {row['name']} ({row['line_of_business']}) {policies}"
            )

    def plan_add(self, options) -> None:
        policy = Policy.objects.filter(key=options["policy"]).first()
        if policy is None:
            raise CommandError(f"No policy {options['policy']!r} (load the library first).")
        try:
            effective_from = dt.date.fromisoformat(options["effective_from"])
        except ValueError:
            raise CommandError("--from is a date: YYYY-MM-DD.") from None
        plan = services.plan_policy_assign(
            identifier=options["identifier"],
            name=options["name"],
            line_of_business=options["line_of_business"],
            policy=policy,
            effective_from=effective_from,
        )
        self.stdout.write(f"Plan {plan.identifier} uses {policy.key} from {effective_from}.")

    def demo(self, options) -> None:
        with transaction.atomic():
            for identifier, name, lob, policy_key, start in examples.DEMO_PLANS:
                policy = Policy.objects.filter(key=policy_key).first()
                if policy is None:
                    raise CommandError("Load the policy library first (manage.py criteria load).")
                services.plan_policy_assign(
                    identifier=identifier,
                    name=name,
                    line_of_business=lob,
                    policy=policy,
                    effective_from=dt.date.fromisoformat(start),
                )
        self.stdout.write(
            "Demo plans: " + ", ".join(identifier for identifier, *_ in examples.DEMO_PLANS)
        )

    # --- notifications

    def notify(self, options) -> None:
        while True:
            report = services.notifications_run()
            if report.queued or report.delivered or report.retrying or report.failed:
                self.stdout.write(
                    f"notifications: {report.queued} queued, {report.delivered} delivered, "
                    f"{report.retrying} to retry, {report.failed} failed"
                )
            if not options["loop"]:
                return
            time.sleep(options["loop"])

    # --- an example request

    def example(self, options) -> None:
        plan = Plan.objects.filter(identifier=options["plan"]).first()
        if plan is None:
            raise CommandError(f"No plan {options['plan']!r}.")
        facts = None
        checklist = None
        if options["facts"]:
            try:
                facts = json.loads(options["facts"].read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"{options['facts']}: {exc}") from None
            assignment = plan.policies.order_by("-effective_from").first()
            version = library.version_in_effect(
                policy=assignment.policy,
                on=dt.date.today(),  # noqa: DTZ011 - a calendar date
            )
            checklist = library.checklist_get(
                version=version, indication=options["indication"], stage=options["stage"]
            )
            if checklist is None:
                raise CommandError("That policy has no checklist for this indication and stage.")
        bundle = examples.request_bundle(
            plan=plan.identifier,
            codes=examples.CODES_FOR[options["stage"]],
            diagnoses=[examples.DIAGNOSIS_FOR[options["indication"]]],
            claim_id=options["claim_id"],
            member_id=options["member_id"],
            priority=options["priority"],
            checklist=checklist,
            facts=facts,
        )
        self.stdout.write(json.dumps(bundle, indent=1))
