"""Reads for letters: access to a determination, and everything its letter says.

The letter is built only from the determination's own record (its snapshots of the criteria and
the policy, its code decisions, its decider) plus the organisation's settings and the appeal-rights
text for the member's line of business, never from the live case answers: a letter says what was
decided, as it was decided.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.http import Http404
from django.utils import timezone

from reviewapp.accounts.roles import DECIDE_ADVERSE
from reviewapp.cases.models import Case, CaseStatus
from reviewapp.cases.selectors import case_get_for_user
from reviewapp.decisions.models import (
    ADVERSE_OUTCOMES,
    CodeDecision,
    Determination,
    Outcome,
    PeerToPeerOffer,
)

from .models import AppealRightsText

# Outcomes whose letter only a medical director may sign: the adverse ones (a denial, a partial
# approval) and an approval that rests on a medical director's exception.
DIRECTOR_OUTCOMES = (Outcome.PARTIALLY_APPROVED, Outcome.DENIED, Outcome.APPROVED_BY_EXCEPTION)


# --- access ------------------------------------------------------------------------------------


def determination_get_for_user(*, user: User, pk: int) -> Determination:
    """The determination, if the user may see its case: 403 without a reviewing role, 404 if none.

    Access to a determination is access to its case (``case_get_for_user`` decides).
    """
    determination = (
        Determination.objects.select_related("decided_by__staff_profile", "supersedes")
        .filter(pk=pk)
        .first()
    )
    case = case_get_for_user(user=user, pk=determination.case_id if determination else 0)
    assert determination is not None  # case_get_for_user raised Http404 otherwise
    determination.case = case
    return determination


def determination_is_superseded(determination: Determination) -> bool:
    return Determination.objects.filter(supersedes=determination).exists()


def signed_determination_for_case(*, reference: str) -> Determination:
    """The case's latest signed determination (its letter of record)."""
    case = Case.objects.filter(reference__iexact=reference.strip()).first()
    if case is None:
        raise Http404(f"No case with reference {reference}.")
    determination = (
        Determination.objects.filter(case=case, signed_at__isnull=False)
        .select_related("case")
        .order_by("-signed_at", "-id")
        .first()
    )
    if determination is None:
        raise Http404(f"Case {case.reference} has no signed determination letter yet.")
    return determination


def determinations_by_sha256(sha256: str) -> list[Determination]:
    return list(
        Determination.objects.filter(letter_sha256=sha256)
        .exclude(letter_sha256="")
        .select_related("case")
    )


# --- who may sign ------------------------------------------------------------------------------


def sign_forbidden_reason(*, determination: Determination, user: User) -> str:
    """Why this user may not sign this letter (a matter of role: answered 403); "" if they may."""
    if user.pk != determination.decided_by_id:
        return (
            f"Only {determination.decider_name}, who made this determination, can sign its letter."
        )
    if determination.outcome in DIRECTOR_OUTCOMES and not user.has_perm(DECIDE_ADVERSE):
        return (
            "Only a medical director can sign the letter of a denial, a partial approval or an "
            "approval by exception."
        )
    return ""


def sign_refused_reason(*, determination: Determination, case: Case) -> str:
    """Why this letter cannot be signed now, whoever asks (a matter of state); "" if it can."""
    if determination.outcome == Outcome.WITHDRAWN:
        return "A withdrawn request has no determination letter."
    if determination.is_signed:
        local = timezone.localtime(determination.signed_at)
        return (
            f"This letter was signed on {local:%Y-%m-%d %H:%M} and can never change. A correction "
            "reopens the case and produces a new determination with its own letter."
        )
    if determination_is_superseded(determination):
        return "A later determination supersedes this one; its letter is the one to sign."
    if case.status != CaseStatus.DECIDED:
        return (
            f"Case {case.reference} is {case.get_status_display().lower()}; only the letter of "
            "a decided case can be signed."
        )
    return ""


# --- what the letter says ----------------------------------------------------------------------

STATUS_WORDS = {
    "met": "Met",
    "not_met": "Not met",
    "not_documented": "Not documented",
    "not_applicable": "Not applicable",
    "excepted": "Met by exception",
    "unanswered": "Not assessed",
}
FAILED = ("not_met", "not_documented")

PLAN_WORDS = {
    "medicaid": "Medicaid",
    "medicare_advantage": "Medicare Advantage",
    "commercial": "Employer or individual health plan",
}

HEADLINES = {
    Outcome.APPROVED: "We approved the request",
    Outcome.APPROVED_BY_EXCEPTION: "We approved the request as an exception",
    Outcome.PARTIALLY_APPROVED: "We approved part of the request",
    Outcome.DENIED: "We did not approve the request",
}


@dataclass
class LetterCriterion:
    label: str
    text: str
    status: str
    status_words: str
    reason: str = ""
    exception_rationale: str = ""
    exception_kind: str = ""
    exception_condition: str = ""  # the policy's waiver ground the director found applies
    citation: str = ""
    documents: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status in FAILED


@dataclass
class AppealRights:
    title: str
    blocks: list[tuple[str, object]]  # ("p", text) or ("ul", [items])


def letter_context(determination: Determination, *, letter_date: dt.date) -> dict:
    """Everything the letter template shows. Three queries: code decisions, peer-to-peer offers,
    appeal-rights text (the case and decider are already loaded)."""
    case = determination.case
    policy = determination.policy_snapshot or {}
    codes = list(CodeDecision.objects.filter(determination=determination).order_by("id"))
    adverse = determination.outcome in ADVERSE_OUTCOMES
    criteria = criteria_rows(determination.criteria_snapshot or [])
    return {
        "organisation": {
            "name": settings.ORGANISATION_NAME,
            "address": settings.ORGANISATION_ADDRESS,
            "phone": settings.ORGANISATION_PHONE,
        },
        "determination": determination,
        "case": case,
        "outcome": determination.outcome,
        "headline": HEADLINES.get(
            Outcome(determination.outcome), determination.get_outcome_display()
        ),
        "plan": PLAN_WORDS.get(case.line_of_business, case.get_line_of_business_display()),
        "adverse": adverse,
        "by_exception": determination.outcome == Outcome.APPROVED_BY_EXCEPTION,
        "letter_date": letter_date,
        "received_on": timezone.localdate(case.received_at),
        "decided_on": timezone.localdate(determination.decided_at),
        "codes": codes,
        "approved_codes": [c for c in codes if c.decision == CodeDecision.Decision.APPROVE],
        "denied_codes": [c for c in codes if c.decision == CodeDecision.Decision.DENY],
        "criteria": criteria,
        "statuses": {c.status for c in criteria},
        "policy": policy,
        "policy_citation": policy_citation(policy),
        "checklist_title": policy.get("checklist", ""),
        "external": bool(policy.get("external")),
        "route": policy.get("route") or {},
        "appeal_rights": appeal_rights(case.line_of_business) if adverse else None,
        "peer_to_peer": list(
            PeerToPeerOffer.objects.filter(determination=determination).order_by("offered_at")
        )
        if adverse
        else [],
        "signature": {
            "name": determination.decider_name,
            "credentials": determination.decider_credentials,
            "role": determination.decider_role,
            "date": letter_date,
        },
    }


def criteria_rows(snapshot: list[dict]) -> list[LetterCriterion]:
    rows = []
    for item in snapshot:
        status = item.get("status") or "unanswered"
        exception = item.get("exception") or {}
        if exception:
            status = "excepted"
        rows.append(
            LetterCriterion(
                label=item.get("label", ""),
                text=" ".join(str(item.get("text", "")).split()),
                status=status,
                status_words=STATUS_WORDS.get(status, status.replace("_", " ").capitalize()),
                reason=_failed_reason(status, item),
                exception_rationale=exception.get("rationale", ""),
                exception_kind=exception.get("kind_label", ""),
                exception_condition=exception.get("waiver_condition_label", ""),
                citation=item.get("citation", ""),
                documents=[_document(e) for e in item.get("evidence") or []],
            )
        )
    return rows


NOT_DOCUMENTED_REASON = (
    "The records we received do not show whether this requirement is met. Your provider can "
    "send us records that show it."
)


def _failed_reason(status: str, item: dict) -> str:
    """The plain-language reason printed under a failed requirement.

    Not met: the library's reason for the member. Not documented: that reason speaks of a finding
    ("the records show..."), which would be wrong here, so the letter says what is missing.
    """
    if status == "not_met":
        return " ".join(str(item.get("member_reason", "")).split())
    if status == "not_documented":
        return NOT_DOCUMENTED_REASON
    return ""


def _document(evidence: dict) -> str:
    text = evidence.get("doc_type") or "Document"
    if evidence.get("document_date"):
        with contextlib.suppress(ValueError):
            text += f" dated {_long_date(dt.date.fromisoformat(evidence['document_date']))}"
    if evidence.get("pages"):
        pages = str(evidence["pages"])
        text += f", page{'s' if ',' in pages or '-' in pages else ''} {pages}"
    return text


def policy_citation(policy: dict) -> str:
    """ "Molina Healthcare MCP-160, Implantable Intrathecal Pain Pump, version 2025-08-13
    (effective August 13, 2025)"."""
    if not policy:
        return ""
    text = f"{policy.get('payer', '')} {policy.get('number', '')}".strip()
    if policy.get("title"):
        text += f", {policy['title']}"
    if policy.get("version"):
        text += f", version {policy['version']}"
    if policy.get("effective_from"):
        with contextlib.suppress(ValueError):
            text += f" (effective {_long_date(dt.date.fromisoformat(policy['effective_from']))})"
    return text


def _long_date(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def appeal_rights(line_of_business: str) -> AppealRights | None:
    text = AppealRightsText.objects.filter(line_of_business=line_of_business).first()
    if text is None:
        return None
    body = (
        text.body.replace("{organisation_name}", settings.ORGANISATION_NAME)
        .replace("{organisation_phone}", settings.ORGANISATION_PHONE)
        .replace("{organisation_address}", settings.ORGANISATION_ADDRESS)
    )
    return AppealRights(title=text.title, blocks=plain_blocks(body))


def plain_blocks(text: str) -> list[tuple[str, object]]:
    """Plain text to paragraphs and lists: a blank line separates blocks, "- " starts an item."""
    blocks: list[tuple[str, object]] = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.strip().split("\n") if line.strip()]
        if not lines:
            continue
        items: list[str] = []
        paragraph: list[str] = []
        for line in lines:
            if line.startswith("- "):
                items.append(line[2:].strip())
            elif items:
                items[-1] += " " + line  # a continuation line of a list item
            else:
                paragraph.append(line)
        if paragraph:
            blocks.append(("p", " ".join(paragraph)))
        if items:
            blocks.append(("ul", items))
    return blocks
