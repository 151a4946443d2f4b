"""Synthetic request Bundles (no real person or provider), for the README walk-through, the demo,
the benchmark and the tests. ``manage.py fhir example`` prints one."""

from __future__ import annotations

import base64
import datetime as dt
import io
import uuid
from typing import Any

from django.utils import timezone

from criteria import selectors as library
from criteria.codes import catalogue
from criteria.facts import FactType
from criteria.models import Checklist

from . import vocabulary as v
from .questionnaires import fact_names, questionnaire_url

# Demo plans and the policy each uses (synthetic plan names; real payer policies).
DEMO_PLANS = (
    ("molina-medicaid", "Bayou Valley Medicaid (demo)", "medicaid", "molina-mcp-160", "2024-08-14"),
    (
        "lhcc-medicaid",
        "Delta Parish Medicaid (demo)",
        "medicaid",
        "lhcc-la-cp-mp-173",
        "2023-06-20",
    ),
    (
        "nia-medicare-advantage",
        "Gulf Coast Medicare Advantage (demo)",
        "medicare_advantage",
        "nia-cg-310",
        "2023-01-01",
    ),
    (
        "uhc-oxford-commercial",
        "Crescent Commercial PPO (demo)",
        "commercial",
        "uhc-pharmacy-339.7",
        "2023-07-01",
    ),
)
DEMO_NPI = "1234567893"  # passes the NPI check digit; synthetic

# A diagnosis that names each indication (see vocabulary.INDICATION_BY_DIAGNOSIS).
DIAGNOSIS_FOR = {
    "malignant_pain": "C50.911",
    "non_malignant_pain": "M96.1",
    "spasticity": "G80.0",
    "replacement": "G89.29",
}
# Procedure codes for each stage.
CODES_FOR = {
    "trial": (("62324", 1),),
    "permanent": (("62350", 1), ("62362", 1)),
    "replacement": (("62362", 1), ("E0786", 1)),
}


def synthetic_pdf(*, pages: int = 1, title: str = "Synthetic office note") -> bytes:
    """A small valid PDF with blank pages (no real clinical content)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def answer_for(fact_type: FactType, value: Any) -> dict:
    if fact_type is FactType.BOOLEAN:
        return {"valueBoolean": bool(value)}
    if fact_type is FactType.INTEGER:
        return {"valueInteger": int(value)}
    if fact_type is FactType.DECIMAL:
        return {"valueDecimal": float(value)}
    if fact_type is FactType.DATE:
        return {"valueDate": str(value)}
    return {"valueCoding": {"code": str(value)}}


def questionnaire_response(checklist: Checklist, facts: dict[str, Any]) -> dict:
    """Answers to the checklist's questions; the facts the plan records itself (the outcomes of
    its own reviews) are not the provider's to answer and are left out."""
    dictionary = library.fact_dictionary()
    questions = set(fact_names(checklist))
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{questionnaire_url(checklist)}|{checklist.version.label}",
        "status": "completed",
        "authored": timezone.now().isoformat(timespec="seconds"),
        "item": [
            {
                "linkId": name,
                "text": dictionary[name].label,
                "answer": [answer_for(dictionary[name].type, value)],
            }
            for name, value in facts.items()
            if name in questions
        ],
    }


def request_bundle(
    *,
    plan: str,
    codes: tuple[tuple[str, int], ...] | list[tuple[str, int]],
    diagnoses: tuple[str, ...] | list[str],
    claim_id: str | None = None,
    member_id: str = "SYN000123",
    member_name: tuple[str, str] = ("Avery", "Sample"),
    birth_date: str = "1968-04-02",
    npi: str = DEMO_NPI,
    priority: str = "normal",
    documents: list[tuple[str, bytes, str]] | None = None,
    checklist: Checklist | None = None,
    facts: dict[str, Any] | None = None,
    summary: str = "Synthetic request for the demonstration of the API.",
    coverage_type: dict | None = None,
) -> dict:
    """A PAS-style request Bundle. ``documents``: (title, bytes, content type); ``facts`` with
    ``checklist``: a QuestionnaireResponse answering that checklist's questionnaire."""
    claim_id = claim_id or f"REQ-{uuid.uuid4().hex[:12].upper()}"
    documents = (
        documents
        if documents is not None
        else [("office-note.pdf", synthetic_pdf(pages=2), "application/pdf")]
    )
    patient_url, coverage_url, practitioner_url = (f"urn:uuid:{uuid.uuid4()}" for _ in range(3))
    insurer_url = f"urn:uuid:{uuid.uuid4()}"
    today = timezone.localdate()
    entries: list[dict] = []
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "identifier": [{"system": "urn:example:clinic:request", "value": claim_id}],
        "status": "active",
        "type": {"coding": [{"system": v.CLAIM_TYPE, "code": "professional"}]},
        "use": "preauthorization",
        "patient": {"reference": patient_url},
        "created": timezone.now().isoformat(timespec="seconds"),
        "insurer": {"reference": insurer_url},
        "provider": {"reference": practitioner_url},
        "priority": {"coding": [{"system": v.PROCESS_PRIORITY, "code": priority}]},
        "diagnosis": [
            {
                "sequence": i,
                "diagnosisCodeableConcept": {"coding": [{"system": v.ICD10CM, "code": code}]},
                **(
                    {"type": [{"coding": [{"system": v.DIAGNOSIS_TYPE, "code": "principal"}]}]}
                    if i == 1
                    else {}
                ),
            }
            for i, code in enumerate(diagnoses, start=1)
        ],
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": coverage_url}}],
        "item": [
            {
                "sequence": i,
                "productOrService": {
                    "coding": [
                        {
                            "system": v.HCPCS
                            if code in catalogue() and catalogue()[code].kind == "HCPCS"
                            else v.CPT,
                            "code": code,
                        }
                    ]
                },
                "quantity": {"value": units},
                "servicedDate": (today + dt.timedelta(days=21)).isoformat(),
            }
            for i, (code, units) in enumerate(codes, start=1)
        ],
    }
    if summary:
        claim["supportingInfo"] = [
            {
                "sequence": 1,
                "category": {"text": "Clinical summary"},
                "valueString": summary,
            }
        ]
    entries.append({"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": claim})
    entries.append(
        {
            "fullUrl": patient_url,
            "resource": {
                "resourceType": "Patient",
                "identifier": [
                    {
                        "type": {"coding": [{"system": v.IDENTIFIER_TYPE, "code": "MB"}]},
                        "value": member_id,
                    }
                ],
                "name": [{"given": [member_name[0]], "family": member_name[1]}],
                "birthDate": birth_date,
            },
        }
    )
    coverage: dict[str, Any] = {
        "resourceType": "Coverage",
        "status": "active",
        "subscriberId": member_id,
        "beneficiary": {"reference": patient_url},
        "payor": [{"reference": insurer_url}],
        "class": [
            {
                "type": {"coding": [{"system": v.COVERAGE_CLASS, "code": "plan"}]},
                "value": plan,
            }
        ],
    }
    if coverage_type:
        coverage["type"] = coverage_type
    entries.append({"fullUrl": coverage_url, "resource": coverage})
    entries.append(
        {
            "fullUrl": insurer_url,
            "resource": {"resourceType": "Organization", "name": "The health plan"},
        }
    )
    entries.append(
        {
            "fullUrl": practitioner_url,
            "resource": {
                "resourceType": "Practitioner",
                "identifier": [{"system": v.NPI, "value": npi}],
                "name": [{"prefix": ["Dr."], "given": ["Jordan"], "family": "Example"}],
            },
        }
    )
    for title, content, content_type in documents:
        binary_url = f"urn:uuid:{uuid.uuid4()}"
        entries.append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": {
                    "resourceType": "DocumentReference",
                    "status": "current",
                    "type": {
                        "coding": [
                            {"system": v.LOINC, "code": "11506-3", "display": "Progress note"}
                        ]
                    },
                    "date": f"{today.isoformat()}T09:00:00Z",
                    "author": [{"display": "Example Pain Clinic (synthetic)"}],
                    "content": [
                        {
                            "attachment": {
                                "contentType": content_type,
                                "url": binary_url,
                                "title": title,
                            }
                        }
                    ],
                },
            }
        )
        entries.append(
            {
                "fullUrl": binary_url,
                "resource": {
                    "resourceType": "Binary",
                    "contentType": content_type,
                    "data": base64.b64encode(content).decode("ascii"),
                },
            }
        )
    if checklist is not None and facts:
        entries.append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": questionnaire_response(checklist, facts),
            }
        )
    return {
        "resourceType": "Bundle",
        "identifier": {"system": "urn:example:clinic:bundle", "value": f"B-{claim_id}"},
        "type": "collection",
        "timestamp": timezone.now().isoformat(timespec="seconds"),
        "entry": entries,
    }


def inquiry_bundle(*, identifier: str, member_id: str = "") -> dict:
    entries: list[dict] = [
        {
            "fullUrl": f"urn:uuid:{uuid.uuid4()}",
            "resource": {
                "resourceType": "Claim",
                "identifier": [{"value": identifier}],
                "status": "active",
                "type": {"coding": [{"system": v.CLAIM_TYPE, "code": "professional"}]},
                "use": "preauthorization",
                "patient": {"display": "member"},
                "created": timezone.now().isoformat(timespec="seconds"),
                "provider": {"display": "requesting provider"},
                "priority": {"coding": [{"system": v.PROCESS_PRIORITY, "code": "normal"}]},
                "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "coverage"}}],
            },
        }
    ]
    if member_id:
        entries.append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": {
                    "resourceType": "Coverage",
                    "status": "active",
                    "subscriberId": member_id,
                    "beneficiary": {"display": "member"},
                    "payor": [{"display": "plan"}],
                },
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(timespec="seconds"),
        "entry": entries,
    }
