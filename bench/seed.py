"""Seeding a production-sized database for the benchmark, fast.

Cases, their requested services, facts, answers, evidence records (metadata only: listing a
document never opens its file), evidence links, timeline events, information requests,
determinations and code decisions are generated in Python and written in batches: with PostgreSQL
COPY (psycopg 3 ``cursor.copy``), elsewhere (SQLite, for the smoke test) with ``bulk_create``.
Primary keys are assigned here, and the sequences are moved past them afterwards.

The rows respect the models' rules: one answer per case and criterion, answered rows have a
reviewer, evidence SHA-256 unique per case, a criterion answered met that needs documentation has
linked evidence, NPIs are 10 digits (with a valid check digit), due after received, signed
determinations have a letter hash, adverse ones have reasons. Row history (django-simple-history)
is not generated: no measured page reads it.

A few cases are reserved for the driver (member IDs ``BENCH-...``): cases whose answers and facts
the driver saves, cases it uploads evidence to, decided cases whose letters it signs, and one case
built through the services like a reviewer's, with 20 real documents, for the checklist page.
Seeding again adds cases up to the requested total, so 1k, 10k and 100k share one database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import F, Max
from django.utils import timezone

from criteria import selectors as library
from criteria.codes import catalogue
from criteria.engine import Criterion, Status, propose
from criteria.facts import FactDef, FactType
from criteria.models import Checklist, Node, Policy, PolicyVersion
from reviewapp.accounts.roles import Role
from reviewapp.accounts.services import staff_upsert
from reviewapp.cases import services as case_services
from reviewapp.cases.forms import npi_is_valid
from reviewapp.cases.models import (
    OPEN_STATUSES,
    Answer,
    AnswerStatus,
    Case,
    CaseEvent,
    CaseFact,
    CaseStatus,
    DocumentType,
    Evidence,
    EvidenceLink,
    FactOrigin,
    InformationRequest,
    RequestedService,
    TurnaroundRule,
)
from reviewapp.cases.selectors import case_workspace
from reviewapp.decisions.models import CodeDecision, Determination, Outcome

BENCH_USER = "nurse"  # the demo nurse: the driver signs in as this user
BENCH_DIRECTOR = "director"
EXTRA_NURSES = 10
# The largest checklist (20 criteria): the reserved cases and the checklist-page case use it.
HEAVY = ("lhcc-la-cp-mp-173", "non_malignant_pain", "permanent")
CHECKLIST_CASE = "BENCH-CHECKLIST"
CHECKLIST_DOCUMENTS = 20

# The mix of requests. Policies by share of volume, indications, stages, states.
POLICY_WEIGHTS = {
    "lhcc-la-cp-mp-173": 30,
    "molina-mcp-160": 30,
    "nia-cg-310": 25,
    "uhc-pharmacy-339.7": 15,
}
INDICATION_WEIGHTS = {
    "non_malignant_pain": 60,
    "malignant_pain": 22,
    "spasticity": 14,
    "replacement": 4,
}
STATUS_WEIGHTS = {
    CaseStatus.INTAKE: 8,
    CaseStatus.IN_REVIEW: 30,
    CaseStatus.PENDED: 8,
    CaseStatus.REFERRED: 6,
    CaseStatus.DECIDED: 4,
    CaseStatus.CLOSED: 38,
    CaseStatus.WITHDRAWN: 6,
}
LOB_WEIGHTS = {"medicaid": 45, "medicare_advantage": 30, "commercial": 25}
STAGE_CODES = {
    "trial": [[("62322", 1)], [("62323", 1)], [("62326", 1)], [("62327", 1), ("J2274", 2)]],
    "permanent": [
        [("62350", 1), ("62362", 1), ("E0783", 1)],
        [("62351", 1), ("62362", 1), ("E0783", 1)],
        [("62350", 1), ("62361", 1), ("E0782", 1)],
        [("62362", 1), ("C1772", 1)],
    ],
    "replacement": [[("E0786", 1)], [("E0785", 1), ("E0786", 1)]],
}
FIRST_NAMES = [
    "Ada",
    "Ben",
    "Cara",
    "Dev",
    "Elena",
    "Farid",
    "Gia",
    "Hugo",
    "Ines",
    "Jon",
    "Kira",
    "Luis",
    "Maya",
    "Nils",
    "Opal",
    "Pia",
    "Ravi",
    "Sana",
    "Tom",
    "Uma",
    "Vik",
    "Wren",
    "Yara",
    "Zed",
]
LAST_NAMES = [
    "Abbott",
    "Baptiste",
    "Castro",
    "Dubois",
    "Eze",
    "Fontenot",
    "Guidry",
    "Hebert",
    "Ito",
    "Jenkins",
    "Khan",
    "Landry",
    "Moreau",
    "Nguyen",
    "Okoro",
    "Patel",
    "Quinn",
    "Robichaux",
    "Singh",
    "Thibodeaux",
    "Usman",
    "Vidrine",
    "Walker",
    "Young",
]
ANSWER_FOR = {
    Status.MET.value: AnswerStatus.MET,
    Status.NOT_MET.value: AnswerStatus.NOT_MET,
    Status.UNKNOWN.value: AnswerStatus.NOT_DOCUMENTED,
    Status.NOT_APPLICABLE.value: AnswerStatus.NOT_APPLICABLE,
}
PROFILES_PER_CHECKLIST = 8


@dataclass(frozen=True)
class Reserve:
    """How many cases the driver needs of each kind (made on the first seeding)."""

    answer: int = 32
    fact: int = 32
    upload: int = 64
    letter: int = 96


SMOKE_RESERVE = Reserve(answer=1, fact=1, upload=2, letter=2)


# --- writing rows ------------------------------------------------------------------------------


class RowWriter:
    """COPY on PostgreSQL, bulk_create elsewhere. Rows are tuples in the order of ``fields``
    (attribute names); JSON columns hold already-serialised JSON text."""

    def __init__(self) -> None:
        self.copy = connection.vendor == "postgresql"

    def write(
        self, model: type[models.Model], fields: list[str], rows: list[tuple], json_fields=()
    ) -> None:
        if not rows:
            return
        if self.copy:
            column = {f.attname: f.column for f in model._meta.concrete_fields}
            columns = ", ".join(connection.ops.quote_name(column[f]) for f in fields)
            table = connection.ops.quote_name(model._meta.db_table)
            sql = f"COPY {table} ({columns}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        positions = [fields.index(f) for f in json_fields]
        objects = []
        for row in rows:
            values = list(row)
            for i in positions:
                values[i] = None if values[i] is None else json.loads(values[i])
            objects.append(model(**dict(zip(fields, values, strict=True))))
        model.objects.bulk_create(objects, batch_size=500)


def _dumps(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


SEEDED = [
    Case,
    RequestedService,
    CaseFact,
    Answer,
    Evidence,
    EvidenceLink,
    CaseEvent,
    InformationRequest,
    Determination,
    CodeDecision,
]


class Ids:
    """Primary keys handed out here; the sequences are reset past them at the end."""

    def __init__(self) -> None:
        self.next = {m: (m.objects.aggregate(m=Max("pk"))["m"] or 0) + 1 for m in SEEDED}

    def take(self, model: type[models.Model]) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


def _sequences_reset() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), SEEDED)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --- the library, as the seeder draws from it ---------------------------------------------------


@dataclass
class Profile:
    """One set of fact values for a checklist, with what it proposes for each criterion."""

    facts: list[tuple[int, str, str]]  # (fact row id, fact name, JSON value)
    proposed: dict[str, str]  # criterion label -> engine status value


@dataclass
class ChecklistInfo:
    checklist: Checklist
    version: PolicyVersion
    criteria: list[tuple[Criterion, Node]]
    profiles: list[Profile]
    policy_snapshot: str
    snapshots: list[str] = field(default_factory=list)  # per profile, the criteria snapshot


@dataclass
class Library:
    policies: dict[str, Policy]
    versions: dict[str, list[PolicyVersion]]  # by policy key, newest first
    checklists: dict[tuple[int, str, str], ChecklistInfo]  # (version id, indication, stage)
    rules: dict[tuple[str, str], tuple[int, int]]  # (lob, priority) -> (hours, pend hours)

    def version_on(self, policy_key: str, day: dt.date) -> PolicyVersion | None:
        for version in self.versions[policy_key]:
            if version.effective_from <= day:
                if version.effective_to and version.effective_to < day:
                    return None
                return version
        return None


def _fact_value(rng: random.Random, fact: FactDef) -> str:
    """A raw value of the right type, in the fact's range."""
    raw = _raw_value(rng, fact)
    try:
        fact.parse(raw)
    except ValueError:
        raw = str(fact.minimum if fact.minimum is not None else fact.maximum)
    return raw


def _raw_value(rng: random.Random, fact: FactDef) -> str:
    if fact.type is FactType.BOOLEAN:
        return rng.choice(["true", "true", "true", "false"])
    if fact.type is FactType.CHOICE:
        return rng.choice(fact.choices)[0]
    if fact.type is FactType.DATE:
        return (timezone.localdate() - dt.timedelta(days=rng.randint(10, 700))).isoformat()
    low = int(fact.minimum) if fact.minimum is not None else 0
    high = int(fact.maximum) if fact.maximum is not None else max(low + 60, 100)
    return str(rng.randint(low, min(high, low + 120)))


def _library_load(rng: random.Random) -> Library:
    dictionary = library.fact_dictionary()
    fact_rows = {name: library.fact_row(name).pk for name in dictionary}
    policies = {p.key: p for p in Policy.objects.all()}
    versions: dict[str, list[PolicyVersion]] = {key: [] for key in policies}
    for version in PolicyVersion.objects.select_related("policy").order_by("-effective_from"):
        versions[version.policy.key].append(version)
    checklists = {}
    # New cases open on each version's latest edition; earlier editions stay for older cases.
    current = Checklist.objects.filter(edition__number=F("version__edition"))
    for row in current.select_related("version__policy"):
        engine = library.engine_checklist(row)
        nodes = library.checklist_nodes(row)
        criteria = [(c, nodes[c.label]) for c in engine.criteria()]
        profiles = []
        for _ in range(PROFILES_PER_CHECKLIST):
            values = {}
            for name in engine.facts:
                if rng.random() < 0.08:
                    continue  # not recorded yet
                values[name] = dictionary[name].parse(_fact_value(rng, dictionary[name]))
            profiles.append(
                Profile(
                    facts=[
                        (fact_rows[n], n, _dumps(dictionary[n].to_json(v)))
                        for n, v in values.items()
                    ],
                    proposed={c.label: propose(c, values).value for c, _ in criteria},
                )
            )
        version = row.version
        info = ChecklistInfo(
            checklist=row,
            version=version,
            criteria=criteria,
            profiles=profiles,
            policy_snapshot=_dumps(
                {
                    "key": version.policy.key,
                    "payer": version.policy.payer,
                    "number": version.policy.number,
                    "title": version.policy.title,
                    "version": version.label,
                    "effective_from": version.effective_from.isoformat(),
                    "source_document": version.source_document,
                    "checklist": row.title,
                    "external": row.external,
                    "outcome": "meets",
                }
            ),
        )
        info.snapshots = [_criteria_snapshot(info, p) for p in profiles]
        checklists[(version.pk, row.indication, row.stage)] = info
    rules = {
        (r.line_of_business, r.priority): (r.hours, r.pend_extension_hours)
        for r in TurnaroundRule.objects.all()
    }
    return Library(policies, versions, checklists, rules)


def _criteria_snapshot(info: ChecklistInfo, profile: Profile) -> str:
    rows = []
    for criterion, _node in info.criteria:
        status = ANSWER_FOR[profile.proposed[criterion.label]]
        rows.append(
            {
                "label": criterion.label,
                "text": criterion.text,
                "status": str(status),
                "answered_status": str(status),
                "proposed": profile.proposed[criterion.label],
                "member_reason": criterion.member_reason,
                "citation": criterion.citation,
                "note": "",
                "requires_documentation": criterion.requires_documentation,
                "exception": None,
                "evidence": [
                    {
                        "name": "office-note.pdf",
                        "pages": "1-2",
                        "doc_type": "Office note",
                        "document_date": None,
                        "sha256": "0" * 64,
                    }
                ]
                if criterion.requires_documentation
                else [],
            }
        )
    return _dumps(rows)


# --- staff -------------------------------------------------------------------------------------


@dataclass
class Staff:
    nurses: list[User]
    directors: list[User]
    names: dict[int, tuple[str, str, str]]  # user id -> (display name, credentials, role)

    @property
    def bench_nurse(self) -> User:
        return self.nurses[0]


def staff_ensure() -> Staff:
    """The demo staff (the driver signs in as ``nurse``) and a few more nurses to assign."""
    from reviewapp.demo.services import demo_staff_load

    if not User.objects.filter(username=BENCH_USER).exists():
        demo_staff_load()
    for i in range(1, EXTRA_NURSES + 1):
        username = f"bench-nurse-{i:02d}"
        if not User.objects.filter(username=username).exists():
            staff_upsert(
                username=username,
                password=None,
                role=Role.NURSE,
                display_name=f"Bench Nurse {i:02d}",
                credentials="RN",
            )
    users = {u.username: u for u in User.objects.select_related("staff_profile")}
    nurses = [users[BENCH_USER], users["nurse2"]] + [
        users[f"bench-nurse-{i:02d}"] for i in range(1, EXTRA_NURSES + 1)
    ]
    directors = [users[BENCH_DIRECTOR], users["director2"]]
    names = {}
    for user in nurses + directors:
        profile = user.staff_profile
        role = "Medical director" if user in directors else "Nurse reviewer"
        names[user.pk] = (profile.display_name, profile.credentials, role)
    return Staff(nurses, directors, names)


# --- one case's rows ---------------------------------------------------------------------------


@dataclass
class Batch:
    """The rows of a batch of cases, by model."""

    rows: dict[type[models.Model], list[tuple]] = field(
        default_factory=lambda: {m: [] for m in SEEDED}
    )

    def add(self, model: type[models.Model], row: tuple) -> None:
        self.rows[model].append(row)


FIELDS: dict[type[models.Model], list[str]] = {
    Case: [
        "id",
        "reference",
        "status",
        "member_name",
        "member_id",
        "member_dob",
        "provider_name",
        "provider_npi",
        "line_of_business",
        "priority",
        "policy_id",
        "policy_version_id",
        "checklist_id",
        "indication",
        "stage",
        "received_at",
        "due_at",
        "due_extended",
        "clinical_summary",
        "assigned_to_id",
        "created_by_id",
        "created_at",
        "updated_at",
        "referral_summary",
        "referred_at",
        "closed_at",
        "correction_reason",
        "member_address_line1",
        "member_address_line2",
        "member_city",
        "member_state",
        "member_zip",
        "preferred_language",
        "alternate_format",
        "provider_address_line1",
        "provider_address_line2",
        "provider_city",
        "provider_state",
        "provider_zip",
        "provider_fax",
        "servicing_provider_name",
        "servicing_provider_npi",
        "notice_sent_at",
    ],
    RequestedService: ["id", "case_id", "code", "units", "description", "position"],
    CaseFact: [
        "id",
        "case_id",
        "fact_id",
        "value",
        "origin",
        "origin_detail",
        "revision",
        "recorded_by_id",
        "recorded_at",
    ],
    Answer: [
        "id",
        "case_id",
        "criterion_id",
        "status",
        "proposed_status",
        "override_reason",
        "note",
        "revision",
        "answered_by_id",
        "answered_at",
    ],
    Evidence: [
        "id",
        "case_id",
        "file",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "page_count",
        "doc_type",
        "document_date",
        "source",
        "uploaded_by_id",
        "uploaded_at",
    ],
    EvidenceLink: [
        "id",
        "case_id",
        "criterion_id",
        "evidence_id",
        "pages",
        "linked_by_id",
        "linked_at",
    ],
    CaseEvent: ["id", "case_id", "at", "actor_id", "kind", "summary", "before", "after"],
    InformationRequest: [
        "id",
        "case_id",
        "text",
        "requested_by_id",
        "requested_at",
        "resolved_at",
        "resolution_note",
    ],
    Determination: [
        "id",
        "case_id",
        "outcome",
        "decided_by_id",
        "decider_name",
        "decider_credentials",
        "decider_role",
        "decided_at",
        "reasons",
        "rationale",
        "criteria_snapshot",
        "policy_snapshot",
        "supersedes_id",
        "correction_reason",
        "signed_at",
        "letter_pdf",
        "letter_sha256",
        "explanation",
        "reason_items",
        "letter_language",
    ],
    CodeDecision: ["id", "determination_id", "code", "units", "description", "decision", "reason"],
}
JSON_FIELDS = {
    CaseFact: ("value",),
    CaseEvent: ("before", "after"),
    Determination: ("criteria_snapshot", "policy_snapshot", "reason_items"),
}
DOC_TYPES = [
    DocumentType.OFFICE_NOTE,
    DocumentType.OFFICE_NOTE,
    DocumentType.IMAGING,
    DocumentType.PSYCHOLOGICAL_EVALUATION,
    DocumentType.TRIAL_REPORT,
    DocumentType.THERAPY_RECORDS,
]


@dataclass(frozen=True)
class Spec:
    """What one case is: drawn from the mix, or fixed for a reserved case."""

    checklist: ChecklistInfo
    status: str
    lob: str
    priority: str
    member_id: str = ""
    assignee: User | None = None
    bare: bool = False  # the case row, its services and its opening only (worked later)


class Generator:
    def __init__(self, lib: Library, staff: Staff, ids: Ids, rng: random.Random) -> None:
        self.lib, self.staff, self.ids, self.rng = lib, staff, ids, rng
        self.now = timezone.now()
        self.codes = catalogue()
        self.providers = _providers(rng, 300)
        self.checklists_by_key: dict[tuple[str, str, str], list[ChecklistInfo]] = {}
        for info in lib.checklists.values():
            key = (info.version.policy.key, info.checklist.indication, info.checklist.stage)
            self.checklists_by_key.setdefault(key, []).append(info)

    def _pick(self, weights: dict) -> Any:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def draw(self) -> tuple[Spec, dt.datetime]:
        """A case from the mix and when it was received."""
        rng = self.rng
        status = self._pick(STATUS_WEIGHTS)
        lob = self._pick(LOB_WEIGHTS)
        priority = "expedited" if rng.random() < 0.15 else "standard"
        hours = self.lib.rules[(lob, priority)][0]
        while True:
            policy = self._pick(POLICY_WEIGHTS)
            indication = self._pick(INDICATION_WEIGHTS)
            stage = (
                "replacement" if indication == "replacement" else rng.choice(["trial", "permanent"])
            )
            received = self._received(status, hours)
            version = self.lib.version_on(policy, timezone.localdate(received))
            if version is None:
                continue
            info = self.lib.checklists.get((version.pk, indication, stage))
            if info is not None:
                return Spec(info, status, lob, priority), received

    def _received(self, status: str, hours: int) -> dt.datetime:
        rng = self.rng
        if status in OPEN_STATUSES:
            back = dt.timedelta(hours=rng.uniform(0.05, 1.25) * hours)  # about 1 in 5 overdue
        elif status == CaseStatus.DECIDED:
            back = dt.timedelta(hours=rng.uniform(0.5, 0.9) * hours)
        else:
            back = dt.timedelta(days=rng.uniform(2, 730))
        return self.now - back

    def reserved(
        self, checklist: ChecklistInfo, status: str, member_id: str, *, bare: bool = False
    ) -> Spec:
        return Spec(
            checklist,
            status,
            "medicaid",
            "standard",
            member_id=member_id,
            assignee=self.staff.bench_nurse,
            bare=bare,
        )

    def case(self, batch: Batch, spec: Spec, received: dt.datetime) -> int:
        rng, ids, staff = self.rng, self.ids, self.staff
        info, status = spec.checklist, spec.status
        case_id = ids.take(Case)
        hours, pend_hours = self.lib.rules[(spec.lob, spec.priority)]
        due = received + dt.timedelta(hours=hours)
        # Pended cases mostly got the pend's extension; a tenth of the decided ones had one too
        # (the CMS-0057-F "approved after an extension" metric counts them).
        extended = pend_hours > 0 and (
            (status == CaseStatus.PENDED and rng.random() < 0.7)
            or (status in (CaseStatus.DECIDED, CaseStatus.CLOSED) and rng.random() < 0.1)
        )
        if extended:
            due += dt.timedelta(hours=pend_hours)
        assignee = spec.assignee
        if assignee is None and status != CaseStatus.INTAKE:
            assignee = rng.choice(staff.nurses)
        creator = assignee or rng.choice(staff.nurses)
        decided_at = closed_at = referred_at = None
        span = max(due - received, dt.timedelta(hours=1))
        # Nothing happens in the future: every step is clamped to a few minutes ago.
        latest = self.now - dt.timedelta(minutes=10)
        worked = max(min(received + span * rng.uniform(0.1, 0.4), latest), received)
        if status in (CaseStatus.REFERRED, CaseStatus.DECIDED, CaseStatus.CLOSED):
            referred_at = max(min(worked + span * 0.1, latest), worked)
            referred_at = referred_at if rng.random() < 0.3 else None
        if status in (CaseStatus.DECIDED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN):
            decided_at = max(min(received + span * rng.uniform(0.4, 0.8), latest), worked)
            if status != CaseStatus.DECIDED:
                closed_at = min(decided_at + dt.timedelta(minutes=rng.randint(5, 600)), self.now)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        provider_name, npi = rng.choice(self.providers)
        member_id = spec.member_id or f"BM{case_id:09d}"
        local_year = timezone.localtime(received).year
        batch.add(
            Case,
            (
                case_id,
                f"UM-{local_year}-{case_id:06d}",
                status,
                f"{first} {last}",
                member_id,
                dt.date(rng.randint(1938, 2004), rng.randint(1, 12), rng.randint(1, 28)),
                provider_name,
                npi,
                spec.lob,
                spec.priority,
                info.version.policy_id,
                info.version.pk,
                info.checklist.pk,
                info.checklist.indication,
                info.checklist.stage,
                received,
                due,
                extended,
                "Synthetic benchmark case: intrathecal pump request.",
                assignee.pk if assignee else None,
                creator.pk,
                received + dt.timedelta(minutes=3),
                closed_at or worked,
                "Please review: see the checklist." if referred_at else "",
                referred_at,
                closed_at,
                "",
                f"{100 + case_id % 900} Bench Street",
                "",
                "Baton Rouge",
                "LA",
                "70801",
                "es" if case_id % 10 == 0 else "en",
                "large_print" if case_id % 50 == 0 else "",
                "200 Clinic Way",
                "",
                "New Orleans",
                "LA",
                "70112",
                "5045550100" if case_id % 2 else "",
                "",
                "",
                closed_at,  # a closed case's member was notified when it closed
            ),
        )
        codes = rng.choice(STAGE_CODES[info.checklist.stage])
        for position, (code, units) in enumerate(codes):
            batch.add(
                RequestedService,
                (
                    ids.take(RequestedService),
                    case_id,
                    code,
                    units,
                    self.codes[code].description,
                    position,
                ),
            )
        if spec.bare:
            batch.add(
                CaseEvent,
                (
                    ids.take(CaseEvent),
                    case_id,
                    received,
                    creator.pk,
                    "created",
                    "Case opened",
                    *[None] * 2,
                ),
            )
            return case_id
        profile_index = rng.randrange(len(info.profiles))
        profile = info.profiles[profile_index]
        recorder = assignee or creator
        for fact_id, _name, value in profile.facts:
            batch.add(
                CaseFact,
                (
                    ids.take(CaseFact),
                    case_id,
                    fact_id,
                    value,
                    FactOrigin.TYPED.value,
                    "",
                    1,
                    recorder.pk,
                    worked,
                ),
            )
        # Evidence: metadata rows (files are opened only by the download view).
        n_docs = {
            CaseStatus.INTAKE: rng.randint(0, 1),
            CaseStatus.IN_REVIEW: rng.randint(1, 3),
        }.get(status, rng.randint(2, 4))
        doc_ids = []
        for i in range(n_docs):
            evidence_id = ids.take(Evidence)
            doc_ids.append(evidence_id)
            digest = hashlib.sha256(f"{case_id}:{i}".encode()).hexdigest()
            doc_type = DOC_TYPES[i % len(DOC_TYPES)]
            batch.add(
                Evidence,
                (
                    evidence_id,
                    case_id,
                    f"cases/{case_id}/{digest[:32]}.pdf",
                    f"{doc_type.replace('_', '-')}-{i + 1}.pdf",
                    "application/pdf",
                    rng.randint(40_000, 3_000_000),
                    digest,
                    rng.randint(1, 30),
                    doc_type,
                    timezone.localdate(received) - dt.timedelta(days=rng.randint(1, 120)),
                    provider_name,
                    recorder.pk,
                    received + dt.timedelta(minutes=10 + i),
                ),
            )
        answered_share = {
            CaseStatus.INTAKE: 0.0,
            CaseStatus.IN_REVIEW: 0.6,
        }.get(status, 1.0)
        answered = 0
        for criterion, node in info.criteria:
            proposed = profile.proposed[criterion.label]
            answer_status = ""
            if rng.random() < answered_share:
                answer_status = ANSWER_FOR[proposed]
                if (
                    answer_status == AnswerStatus.MET
                    and criterion.requires_documentation
                    and not doc_ids
                ):
                    answer_status = AnswerStatus.NOT_DOCUMENTED
            if answer_status == AnswerStatus.MET and criterion.requires_documentation:
                batch.add(
                    EvidenceLink,
                    (
                        ids.take(EvidenceLink),
                        case_id,
                        node.pk,
                        rng.choice(doc_ids),
                        str(rng.randint(1, 3)),
                        recorder.pk,
                        worked,
                    ),
                )
            answered += bool(answer_status)
            batch.add(
                Answer,
                (
                    ids.take(Answer),
                    case_id,
                    node.pk,
                    str(answer_status),
                    proposed,
                    "",
                    "",
                    1 if answer_status else 0,
                    recorder.pk if answer_status else None,
                    worked if answer_status else None,
                ),
            )
        # The timeline.
        events = [
            (received + dt.timedelta(minutes=3), creator, "created", "Case opened", None),
        ]
        if assignee:
            events.append(
                (received + dt.timedelta(minutes=4), assignee, "claimed", "Assigned", None)
            )
        if profile.facts:
            events.append(
                (worked, recorder, "fact_recorded", f"{len(profile.facts)} facts recorded", None)
            )
        if answered:
            events.append(
                (worked, recorder, "answer_recorded", f"{answered} criteria answered", None)
            )
        if status == CaseStatus.PENDED:
            batch.add(
                InformationRequest,
                (
                    ids.take(InformationRequest),
                    case_id,
                    "Please send the office notes and the trial report.",
                    recorder.pk,
                    worked,
                    None,
                    "",
                ),
            )
            events.append((worked, recorder, "pended", "Pended for information", None))
        elif extended:
            # Decided after a pend that extended the clock: the request was answered.
            batch.add(
                InformationRequest,
                (
                    ids.take(InformationRequest),
                    case_id,
                    "Please send the office notes and the trial report.",
                    recorder.pk,
                    worked,
                    worked + dt.timedelta(hours=12),
                    "Received.",
                ),
            )
            events.append((worked, recorder, "pended", "Pended for information", None))
        if referred_at:
            events.append(
                (referred_at, recorder, "referred", "Referred to a medical director", None)
            )
        if decided_at:
            decider, outcome = self._determination(
                batch, case_id, status, info, profile_index, codes, decided_at, closed_at, recorder
            )
            events.append((decided_at, decider, "decided", f"Determination: {outcome}", None))
            if status == CaseStatus.CLOSED:
                events.append((closed_at, decider, "letter_signed", "Letter signed", None))
                events.append((closed_at, decider, "closed", "Case closed", None))
        for at, actor, kind, summary, after in events:
            batch.add(
                CaseEvent,
                (
                    ids.take(CaseEvent),
                    case_id,
                    at,
                    actor.pk if actor else None,
                    kind,
                    summary,
                    None,
                    after,
                ),
            )
        return case_id

    def _determination(
        self, batch, case_id, status, info, profile_index, codes, decided_at, closed_at, nurse
    ) -> tuple[User, str]:
        rng = self.rng
        reasons = ""
        if status == CaseStatus.WITHDRAWN:
            outcome, decider = Outcome.WITHDRAWN, nurse
        else:
            roll = rng.random()
            # The bench nurse's decided cases are approvals: the driver signs their letters.
            if roll < 0.78 or (nurse == self.staff.bench_nurse and status == CaseStatus.DECIDED):
                outcome, decider = Outcome.APPROVED, nurse
            else:
                decider = rng.choice(self.staff.directors)
                if roll < 0.9:
                    outcome = Outcome.DENIED
                elif roll < 0.95:
                    outcome = Outcome.PARTIALLY_APPROVED
                else:
                    outcome = Outcome.APPROVED_BY_EXCEPTION
                if outcome in (Outcome.DENIED, Outcome.PARTIALLY_APPROVED):
                    reasons = "The records do not show that the policy's criteria are met."
        name, credentials, role = self.staff.names[decider.pk]
        determination_id = self.ids.take(Determination)
        signed = status == CaseStatus.CLOSED
        batch.add(
            Determination,
            (
                determination_id,
                case_id,
                outcome,
                decider.pk,
                name,
                credentials,
                role,
                decided_at,
                reasons,
                "Reviewed against the policy checklist.",
                info.snapshots[profile_index],
                info.policy_snapshot,
                None,
                "",
                closed_at if signed else None,
                f"letters/{case_id}/{determination_id}-seeded.pdf" if signed else "",
                hashlib.sha256(f"letter-{determination_id}".encode()).hexdigest() if signed else "",
                "",
                "[]",
                "en",
            ),
        )
        for code, units in codes:
            deny = outcome in (Outcome.DENIED, Outcome.WITHDRAWN) or (
                outcome == Outcome.PARTIALLY_APPROVED and code.startswith("E")
            )
            batch.add(
                CodeDecision,
                (
                    self.ids.take(CodeDecision),
                    determination_id,
                    code,
                    units,
                    self.codes[code].description,
                    "deny" if deny else "approve",
                    "Withdrawn" if outcome == Outcome.WITHDRAWN else (reasons if deny else ""),
                ),
            )
        return decider, outcome.label


def _providers(rng: random.Random, count: int) -> list[tuple[str, str]]:
    providers = []
    while len(providers) < count:
        npi = f"1{rng.randint(0, 99_999_999):08d}"
        for check in range(10):
            if npi_is_valid(npi + str(check)):
                providers.append(
                    (f"Dr. {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", npi + str(check))
                )
                break
    return providers


# --- the seeding -------------------------------------------------------------------------------


@dataclass
class SeedReport:
    added: int
    seconds: float
    counts: dict[str, int]


def seed(
    *,
    cases: int,
    batch_size: int = 5000,
    seed_value: int = 2026,
    reserve: Reserve | None = None,
    checklist_documents: int = CHECKLIST_DOCUMENTS,
    say: Callable[[str], None] = lambda _: None,
) -> SeedReport:
    """Add cases until there are ``cases`` in all (reserved ones included)."""
    import time

    started = time.monotonic()
    if not Policy.objects.exists():
        from criteria.services import library_load

        library_load()
    library.library_cache_clear()
    staff = staff_ensure()
    existing = Case.objects.count()
    first = not Case.objects.filter(member_id__startswith="BENCH-").exists()
    rng = random.Random(seed_value + existing)
    lib = _library_load(random.Random(seed_value))
    ids = Ids()
    generator = Generator(lib, staff, ids, rng)
    writer = RowWriter()
    specs = _specs(generator, lib, reserve or Reserve(), first)
    to_add = max(0, cases - existing)
    added = 0
    while added < to_add:
        batch = Batch()
        for _ in range(min(batch_size, to_add - added)):
            spec, received = next(specs)
            generator.case(batch, spec, received)
            added += 1
        with transaction.atomic():
            for model in SEEDED:
                writer.write(model, FIELDS[model], batch.rows[model], JSON_FIELDS.get(model, ()))
        say(f"seeded {existing + added:,} cases")
    _sequences_reset()
    if first:
        checklist_case_build(staff=staff, rng=rng, documents=checklist_documents)
    _analyze()
    counts = table_counts()
    return SeedReport(added=added, seconds=time.monotonic() - started, counts=counts)


def _specs(
    generator: Generator, lib: Library, reserve: Reserve, first: bool
) -> Iterator[tuple[Spec, dt.datetime]]:
    if first:
        heavy = _heavy(lib)
        now = generator.now
        received = now - dt.timedelta(hours=30)
        yield generator.reserved(heavy, CaseStatus.IN_REVIEW, CHECKLIST_CASE, bare=True), received
        kinds = [
            ("ANS", reserve.answer, CaseStatus.IN_REVIEW),
            ("FACT", reserve.fact, CaseStatus.IN_REVIEW),
            ("UPL", reserve.upload, CaseStatus.IN_REVIEW),
            ("LTR", reserve.letter, CaseStatus.DECIDED),
        ]
        for prefix, count, status in kinds:
            for i in range(count):
                received = now - dt.timedelta(hours=generator.rng.uniform(2, 20))
                yield generator.reserved(heavy, status, f"BENCH-{prefix}-{i:03d}"), received
    while True:
        yield generator.draw()


def _heavy(lib: Library) -> ChecklistInfo:
    policy, indication, stage = HEAVY
    version = lib.version_on(policy, timezone.localdate())
    assert version is not None
    return lib.checklists[(version.pk, indication, stage)]


def _analyze() -> None:
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return  # VACUUM cannot run in a transaction (the smoke test's); small data needs none
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in SEEDED)
    with connection.cursor() as cursor:
        # Bulk-loaded rows: set the visibility map and the statistics, as a day of autovacuum would.
        cursor.execute(f"VACUUM ANALYZE {tables}")


def table_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in SEEDED}


# --- the real case: built through the services, with 20 documents ------------------------------


def pdf_document(pages: int, text: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def checklist_case_build(*, staff: Staff, rng: random.Random, documents: int) -> Case:
    """The reserved case of the largest checklist, worked as a reviewer works it: facts,
    documents, links, answers, each through its service (so its timeline and files are real).

    Its intake row is bulk-written like the others: ``case_services.case_create`` cannot run on
    PostgreSQL today (its temporary reference is longer than the column; see the benchmark's
    README notes).
    """
    nurse = staff.bench_nurse
    case = Case.objects.select_related("checklist").get(member_id=CHECKLIST_CASE)
    dictionary = library.fact_dictionary()
    engine = library.engine_checklist(case.checklist)
    for name in engine.facts:
        case_services.fact_record(
            case=case,
            by=nurse,
            name=name,
            raw_value=_fact_value(rng, dictionary[name]),
            expected_revision=0,
        )
    uploaded = []
    for i in range(documents):
        name = f"{DOC_TYPES[i % len(DOC_TYPES)].replace('_', '-')}-{i + 1:02d}.pdf"
        result = case_services.evidence_upload(
            case=case,
            by=nurse,
            files=[SimpleUploadedFile(name, pdf_document(2 + i % 4, name), "application/pdf")],
            doc_type=DOC_TYPES[i % len(DOC_TYPES)],
            document_date=timezone.localdate() - dt.timedelta(days=30 + i),
            source="Dr. Bench Provider's office",
        )
        uploaded.append(result[0].evidence)
    nodes = library.checklist_nodes(case.checklist)
    for i, criterion in enumerate(engine.criteria()):
        node = nodes[criterion.label]
        if criterion.requires_documentation:
            case_services.evidence_link(
                case=case, by=nurse, evidence=uploaded[i % len(uploaded)], criterion=node, pages="1"
            )
        answer = Answer.objects.filter(case=case, criterion=node).first()
        proposed = answer.proposed_status if answer else Status.UNKNOWN.value
        case_services.answer_record(
            case=case,
            criterion=node,
            by=nurse,
            status=ANSWER_FOR[proposed],
            note="Checked against the records.",
            override_reason="",
            expected_revision=answer.revision if answer else 0,
        )
    return case


# --- what the driver needs ---------------------------------------------------------------------


def fhir_plan(requests: int = 2) -> dict:
    """A client organisation for the API scenarios, with a token-ready secret, a request Bundle
    template (a 1 MB PDF goes where ``@@PDF@@`` is, a unique Claim identifier at ``@@CLAIM@@``)
    and a few requests already in for the inquiry scenario.

    A new client each time: its secret is shown only once, and each scale's plan needs one."""
    import base64
    import uuid

    from reviewapp.fhir import examples
    from reviewapp.fhir import services as fhir

    plans = {}
    for identifier, name, lob, policy_key, start in examples.DEMO_PLANS:
        plans[identifier] = fhir.plan_policy_assign(
            identifier=identifier,
            name=name,
            line_of_business=lob,
            policy=Policy.objects.get(key=policy_key),
            effective_from=dt.date.fromisoformat(start),
        )
    client, secret = fhir.client_create(
        name=f"Bench EHR {uuid.uuid4().hex[:8]}",
        plans=list(plans.values()),
        rate_limit_per_minute=1_000_000,
    )
    template = examples.request_bundle(
        plan="molina-medicaid",
        codes=[("62324", 1)],
        diagnoses=["C50.911"],
        claim_id="@@CLAIM@@",
        documents=[("bench-note.pdf", b"@@PDF@@", "application/pdf")],
    )
    text = json.dumps(template).replace(base64.b64encode(b"@@PDF@@").decode(), "@@PDF@@")
    references = []
    for n in range(requests):
        bundle = examples.request_bundle(
            plan="molina-medicaid", codes=[("62324", 1)], diagnoses=["C50.911"]
        )
        api_request, _ = fhir.prior_auth_submit(
            client=client, data=bundle, body_sha256=f"bench-seed-{uuid.uuid4().hex}-{n}"
        )
        references.append(api_request.case.reference)
    return {
        "client_id": client.application.client_id,
        "client_secret": secret,
        "bundle_template": text,
        "references": references,
    }


def bench_plan(*, deep_page: int = 200) -> dict:
    """The ids, revisions and search terms the driver uses, read from the database as it is
    (and a new API client for the FHIR scenarios, ``fhir_plan``)."""
    checklist_case = Case.objects.get(member_id=CHECKLIST_CASE)
    heavy = library.engine_checklist(checklist_case.checklist)
    dictionary = library.fact_dictionary()
    fact_name = next(n for n in heavy.facts if dictionary[n].type is FactType.BOOLEAN)
    answer_cases = []
    for case in Case.objects.filter(member_id__startswith="BENCH-ANS-").order_by("member_id"):
        answers = dict(Answer.objects.filter(case=case).values_list("criterion_id", "revision"))
        answer_cases.append(
            {
                "case": case.pk,
                "criteria": {
                    str(node.pk): answers.get(node.pk, 0)
                    for node in library.checklist_nodes(case.checklist).values()
                },
            }
        )
    # The apply scenario: on each answer case, a criterion its facts decide without a document
    # to find (the driver sets its answer to not documented, then applies the proposal).
    apply_cases = []
    for case in Case.objects.filter(member_id__startswith="BENCH-ANS-").order_by("member_id"):
        for row in case_workspace(case).rows.values():
            if (
                row.proposal_decided
                and row.exception is None
                and not (row.proposed == Status.MET and row.criterion.requires_documentation)
            ):
                apply_cases.append({"case": case.pk, "node": row.node.pk})
                break
    fact_cases = []
    for case in Case.objects.filter(member_id__startswith="BENCH-FACT-").order_by("member_id"):
        row = CaseFact.objects.filter(case=case, fact__name=fact_name).first()
        fact_cases.append(
            {
                "case": case.pk,
                "fact": fact_name,
                "revision": row.revision if row else 0,
                "value": json.dumps(row.value) if row else "",
            }
        )
    letters = list(
        Determination.objects.filter(
            case__member_id__startswith="BENCH-LTR-",
            case__status=CaseStatus.DECIDED,
            signed_at__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES).count()
    sample = list(
        Case.objects.exclude(member_id__startswith="BENCH-")
        .order_by("?")
        .values_list("reference", "member_id")[:20]
    )
    return {
        "counts": table_counts(),
        "open_cases": open_cases,
        "checklist_case": checklist_case.pk,
        "checklist_documents": Evidence.objects.filter(case=checklist_case).count(),
        "answer_cases": answer_cases,
        "apply_cases": apply_cases,
        "fact_cases": fact_cases,
        "upload_cases": list(
            Case.objects.filter(member_id__startswith="BENCH-UPL-")
            .order_by("member_id")
            .values_list("pk", flat=True)
        ),
        "letters": letters,
        "search": {
            "references": [r for r, _ in sample] or [checklist_case.reference],
            "member_ids": [m for _, m in sample] or [checklist_case.member_id],
        },
        # The operations pages: the CMS-0057-F figures of last year (the seeded decisions span
        # the last two years).
        "metrics": {"year": timezone.localdate().year - 1},
        "queue": {
            "deep_page": max(1, min(deep_page, (open_cases + 24) // 25)),
            "filter": {"status": "in_review", "policy": HEAVY[0], "priority": "standard"},
        },
        "fhir": fhir_plan(),
    }
