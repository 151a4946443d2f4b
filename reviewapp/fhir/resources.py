"""The resources the API answers with, built as plain JSON-ready dicts.

Every builder here is validated against the ``fhir.resources`` R4B models in the tests. The
ClaimResponse follows Da Vinci PAS: the decision per item is
``item.adjudication.extension[reviewAction]`` with its X12 306 code, reasons are ``processNote``
and reason codes (the payer's criterion labels), ``preAuthRef`` is the authorization number and
each approved item carries its ``preAuthPeriod``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.utils import timezone

from criteria.codes import catalogue
from reviewapp.cases.models import Case, CaseStatus
from reviewapp.decisions.models import CodeDecision, Determination, Outcome

from . import vocabulary as v
from .models import ApiRequest, Subscription
from .questionnaires import coding_for_code
from .selectors import DecisionState

FHIR_VERSION = "4.0.1"
NOT_MET_STATUSES = ("not_met", "not_documented", "unknown", "unanswered")


def _instant(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _urn(*parts: Any) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(str(p) for p in parts)))


def _concept(system: str, code: str, display: str = "") -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _review_action(
    action: tuple[str, str], *, number: str = "", reasons: list[dict] | None = None
) -> dict:
    parts: list[dict] = [
        {
            "url": v.EXT_REVIEW_ACTION_CODE,
            "valueCodeableConcept": _concept(v.X12_REVIEW_ACTION, *action),
        }
    ]
    if number:
        parts.append({"url": "number", "valueString": number})
    for reason in reasons or []:
        parts.append({"url": "reasonCode", "valueCodeableConcept": {"coding": [reason]}})
    return {"url": v.EXT_REVIEW_ACTION, "extension": parts}


def _adjudication(action: tuple[str, str], **kwargs) -> dict:
    return {
        "extension": [_review_action(action, **kwargs)],
        "category": _concept(v.ADJUDICATION, "submitted"),
    }


def _failed_criteria(determination: Determination) -> list[dict]:
    """The criteria not met (and not excepted) when the determination was made."""
    return [
        c
        for c in determination.criteria_snapshot
        if c.get("status") in NOT_MET_STATUSES and not c.get("exception")
    ]


def _reason_coding(determination: Determination, criterion: dict) -> dict:
    policy = determination.policy_snapshot
    coding = {
        "system": v.criterion_system(policy.get("key", "")),
        "version": policy.get("version", ""),
        "code": criterion["label"],
    }
    reason = " ".join((criterion.get("member_reason") or criterion.get("text") or "").split())
    if reason:
        coding["display"] = reason[:500]
    return coding


# --- the ClaimResponse -----------------------------------------------------------------------


def claim_response(api_request: ApiRequest, state: DecisionState, *, base: str) -> dict:
    case = api_request.case
    determination = state.determination
    authorization = state.authorization
    notes: list[str] = []

    def note(text: str) -> int:
        notes.append(" ".join(text.split()))
        return len(notes)

    resource: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": case.reference,
        "meta": {"profile": [v.PAS_CLAIM_RESPONSE]},
        "identifier": [{"system": v.case_reference_system(), "value": case.reference}],
        "status": "cancelled" if state.withdrawn else "active",
        "type": _concept(v.CLAIM_TYPE, "professional"),
        "use": "preauthorization",
        "patient": {"reference": _urn(case.reference, "Patient")},
        "created": _instant(
            determination.signed_at or determination.decided_at
            if determination
            else api_request.received_at
        ),
        "insurer": {"reference": _urn(case.reference, "Insurer")},
        "requestor": {"reference": _urn(case.reference, "Requestor")},
        "request": {
            "identifier": {
                **(
                    {"system": api_request.claim_identifier_system}
                    if api_request.claim_identifier_system
                    else {}
                ),
                "value": api_request.claim_identifier_value,
            }
        },
        "outcome": "complete",
    }
    items: list[dict] = []
    header_action: tuple[str, str] | None = None
    header_reasons: list[dict] = []
    if state.pended:
        header_action = v.PENDED
        resource["disposition"] = "Pended: under clinical review"
        note(
            f"Received {timezone.localtime(api_request.received_at):%Y-%m-%d %H:%M}; under "
            f"clinical review (case {case.reference}). A decision is due by "
            f"{timezone.localtime(case.due_at):%Y-%m-%d %H:%M %Z}."
        )
        for request in state.information_requests:
            note(f"More information is needed: {request.text}")
        for item in api_request.items:
            items.append(
                {
                    "itemSequence": item["sequence"],
                    "adjudication": [_adjudication(v.PENDED)],
                }
            )
    elif state.withdrawn:
        resource["disposition"] = "Withdrawn"
        reason = determination.rationale if determination else ""
        note("The request was withdrawn" + (f": {reason}" if reason else "."))
        for item in api_request.items:
            items.append(
                {
                    "itemSequence": item["sequence"],
                    "adjudication": [{"category": _concept(v.ADJUDICATION, "submitted")}],
                }
            )
    else:
        assert determination is not None
        resource["disposition"] = determination.get_outcome_display()
        decisions = {cd.code: cd for cd in determination.code_decisions.all()}
        failed = _failed_criteria(determination)
        reason_codings = [_reason_coding(determination, c) for c in failed]
        criteria_notes: list[int] = []
        if determination.is_adverse:
            header_reasons = reason_codings
            if determination.reasons:
                criteria_notes.append(note(determination.reasons))
            for criterion in failed:
                criteria_notes.append(
                    note(
                        f"Criterion {criterion['label']} not met: "
                        f"{criterion.get('member_reason') or criterion.get('text', '')}"
                    )
                )
        if authorization:
            resource["preAuthRef"] = authorization.number
            resource["preAuthPeriod"] = {
                "start": authorization.valid_from.isoformat(),
                "end": authorization.valid_to.isoformat(),
            }
            note(
                f"Authorization {authorization.number}, valid "
                f"{authorization.valid_from:%Y-%m-%d} to {authorization.valid_to:%Y-%m-%d}."
            )
        if determination.outcome == Outcome.APPROVED_BY_EXCEPTION:
            excepted = [c["label"] for c in determination.criteria_snapshot if c.get("exception")]
            note(
                "Approved by a medical director's case-by-case exception to criteria "
                + ", ".join(excepted)
                + "."
            )
        header_action = {
            Outcome.APPROVED: v.CERTIFIED,
            Outcome.APPROVED_BY_EXCEPTION: v.CERTIFIED,
            Outcome.PARTIALLY_APPROVED: v.PARTIAL,
            Outcome.DENIED: v.NOT_CERTIFIED,
        }.get(determination.outcome, v.PENDED)
        for item in api_request.items:
            decision = decisions.get(item["code"])
            entry: dict[str, Any] = {"itemSequence": item["sequence"]}
            extensions: list[dict] = []
            if decision is not None and decision.decision == CodeDecision.Decision.APPROVE:
                units = authorization.units_for(item["code"]) if authorization else None
                action = v.PARTIAL if units is not None and units < item["units"] else v.CERTIFIED
                entry["adjudication"] = [
                    _adjudication(action, number=authorization.number if authorization else "")
                ]
                if authorization:
                    extensions += [
                        {
                            "url": v.EXT_ITEM_PREAUTH_ISSUE_DATE,
                            "valueDate": authorization.issued_on.isoformat(),
                        },
                        {
                            "url": v.EXT_ITEM_PREAUTH_PERIOD,
                            "valuePeriod": {
                                "start": authorization.valid_from.isoformat(),
                                "end": authorization.valid_to.isoformat(),
                            },
                        },
                    ]
                    if units is not None and units < item["units"]:
                        entry["noteNumber"] = [
                            note(f"{item['code']}: {units} of {item['units']} units authorized.")
                        ]
            else:
                numbers = list(criteria_notes)
                if decision is not None and decision.reason:
                    numbers.insert(0, note(f"{item['code']} denied: {decision.reason}"))
                entry["adjudication"] = [_adjudication(v.NOT_CERTIFIED, reasons=reason_codings)]
                if numbers:
                    entry["noteNumber"] = numbers
            if item.get("serviced"):
                extensions.insert(
                    0, {"url": v.EXT_ITEM_REQUESTED_SERVICE_DATE, "valuePeriod": item["serviced"]}
                )
            if extensions:
                entry["extension"] = extensions
            items.append(entry)
        resource["extension"] = [_reviewer(determination)]
        if determination.is_signed:
            resource["form"] = {
                "contentType": "application/pdf",
                "url": f"{base}/Binary/letter-{determination.pk}",
                "title": f"Determination letter {case.reference}",
                "creation": _instant(determination.signed_at),
            }
    if items:
        resource["item"] = items
    if header_action:
        resource["adjudication"] = [_adjudication(header_action, reasons=header_reasons)]
    if notes:
        resource["processNote"] = [
            {"number": n, "type": "display", "text": text} for n, text in enumerate(notes, 1)
        ]
    return resource


def _reviewer(determination: Determination) -> dict:
    """Who decided: always a person in this product, with their role (and specialty)."""
    profile = getattr(determination.decided_by, "staff_profile", None)
    role = determination.decider_role
    if profile and profile.specialty:
        role = f"{role} ({profile.specialty})"
    return {
        "url": v.EXT_REVIEWER,
        "extension": [
            {"url": "wasHumanReviewedFlag", "valueBoolean": True},
            {"url": "reviewerSpecialty", "valueCodeableConcept": {"text": role}},
        ],
    }


def _related(api_request: ApiRequest) -> list[tuple[str, dict]]:
    """The Patient, insurer and requestor the ClaimResponse points to."""
    case = api_request.case
    patient = {
        "resourceType": "Patient",
        "identifier": [
            {
                "type": _concept(v.IDENTIFIER_TYPE, "MB", "Member Number"),
                "system": v.canonical(f"NamingSystem/member-id/{api_request.plan.identifier}"),
                "value": case.member_id,
            }
        ],
        "name": [{"text": case.member_name}],
        "birthDate": case.member_dob.isoformat(),
    }
    insurer = {"resourceType": "Organization", "name": settings.ORGANISATION_NAME}
    requestor: dict[str, Any] = {
        "resourceType": api_request.provider_type,
        "identifier": [{"system": v.NPI, "value": case.provider_npi}],
    }
    requestor["name"] = (
        [{"text": case.provider_name}]
        if api_request.provider_type == "Practitioner"
        else case.provider_name
    )
    return [
        (_urn(case.reference, "Patient"), patient),
        (_urn(case.reference, "Insurer"), insurer),
        (_urn(case.reference, "Requestor"), requestor),
    ]


def response_bundle(api_request: ApiRequest, state: DecisionState, *, base: str) -> dict:
    """The PAS response Bundle: the ClaimResponse first, then what it references."""
    case = api_request.case
    response = claim_response(api_request, state, base=base)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [v.PAS_RESPONSE_BUNDLE]},
        "identifier": {
            "system": v.case_reference_system(),
            "value": api_request.bundle_identifier or case.reference,
        },
        "type": "collection",
        "timestamp": _instant(timezone.now()),
        "entry": [
            {"fullUrl": f"{base}/ClaimResponse/{case.reference}", "resource": response},
            *({"fullUrl": url, "resource": r} for url, r in _related(api_request)),
        ],
    }


def searchset(entries: list[tuple[str, dict, str]], *, base: str, self_url: str) -> dict:
    """A search result Bundle: entries of (fullUrl, resource, mode match|include)."""
    matches = sum(1 for _, _, mode in entries if mode == "match")
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "searchset",
        "timestamp": _instant(timezone.now()),
        "total": matches,
        "link": [{"relation": "self", "url": self_url}],
        "entry": [
            {"fullUrl": url, "resource": resource, "search": {"mode": mode}}
            for url, resource, mode in entries
        ],
    }


def claim_response_search_entries(
    api_request: ApiRequest, state: DecisionState, *, base: str
) -> list[tuple[str, dict, str]]:
    bundle = response_bundle(api_request, state, base=base)
    first, *rest = bundle["entry"]
    return [
        (first["fullUrl"], first["resource"], "match"),
        *((e["fullUrl"], e["resource"], "include") for e in rest),
    ]


# --- what the server supports ------------------------------------------------------------------


def capability_statement(*, base: str) -> dict:
    read = {"code": "read"}
    search = {"code": "search-type"}
    return {
        "resourceType": "CapabilityStatement",
        "id": "prior-authorization",
        "url": v.canonical("CapabilityStatement/prior-authorization"),
        "name": "PumpReviewPriorAuthorization",
        "title": f"{settings.ORGANISATION_NAME}: prior-authorization API",
        "status": "active",
        "date": "2026-12-01",
        "publisher": settings.ORGANISATION_NAME,
        "kind": "instance",
        "implementation": {
            "description": "Prior authorization of implantable intrathecal pain pumps "
            "(CMS-0057-F Prior Authorization API, shaped after Da Vinci PAS and DTR)",
            "url": base,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "OAuth 2.0 client credentials (POST /o/token/) with scope "
                "'submit' to send requests and 'read' for everything else; send the access "
                "token as 'Authorization: Bearer'. Each client sees only its own requests.",
                "security": {
                    "service": [
                        _concept(
                            "http://terminology.hl7.org/CodeSystem/restful-security-service",
                            "OAuth",
                        )
                    ],
                    "description": "Token endpoint: /o/token/ (grant_type=client_credentials).",
                },
                "resource": [
                    {
                        "type": "Claim",
                        "operation": [
                            {"name": "submit", "definition": v.PAS_SUBMIT},
                            {"name": "inquire", "definition": v.PAS_INQUIRE},
                        ],
                    },
                    {
                        "type": "ClaimResponse",
                        "interaction": [read, search],
                        "searchParam": [
                            {
                                "name": "identifier",
                                "type": "token",
                                "documentation": "The case reference (UM-YYYY-NNNNNN) or the "
                                "Claim.identifier the client sent.",
                            }
                        ],
                    },
                    {
                        "type": "Questionnaire",
                        "interaction": [read, search],
                        "searchParam": [
                            {"name": "url", "type": "uri"},
                            {
                                "name": "context",
                                "type": "token",
                                "documentation": "A CPT or HCPCS code: the questionnaires that "
                                "document a request for it.",
                            },
                            {"name": "status", "type": "token"},
                        ],
                    },
                    {"type": "ValueSet", "interaction": [read]},
                    {"type": "Binary", "interaction": [read]},
                    {
                        "type": "Subscription",
                        "interaction": [read, search, {"code": "create"}, {"code": "delete"}],
                        "documentation": "rest-hook subscriptions on ClaimResponse: notified "
                        "when a request is decided or withdrawn, retried with back-off.",
                    },
                ],
                "operation": [],
            }
        ],
    }


def prior_authorization_value_set() -> dict:
    codes = list(catalogue())
    return {
        "resourceType": "ValueSet",
        "id": "prior-authorization-codes",
        "url": v.canonical("ValueSet/prior-authorization-codes"),
        "name": "PriorAuthorizationCodes",
        "title": "Services that need prior authorization (implantable intrathecal pumps)",
        "status": "active",
        "description": "CPT and HCPCS codes that need prior authorization. The documentation "
        "each needs is the Questionnaire found with GET Questionnaire?context=<code> (its "
        "questions, and the documents to attach).",
        "compose": {
            "include": [
                {"system": v.CPT, "concept": [_vs_concept(c) for c in codes if _is_cpt(c)]},
                {"system": v.HCPCS, "concept": [_vs_concept(c) for c in codes if not _is_cpt(c)]},
            ]
        },
        "expansion": {
            "timestamp": _instant(timezone.now()),
            "total": len(codes),
            "contains": [coding_for_code(c) for c in codes],
        },
    }


def _is_cpt(code: str) -> bool:
    return catalogue()[code].kind == "CPT"


def _vs_concept(code: str) -> dict:
    return {"code": code, "display": catalogue()[code].description}


def subscription_resource(subscription: Subscription) -> dict:
    status = {"active": "active", "error": "error", "off": "off"}[subscription.status]
    resource: dict[str, Any] = {
        "resourceType": "Subscription",
        "id": str(subscription.pk),
        "status": status,
        "reason": subscription.reason or "Notify when a prior-authorization request is decided.",
        "criteria": subscription.criteria,
        "channel": {
            "type": "rest-hook",
            "endpoint": subscription.endpoint,
            # Header values can carry the client's own secrets: never echoed back.
            **(
                {"header": [h.split(":", 1)[0] + ": ***" for h in subscription.headers]}
                if subscription.headers
                else {}
            ),
            **({"payload": subscription.payload} if subscription.payload else {}),
        },
    }
    if subscription.end:
        resource["end"] = _instant(subscription.end)
    if subscription.error:
        resource["error"] = subscription.error
    return resource


def case_is_open(case: Case) -> bool:
    return case.status not in (CaseStatus.CLOSED, CaseStatus.WITHDRAWN, CaseStatus.DECIDED)
