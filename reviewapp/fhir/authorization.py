"""What an approval authorizes, as the API reports it (preAuthRef, preAuthPeriod, units).

This module is the one place the API reads an authorization from: the review product's own
record, ``decisions.Authorization`` (number, valid from/to, approved codes and units, servicing
provider), granted when the approval was decided and printed in the member's letter, so the API
and the letter always give the same number and dates. The API reports it once the determination's
letter is signed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from reviewapp.decisions import selectors as decision_selectors
from reviewapp.decisions.models import Determination, Outcome

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
    """The authorization a signed approving determination granted, or None."""
    if determination.outcome not in APPROVING or not determination.is_signed:
        return None
    authorization = decision_selectors.authorization_for(determination)
    if authorization is None:  # an approval recorded before authorizations were kept
        return None
    return AuthorizationView(
        number=authorization.number,
        issued_on=timezone.localdate(authorization.issued_at),
        valid_from=authorization.valid_from,
        valid_to=authorization.valid_to,
        lines=tuple(
            {"code": item.code, "description": item.description, "units": item.units}
            for item in authorization.items.all()
        ),
        servicing_provider_display=authorization.servicing_provider_display,
        servicing_provider_npi=authorization.servicing_provider_npi,
    )
