"""Cases in the state a journey starts from, built through the services (the intake journey
builds its own case through the browser)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from criteria import selectors as library
from reviewapp.cases import services
from reviewapp.cases.models import Case
from reviewapp.decisions import services as decisions
from reviewapp.decisions.models import Determination
from tests.factories import CaseFactory, EvidenceFactory
from tests.reviewapp.decisions.conftest import LHCC_MALIGNANT_PERMANENT, referred

MOLINA_MALIGNANT_TRIAL_FACTS = {
    "age_years": 60,
    "pain_nrs": 8,
    "pain_limits_daily_function": True,
    "life_expectancy_months": 6,
    "body_size_adequate": True,
    "systemic_analgesics_failed": True,
    "active_infection": False,
    "epidural_mets_or_thecal_encroachment": False,
    "coagulopathy": False,
    "leukopenia_or_pancytopenia": False,
    "increased_intracranial_pressure": False,
    "other_implant_contraindication": False,
}


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
    case = CaseFactory(
        by=nurse, policy="molina-mcp-160", indication="malignant_pain", codes=(("62324", 1),)
    )
    for name, value in MOLINA_MALIGNANT_TRIAL_FACTS.items():
        services.fact_record(case=case, by=nurse, name=name, raw_value=value, expected_revision=0)
    evidence = EvidenceFactory(case=case, by=nurse, name="oncology-consult.pdf")
    for criterion in library.checklist_nodes(case.checklist).values():
        if criterion.label == unanswered:
            continue
        if criterion.requires_documentation:
            services.evidence_link(
                case=case, by=nurse, evidence=evidence, criterion=criterion, pages="1"
            )
        answer = case.answers.filter(criterion=criterion).first()
        services.answer_record(
            case=case,
            criterion=criterion,
            by=nurse,
            status="met",
            note="",
            override_reason="",
            expected_revision=answer.revision if answer else 0,
        )
    case.refresh_from_db()
    return case


def partially_approved(nurse: User, director: User) -> Determination:
    """A referred case the director decided (one code denied); the letter is not signed yet."""
    case = referred_for_exception(nurse)
    return decisions.case_decide(
        case=case,
        by=director,
        code_decisions={"62350": "approve", "62362": "deny", "E0783": "deny"},
        reasons="The records do not show a trial, and the body size may not hold the pump.",
        rationale="Catheter placement only.",
        peer_to_peer=decisions.PeerToPeer(
            offered_to="Dr. Test Provider", offered_at=timezone.now()
        ),
    )


def overdue(nurse: User) -> Case:
    """A standard commercial request received 20 days ago (due after 15): overdue."""
    return CaseFactory(by=nurse, received_at=timezone.now() - dt.timedelta(days=20))
