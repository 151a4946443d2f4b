"""What operations reads from the apps below it about a request's clock and outcome.

The one place to change when those apps change:

- **Decision time** is the initial determination's ``decided_at`` (``decisions``).
- **Notice time** is when the member was told (the clock stops there, not at the decision):
  ``Case.notice_sent_at``, set when the member's copy of the determination letter is sent (the
  case closes then too; a withdrawn request has none): ``NOTICE_FIELD``.
- **Extension**: ``Case.due_extended``, set when a pend for missing information extended the
  clock (``cases.services.case_pend``; the letters app sends the extension notice).
- **Appeals** (``reviewapp.appeals``, the agreed interface): ``Appeal`` with ``case``,
  ``determination``, ``received_at``, ``priority``, ``due_at``, ``status``, ``outcome``
  (``upheld`` / ``overturned`` / ``partially_overturned``, blank while open) and ``decided_at``;
  selectors ``appeals_open()`` and ``appeals_decided_in(year)``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from reviewapp.appeals import selectors as appeal_selectors
from reviewapp.appeals.models import Appeal, AppealOutcome
from reviewapp.decisions.models import Determination

# When the member was told: the field of ``cases.Case`` that stops the clock.
NOTICE_FIELD = "notice_sent_at"

# Appeal outcomes that approve (some of) what the initial determination refused.
APPEAL_APPROVING_OUTCOMES = (AppealOutcome.OVERTURNED, AppealOutcome.PARTIALLY_OVERTURNED)


def initial_determinations() -> QuerySet[Determination]:
    """Each request's initial determination: the first one made on it. A correction's new
    determination, and an appeal's, supersede an earlier one; the initial one supersedes
    nothing, so there is exactly one per decided (or withdrawn) request."""
    return Determination.objects.filter(supersedes__isnull=True)


def appeals_open() -> QuerySet[Appeal]:
    """Open appeals (not decided, not withdrawn), by due time."""
    return appeal_selectors.appeals_open()


def appeals_decided_in(year: int) -> QuerySet[Appeal]:
    """Appeals decided in the calendar year (the organisation's time zone)."""
    return appeal_selectors.appeals_decided_in(year)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """1 January 00:00 to the next 1 January 00:00, in the organisation's time zone."""
    zone = timezone.get_default_timezone()
    return (
        dt.datetime(year, 1, 1, tzinfo=zone),
        dt.datetime(year + 1, 1, 1, tzinfo=zone),
    )
