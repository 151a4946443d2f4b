"""Loading the demo data set: the policy library, synthetic staff, the demo signing key, cases.

Every name, ID and NPI here is invented. Running it twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from criteria.services import library_load
from reviewapp.accounts.roles import Role
from reviewapp.accounts.services import staff_upsert
from reviewapp.letters.services import signing_key_ensure

from .appeals import demo_appeals_load
from .cases import demo_cases_load

# Printed by the demo command on purpose: these accounts exist only in the demo data set.
DEMO_PASSWORD = "demo-review-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoStaff:
    username: str
    role: Role | None
    display_name: str
    credentials: str
    licence_number: str = ""
    licence_state: str = ""
    specialty: str = ""


DEMO_STAFF = [
    DemoStaff("nurse", Role.NURSE, "Nina Alvarez", "RN, CCM", "RN-100234", "LA"),
    DemoStaff("nurse2", Role.NURSE, "Omar Becker", "RN", "RN-100877", "LA"),
    DemoStaff(
        "director",
        Role.DIRECTOR,
        "Dr. Grace Whitfield",
        "MD",
        "MD-204511",
        "LA",
        "Anesthesiology and Pain Medicine",
    ),
    DemoStaff(
        "director2",
        Role.DIRECTOR,
        "Dr. Samuel Okafor",
        "DO",
        "DO-208812",
        "LA",
        "Physical Medicine and Rehabilitation",
    ),
    DemoStaff("admin", Role.ADMINISTRATOR, "Avery Lin", "UM administrator"),
    DemoStaff("manager", Role.MANAGER, "Morgan Reyes", "RN, CPHQ"),
]


def demo_staff_load() -> list[tuple[str, str]]:
    """Create the demo staff; returns (username, role) pairs for the sign-in table."""
    for staff in DEMO_STAFF:
        staff_upsert(
            username=staff.username,
            password=DEMO_PASSWORD,
            role=staff.role,
            display_name=staff.display_name,
            credentials=staff.credentials,
            licence_number=staff.licence_number,
            licence_state=staff.licence_state,
            specialty=staff.specialty,
        )
    return [(s.username, s.role.value if s.role else "no role") for s in DEMO_STAFF]


def demo_load(*, say: Callable[[str], None]) -> None:
    """Load every part of the demo, in dependency order."""
    for report in library_load():
        if report.status == "refused":
            raise RuntimeError(report.message)
        say(f"Policy library: {report.file} {report.status}")
    staff = demo_staff_load()
    key_path, created = signing_key_ensure()
    say(f"Letter signing key (self-signed, demo only): {key_path}{' created' if created else ''}")
    made = demo_cases_load()
    say(f"Demo cases: {len(made)} created" + (f" ({', '.join(made)})" if made else ""))
    appeals = demo_appeals_load()
    say(f"Demo appeals: {len(appeals)} created" + (f" ({', '.join(appeals)})" if appeals else ""))
    say(f"Demo staff (password for all: {DEMO_PASSWORD}):")
    for username, role in staff:
        say(f"  {username:<10} {role}")
