"""Sign-in throttling with separate limits per account-at-an-address and per address.

django-axes counts failed sign-ins for each lockout parameter and compares the worst count with
one limit. Here each parameter has its own limit:

- an account from one address (``AXES_FAILURE_LIMIT``, 5): someone guessing one person's
  password is stopped quickly, at their own address only;
- one address, whatever the accounts (``SIGN_IN_ADDRESS_FAILURE_LIMIT``, 30): someone trying
  many accounts is stopped, while an office whose staff share one outward address is not locked
  out by a few typing mistakes.

There is deliberately no lock on an account from every address: anyone could then lock any named
account (every medical director) from anywhere. The address is the client's, read through the
trusted proxies (``reviewapp.accounts.addresses``), never the load balancer's.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum


def _limit_for(parameter: str | list[str]) -> int:
    parts = (parameter,) if isinstance(parameter, str) else tuple(parameter)
    if parts == ("ip_address",):
        return settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
    return settings.AXES_FAILURE_LIMIT


class AccountAndAddressHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures that count against the lock, scaled so that axes' one limit is reached
        exactly when any parameter reaches its own limit (floor(f * L / own) >= L iff f >= own).
        """
        limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        for parameter, attempts in zip(
            parameters, self.get_user_attempts(request, credentials), strict=True
        ):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            worst = max(worst, failures * limit // _limit_for(parameter))
        return worst
