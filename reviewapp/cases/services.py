"""Every change to a case: intake, claiming, facts, answers, evidence, pends, referral.

Each service is keyword-only, checks its guards before writing anything, runs in one transaction
and records what it did in the case timeline (``CaseEvent``) with before and after values. A guard
that fails raises ``CaseActionRefused`` with a message meant for the reviewer; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from criteria import selectors as library
from criteria.codes import catalogue
from criteria.engine import Status, propose
from criteria.facts import FactValueError
from criteria.models import Node, Policy
from reviewapp.accounts.models import staff_display_name
from reviewapp.core.storage import files_atomic, stored_file_save

from . import rules, selectors
from .evidence_files import EvidenceRejected, inspect_upload, storage_name
from .models import (
    Answer,
    AnswerStatus,
    Case,
    CaseDiagnosis,
    CaseEvent,
    CaseFact,
    CaseStatus,
    EventKind,
    Evidence,
    EvidenceLink,
    FactOrigin,
    InformationRequest,
    RequestedService,
    TurnaroundRule,
)


class CaseActionRefused(Exception):
    """A guard refused the action; the message says why, in the reviewer's words."""


class EditConflict(Exception):
    """Someone else saved this item since the reviewer loaded it. Carries their version."""

    def __init__(self, current: Any, message: str) -> None:
        self.current = current
        super().__init__(message)


# --- the timeline ------------------------------------------------------------------------------


def event_record(
    *,
    case: Case,
    actor: User | None,
    kind: EventKind,
    summary: str,
    before: Any = None,
    after: Any = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, actor=actor, kind=kind, summary=summary[:500], before=before, after=after
    )


def case_lock(case: Case) -> Case:
    """Re-read the case under a row lock, so guards see the latest state (with its checklist,
    which is never locked: published checklists do not change)."""
    return Case.objects.select_for_update(of=("self",)).select_related("checklist").get(pk=case.pk)


def case_require_status(case: Case, allowed: Iterable[str], action: str) -> None:
    """Refuse ``action`` unless the case is in one of the ``allowed`` states (``rules``)."""
    if refusal := rules.status_refusal(case, allowed, action):
        raise CaseActionRefused(refusal)


def case_require_worker(case: Case, by: User) -> None:
    """Refuse unless ``by`` works this case (``rules.work_refusal``: the assigned reviewer; a
    medical director on a referred case; the opener while nobody is assigned)."""
    if refusal := rules.work_refusal(case=case, user=by):
        raise CaseActionRefused(refusal)


def case_transition(
    case: Case, *, to: str, by: User, kind: EventKind, summary: str, **fields: Any
) -> Case:
    before = {"status": case.status, **{k: _jsonable(getattr(case, k)) for k in fields}}
    case.status = to
    for name, value in fields.items():
        setattr(case, name, value)
    case.save()
    after = {"status": to, **{k: _jsonable(v) for k, v in fields.items()}}
    event_record(case=case, actor=by, kind=kind, summary=summary, before=before, after=after)
    return case


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


# --- intake ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intake:
    member_name: str
    member_id: str
    member_dob: dt.date
    provider_name: str
    provider_npi: str
    line_of_business: str
    priority: str
    policy: Policy
    indication: str
    stage: str
    received_at: dt.datetime
    clinical_summary: str
    services: list[tuple[str, int]]
    # ICD-10-CM codes, primary first, already in dotted form (``icd10_normalise``).
    diagnoses: tuple[str, ...] = ()
    # Delivery: where letters go, in which language and format (forms validate them).
    member_address_line1: str = ""
    member_address_line2: str = ""
    member_city: str = ""
    member_state: str = ""
    member_zip: str = ""
    preferred_language: str = "en"
    alternate_format: str = ""
    provider_address_line1: str = ""
    provider_address_line2: str = ""
    provider_city: str = ""
    provider_state: str = ""
    provider_zip: str = ""
    provider_fax: str = ""
    servicing_provider_name: str = ""
    servicing_provider_npi: str = ""


ICD10_FORMAT = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


def icd10_normalise(code: str) -> str | None:
    """An ICD-10-CM code in its dotted form (``g8929`` -> ``G89.29``), or None when it does not
    have the shape of one. The code's existence is not checked (no ICD-10 table yet)."""
    text = (code or "").strip().upper().replace(" ", "")
    bare = text.replace(".", "")
    if "." in text and text.index(".") != 3:
        return None
    dotted = bare[:3] + ("." + bare[3:] if len(bare) > 3 else "")
    return dotted if ICD10_FORMAT.match(dotted) else None


@dataclass(frozen=True)
class Opened:
    case: Case
    created: bool  # False: the same intake form was sent before, and this is its case


def case_create_once(
    *, intake: Intake, by: User, assign_to_me: bool = True, intake_token: uuid.UUID | None
) -> Opened:
    """Open a case from an intake form carrying a one-time token, at most once per token.

    A double submit (a double click, a resubmit after a timeout, the back button) gets the case
    the first submit opened, also when both arrive at the same moment (the token is unique in
    the database, ``case_intake_token_once``). A token someone else used is refused.
    """
    if intake_token is not None and (existing := _case_by_intake_token(intake_token, by)):
        return Opened(existing, created=False)
    try:
        case = case_create(
            intake=intake, by=by, assign_to_me=assign_to_me, intake_token=intake_token
        )
    except IntegrityError:
        existing = _case_by_intake_token(intake_token, by) if intake_token else None
        if existing is None:
            raise
        return Opened(existing, created=False)
    return Opened(case, created=True)


def _case_by_intake_token(token: uuid.UUID, by: User) -> Case | None:
    case = Case.objects.filter(intake_token=token).first()
    if case is not None and case.created_by_id != by.pk:
        raise CaseActionRefused("This intake form was already used; open a new one.")
    return case


@transaction.atomic
def case_create(
    *, intake: Intake, by: User, assign_to_me: bool = True, intake_token: uuid.UUID | None = None
) -> Case:
    """Open a case. It pins the policy version in effect on the date the request was received."""
    received_on = timezone.localdate(intake.received_at)
    try:
        version = library.version_in_effect(policy=intake.policy, on=received_on)
    except library.NoVersionInEffect:
        raise CaseActionRefused(
            f"No version of {intake.policy.number} was in effect on {received_on:%Y-%m-%d}, "
            "the date the request was received."
        ) from None
    checklist = library.checklist_get(
        version=version, indication=intake.indication, stage=intake.stage
    )
    if checklist is None:
        raise CaseActionRefused(
            f"{intake.policy.number} version {version.label} has no criteria for this indication "
            "at this stage; check the indication and stage."
        )
    rule = TurnaroundRule.objects.get(
        line_of_business=intake.line_of_business, priority=intake.priority
    )
    case = Case.objects.create(
        # A unique placeholder until the primary key gives the reference its number.
        reference=f"new-{uuid.uuid4().hex[:16]}",
        status=CaseStatus.IN_REVIEW if assign_to_me else CaseStatus.INTAKE,
        member_name=intake.member_name,
        member_id=intake.member_id,
        member_dob=intake.member_dob,
        member_address_line1=intake.member_address_line1,
        member_address_line2=intake.member_address_line2,
        member_city=intake.member_city,
        member_state=intake.member_state,
        member_zip=intake.member_zip,
        preferred_language=intake.preferred_language,
        alternate_format=intake.alternate_format,
        provider_name=intake.provider_name,
        provider_npi=intake.provider_npi,
        provider_address_line1=intake.provider_address_line1,
        provider_address_line2=intake.provider_address_line2,
        provider_city=intake.provider_city,
        provider_state=intake.provider_state,
        provider_zip=intake.provider_zip,
        provider_fax=intake.provider_fax,
        servicing_provider_name=intake.servicing_provider_name,
        servicing_provider_npi=intake.servicing_provider_npi,
        line_of_business=intake.line_of_business,
        priority=intake.priority,
        policy=intake.policy,
        policy_version=version,
        checklist=checklist,
        indication=intake.indication,
        stage=intake.stage,
        received_at=intake.received_at,
        due_at=intake.received_at + dt.timedelta(hours=rule.hours),
        clinical_summary=intake.clinical_summary,
        assigned_to=by if assign_to_me else None,
        created_by=by,
        intake_token=intake_token,
    )
    case.reference = f"UM-{received_on:%Y}-{case.pk:06d}"
    case.save(update_fields=["reference"])
    codes = catalogue()
    RequestedService.objects.bulk_create(
        RequestedService(
            case=case, code=code, units=units, description=codes[code].description, position=i
        )
        for i, (code, units) in enumerate(intake.services)
    )
    CaseDiagnosis.objects.bulk_create(
        CaseDiagnosis(case=case, position=i, code=code)
        for i, code in enumerate(intake.diagnoses, start=1)
    )
    event_record(
        case=case,
        actor=by,
        kind=EventKind.CREATED,
        summary=f"Case opened under {version}; due {timezone.localtime(case.due_at):%Y-%m-%d %H:%M}",
        after={
            "policy_version": version.label,
            "checklist": checklist.key,
            "codes": [f"{c} x{u}" for c, u in intake.services],
            **({"diagnoses": list(intake.diagnoses)} if intake.diagnoses else {}),
            "status": case.status,
        },
    )
    return case


@transaction.atomic
def case_claim(*, case: Case, by: User) -> Case:
    case = case_lock(case)
    if refusal := rules.claim_refusal(case=case, user=by):
        raise CaseActionRefused(refusal)
    status = CaseStatus.IN_REVIEW if case.status == CaseStatus.INTAKE else case.status
    previous = case.assigned_to
    return case_transition(
        case,
        to=status,
        by=by,
        kind=EventKind.CLAIMED,
        summary=f"Assigned to {staff_display_name(by)}"
        + (f" (was {staff_display_name(previous)})" if previous else ""),
        assigned_to=by,
    )


class ReassignForbidden(Exception):
    """The user may not reassign this case (answered 403; recorded in the case timeline)."""


def case_reassign(*, case: Case, by: User, to: User, reason: str) -> Case:
    """Hand a case to another reviewer: an explicit, audited change of owner.

    Guards (``rules``): the case is open; ``by`` is the assigned reviewer handing it over, a
    medical director or a UM manager (anyone else is refused with 403 and the attempt is
    recorded); ``to`` is an active nurse reviewer or medical director other than the current
    one; a reason. An unclaimed case (intake) goes into review with its new reviewer.
    """
    if not rules.status_refusal(case, rules.REASSIGNABLE, "reassigned") and (
        refusal := rules.reassign_refusal(case=case, user=by)
    ):
        event_record(
            case=case,
            actor=by,
            kind=EventKind.REFUSED,
            summary=f"Refused: reassign the case. {refusal}",
            after={"action": "reassign", "to": to.pk},
        )
        raise ReassignForbidden(refusal)
    return _reassign(case=case, by=by, to=to, reason=reason)


@transaction.atomic
def _reassign(*, case: Case, by: User, to: User, reason: str) -> Case:
    case = case_lock(case)
    case_require_status(case, rules.REASSIGNABLE, "reassigned")
    if refusal := rules.reassign_refusal(case=case, user=by):  # re-checked under the lock
        raise CaseActionRefused(refusal)
    if refusal := rules.assignee_refusal(case=case, to=to):
        raise CaseActionRefused(refusal)
    if not reason.strip():
        raise CaseActionRefused("Say why the case changes hands.")
    previous = case.assigned_to
    handover = previous is not None and previous.pk == by.pk
    status = CaseStatus.IN_REVIEW if case.status == CaseStatus.INTAKE else case.status
    return case_transition(
        case,
        to=status,
        by=by,
        kind=EventKind.REASSIGNED,
        summary=(
            f"{'Handed over' if handover else 'Reassigned'} to {staff_display_name(to)}"
            + (f" (was {staff_display_name(previous)})" if previous else "")
            + f": {reason.strip()}"
        ),
        assigned_to=to,
    )


# --- facts and answers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    """What a save changed besides the item saved, so that the view only renders: the criteria
    whose rows show something new (the facts' proposal moved) and the facts recorded with it."""

    criteria: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()


@transaction.atomic
def fact_record(
    *,
    case: Case,
    by: User,
    name: str,
    raw_value: Any,
    expected_revision: int,
    origin: str = FactOrigin.TYPED,
    origin_detail: str = "",
) -> Saved:
    """Record (or with an empty value, clear) a clinical fact and re-propose what it decides.

    ``origin`` says where the value came from (typed by a reviewer, accepted from a document page,
    or received from the provider over the API), ``origin_detail`` where exactly (the document and
    page, or the sender); both are kept on the fact and in the timeline. Returns the fact (when its
    value changed) and the criteria that read it.
    """
    case = case_lock(case)
    case_require_status(case, rules.EDITABLE, "changed")
    case_require_worker(case, by)
    definition = library.fact_dictionary().get(name)
    if definition is None or name not in selectors.checklist_facts(case):
        raise CaseActionRefused(f"{name!r} is not a fact this checklist uses.")
    current = CaseFact.objects.filter(case=case, fact__name=name).first()
    if (current.revision if current else 0) != expected_revision:
        raise EditConflict(
            current,
            f"{definition.label} was changed by "
            f"{staff_display_name(current.recorded_by) if current else 'someone'} while you "
            "were editing; their value is shown. Save again to replace it.",
        )
    before = current.value if current else None
    if raw_value in (None, ""):
        if current is None:
            return Saved()
        current.delete()
        after = None
    else:
        try:
            value = definition.to_json(definition.parse(raw_value))
        except FactValueError as exc:
            raise CaseActionRefused(str(exc)) from None
        if current and current.value == value and current.origin == origin:
            return Saved()
        _fact_store(case, name, value, by, current, origin=origin, origin_detail=origin_detail)
        after = value
    event_record(
        case=case,
        actor=by,
        kind=EventKind.FACT_RECORDED,
        summary=f"{definition.label}: {definition.display(_parsed(definition, before))}"
        f" → {definition.display(_parsed(definition, after))}"
        + (
            ""
            if origin == FactOrigin.TYPED
            else f" ({_lower_first(FactOrigin(origin).label)}"
            + (f": {origin_detail})" if origin_detail else ")")
        ),
        before={name: before},
        after={name: after, "origin": origin, "origin_detail": origin_detail}
        if origin != FactOrigin.TYPED
        else {name: after},
    )
    return Saved(criteria=_repropose(case, names={name}), facts=(name,))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _parsed(definition, value):
    return None if value is None else definition.parse(value)


def _fact_store(
    case: Case,
    name: str,
    value: Any,
    by,
    current: CaseFact | None,
    *,
    origin: str = FactOrigin.TYPED,
    origin_detail: str = "",
) -> None:
    if current is None:
        fact = library.fact_row(name)
        CaseFact.objects.create(
            case=case,
            fact=fact,
            value=value,
            recorded_by=by,
            origin=origin,
            origin_detail=origin_detail,
        )
    else:
        current.value, current.recorded_by = value, by
        current.origin, current.origin_detail = origin, origin_detail
        current.revision += 1
        current.save()


def _repropose(case: Case, *, names: set[str]) -> tuple[str, ...]:
    """Recompute the facts' proposal for every criterion that reads one of ``names``; returns
    their labels."""
    facts = selectors.case_fact_values(case)
    checklist = library.engine_checklist(case.checklist)
    nodes = library.checklist_nodes(case.checklist)
    answers = {a.criterion_id: a for a in Answer.objects.filter(case=case)}
    touched = []
    for criterion in checklist.criteria():
        if not names & set(criterion.facts):
            continue
        node = nodes[criterion.label]
        proposed = propose(criterion, facts).value
        answer = answers.get(node.pk)
        if answer is None:
            Answer.objects.create(case=case, criterion=node, proposed_status=proposed)
        elif answer.proposed_status != proposed:
            answer.proposed_status = proposed
            answer.save(update_fields=["proposed_status"])
        touched.append(criterion.label)
    return tuple(touched)


@transaction.atomic
def answer_record(
    *,
    case: Case,
    criterion: Node,
    by: User,
    status: str,
    note: str,
    override_reason: str,
    expected_revision: int,
) -> Saved:
    """Record the reviewer's status for a criterion.

    Guards: the case is open; nobody saved this criterion since the reviewer loaded it; a status
    other than what the facts propose needs a reason; a criterion that requires documentation is
    not met without linked evidence. For a criterion decided by a single yes/no fact, answering
    met or not met records that fact too (one act), and re-proposes what else it decides.

    Returns the criterion and the others whose rows changed with it, and the fact it recorded.
    """
    case = case_lock(case)
    case_require_status(case, rules.EDITABLE, "changed")
    case_require_worker(case, by)
    answer = Answer.objects.select_for_update().filter(case=case, criterion=criterion).first()
    if (answer.revision if answer else 0) != expected_revision:
        raise EditConflict(
            answer,
            f"{staff_display_name(answer.answered_by) if answer else 'Someone'} saved criterion "
            f"{criterion.label} while you were editing; their answer is shown. "
            "Your change was not saved: review it and save again.",
        )
    if status not in AnswerStatus.values:
        raise CaseActionRefused("Choose met, not met, not documented or not applicable.")
    engine_criterion = library.engine_checklist(case.checklist).criterion(criterion.label)
    facts = selectors.case_fact_values(case)
    proposed = propose(engine_criterion, facts).value
    decided_by_one_fact = single_fact_of(engine_criterion)
    if decided_by_one_fact and status in (AnswerStatus.MET, AnswerStatus.NOT_MET):
        proposed = status  # the answer records the fact, so it agrees by construction
    override_reason = override_reason.strip()
    # "Not documented" needs no reason: it says the proof is missing, not that the facts are wrong.
    if (
        proposed != Status.UNKNOWN
        and status != AnswerStatus.NOT_DOCUMENTED
        and AnswerStatus(status).engine_status != proposed
        and not override_reason
    ):
        raise CaseActionRefused(
            f"The facts say {criterion.label} is {proposed.replace('_', ' ')}. Give a reason to "
            f"record it as {AnswerStatus(status).label.lower()}."
        )
    if (
        status == AnswerStatus.MET
        and criterion.requires_documentation
        and not EvidenceLink.objects.filter(case=case, criterion=criterion).exists()
    ):
        raise CaseActionRefused(
            f"{criterion.label} needs documentation: link the evidence (with page numbers) "
            "before marking it met."
        )
    before = _answer_state(answer)
    if answer is None:
        answer = Answer(case=case, criterion=criterion)
    answer.status = status
    answer.note = note.strip()
    answer.proposed_status = proposed
    answer.override_reason = (
        override_reason if AnswerStatus(status).engine_status != proposed else ""
    )
    answer.answered_by = by
    answer.answered_at = timezone.now()
    answer.revision += 1
    try:
        with transaction.atomic():
            answer.save()
    except IntegrityError:  # a first answer saved by someone else at the same moment
        current = Answer.objects.get(case=case, criterion=criterion)
        raise EditConflict(
            current,
            f"{staff_display_name(current.answered_by)} answered {criterion.label} "
            "at the same moment; their answer is shown.",
        ) from None
    saved = Saved(criteria=(criterion.label,))
    if decided_by_one_fact and status in (AnswerStatus.MET, AnswerStatus.NOT_MET):
        fact_name, value = decided_by_one_fact
        value = value if status == AnswerStatus.MET else not value
        recorded = CaseFact.objects.filter(case=case, fact__name=fact_name).first()
        if recorded is None or recorded.value != value:
            _fact_store(case, fact_name, value, by, recorded)
            # This answer's proposal already equals its status; the others reading the fact
            # are brought up to date.
            others = _repropose(case, names={fact_name})
            saved = Saved(
                criteria=(
                    criterion.label,
                    *(label for label in others if label != criterion.label),
                ),
                facts=(fact_name,),
            )
    event_record(
        case=case,
        actor=by,
        kind=EventKind.ANSWER_RECORDED,
        summary=f"{criterion.label}: {AnswerStatus(status).label.lower()}"
        + (
            f" (facts said {proposed.replace('_', ' ')}; reason: {override_reason})"
            if answer.override_reason
            else ""
        ),
        before=before,
        after=_answer_state(answer),
    )
    return saved


def single_fact_of(criterion) -> tuple[str, bool] | None:
    """(fact, value that meets) when the criterion is exactly one yes/no test."""
    test = criterion.met_when.test
    if criterion.applies_when is None and test is not None and test.op == "is":
        return test.fact, test.value
    return None


def _answer_state(answer: Answer | None) -> dict | None:
    if answer is None or not answer.status:
        return None
    return {
        "status": answer.status,
        "note": answer.note,
        "proposed": answer.proposed_status,
        "override_reason": answer.override_reason,
    }


# --- evidence ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadResult:
    evidence: Evidence
    duplicate: bool


# Called with each newly stored document, inside the upload's transaction (the documents app
# registers the request to read it). Apps above cases register here; cases imports none of them.
EVIDENCE_STORED_HOOKS: list[Callable[..., Any]] = []


@files_atomic()
def evidence_upload(
    *,
    case: Case,
    by: User,
    files: list[UploadedFile],
    doc_type: str,
    document_date: dt.date | None,
    source: str,
) -> list[UploadResult]:
    """Store uploaded documents. Every file is checked first: one bad file stores none.

    A file already on the case (same SHA-256) is recognised and not stored twice. The files are
    written inside the transaction and removed if it does not commit (``files_atomic``).
    """
    case = case_lock(case)
    case_require_status(case, rules.EDITABLE, "given new evidence")
    case_require_worker(case, by)
    return _evidence_store(
        case=case, by=by, files=files, doc_type=doc_type, document_date=document_date, source=source
    )


def evidence_receive_after_decision(
    *,
    case: Case,
    by: User,
    files: list[UploadedFile],
    doc_type: str,
    document_date: dt.date | None,
    source: str,
    purpose: str,
) -> list[UploadResult]:
    """Documents that arrive after the decision (with an appeal): they join the case file, as
    checked and as private as any evidence, whatever the case's state; the answers of the case
    and its determinations are not touched. ``purpose`` (e.g. "appeal APL-2026-000004") is said
    in the timeline.

    Runs inside the caller's transaction, under the case lock the caller holds (the appeal's
    services lock the case first).
    """
    return _evidence_store(
        case=case,
        by=by,
        files=files,
        doc_type=doc_type,
        document_date=document_date,
        source=source,
        purpose=purpose,
    )


def _evidence_store(
    *,
    case: Case,
    by: User,
    files: list[UploadedFile],
    doc_type: str,
    document_date: dt.date | None,
    source: str,
    purpose: str = "",
) -> list[UploadResult]:
    inspected = []
    for upload in files:
        try:
            inspected.append((upload, inspect_upload(upload)))
        except EvidenceRejected as exc:
            raise CaseActionRefused(str(exc)) from None
    results = []
    seen: dict[str, Evidence] = {}
    for upload, info in inspected:
        existing = (
            seen.get(info.sha256) or Evidence.objects.filter(case=case, sha256=info.sha256).first()
        )
        if existing:
            results.append(UploadResult(existing, duplicate=True))
            continue
        evidence = Evidence(
            case=case,
            original_name=info.safe_name,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
            page_count=info.page_count,
            doc_type=doc_type,
            document_date=document_date,
            source=source.strip(),
            uploaded_by=by,
        )
        upload.seek(0)
        evidence.file.name = stored_file_save(
            storage=evidence.file.storage, name=storage_name(case, info), content=upload
        )
        evidence.save()
        seen[info.sha256] = evidence
        results.append(UploadResult(evidence, duplicate=False))
        for hook in EVIDENCE_STORED_HOOKS:
            hook(evidence=evidence, by=by)
        event_record(
            case=case,
            actor=by,
            kind=EventKind.EVIDENCE_UPLOADED,
            summary=f"Uploaded {evidence.original_name} ({evidence.get_doc_type_display()},"
            f" {info.size:,} bytes)" + (f" for {purpose}" if purpose else ""),
            after={
                "evidence": evidence.pk,
                "name": evidence.original_name,
                "sha256": info.sha256,
                "content_type": info.content_type,
                **({"purpose": purpose} if purpose else {}),
            },
        )
    return results


class EvidenceCorrupt(Exception):
    """The stored file no longer matches the SHA-256 recorded when it was uploaded."""


def evidence_read_verified(*, evidence: Evidence) -> bytes:
    """The document's bytes, checked against the SHA-256 recorded at upload (from whichever
    storage holds it: a shared directory or an S3 bucket)."""
    with evidence.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        raise EvidenceCorrupt(
            f"{evidence.original_name} does not match the SHA-256 recorded when it was "
            "uploaded; it is not served."
        )
    return data


def parse_pages(text: str, page_count: int | None) -> str:
    """Normalise "3, 5-7" page references; refuse pages the document does not have."""
    text = (text or "").strip()
    if not text:
        return ""
    parts = []
    for raw in text.replace(";", ",").split(","):
        raw = raw.strip().replace("–", "-")
        if not raw:
            continue
        bounds = raw.split("-")
        if len(bounds) > 2 or not all(b.strip().isdigit() for b in bounds):
            raise CaseActionRefused(f"{raw!r} is not a page or page range (e.g. 3 or 5-7).")
        first, last = int(bounds[0]), int(bounds[-1])
        if first < 1 or last < first:
            raise CaseActionRefused(f"{raw!r} is not a valid page range.")
        if page_count and last > page_count:
            raise CaseActionRefused(f"Page {last} is beyond the document's {page_count} pages.")
        parts.append(str(first) if first == last else f"{first}-{last}")
    return ", ".join(parts)


@transaction.atomic
def evidence_link(
    *, case: Case, by: User, evidence: Evidence, criterion: Node, pages: str
) -> EvidenceLink:
    case = case_lock(case)
    case_require_status(case, rules.EDITABLE, "changed")
    case_require_worker(case, by)
    if evidence.case_id != case.pk:
        raise CaseActionRefused("That document belongs to another case.")
    pages = parse_pages(pages, evidence.page_count)
    link, created = EvidenceLink.objects.get_or_create(
        case=case,
        criterion=criterion,
        evidence=evidence,
        defaults={"pages": pages, "linked_by": by},
    )
    before = None if created else {"pages": link.pages}
    if not created:
        if link.pages == pages:
            return link
        link.pages = pages
        link.save(update_fields=["pages"])
    event_record(
        case=case,
        actor=by,
        kind=EventKind.EVIDENCE_LINKED,
        summary=f"{evidence.original_name}{' p. ' + pages if pages else ''} linked to "
        f"{criterion.label}",
        before=before,
        after={"criterion": criterion.label, "evidence": evidence.pk, "pages": pages},
    )
    return link


@transaction.atomic
def evidence_unlink(*, case: Case, by: User, link: EvidenceLink) -> None:
    case = case_lock(case)
    case_require_status(case, rules.EDITABLE, "changed")
    case_require_worker(case, by)
    criterion = link.criterion
    answer = Answer.objects.filter(case=case, criterion=criterion).first()
    others = EvidenceLink.objects.filter(case=case, criterion=criterion).exclude(pk=link.pk)
    if (
        answer
        and answer.status == AnswerStatus.MET
        and criterion.requires_documentation
        and not others.exists()
    ):
        raise CaseActionRefused(
            f"{criterion.label} is answered met and needs documentation; change its answer "
            "before removing its only evidence."
        )
    event_record(
        case=case,
        actor=by,
        kind=EventKind.EVIDENCE_UNLINKED,
        summary=f"{link.evidence.original_name} unlinked from {criterion.label}",
        before={"criterion": criterion.label, "evidence": link.evidence_id, "pages": link.pages},
    )
    link.delete()


# --- pend, resume, refer -----------------------------------------------------------------------


@transaction.atomic
def case_pend(*, case: Case, by: User, request_text: str) -> InformationRequest:
    """Ask the provider for missing information; the rule may extend the due time once."""
    case = case_lock(case)
    case_require_status(case, rules.PENDABLE, "pended")
    case_require_worker(case, by)
    if not request_text.strip():
        raise CaseActionRefused("Write what is being requested from the provider.")
    rule = TurnaroundRule.objects.get(
        line_of_business=case.line_of_business, priority=case.priority
    )
    fields: dict[str, Any] = {}
    if rule.pend_extension_hours and not case.due_extended:
        fields = {
            "due_at": case.due_at + dt.timedelta(hours=rule.pend_extension_hours),
            "due_extended": True,
        }
    request = InformationRequest.objects.create(
        case=case, text=request_text.strip(), requested_by=by
    )
    case_transition(
        case,
        to=CaseStatus.PENDED,
        by=by,
        kind=EventKind.PENDED,
        summary="Pended for information"
        + (
            f"; due time extended to {timezone.localtime(fields['due_at']):%Y-%m-%d %H:%M}"
            if fields
            else ""
        ),
        **fields,
    )
    return request


@transaction.atomic
def case_resume(*, case: Case, by: User, note: str) -> Case:
    case = case_lock(case)
    case_require_status(case, rules.RESUMABLE, "resumed")
    case_require_worker(case, by)
    InformationRequest.objects.filter(case=case, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution_note=note.strip()
    )
    return case_transition(
        case,
        to=CaseStatus.IN_REVIEW,
        by=by,
        kind=EventKind.RESUMED,
        summary="Information received; review resumed"
        + (f": {note.strip()}" if note.strip() else ""),
    )


@transaction.atomic
def case_refer_to_director(*, case: Case, by: User, summary: str) -> Case:
    case = case_lock(case)
    case_require_status(case, rules.REFERRABLE, "referred")
    case_require_worker(case, by)
    if not summary.strip():
        raise CaseActionRefused("Write a summary for the medical director.")
    return case_transition(
        case,
        to=CaseStatus.REFERRED,
        by=by,
        kind=EventKind.REFERRED,
        summary="Referred to a medical director",
        referral_summary=summary.strip(),
        referred_at=timezone.now(),
    )
