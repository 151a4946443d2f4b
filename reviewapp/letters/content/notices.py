"""The content of each letter kind, assembled from its own record.

``determination_letter`` and ``extension_letter`` return a ``LetterContent``: which body template,
the context it reads, how it is printed (language, large print) and the PDF's title and identifier.
They read nothing from the database themselves: the selectors hand them the records (the
determination and its code decisions, the peer-to-peer offers, the authorization, the state's
settings), so a letter says what was decided, as it was decided. Another kind (an appeal
decision) adds a builder here and a body template that includes the shared blocks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from criteria import letter_wording

from ..rendering import PrintOptions
from . import glossary, taglines, words

ROLE_WORDS = {
    "Medical director": gettext_lazy("Medical director"),
    "Nurse reviewer": gettext_lazy("Nurse reviewer"),
}
# Evidence document types as the case records them (their English labels).
DOCUMENT_WORDS = {
    "Office note": gettext_lazy("Office note"),
    "Imaging report": gettext_lazy("Imaging report"),
    "Psychological evaluation": gettext_lazy("Psychological evaluation"),
    "Trial report": gettext_lazy("Trial report"),
    "Pump analysis report": gettext_lazy("Pump analysis report"),
    "Therapy records": gettext_lazy("Therapy records"),
    "External criteria review": gettext_lazy("External criteria review"),
    "Other": gettext_lazy("Document"),
    "Document": gettext_lazy("Document"),
}


class LetterContentError(Exception):
    """The letter cannot be written in its language (missing or stale wording)."""


@dataclass(frozen=True)
class Party:
    """Who a letter is addressed to, as the case recorded them."""

    name: str
    address_lines: tuple[str, ...] = ()
    npi: str = ""
    fax: str = ""
    member_id: str = ""
    dob: dt.date | None = None


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str
    phone: str
    fax: str
    email: str
    website: str
    language_line: str

    @classmethod
    def from_settings(cls) -> Organisation:
        return cls(
            name=settings.ORGANISATION_NAME,
            address=settings.ORGANISATION_ADDRESS,
            phone=settings.ORGANISATION_PHONE,
            fax=settings.ORGANISATION_FAX,
            email=settings.ORGANISATION_EMAIL,
            website=settings.ORGANISATION_WEBSITE,
            language_line=settings.ORGANISATION_LANGUAGE_LINE,
        )


@dataclass
class LetterContent:
    kind: str
    template: str
    context: dict[str, Any]
    options: PrintOptions
    title: str
    description: str
    identifier: str
    author: str = ""
    warnings: list[str] = field(default_factory=list)

    def html(self) -> str:
        """The letter body in its language, with the glossary of the words it uses."""
        with translation.override(self.options.language):
            context = {**self.context, "options": self.options, "glossary": []}
            body = render_to_string(self.template, context)
            terms = glossary.glossary_for(plain_text(body), self.options.language)
            if terms:
                body = render_to_string(self.template, {**context, "glossary": terms})
        return body


def plain_text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- shared pieces -----------------------------------------------------------------------------


def _party_context(member: Party, provider: Party, language: str) -> dict:
    return {
        "member": {
            "name": member.name,
            "address_lines": list(member.address_lines),
            "member_id": member.member_id,
            "dob_words": words.long_date(member.dob, language) if member.dob else "",
        },
        "provider": {
            "name": provider.name,
            "npi": provider.npi,
            "address_lines": list(provider.address_lines),
            "fax": provider.fax,
        },
    }


def _state_context(state) -> dict:
    fields = (
        "state",
        "state_name",
        "fair_hearing_agency",
        "fair_hearing_address",
        "fair_hearing_phone",
        "fair_hearing_days",
        "medicaid_agency",
        "medicaid_agency_phone",
        "consumer_assistance_name",
        "consumer_assistance_phone",
        "medicare_counseling_name",
        "medicare_counseling_phone",
    )
    return {name: getattr(state, name) for name in fields}


def _taglines(state, language: str, phone: str) -> list[dict]:
    chosen = taglines.taglines_for(list(state.tagline_languages), skip=language)
    if language != "en":
        chosen = [taglines.ENGLISH_TAGLINE, *chosen]
    return [
        {
            "code": t.code,
            "script": t.script,
            "rtl": t.rtl,
            "english_name": t.english_name,
            "sentence": t.sentence(phone),
        }
        for t in chosen
    ]


def _code_rows(codes, language: str) -> list[dict]:
    rows = []
    for code in codes:
        try:
            description = letter_wording.code_description(
                language=language, code=code.code, source_description=code.description
            )
        except letter_wording.WordingMissing as exc:
            raise LetterContentError(str(exc)) from None
        rows.append(
            {
                "code": code.code,
                "description": description,
                "units": code.units,
                "decision": getattr(code, "decision", ""),
                "decision_words": words.CODE_DECISION_WORDS.get(getattr(code, "decision", ""), ""),
                "reason": getattr(code, "reason", "")
                if getattr(code, "decision", "") == "deny"
                else "",
            }
        )
    return rows


def _signature(*, name: str, credentials: str, role: str, date: dt.date, language: str) -> dict:
    return {
        "name": name,
        "full_name": f"{name}, {credentials}" if credentials else name,
        "role_words": str(ROLE_WORDS.get(role, role)),
        "date_words": words.long_date(date, language),
    }


def policy_citation(policy: dict, language: str) -> str:
    """ "Molina Healthcare MCP-160, Implantable Intrathecal Pain Pump, version 2025-08-13
    (effective August 13, 2025)"."""
    if not policy:
        return ""
    text = f"{policy.get('payer', '')} {policy.get('number', '')}".strip()
    if policy.get("title"):
        text += f", {policy['title']}"
    if policy.get("version"):
        text += ", " + _("version %(label)s") % {"label": policy["version"]}
    if policy.get("effective_from"):
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(policy["effective_from"])
            text += " " + _("(effective %(date)s)") % {"date": words.long_date(day, language)}
    return text


def _document(evidence: dict, language: str) -> str:
    kind = str(DOCUMENT_WORDS.get(evidence.get("doc_type") or "Document", evidence.get("doc_type")))
    text = kind
    if evidence.get("document_date"):
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(evidence["document_date"])
            text = _("%(document)s dated %(date)s") % {
                "document": kind,
                "date": words.long_date(day, language),
            }
    if evidence.get("pages"):
        pages = str(evidence["pages"])
        several = "," in pages or "-" in pages
        text += ", " + (_("pages %(pages)s") if several else _("page %(pages)s")) % {"pages": pages}
    return text


# --- criteria ----------------------------------------------------------------------------------


@dataclass
class LetterCriterion:
    label: str
    text: str
    status: str
    status_words: str
    reason: str = ""
    why_words: str = ""
    exception_rationale: str = ""
    exception_kind: str = ""
    exception_ground: str = ""  # the policy's waiver ground the medical director chose
    citation: str = ""
    documents: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status in words.FAILED


EXCEPTION_KIND_WORDS = {
    "policy_waiver": gettext_lazy("Case-by-case waiver the policy provides for"),
    "director_discretion": gettext_lazy("Medical director's exception"),
}
# The grounds a policy names for its own waiver (LHCC II.A.1), by their key in the library; a
# ground without words here prints the label the library gives it.
WAIVER_GROUND_WORDS = {
    "advanced_disease": gettext_lazy("Advanced disease"),
    "limited_survival": gettext_lazy("Survival time is limited"),
    "high_procedural_risk": gettext_lazy("High risk for procedures"),
}


def criterion_wording(policy: dict, item: dict, language: str) -> letter_wording.CriterionWording:
    """The member wording of one snapshot criterion in the letter's language."""
    try:
        return letter_wording.member_wording(
            language=language,
            policy_key=policy.get("key", ""),
            version_label=policy.get("version", ""),
            label=item.get("label", ""),
            text=item.get("text", ""),
            reason=item.get("member_reason", ""),
        )
    except letter_wording.WordingMissing as exc:
        raise LetterContentError(str(exc)) from None


def criteria_rows(snapshot: list[dict], policy: dict, language: str) -> list[LetterCriterion]:
    """Every criterion of the checklist with its status, in the letter's words."""
    rows = []
    with translation.override(language):
        for item in snapshot:
            status = item.get("status") or "unanswered"
            exception = item.get("exception") or {}
            if exception:
                status = "excepted"
            wording = criterion_wording(policy, item, language)
            reason = ""
            if status == "not_met":
                reason = wording.member_reason
            elif status == "not_documented":
                reason = str(words.NOT_DOCUMENTED_REASON)
            rows.append(
                LetterCriterion(
                    label=item.get("label", ""),
                    text=wording.text or letter_wording.normalise(item.get("text")),
                    status=status,
                    status_words=str(words.STATUS_WORDS.get(status, status)),
                    reason=reason,
                    why_words=str(words.STATUS_WHY.get(status, "")),
                    exception_rationale=exception.get("rationale", ""),
                    exception_kind=str(EXCEPTION_KIND_WORDS.get(exception.get("kind", ""), "")),
                    exception_ground=str(
                        WAIVER_GROUND_WORDS.get(
                            exception.get("waiver_condition", ""),
                            exception.get("waiver_condition_label", ""),
                        )
                    ),
                    citation=item.get("citation", ""),
                    documents=[_document(e, language) for e in item.get("evidence") or []],
                )
            )
    return rows


# --- determination letters ---------------------------------------------------------------------


def letter_title(outcome: str, line_of_business: str) -> str:
    """The letter's heading. An adverse decision is named as its programme names it: Medicaid
    and ERISA call it an adverse benefit determination (42 CFR 438.400(b), 29 CFR 2560.503-1(m)(4));
    Medicare Advantage's notice is the Notice of Denial of Medical Coverage (CMS-10003)."""
    if outcome in words.ADVERSE:
        if line_of_business == "medicare_advantage":
            return _("Notice of denial of medical coverage")
        return _("Notice of adverse benefit determination")
    return _("Notice of our decision on a request for prior authorization")


@dataclass(frozen=True)
class DeterminationInputs:
    """Everything a determination letter reads, handed over by the selectors."""

    determination: Any  # decisions.models.Determination
    codes: list  # its CodeDecision rows
    peer_to_peer: list  # its PeerToPeerOffer rows
    state: Any  # StateNoticeSettings
    member: Party
    provider: Party
    options: PrintOptions
    authorization: Any = None  # decisions' Authorization of an approval, if any


def determination_letter(inputs: DeterminationInputs, *, letter_date: dt.date) -> LetterContent:
    determination = inputs.determination
    case = determination.case
    language = inputs.options.language
    organisation = Organisation.from_settings()
    policy = determination.policy_snapshot or {}
    outcome = determination.outcome
    adverse = outcome in words.ADVERSE
    with translation.override(language):
        criteria = criteria_rows(determination.criteria_snapshot or [], policy, language)
        if determination.reason_items:
            # The reasons recorded at decision time: exactly the criteria not met and not
            # excepted then, in the decider's wording (the service checked them).
            reasons = [
                {"label": item["label"], "text": item["text"]}
                for item in determination.reason_items
            ]
        else:  # a determination recorded before reasons were itemised
            reasons = [{"label": c.label, "text": c.reason} for c in criteria if c.failed]
        context = {
            "organisation": organisation,
            "case": case,
            "line_of_business": case.line_of_business,
            "plan": str(words.PLAN_WORDS.get(case.line_of_business, case.line_of_business)),
            "outcome": outcome,
            "adverse": adverse,
            "letter_title": letter_title(outcome, case.line_of_business),
            "headline": str(words.HEADLINES.get(outcome, outcome)),
            "letter_date_words": words.long_date(letter_date, language),
            "received_on_words": words.long_date(timezone.localdate(case.received_at), language),
            "decided_on_words": words.long_date(
                timezone.localdate(determination.decided_at), language
            ),
            "expedited": case.priority == "expedited",
            "codes": _code_rows(inputs.codes, language),
            "authorization": _authorization_context(inputs.authorization, language),
            # The member-facing explanation (never the internal rationale). Determinations from
            # before the explanation was its own field printed their reasons text here.
            "explanation": determination.explanation
            or ("" if determination.reason_items else determination.reasons),
            "reasons": reasons,
            "criteria": criteria,
            "statuses": {c.status for c in criteria},
            "policy_citation": policy_citation(policy, language),
            "checklist_title": policy.get("checklist", ""),
            # The route the request took, when the policy does not address it or sends it to
            # other criteria ({outcome, reason, citation, external}).
            "route": policy.get("route") or {},
            "missing_labels": [c.label for c in criteria if c.status == "not_documented"],
            "state": _state_context(inputs.state),
            "peer_to_peer": [
                {
                    "offered_to": offer.offered_to,
                    "offered_on": words.long_date(timezone.localdate(offer.offered_at), language),
                }
                for offer in inputs.peer_to_peer
            ]
            if adverse
            else [],
            "signature": _signature(
                name=determination.decider_name,
                credentials=determination.decider_credentials,
                role=determination.decider_role,
                date=letter_date,
                language=language,
            ),
            "taglines": _taglines(inputs.state, language, organisation.language_line),
            **_party_context(inputs.member, inputs.provider, language),
        }
        outcome_words = str(words.OUTCOME_WORDS.get(outcome, outcome))
    return LetterContent(
        kind="determination",
        template="letters/determination.html",
        context=context,
        options=inputs.options,
        title=f"Determination letter {case.reference}",
        description=f"Notice of decision on a request for prior authorization, case "
        f"{case.reference}: {outcome_words}",
        identifier=f"{case.reference}/determination-{determination.pk}",
        author=organisation.name,
    )


def _authorization_context(authorization, language: str) -> dict | None:
    if authorization is None:
        return None
    return {
        "number": authorization.number,
        "valid_from_words": words.long_date(authorization.valid_from, language),
        "valid_to_words": words.long_date(authorization.valid_to, language),
        "lines": [
            {
                "code": item.code,
                "description": letter_wording.code_description(
                    language=language, code=item.code, source_description=item.description
                ),
                "units": item.units,
            }
            for item in authorization.items.all()
        ],
        "servicing_provider": authorization.servicing_provider_display,
    }


# --- extension notices -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtensionInputs:
    """What an extension notice reads: the case, its requested services, and the notice's own
    record (``details``: new_due_at, respond_by, information_wanted, previous_due_at)."""

    case: Any
    codes: list  # the case's RequestedService rows
    details: dict
    state: Any
    member: Party
    provider: Party
    options: PrintOptions
    signer_name: str
    signer_credentials: str
    signer_role: str
    identifier: str


def extension_letter(inputs: ExtensionInputs, *, letter_date: dt.date) -> LetterContent:
    case = inputs.case
    language = inputs.options.language
    organisation = Organisation.from_settings()
    details = inputs.details
    new_due = dt.datetime.fromisoformat(details["new_due_at"])
    respond_by = dt.date.fromisoformat(details["respond_by"]) if details.get("respond_by") else None
    with translation.override(language):
        context = {
            "organisation": organisation,
            "case": case,
            "line_of_business": case.line_of_business,
            "plan": str(words.PLAN_WORDS.get(case.line_of_business, case.line_of_business)),
            "letter_title": _("Notice that we need more time to decide"),
            "letter_date_words": words.long_date(letter_date, language),
            "received_on_words": words.long_date(timezone.localdate(case.received_at), language),
            "decided_on_words": "",
            "expedited": case.priority == "expedited",
            "codes": _code_rows(inputs.codes, language),
            "new_due_words": words.long_date(timezone.localdate(new_due), language),
            "respond_by_words": words.long_date(respond_by, language) if respond_by else "",
            "information_wanted": details.get("information_wanted", ""),
            "state": _state_context(inputs.state),
            "signature": _signature(
                name=inputs.signer_name,
                credentials=inputs.signer_credentials,
                role=inputs.signer_role,
                date=letter_date,
                language=language,
            ),
            "taglines": _taglines(inputs.state, language, organisation.language_line),
            **_party_context(inputs.member, inputs.provider, language),
        }
    return LetterContent(
        kind="extension",
        template="letters/extension.html",
        context=context,
        options=inputs.options,
        title=f"Extension notice {case.reference}",
        description=f"Notice that the decision on case {case.reference} needs more time",
        identifier=inputs.identifier,
        author=organisation.name,
    )


# --- appeal decisions --------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealCode:
    """One requested service as an appeal decision letter shows it: what the determination
    appealed decided, and the decision now."""

    code: str
    description: str
    units: int
    decision: str  # "approve" or "deny": the decision after the appeal
    before: str  # the determination appealed's decision
    reason: str = ""


@dataclass(frozen=True)
class AppealDecisionInputs:
    """Everything an appeal decision letter reads, handed over by the appeals selectors: the
    appeal's own record (its outcome, decider, reasons and the checklist as it left it), the
    determination appealed, the codes, and for an overturn the new authorization."""

    appeal: Any  # appeals.models.Appeal, decided
    appealed: Any  # the Determination appealed
    codes: list[AppealCode]
    state: Any  # StateNoticeSettings
    member: Party
    provider: Party
    options: PrintOptions
    authorization: Any = None  # the overturn's Authorization, if any
    independent_review_due: dt.datetime | None = None  # Medicare Advantage, not fully overturned


def appeal_letter_title(outcome: str, line_of_business: str) -> str:
    """Medicare calls the plan's appeal a reconsideration (42 CFR 422.580); Medicaid's notice is
    the notice of appeal resolution (438.408(d)-(e)); ERISA's, the notice of the decision on
    review (29 CFR 2560.503-1(j))."""
    if line_of_business == "medicare_advantage":
        return _("Notice of our reconsideration decision")
    if line_of_business == "medicaid":
        return _("Notice of appeal resolution")
    return _("Notice of our decision on your appeal")


def appeal_decision_letter(inputs: AppealDecisionInputs, *, letter_date: dt.date) -> LetterContent:
    appeal = inputs.appeal
    appealed = inputs.appealed
    case = appeal.case
    language = inputs.options.language
    organisation = Organisation.from_settings()
    policy = appealed.policy_snapshot or {}
    outcome = appeal.outcome
    with translation.override(language):
        criteria = criteria_rows(appeal.criteria_snapshot or [], policy, language)
        context = {
            "organisation": organisation,
            "case": case,
            "appeal_reference": appeal.reference,
            "line_of_business": case.line_of_business,
            "plan": str(words.PLAN_WORDS.get(case.line_of_business, case.line_of_business)),
            "outcome": outcome,
            # The summary box's colour: an upheld appeal reads as the denial it keeps.
            "summary_outcome": words.APPEAL_SUMMARY_OUTCOME.get(outcome, outcome),
            "overturned": outcome == "overturned",
            "letter_title": appeal_letter_title(outcome, case.line_of_business),
            "headline": str(words.APPEAL_HEADLINES.get(outcome, outcome)),
            "letter_date_words": words.long_date(letter_date, language),
            "received_on_words": words.long_date(timezone.localdate(appeal.received_at), language),
            "decided_on_words": words.long_date(timezone.localdate(appeal.decided_at), language),
            "appealed_on_words": words.long_date(timezone.localdate(appealed.decided_at), language),
            "appealed_outcome_words": str(
                words.OUTCOME_WORDS.get(appealed.outcome, appealed.outcome)
            ).lower(),
            "expedited": appeal.priority == "expedited",
            "requester": appeal.requester,
            "requester_name": appeal.requester_name,
            "codes": _code_rows(inputs.codes, language),
            "authorization": _authorization_context(inputs.authorization, language),
            "explanation": appeal.explanation,
            "reasons": [
                {"label": item["label"], "text": item["text"]} for item in appeal.reason_items
            ],
            "criteria": criteria,
            "statuses": {c.status for c in criteria},
            "policy_citation": policy_citation(policy, language),
            "checklist_title": policy.get("checklist", ""),
            "missing_labels": [c.label for c in criteria if c.status == "not_documented"],
            "reviewer_specialty": appeal.decider_specialty,
            "independent_review_due_words": words.long_date(
                timezone.localdate(inputs.independent_review_due), language
            )
            if inputs.independent_review_due
            else "",
            "state": _state_context(inputs.state),
            "signature": _signature(
                name=appeal.decider_name,
                credentials=appeal.decider_credentials,
                role="Medical director",
                date=letter_date,
                language=language,
            ),
            "taglines": _taglines(inputs.state, language, organisation.language_line),
            **_party_context(inputs.member, inputs.provider, language),
        }
    return LetterContent(
        kind="appeal_decision",
        template="letters/appeal_decision.html",
        context=context,
        options=inputs.options,
        title=f"Appeal decision letter {case.reference} {appeal.reference}",
        description=f"Notice of the decision on appeal {appeal.reference}, case "
        f"{case.reference}: {appeal.get_outcome_display()}",
        identifier=f"{case.reference}/appeal-{appeal.pk}",
        author=organisation.name,
    )
