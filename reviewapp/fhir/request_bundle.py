"""Reading a PAS-style prior-authorization request Bundle into what intake needs, or every
problem that stops it.

Order matters for hostile input: sizes are checked on the raw JSON before anything is decoded
(an attachment over the evidence limit is refused from the length of its base64 text), then each
resource's structure is validated with ``fhir.resources`` (R4B models), then the content: the
Claim, the member, the plan and its client, the requesting provider's NPI, the codes, the
diagnoses, the documents (through the evidence checks: type from content, no script, page count)
and the questionnaire's answers. Reading stores nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from criteria import selectors as library
from criteria.codes import catalogue, suggest_stage
from criteria.models import Checklist, Policy
from reviewapp.cases.evidence_files import ALLOWED, EvidenceRejected, inspect_upload
from reviewapp.cases.forms import npi_is_valid
from reviewapp.cases.services import icd10_normalise

from . import vocabulary as v
from .models import ApiClient, Plan, PlanPolicy
from .outcomes import Problem, RequestRefused
from .questionnaires import Answers, answers_read, questionnaire_id

# Resources a request may carry. The first group is read; the second is accepted and ignored
# (PAS bundles often carry them for context); anything else is refused.
READ_TYPES = (
    "Claim",
    "Patient",
    "Coverage",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "DocumentReference",
    "Binary",
    "QuestionnaireResponse",
)
CONTEXT_TYPES = ("Encounter", "Location", "ServiceRequest", "DeviceRequest", "Condition")
MAX_ENTRIES = 100
MAX_ITEMS = 20
MAX_DOCUMENTS = 30
MAX_PROBLEMS = 50
MEMBER_ID = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,29}$")


@dataclass(frozen=True)
class Item:
    sequence: int
    code: str
    units: int
    serviced: dict | None = None


@dataclass(frozen=True)
class Document:
    name: str
    content: bytes
    doc_type: str
    document_date: dt.date | None
    source: str
    path: str

    def upload(self) -> SimpleUploadedFile:
        return SimpleUploadedFile(self.name, self.content)


@dataclass
class PriorAuthRequest:
    claim_identifier_system: str
    claim_identifier_value: str
    bundle_identifier: str
    member_name: str
    member_id: str
    member_dob: dt.date
    provider_name: str
    provider_npi: str
    plan: Plan
    line_of_business: str
    policy: Policy
    checklist: Checklist
    priority: str
    indication: str
    stage: str
    items: list[Item]
    diagnoses: list[str]
    documents: list[Document] = field(default_factory=list)
    answers: Answers | None = None
    clinical_summary: str = ""
    provider_type: str = "Practitioner"


class _Problems(list):
    def add(self, text: str, expression: str = "", code: str = "invalid") -> None:
        if len(self) < MAX_PROBLEMS:
            self.append(Problem(text, expression, code))


# --- entry point ---------------------------------------------------------------------------------


def request_read(*, data: Any, client: ApiClient, received_on: dt.date) -> PriorAuthRequest:
    """The request in ``data`` (parsed JSON), or RequestRefused listing every problem found."""
    bundle = _unwrap(data)
    problems = _Problems()
    _check_sizes(bundle, problems)
    if problems:
        raise RequestRefused(problems, status=413)
    entries = _Entries(bundle, problems)
    if problems:
        raise RequestRefused(problems)
    reader = _Reader(entries, client, received_on, problems)
    request = reader.read()
    if problems or request is None:
        raise RequestRefused(problems or [Problem("The request could not be read.")])
    return request


def _unwrap(data: Any) -> dict:
    """The Bundle: sent as the body, or as the ``resource`` parameter of a Parameters resource."""
    if isinstance(data, dict) and data.get("resourceType") == "Parameters":
        for parameter in data.get("parameter") or []:
            if isinstance(parameter, dict) and parameter.get("name") == "resource":
                data = parameter.get("resource")
                break
        else:
            raise RequestRefused(
                [Problem("Parameters has no 'resource' parameter holding the request Bundle.")],
                status=400,
            )
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        kind = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        raise RequestRefused(
            [
                Problem(
                    f"Expected a Bundle (type collection) whose first entry is the Claim; got "
                    f"{kind!r}.",
                    "Bundle",
                    "structure",
                )
            ],
            status=400,
        )
    return data


def _base64_size(text: Any) -> int:
    return (len(text) * 3) // 4 if isinstance(text, str) else 0


def _check_sizes(bundle: dict, problems: _Problems) -> None:
    """Refuse oversized attachments from the length of their base64 text, before decoding."""
    limit = settings.EVIDENCE_MAX_UPLOAD_MB * 1024 * 1024
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return
    if len(entries) > MAX_ENTRIES:
        problems.add(
            f"The Bundle has {len(entries)} entries; at most {MAX_ENTRIES} are accepted.",
            "Bundle.entry",
            "too-costly",
        )
        return
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        where = f"Bundle.entry[{i}].resource"
        sizes: list[tuple[int, str]] = []
        if resource.get("resourceType") == "Binary":
            sizes.append((_base64_size(resource.get("data")), f"{where}.data"))
        if resource.get("resourceType") == "DocumentReference":
            for j, content in enumerate(resource.get("content") or []):
                attachment = content.get("attachment") if isinstance(content, dict) else None
                if isinstance(attachment, dict):
                    declared = attachment.get("size")
                    estimated = _base64_size(attachment.get("data"))
                    size = max(estimated, declared if isinstance(declared, int) else 0)
                    sizes.append((size, f"{where}.content[{j}].attachment"))
        for size, path in sizes:
            if size > limit:
                problems.add(
                    f"The document is about {size / 1024 / 1024:.0f} MB; the limit is "
                    f"{settings.EVIDENCE_MAX_UPLOAD_MB} MB per document.",
                    path,
                    "too-costly",
                )


# --- entries and references ------------------------------------------------------------------


class _Entries:
    """The Bundle's entries, validated one by one, and references resolved between them."""

    def __init__(self, bundle: dict, problems: _Problems) -> None:
        self.bundle = bundle
        self.items: list[tuple[int, dict]] = []
        self.by_url: dict[str, int] = {}
        if bundle.get("type") != "collection":
            problems.add(
                f"Bundle.type must be 'collection' (a PAS request Bundle); got "
                f"{bundle.get('type')!r}.",
                "Bundle.type",
                "value",
            )
        entries = bundle.get("entry")
        if not isinstance(entries, list) or not entries:
            problems.add("The Bundle has no entries.", "Bundle.entry", "required")
            return
        from fhir.resources.R4B import get_fhir_model_class
        from pydantic import ValidationError

        for i, entry in enumerate(entries):
            where = f"Bundle.entry[{i}]"
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict):
                problems.add("The entry has no resource.", where, "required")
                continue
            kind = resource.get("resourceType")
            if kind not in READ_TYPES + CONTEXT_TYPES:
                problems.add(
                    f"{kind!r} is not accepted in a prior-authorization request (accepted: "
                    f"{', '.join(READ_TYPES + CONTEXT_TYPES)}).",
                    f"{where}.resource",
                    "not-supported",
                )
                continue
            try:
                get_fhir_model_class(kind).model_validate(resource)
            except ValidationError as exc:
                for error in exc.errors()[:10]:
                    location = ".".join(str(part) for part in error["loc"])
                    problems.add(
                        f"{kind}: {error['msg']}.",
                        f"{where}.resource.{location}".rstrip("."),
                        "structure",
                    )
                continue
            except Exception as exc:
                # The models' own validators can fail on odd input with any exception (seen:
                # AttributeError on a number where a reference string belongs): all mean the
                # structure is wrong.
                problems.add(
                    f"{kind}: the resource does not have the structure of an R4 {kind} "
                    f"({exc.__class__.__name__}).",
                    f"{where}.resource",
                    "structure",
                )
                continue
            self.items.append((i, resource))
            full_url = entry.get("fullUrl")
            if isinstance(full_url, str) and full_url:
                self.by_url[full_url] = i
            if resource.get("id"):
                self.by_url.setdefault(f"{kind}/{resource['id']}", i)
        self.by_index = dict(self.items)

    def of_type(self, kind: str) -> list[tuple[int, dict]]:
        return [(i, r) for i, r in self.items if r.get("resourceType") == kind]

    def resolve(
        self, reference: Any, types: tuple[str, ...], path: str, problems: _Problems
    ) -> tuple[int, dict] | None:
        text = reference.get("reference") if isinstance(reference, dict) else None
        if not text:
            problems.add(f"A reference to a {' or '.join(types)} is required.", path, "required")
            return None
        index = self.by_url.get(text)
        if index is None:
            index = next(
                (i for url, i in self.by_url.items() if url.endswith("/" + text)),
                None,
            )
        if index is None or index not in self.by_index:
            problems.add(f"{text!r} is not an entry of this Bundle.", path, "not-found")
            return None
        resource = self.by_index[index]
        if resource.get("resourceType") not in types:
            problems.add(
                f"{text!r} is a {resource.get('resourceType')}; a {' or '.join(types)} is "
                "expected here.",
                path,
                "invalid",
            )
            return None
        return index, resource


# --- the content -------------------------------------------------------------------------------


def _entry(index: int) -> str:
    return f"Bundle.entry[{index}].resource"


def _codings(concept: Any) -> list[dict]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def _identifier(identifiers: Any, system: str | None = None, type_code: str | None = None) -> str:
    for identifier in identifiers or []:
        if not isinstance(identifier, dict):
            continue
        if system and identifier.get("system") != system:
            continue
        if type_code and not any(
            c.get("code") == type_code for c in _codings(identifier.get("type"))
        ):
            continue
        value = identifier.get("value")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _human_name(names: Any) -> str:
    for name in names or []:
        if not isinstance(name, dict):
            continue
        text = name.get("text") or " ".join(
            [*(name.get("prefix") or []), *(name.get("given") or []), name.get("family") or ""]
        )
        text = " ".join(str(text).split())
        if text:
            return text
    return ""


class _Reader:
    def __init__(
        self, entries: _Entries, client: ApiClient, received_on: dt.date, problems: _Problems
    ) -> None:
        self.entries = entries
        self.client = client
        self.received_on = received_on
        self.problems = problems

    def add(self, text: str, expression: str = "", code: str = "invalid") -> None:
        self.problems.add(text, expression, code)

    def read(self) -> PriorAuthRequest | None:
        claims = self.entries.of_type("Claim")
        if len(claims) != 1:
            self.add(
                f"A request Bundle carries exactly one Claim (use preauthorization); found "
                f"{len(claims)}.",
                "Bundle.entry",
                "required" if not claims else "invalid",
            )
            return None
        index, claim = claims[0]
        at = _entry(index)
        if claim.get("use") != "preauthorization":
            self.add(
                f"Claim.use must be 'preauthorization'; got {claim.get('use')!r}.",
                f"{at}.use",
                "value",
            )
        identifier = next((i for i in claim.get("identifier") or [] if i.get("value")), None)
        if identifier is None:
            self.add(
                "Claim.identifier is required: the request's own identifier, used to inquire "
                "and to recognise a resent request.",
                f"{at}.identifier",
                "required",
            )
        priority = self._priority(claim, at)
        member = self._member(claim, at)
        provider = self._provider(claim, at)
        plan = self._plan(claim, at, member)
        items = self._items(claim, at)
        diagnoses = self._diagnoses(claim, at)
        documents = self._documents()
        answers = self._answers()
        summary = self._summary(claim, at)
        routed = self._route(plan, items, diagnoses, answers, at)
        if self.problems or None in (priority, member, provider, plan, routed, identifier):
            return None
        assert member and provider and plan and routed and identifier and priority
        policy, checklist = routed
        return PriorAuthRequest(
            claim_identifier_system=str(identifier.get("system") or "")[:200],
            claim_identifier_value=str(identifier["value"])[:100],
            bundle_identifier=str((self.entries.bundle.get("identifier") or {}).get("value", ""))[
                :200
            ],
            member_name=member[0],
            member_id=member[1],
            member_dob=member[2],
            provider_name=provider[0],
            provider_npi=provider[1],
            plan=plan[0],
            line_of_business=plan[0].line_of_business,
            policy=policy,
            checklist=checklist,
            priority=priority,
            indication=checklist.indication,
            stage=checklist.stage,
            items=items,
            diagnoses=diagnoses,
            documents=documents,
            answers=answers,
            clinical_summary=summary,
            provider_type=getattr(self, "provider_type", "Practitioner"),
        )

    # --- Claim parts

    def _priority(self, claim: dict, at: str) -> str | None:
        for coding in _codings(claim.get("priority")):
            if coding.get("system") in (None, v.PROCESS_PRIORITY) and coding.get("code") in (
                v.PRIORITY
            ):
                return v.PRIORITY[coding["code"]]
        self.add(
            "Claim.priority must be a processpriority code: stat (expedited) or normal (standard).",
            f"{at}.priority",
            "code-invalid",
        )
        return None

    def _member(self, claim: dict, at: str) -> tuple[str, str, dt.date] | None:
        found = self.entries.resolve(
            claim.get("patient"), ("Patient",), f"{at}.patient", self.problems
        )
        if found is None:
            return None
        index, patient = found
        where = _entry(index)
        self.patient_index = index
        name = _human_name(patient.get("name"))[:120]
        if not name:
            self.add("The member's name is required.", f"{where}.name", "required")
        dob = None
        try:
            dob = dt.date.fromisoformat(str(patient.get("birthDate") or ""))
        except ValueError:
            self.add(
                "The member's full date of birth (YYYY-MM-DD) is required.",
                f"{where}.birthDate",
                "required",
            )
        if dob and (dob > self.received_on or dob.year < self.received_on.year - 125):
            self.add("The member's date of birth is not plausible.", f"{where}.birthDate", "value")
        member_id = self._member_id(claim, patient)
        if not member_id:
            self.add(
                "The member ID is required: Coverage.subscriberId, or a Patient identifier of "
                "type MB.",
                f"{where}.identifier",
                "required",
            )
        elif not MEMBER_ID.match(member_id):
            self.add(
                f"Member ID {member_id!r}: use letters, digits and hyphens only (30 at most).",
                f"{where}.identifier",
                "value",
            )
        if not (name and dob and member_id and MEMBER_ID.match(member_id)):
            return None
        return name, member_id, dob

    def _member_id(self, claim: dict, patient: dict) -> str:
        for insurance in claim.get("insurance") or []:
            coverage = self._coverage_of(insurance, quiet=True)
            if coverage and coverage[1].get("subscriberId"):
                return str(coverage[1]["subscriberId"]).strip().upper()
        return _identifier(patient.get("identifier"), type_code="MB").upper()

    def _coverage_of(self, insurance: Any, quiet: bool = False) -> tuple[int, dict] | None:
        if not isinstance(insurance, dict):
            return None
        problems = _Problems() if quiet else self.problems
        return self.entries.resolve(insurance.get("coverage"), ("Coverage",), "", problems)

    def _provider(self, claim: dict, at: str) -> tuple[str, str] | None:
        found = self.entries.resolve(
            claim.get("provider"),
            ("Practitioner", "Organization", "PractitionerRole"),
            f"{at}.provider",
            self.problems,
        )
        if found is None:
            return None
        index, resource = found
        if resource["resourceType"] == "PractitionerRole":
            found = self.entries.resolve(
                resource.get("practitioner") or resource.get("organization"),
                ("Practitioner", "Organization"),
                f"{_entry(index)}.practitioner",
                self.problems,
            )
            if found is None:
                return None
            index, resource = found
        where = _entry(index)
        self.provider_type = resource["resourceType"]
        name = (
            _human_name(resource.get("name"))
            if resource["resourceType"] == "Practitioner"
            else " ".join(str(resource.get("name") or "").split())
        )[:120]
        npi = _identifier(resource.get("identifier"), system=v.NPI)
        if not name:
            self.add("The requesting provider's name is required.", f"{where}.name", "required")
        if not npi:
            self.add(
                f"The requesting provider's NPI is required (an identifier with system {v.NPI}).",
                f"{where}.identifier",
                "required",
            )
        elif not npi_is_valid(npi):
            self.add(
                f"NPI {npi!r} is not valid (10 digits with a correct check digit).",
                f"{where}.identifier",
                "value",
            )
        if not (name and npi and npi_is_valid(npi)):
            return None
        return name, npi

    def _plan(self, claim: dict, at: str, member) -> tuple[Plan, int] | None:
        insurances = [i for i in claim.get("insurance") or [] if isinstance(i, dict)]
        focal = [i for i in insurances if i.get("focal")] or insurances[:1]
        if not focal:
            self.add(
                "Claim.insurance with the member's Coverage is required.",
                f"{at}.insurance",
                "required",
            )
            return None
        found = self.entries.resolve(
            focal[0].get("coverage"), ("Coverage",), f"{at}.insurance[0].coverage", self.problems
        )
        if found is None:
            return None
        index, coverage = found
        where = _entry(index)
        plan_id = ""
        for item in coverage.get("class") or []:
            if any(
                c.get("code") == "plan" and c.get("system") in (None, v.COVERAGE_CLASS)
                for c in _codings(item.get("type"))
            ):
                plan_id = str(item.get("value") or "").strip()
                break
        if not plan_id:
            self.add(
                "Coverage.class with type 'plan' and the plan identifier as its value is required.",
                f"{where}.class",
                "required",
            )
            return None
        plan = Plan.objects.filter(identifier=plan_id).first()
        if plan is None or not self.client.plans.filter(pk=plan.pk).exists():
            # The same answer whether the plan exists or belongs to another client: a client
            # learns nothing about other clients' plans.
            self.add(
                f"Plan {plan_id!r} is not one this client may submit requests for.",
                f"{where}.class",
                "forbidden",
            )
            return None
        beneficiary = coverage.get("beneficiary")
        if getattr(self, "patient_index", None) is not None and beneficiary:
            resolved = self.entries.resolve(
                beneficiary, ("Patient",), f"{where}.beneficiary", self.problems
            )
            if resolved and resolved[0] != self.patient_index:
                self.add(
                    "Coverage.beneficiary is not the Claim's patient.",
                    f"{where}.beneficiary",
                    "invalid",
                )
        for coding in _codings(coverage.get("type")):
            stated = v.line_of_business_from(coding.get("system", ""), str(coding.get("code", "")))
            if stated and stated != plan.line_of_business:
                self.add(
                    f"Coverage.type says {stated.replace('_', ' ')}, but plan {plan.identifier} "
                    f"is {plan.get_line_of_business_display()}.",
                    f"{where}.type",
                    "value",
                )
        return plan, index

    def _items(self, claim: dict, at: str) -> list[Item]:
        items: list[Item] = []
        raw = claim.get("item") or []
        if not raw:
            self.add(
                "At least one Claim.item with a CPT or HCPCS code is required.",
                f"{at}.item",
                "required",
            )
        if len(raw) > MAX_ITEMS:
            self.add(f"At most {MAX_ITEMS} items are accepted.", f"{at}.item", "too-costly")
            return []
        known = catalogue()
        for j, item in enumerate(raw):
            where = f"{at}.item[{j}]"
            codings = _codings(item.get("productOrService"))
            coding = next(
                (c for c in codings if c.get("system") in v.CPT_ALIASES + v.HCPCS_ALIASES), None
            )
            if coding is None:
                self.add(
                    "productOrService needs a CPT (" + v.CPT + ") or HCPCS (" + v.HCPCS + ") code.",
                    f"{where}.productOrService",
                    "code-invalid",
                )
                continue
            code = str(coding.get("code") or "").strip().upper()
            entry = known.get(code)
            if entry is None:
                self.add(
                    f"Unknown code {code!r}: this plan reviews " + ", ".join(sorted(known)) + ".",
                    f"{where}.productOrService",
                    "code-invalid",
                )
                continue
            if (entry.kind == "CPT") != (coding.get("system") in v.CPT_ALIASES):
                self.add(
                    f"{code} is a {entry.kind} code; send it with the {entry.kind} system.",
                    f"{where}.productOrService",
                    "code-invalid",
                )
                continue
            quantity = (item.get("quantity") or {}).get("value", 1)
            if (
                isinstance(quantity, bool)
                or not isinstance(quantity, int | float)
                or (quantity != int(quantity) or not 1 <= quantity <= 999)
            ):
                self.add(
                    f"{code}: units must be a whole number from 1 to 999.",
                    f"{where}.quantity",
                    "value",
                )
                continue
            if any(existing.code == code for existing in items):
                self.add(
                    f"{code} is requested twice; send one item with its units.", where, "invalid"
                )
                continue
            serviced = None
            if item.get("servicedDate"):
                serviced = {"start": item["servicedDate"], "end": item["servicedDate"]}
            elif isinstance(item.get("servicedPeriod"), dict):
                serviced = {
                    k: item["servicedPeriod"][k]
                    for k in ("start", "end")
                    if item["servicedPeriod"].get(k)
                }
            items.append(Item(int(item.get("sequence") or j + 1), code, int(quantity), serviced))
        sequences = [i.sequence for i in items]
        if len(set(sequences)) != len(sequences):
            self.add("Claim.item sequence numbers must be unique.", f"{at}.item", "invalid")
        return items

    def _diagnoses(self, claim: dict, at: str) -> list[str]:
        found: list[tuple[int, str]] = []
        for j, diagnosis in enumerate(claim.get("diagnosis") or []):
            where = f"{at}.diagnosis[{j}]"
            coding = next(
                (
                    c
                    for c in _codings(diagnosis.get("diagnosisCodeableConcept"))
                    if c.get("system") in v.ICD10CM_ALIASES
                ),
                None,
            )
            if coding is None:
                self.add(
                    f"Diagnoses are ICD-10-CM codes ({v.ICD10CM}).",
                    f"{where}.diagnosisCodeableConcept",
                    "code-invalid",
                )
                continue
            code = icd10_normalise(str(coding.get("code") or ""))
            if code is None:
                self.add(
                    f"{coding.get('code')!r} is not an ICD-10-CM code (e.g. G89.29).",
                    f"{where}.diagnosisCodeableConcept",
                    "code-invalid",
                )
                continue
            principal = any(
                c.get("code") == "principal"
                for t in diagnosis.get("type") or []
                for c in _codings(t)
            )
            rank = 0 if principal else int(diagnosis.get("sequence") or j + 1)
            if code not in (c for _, c in found):
                found.append((rank, code))
        if not found:
            self.add("At least one ICD-10-CM diagnosis is required.", f"{at}.diagnosis", "required")
        return [code for _, code in sorted(found, key=lambda pair: pair[0])]

    def _documents(self) -> list[Document]:
        documents: list[Document] = []
        used_binaries: set[int] = set()
        references = self.entries.of_type("DocumentReference")
        if len(references) > MAX_DOCUMENTS:
            self.add(
                f"At most {MAX_DOCUMENTS} documents are accepted.", "Bundle.entry", "too-costly"
            )
            return []
        for index, reference in references:
            where = _entry(index)
            contents = [c for c in reference.get("content") or [] if isinstance(c, dict)]
            for j, content in enumerate(contents):
                path = f"{where}.content[{j}].attachment"
                attachment = content.get("attachment") or {}
                data = attachment.get("data")
                content_type = str(attachment.get("contentType") or "").split(";")[0].strip()
                if data is None and attachment.get("url"):
                    binary = self.entries.resolve(
                        {"reference": attachment["url"]}, ("Binary",), f"{path}.url", self.problems
                    )
                    if binary is None:
                        continue
                    used_binaries.add(binary[0])
                    data = binary[1].get("data")
                    content_type = content_type or str(binary[1].get("contentType") or "")
                if not data:
                    self.add(
                        "The document's content is required, as attachment.data or a Binary of "
                        "this Bundle (attachment.url); links to other servers are not fetched.",
                        path,
                        "required",
                    )
                    continue
                if content_type not in ALLOWED:
                    self.add(
                        f"Documents are PDF, PNG, JPEG, TIFF or plain text; got {content_type!r}.",
                        f"{path}.contentType",
                        "value",
                    )
                    continue
                try:
                    content_bytes = base64.b64decode(data, validate=True)
                except (binascii.Error, ValueError):
                    self.add("The document is not valid base64.", f"{path}.data", "value")
                    continue
                name = self._file_name(attachment, reference, content_type, len(documents) + 1)
                document = Document(
                    name=name,
                    content=content_bytes,
                    doc_type=v.document_type_from(_codings(reference.get("type"))),
                    document_date=self._document_date(reference, attachment),
                    source=self._source(reference),
                    path=path,
                )
                try:
                    inspect_upload(document.upload())
                except EvidenceRejected as exc:
                    hostile = any(
                        word in str(exc).lower()
                        for word in ("script", "active content", "markup", "embedded")
                    )
                    self.add(str(exc), path, "security" if hostile else "value")
                    continue
                documents.append(document)
        for index, _ in self.entries.of_type("Binary"):
            if index not in used_binaries:
                self.add(
                    "This Binary is not the content of any DocumentReference; describe it with "
                    "one (type, date, author).",
                    _entry(index),
                    "invalid",
                )
        return documents

    @staticmethod
    def _file_name(attachment: dict, reference: dict, content_type: str, n: int) -> str:
        title = str(attachment.get("title") or reference.get("description") or "").strip()
        extension = ALLOWED[content_type][0]
        stem = title or f"document-{n}"
        if not any(stem.lower().endswith(ext) for ext in ALLOWED[content_type]):
            stem = stem.rsplit(".", 1)[0] if "." in stem[-6:] else stem
            stem += extension
        return stem

    @staticmethod
    def _document_date(reference: dict, attachment: dict) -> dt.date | None:
        for value in (reference.get("date"), attachment.get("creation")):
            if isinstance(value, str) and len(value) >= 10:
                try:
                    return dt.date.fromisoformat(value[:10])
                except ValueError:
                    continue
        return None

    @staticmethod
    def _source(reference: dict) -> str:
        for author in reference.get("author") or []:
            if isinstance(author, dict) and author.get("display"):
                return str(author["display"])[:160]
        return ""

    def _answers(self) -> Answers | None:
        responses = self.entries.of_type("QuestionnaireResponse")
        if len(responses) > 1:
            self.add("Send one QuestionnaireResponse per request.", "Bundle.entry", "invalid")
            return None
        if not responses:
            return None
        index, response = responses[0]
        answers, problems = answers_read(response, _entry(index))
        for problem in problems:
            self.problems.add(problem.text, problem.expression, problem.code)
        return answers

    def _summary(self, claim: dict, at: str) -> str:
        parts = []
        for info in claim.get("supportingInfo") or []:
            if isinstance(info, dict) and isinstance(info.get("valueString"), str):
                label = (info.get("category") or {}).get("text") or next(
                    (c.get("display") or c.get("code") for c in _codings(info.get("category"))), ""
                )
                text = " ".join(info["valueString"].split())
                parts.append(f"{label}: {text}" if label else text)
        summary = "\n".join(parts)
        if len(summary) > 5000:
            self.add(
                "The clinical notes in supportingInfo exceed 5,000 characters.",
                f"{at}.supportingInfo",
                "too-costly",
            )
        return summary

    # --- which checklist

    def _route(
        self, plan, items: list[Item], diagnoses: list[str], answers: Answers | None, at: str
    ) -> tuple[Policy, Checklist] | None:
        if plan is None or not items:
            return None
        plan = plan[0]
        assignment = (
            PlanPolicy.objects.filter(plan=plan, effective_from__lte=self.received_on)
            .select_related("policy")
            .order_by("-effective_from")
            .first()
        )
        if assignment is None or (
            assignment.effective_to and assignment.effective_to < self.received_on
        ):
            self.add(
                f"Plan {plan.identifier} has no pump policy in effect on "
                f"{self.received_on:%Y-%m-%d}.",
                f"{at}.insurance",
                "not-supported",
            )
            return None
        policy = assignment.policy
        try:
            version = library.version_in_effect(policy=policy, on=self.received_on)
        except library.NoVersionInEffect:
            self.add(
                f"No version of {policy.number} is in effect on {self.received_on:%Y-%m-%d}.",
                f"{at}.insurance",
                "not-supported",
            )
            return None
        stage = suggest_stage([i.code for i in items])
        if answers is not None:
            answered = answers.checklist
            if answered.version_id != version.pk:
                self.add(
                    f"The QuestionnaireResponse answers {questionnaire_id(answered)}; requests "
                    f"received on {self.received_on:%Y-%m-%d} for plan {plan.identifier} are "
                    f"reviewed under {policy.key} version {version.label}. Answer that version's "
                    "questionnaire.",
                    "QuestionnaireResponse.questionnaire",
                    "business-rule",
                )
                return None
            if stage and answered.stage != stage:
                self.add(
                    f"The requested codes are for the {stage} stage, but the questionnaire "
                    f"answered is for the {answered.stage} stage.",
                    f"{at}.item",
                    "business-rule",
                )
                return None
            return policy, answered
        if stage is None:
            self.add(
                "The codes do not say which stage is requested (trial, permanent implant or "
                "replacement): add the procedure code, or answer the stage's questionnaire.",
                f"{at}.item",
                "business-rule",
            )
            return None
        if stage == "replacement":
            indication = "replacement"
        else:
            found = {v.indication_for_diagnosis(code) for code in diagnoses} - {None}
            if len(found) != 1:
                self.add(
                    "The diagnoses do not name one indication (cancer pain, non-cancer pain or "
                    "spasticity): answer the questionnaire of the checklist that applies.",
                    f"{at}.diagnosis",
                    "business-rule",
                )
                return None
            indication = found.pop()
        checklist = library.checklist_get(version=version, indication=indication, stage=stage)
        if checklist is None:
            self.add(
                f"{policy.number} version {version.label} has no criteria for "
                f"{indication.replace('_', ' ')} at the {stage} stage.",
                f"{at}.item",
                "not-supported",
            )
            return None
        return policy, checklist
