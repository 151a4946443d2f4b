"""Cases in the state a journey starts from, built through the services (the intake journey
builds its own case through the browser)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from criteria import selectors as library
from reviewapp.cases.models import Case
from reviewapp.decisions import services as decisions
from reviewapp.decisions.models import Determination
from tests.factories import CaseFactory, meeting_case
from tests.reviewapp.decisions.conftest import LHCC_MALIGNANT_PERMANENT, referred


def node(case: Case, label: str):
    return library.checklist_nodes(case.checklist)[label]


def referred_for_exception(nurse: User) -> Case:
    """LHCC malignant permanent pump (three codes) referred with two criteria not met: II.A.1 (no
    trial; the policy lets a medical director waive it) and II.A.2 (body size)."""
    return referred(
        nurse,
        facts={**LHCC_MALIGNANT_PERMANENT, "body_size_adequate": False},
        policy="lhcc-la-cp-mp-173",
        indication="malignant_pain",
        stage="permanent",
        line_of_business="medicaid",
        codes=(("62350", 1), ("62362", 1), ("E0783", 1)),
        summary="No trial: advanced disease, waiver requested. Body size is borderline.",
        overrides={"II.A.1": ("not_met", "No trial was done.")},
    )


def meeting_but_one(nurse: User, *, unanswered: str = "1.c") -> Case:
    """A Molina malignant trial with every criterion met and documented except ``unanswered``
    (1.c, body size: decided by the facts, no documentation needed), left for the nurse."""
    return meeting_case(by=nurse, skip={unanswered})


def partially_approved(nurse: User, director: User) -> Determination:
    """A referred case the director decided (one code denied); the letter is not signed yet."""
    case = referred_for_exception(nurse)
    return decisions.case_decide(
        case=case,
        by=director,
        code_decisions={"62350": "approve", "62362": "deny", "E0783": "deny"},
        reasons={
            "II.A.1": "The records do not show a trial.",
            "II.A.2": "The body size may not hold the pump.",
        },
        rationale="Catheter placement only.",
        peer_to_peer=decisions.PeerToPeer(
            offered_to="Dr. Test Provider", offered_at=timezone.now()
        ),
    )


def overdue(nurse: User) -> Case:
    """A standard commercial request received 20 days ago (due after 15): overdue."""
    return CaseFactory(by=nurse, received_at=timezone.now() - dt.timedelta(days=20))
