"""What an approval authorizes, as the API reports it (preAuthRef, preAuthPeriod, units).

This module is the one place the API reads an authorization from. Until the review product keeps
an Authorization record of its own (number, valid from/to, approved codes and units, servicing
provider), it is derived here from the signed determination:

- number: ``<case reference>-A<determination id>`` (unique, stable, never reused; a correction's
  new determination gets a new number);
- valid from the decision date for ``AUTHORIZATION_VALID_DAYS`` days;
- the approved lines: every code approved, with the units requested;
- servicing provider: the requesting provider.

The field names follow the planned Authorization model (number, valid_from, valid_to, lines,
servicing_provider_display, conditions), so switching to it changes only ``authorization_for``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from reviewapp.decisions.models import CodeDecision, Determination, Outcome

AUTHORIZATION_VALID_DAYS = 180
APPROVING = (Outcome.APPROVED, Outcome.APPROVED_BY_EXCEPTION, Outcome.PARTIALLY_APPROVED)


@dataclass(frozen=True)
class AuthorizationView:
    number: str
    issued_on: dt.date
    valid_from: dt.date
    valid_to: dt.date
    lines: tuple[dict, ...]  # {"code", "description", "units"}
    servicing_provider_display: str
    servicing_provider_npi: str
    conditions: str = ""

    def units_for(self, code: str) -> int | None:
        return next((line["units"] for line in self.lines if line["code"] == code), None)


def authorization_for(determination: Determination) -> AuthorizationView | None:
    """The authorization a signed approving determination grants, or None."""
    if determination.outcome not in APPROVING or not determination.is_signed:
        return None
    case = determination.case
    issued = timezone.localdate(determination.decided_at)
    approved = [
        cd
        for cd in determination.code_decisions.all()
        if cd.decision == CodeDecision.Decision.APPROVE
    ]
    return AuthorizationView(
        number=f"{case.reference}-A{determination.pk}",
        issued_on=issued,
        valid_from=issued,
        valid_to=issued + dt.timedelta(days=AUTHORIZATION_VALID_DAYS - 1),
        lines=tuple(
            {"code": cd.code, "description": cd.description, "units": cd.units} for cd in approved
        ),
        servicing_provider_display=case.provider_name,
        servicing_provider_npi=case.provider_npi,
    )
