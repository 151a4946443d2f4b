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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from criteria import selectors as library
from criteria.codes import catalogue, stage_conflict
from criteria.engine import Status, propose
from criteria.facts import FactValueError
from criteria.models import Node, Policy
from criteria.vocabulary import LINES_OF_BUSINESS
from reviewapp.accounts.models import staff_display_name
from reviewapp.core.storage import files_atomic, stored_file_save

from . import rules, selectors
from .evidence_files import EvidenceRejected, inspect_upload, storage_name
from .models import (
    Answer,
    AnswerOrigin,
    AnswerStatus,
    Case,
    CaseDiagnosis,
    CaseEvent,
    CaseFact,
    CaseStatus,
    DocumentType,
    EventKind,
    Evidence,
    EvidenceLink,
    FactOrigin,
    InformationRequest,
    RequestedService,
    TurnaroundRule,
)
from .selectors import EvidenceChoice, fact_source, proposal_documents


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
    """Re-read the case under a row lock, so guards see the latest state (with its library rows
    from the cache, never locked: published policies and checklists do not change)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    locked.policy, locked.policy_version, locked.checklist = library.library_rows(
        policy_id=locked.policy_id,
        version_id=locked.policy_version_id,
        checklist_id=locked.checklist_id,
    )
    return locked


def case_require_status(case: Case, allowed: Iterable[str], action: str) -> None:
    """Refuse ``action`` unless the case is in one of the ``allowed`` states (``rules``)."""
    if refusal := rules.status_refusal(case, allowed, action):
        raise CaseActionRefused(refusal)


def case_require_edit(case: Case, by: User, action: str = "changed") -> None:
    """Refuse a change to answers, facts or evidence unless this user may make it now: an open
    case, and a referred case only by a medical director (``rules.edit_refusal``)."""
    if refusal := rules.edit_refusal(case=case, user=by, action=action):
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
    service_date: dt.date | None = None
    servicing_facility: str = ""
    servicing_facility_npi: str = ""
    # A permanent implant's request linked to the member's trial case (its results carry over).
    trial_case: Case | None = None
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
    """Open a case. It pins the policy version in effect on the date the request was received.

    Guards: a version in effect and a checklist for the indication and stage; the line of
    business one the policy's payer offers; diagnosis codes shaped like ICD-10-CM; no trial and
    permanent-implant codes together; no more units than a code allows; a linked trial case of
    the same member, for a permanent implant. The linked trial case's facts that the new
    checklist reads are carried over (each recorded as such, with the trial case named).
    """
    received_on = timezone.localdate(intake.received_at)
    offered = intake.policy.lines_of_business
    if offered and intake.line_of_business not in offered:
        raise CaseActionRefused(
            f"{intake.policy.payer} offers {intake.policy.number} for "
            + ", ".join(LINES_OF_BUSINESS[line] for line in offered)
            + f" only, not {LINES_OF_BUSINESS.get(intake.line_of_business, intake.line_of_business)}."
        )
    if bad := [code for code in intake.diagnoses if not ICD10_FORMAT.match(code)]:
        raise CaseActionRefused(f"Not ICD-10-CM codes: {', '.join(bad)}.")
    codes = catalogue()
    if conflict := stage_conflict([code for code, _ in intake.services]):
        raise CaseActionRefused(str(conflict))
    for code, units in intake.services:
        if code in codes and units > codes[code].max_units:
            raise CaseActionRefused(
                f"{code}: {units} units is more than this code allows on one date of service "
                f"({codes[code].max_units})."
            )
    trial = intake.trial_case
    if trial and (
        refusal := trial_case_refusal(
            trial_case=trial, member_id=intake.member_id, stage=intake.stage
        )
    ):
        raise CaseActionRefused(refusal)
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
        service_date=intake.service_date,
        servicing_facility=intake.servicing_facility,
        servicing_facility_npi=intake.servicing_facility_npi,
        trial_case=intake.trial_case,
        received_at=intake.received_at,
        due_at=intake.received_at + dt.timedelta(hours=rule.hours),
        clinical_summary=intake.clinical_summary,
        assigned_to=by if assign_to_me else None,
        created_by=by,
        intake_token=intake_token,
    )
    case.reference = f"UM-{received_on:%Y}-{case.pk:06d}"
    case.save(update_fields=["reference"])
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
            **({"service_date": intake.service_date.isoformat()} if intake.service_date else {}),
            **(
                {"servicing_facility": intake.servicing_facility}
                if intake.servicing_facility
                else {}
            ),
            "status": case.status,
        },
    )
    if intake.trial_case is not None:
        _trial_results_carry_over(case=case, trial_case=intake.trial_case, by=by)
    return case


def trial_case_refusal(*, trial_case: Case, member_id: str, stage: str) -> str:
    """Why this case cannot be the trial case of a new request, or "" when it can."""
    if stage != "permanent":
        return "Only a permanent implant's request is linked to a trial case."
    if trial_case.member_id != member_id:
        return f"{trial_case.reference} is another member's case."
    if trial_case.stage != "trial":
        return f"{trial_case.reference} is not a trial request."
    return ""


def _trial_results_carry_over(*, case: Case, trial_case: Case, by: User) -> None:
    """The trial case's facts that the new checklist reads become facts of the new case, each
    recorded (and audited) as carried over from the trial case."""
    reads = set(selectors.checklist_facts(case))
    carried = [
        fact
        for fact in CaseFact.objects.filter(case=trial_case).select_related("fact")
        if fact.fact.name in reads
    ]
    detail = f"trial case {trial_case.reference}"
    dictionary = library.fact_dictionary()
    for fact in carried:
        CaseFact.objects.create(
            case=case,
            fact=fact.fact,
            value=fact.value,
            recorded_by=by,
            origin=FactOrigin.TRIAL_CASE,
            origin_detail=detail,
        )
        definition = dictionary[fact.fact.name]
        event_record(
            case=case,
            actor=by,
            kind=EventKind.FACT_RECORDED,
            summary=f"{definition.label}: {definition.display(definition.parse(fact.value))} "
            f"(carried over from {detail})",
            after={
                fact.fact.name: fact.value,
                "origin": FactOrigin.TRIAL_CASE.value,
                "origin_detail": detail,
            },
        )
    event_record(
        case=case,
        actor=by,
        kind=EventKind.TRIAL_CASE_LINKED,
        summary=f"Linked to the member's trial case {trial_case.reference}; "
        f"{len(carried)} fact{'s' if len(carried) != 1 else ''} carried over",
        after={
            "trial_case": trial_case.reference,
            "facts": sorted(f.fact.name for f in carried),
        },
    )
    if carried:
        _repropose(case, names={f.fact.name for f in carried})


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
    source: EvidenceChoice | None = None,
    origin: str = FactOrigin.TYPED,
    origin_detail: str = "",
) -> Saved:
    """Record (or with an empty value, clear) a clinical fact and re-propose what it decides.

    ``source`` is the case's document (and pages) that shows the fact: applying the facts'
    proposal to a criterion links it as the criterion's evidence. ``origin`` says where the
    value came from (typed by a reviewer, accepted from a document page, received from the
    provider over the API, or carried over from the trial case), ``origin_detail`` where
    exactly (the document and page, or the sender); both are kept on the fact and in the
    timeline. Returns the fact (when it changed) and the criteria that read it.
    """
    case = case_lock(case)
    case_require_edit(case, by)
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
    if source is not None:
        source = _source_checked(case, source)
    before = current.value if current else None
    before_source = _source_state(current)
    if raw_value in (None, ""):
        if current is None:
            return Saved()
        current.delete()
        after, after_source = None, None
    else:
        try:
            value = definition.to_json(definition.parse(raw_value))
        except FactValueError as exc:
            raise CaseActionRefused(str(exc)) from None
        if source is None and current is not None and current.value == value:
            source = fact_source(current)  # the value stands; so does where it is documented
        after_source = _choice_state(source)
        if (
            current
            and current.value == value
            and before_source == after_source
            and current.origin == origin
        ):
            return Saved()
        _fact_store(
            case,
            name,
            value,
            by,
            current,
            source=source,
            origin=origin,
            origin_detail=origin_detail,
        )
        after = value
    if before == after:
        change = f"documented in {source.describe()}" if source else "no document named"
    else:
        change = (
            f"{definition.display(_parsed(definition, before))}"
            f" → {definition.display(_parsed(definition, after))}"
            + (f" (documented in {source.describe()})" if source and after is not None else "")
        )
    if origin != FactOrigin.TYPED:
        change += f" ({_lower_first(FactOrigin(origin).label)}" + (
            f": {origin_detail})" if origin_detail else ")"
        )
    event_record(
        case=case,
        actor=by,
        kind=EventKind.FACT_RECORDED,
        summary=f"{definition.label}: {change}",
        before={name: before, **({"source": before_source} if before_source else {})},
        after={
            name: after,
            **({"source": after_source} if after_source else {}),
            **({"origin": origin, "origin_detail": origin_detail} if origin != "typed" else {}),
        },
    )
    return Saved(criteria=_repropose(case, names={name}), facts=(name,))


def _source_checked(case: Case, source: EvidenceChoice) -> EvidenceChoice:
    if source.evidence.case_id != case.pk:
        raise CaseActionRefused("That document belongs to another case.")
    return EvidenceChoice(source.evidence, parse_pages(source.pages, source.evidence.page_count))


def _source_state(fact: CaseFact | None) -> dict | None:
    return _choice_state(fact_source(fact))


def _choice_state(choice: EvidenceChoice | None) -> dict | None:
    if choice is None:
        return None
    return {
        "evidence": choice.evidence.pk,
        "name": choice.evidence.original_name,
        "pages": choice.pages,
    }


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
    source: EvidenceChoice | None = None,
    origin: str = FactOrigin.TYPED,
    origin_detail: str = "",
) -> None:
    evidence, pages = (source.evidence, source.pages) if source else (None, "")
    if current is None:
        fact = library.fact_row(name)
        CaseFact.objects.create(
            case=case,
            fact=fact,
            value=value,
            recorded_by=by,
            source_evidence=evidence,
            source_pages=pages,
            origin=origin,
            origin_detail=origin_detail,
        )
    else:
        current.value, current.recorded_by = value, by
        current.source_evidence, current.source_pages = evidence, pages
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
    link: EvidenceChoice | None = None,
) -> Saved:
    """Record the reviewer's status for a criterion, with the evidence chosen in the same step.

    Guards: the case is open (and, referred, only a medical director changes it); nobody saved
    this criterion since the reviewer loaded it; a status other than what the facts propose needs
    a reason; a criterion that requires documentation is not met without linked evidence (the
    ``link`` given here counts: it is stored first, in the same transaction, so a refused answer
    stores no link either). For a criterion decided by a single yes/no fact, answering met or not
    met records that fact too (one act), and re-proposes what else it decides.

    Returns the criterion and the others whose rows changed with it, and the fact it recorded.
    """
    case = case_lock(case)
    case_require_edit(case, by)
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
    if link is not None:
        _evidence_link(case=case, by=by, choice=link, criterion=criterion)
    if (
        status == AnswerStatus.MET
        and criterion.requires_documentation
        and not EvidenceLink.objects.filter(case=case, criterion=criterion).exists()
    ):
        raise CaseActionRefused(
            f"{criterion.label} needs documentation: choose the document (with page numbers) "
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
    answer.origin = AnswerOrigin.TYPED
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
            _fact_store(case, fact_name, value, by, recorded, source=link)
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
        )
        + (f"; evidence {link.describe()}" if link else ""),
        before=before,
        after={**(_answer_state(answer) or {}), "criterion": criterion.label},
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
        "origin": answer.origin,
    }


# --- the facts' proposals, applied by the reviewer ---------------------------------------------


@dataclass(frozen=True)
class Applied:
    """One criterion answered with the facts' proposal, and the documents linked with it."""

    label: str
    status: str
    linked: tuple[str, ...] = ()


@dataclass(frozen=True)
class AppliedAll:
    """What "apply all proposals" did: the criteria it answered, and the unanswered ones it left
    (their facts name no document although the criterion needs one; or the facts do not decide
    them)."""

    applied: tuple[Applied, ...]
    needs_document: tuple[str, ...]
    undecided: tuple[str, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(a.label for a in self.applied)


UNDECIDED, NEEDS_DOCUMENT = "undecided", "needs_document"


class _Proposals:
    """What applying proposals reads, once per action: facts with their documents, answers, and
    the evidence already linked, under the case lock."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.checklist = library.engine_checklist(case.checklist)
        self.nodes = library.checklist_nodes(case.checklist)
        dictionary = library.fact_dictionary()
        rows = list(CaseFact.objects.filter(case=case).select_related("fact", "source_evidence"))
        self.values = {r.fact.name: dictionary[r.fact.name].parse(r.value) for r in rows}
        self.sources = {r.fact.name: fact_source(r) for r in rows}
        self.answers = {
            a.criterion_id: a for a in Answer.objects.select_for_update().filter(case=case)
        }
        self.linked: dict[int, set[int]] = {}
        for criterion_id, evidence_id in EvidenceLink.objects.filter(case=case).values_list(
            "criterion_id", "evidence_id"
        ):
            self.linked.setdefault(criterion_id, set()).add(evidence_id)

    def documents_for(self, criterion) -> list[EvidenceChoice]:
        """The documents its facts were recorded from, each once (pages joined)."""
        return proposal_documents(criterion.facts, self.sources)

    def refusal(self, criterion, node: Node) -> tuple[str, str]:
        """Why the proposal cannot be applied as it stands: ("undecided" or "needs_document",
        the reason), or ("", "")."""
        proposed = propose(criterion, self.values).value
        if proposed == Status.UNKNOWN:
            return UNDECIDED, (
                f"The facts do not decide {criterion.label} yet: record its facts, or answer it "
                "yourself."
            )
        if (
            proposed == Status.MET
            and node.requires_documentation
            and not self.linked.get(node.pk)
            and not self.documents_for(criterion)
        ):
            return NEEDS_DOCUMENT, (
                f"{criterion.label} needs a document: say where its facts are documented, or "
                "choose the document in its row."
            )
        return "", ""

    def apply(self, criterion, node: Node, by: User) -> Applied:
        proposed = propose(criterion, self.values).value
        linked = []
        for choice in self.documents_for(criterion):
            if choice.evidence.pk in self.linked.get(node.pk, set()):
                continue
            _evidence_link(case=self.case, by=by, choice=choice, criterion=node)
            self.linked.setdefault(node.pk, set()).add(choice.evidence.pk)
            linked.append(choice.describe())
        answer = self.answers.get(node.pk) or Answer(case=self.case, criterion=node)
        before = _answer_state(answer if answer.pk else None)
        answer.status = proposed
        answer.proposed_status = proposed
        answer.override_reason = ""
        answer.origin = AnswerOrigin.PROPOSAL
        answer.answered_by = by
        answer.answered_at = timezone.now()
        answer.revision += 1
        answer.save()
        self.answers[node.pk] = answer
        label = AnswerStatus(proposed).label.lower()
        event_record(
            case=self.case,
            actor=by,
            kind=EventKind.PROPOSAL_APPLIED,
            summary=f"{criterion.label}: {label} (the facts' proposal, applied)"
            + (f"; evidence {', '.join(linked)}" if linked else ""),
            before=before,
            after={
                **(_answer_state(answer) or {}),
                "criterion": criterion.label,
                "evidence_linked": linked,
            },
        )
        return Applied(criterion.label, proposed, tuple(linked))


@transaction.atomic
def proposal_apply(*, case: Case, criterion: Node, by: User, expected_revision: int) -> Applied:
    """Answer one criterion with the status its facts propose, linking in the same step the
    documents those facts were recorded from. The answer is the reviewer's, recorded as an
    applied proposal.

    Guards: those of any change to the case; nobody saved the criterion since it was loaded; the
    facts decide it; a criterion that needs documentation has a linked document or facts that
    name one.
    """
    case = case_lock(case)
    case_require_edit(case, by)
    case_require_worker(case, by)
    state = _Proposals(case)
    answer = state.answers.get(criterion.pk)
    if (answer.revision if answer else 0) != expected_revision:
        raise EditConflict(
            answer,
            f"{staff_display_name(answer.answered_by) if answer else 'Someone'} saved criterion "
            f"{criterion.label} while you were looking at it; their answer is shown.",
        )
    engine_criterion = state.checklist.criterion(criterion.label)
    if refused := state.refusal(engine_criterion, criterion)[1]:
        raise CaseActionRefused(refused)
    return state.apply(engine_criterion, criterion, by)


@transaction.atomic
def proposals_apply_all(*, case: Case, by: User) -> AppliedAll:
    """Answer every unanswered criterion whose facts decide it with the facts' proposal (and its
    documents), in checklist order; leave, and name, those that still need a document or whose
    facts do not decide them. Answers already given are never touched."""
    case = case_lock(case)
    case_require_edit(case, by)
    case_require_worker(case, by)
    state = _Proposals(case)
    applied: list[Applied] = []
    needs_document: list[str] = []
    undecided: list[str] = []
    for engine_criterion in state.checklist.criteria():
        node = state.nodes[engine_criterion.label]
        answer = state.answers.get(node.pk)
        if answer is not None and answer.status:
            continue
        kind, _ = state.refusal(engine_criterion, node)
        if kind:
            (undecided if kind == UNDECIDED else needs_document).append(engine_criterion.label)
            continue
        applied.append(state.apply(engine_criterion, node, by))
    result = AppliedAll(tuple(applied), tuple(needs_document), tuple(undecided))
    if applied:
        event_record(
            case=case,
            actor=by,
            kind=EventKind.PROPOSAL_APPLIED,
            summary=f"The facts' proposals applied to {len(applied)} "
            f"criteri{'a' if len(applied) != 1 else 'on'}"
            + (
                f"; still needing a document: {', '.join(needs_document)}" if needs_document else ""
            ),
            after={
                "applied": list(result.labels),
                "needs_document": needs_document,
                "undecided": undecided,
            },
        )
    return result


# --- evidence ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadResult:
    evidence: Evidence
    duplicate: bool
    name: str = ""  # the name the file was uploaded under (a duplicate may have another)


@dataclass(frozen=True)
class EvidenceDetails:
    """What a document is: its type, date and source (who wrote or sent it)."""

    doc_type: str
    document_date: dt.date | None = None
    source: str = ""


class EvidenceRefused(CaseActionRefused):
    """Files refused at upload, each with its reason; nothing was stored."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems))


def _details_checked(details: EvidenceDetails) -> EvidenceDetails:
    if details.doc_type not in DocumentType.values:
        raise CaseActionRefused(f"{details.doc_type!r} is not a document type.")
    if details.document_date and details.document_date > timezone.localdate():
        raise CaseActionRefused("The document date is in the future.")
    return EvidenceDetails(details.doc_type, details.document_date, details.source.strip())


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
    details: Sequence[EvidenceDetails | None] = (),
) -> list[UploadResult]:
    """Store uploaded documents. Every file is checked first: one bad file stores none, and every
    bad file is named with its reason (``EvidenceRefused``).

    ``doc_type``, ``document_date`` and ``source`` apply to every file; ``details`` (in the order
    of ``files``) gives a file its own. A file already on the case (same SHA-256) is recognised
    and not stored twice. The files are written inside the transaction and removed if it does
    not commit (``files_atomic``).
    """
    case = case_lock(case)
    case_require_edit(case, by, "given new evidence")
    case_require_worker(case, by)
    shared = _details_checked(EvidenceDetails(doc_type, document_date, source))
    per_file = []
    for index in range(len(files)):
        own = details[index] if index < len(details) else None
        per_file.append(_details_checked(own) if own else shared)
    return _evidence_store(case=case, by=by, files=files, per_file=per_file)


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
    shared = _details_checked(EvidenceDetails(doc_type, document_date, source))
    return _evidence_store(
        case=case, by=by, files=files, per_file=[shared] * len(files), purpose=purpose
    )


def _evidence_store(
    *,
    case: Case,
    by: User,
    files: list[UploadedFile],
    per_file: list[EvidenceDetails],
    purpose: str = "",
) -> list[UploadResult]:
    """Check every file first (one bad file stores none; each is named with its reason), then
    store each with its own details (``per_file``, in the order of ``files``)."""
    inspected, problems = [], []
    for upload in files:
        try:
            inspected.append((upload, inspect_upload(upload)))
        except EvidenceRejected as exc:
            problems.append(str(exc))
    if problems:
        raise EvidenceRefused(problems)
    results = []
    seen: dict[str, Evidence] = {}
    for (upload, info), about in zip(inspected, per_file, strict=True):
        existing = (
            seen.get(info.sha256) or Evidence.objects.filter(case=case, sha256=info.sha256).first()
        )
        if existing:
            results.append(UploadResult(existing, duplicate=True, name=info.safe_name))
            continue
        evidence = Evidence(
            case=case,
            original_name=info.safe_name,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
            page_count=info.page_count,
            doc_type=about.doc_type,
            document_date=about.document_date,
            source=about.source,
            uploaded_by=by,
        )
        upload.seek(0)
        evidence.file.name = stored_file_save(
            storage=evidence.file.storage, name=storage_name(case, info), content=upload
        )
        evidence.save()
        seen[info.sha256] = evidence
        results.append(UploadResult(evidence, duplicate=False, name=info.safe_name))
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
                **_evidence_details_state(evidence),
                **({"purpose": purpose} if purpose else {}),
            },
        )
    return results


def _evidence_details_state(evidence: Evidence) -> dict[str, Any]:
    return {
        "doc_type": evidence.doc_type,
        "document_date": evidence.document_date.isoformat() if evidence.document_date else None,
        "source": evidence.source,
    }


@transaction.atomic
def evidence_update(
    *, case: Case, by: User, evidence: Evidence, details: EvidenceDetails
) -> Evidence:
    """Correct what a document is (type, date, source) after upload; the file itself never
    changes. Audited with the values before and after."""
    case = case_lock(case)
    case_require_edit(case, by)
    case_require_worker(case, by)
    if evidence.case_id != case.pk:
        raise CaseActionRefused("That document belongs to another case.")
    details = _details_checked(details)
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    before = _evidence_details_state(evidence)
    evidence.doc_type = details.doc_type
    evidence.document_date = details.document_date
    evidence.source = details.source
    after = _evidence_details_state(evidence)
    if before == after:
        return evidence
    evidence.save(update_fields=["doc_type", "document_date", "source"])
    changed = [
        f"{EVIDENCE_DETAIL_LABELS[key]} {before[key] or 'none'} → {after[key] or 'none'}"
        for key in after
        if before[key] != after[key]
    ]
    event_record(
        case=case,
        actor=by,
        kind=EventKind.EVIDENCE_UPDATED,
        summary=f"{evidence.original_name}: " + "; ".join(changed),
        before={"evidence": evidence.pk, **before},
        after={"evidence": evidence.pk, **after},
    )
    return evidence


EVIDENCE_DETAIL_LABELS = {"doc_type": "type", "document_date": "date", "source": "source"}


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
    case_require_edit(case, by)
    case_require_worker(case, by)
    return _evidence_link(
        case=case, by=by, choice=EvidenceChoice(evidence, pages), criterion=criterion
    )


def _evidence_link(
    *, case: Case, by: User, choice: EvidenceChoice, criterion: Node
) -> EvidenceLink:
    """Link a document to a criterion (under the caller's case lock), or update its pages."""
    evidence = choice.evidence
    if evidence.case_id != case.pk:
        raise CaseActionRefused("That document belongs to another case.")
    pages = parse_pages(choice.pages, evidence.page_count)
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
    case_require_edit(case, by)
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


@transaction.atomic
def case_recall_referral(*, case: Case, by: User) -> Case:
    """Take a referral back to work the checklist again, while nobody else (a medical director)
    has acted on the case since it was referred. The case returns to review."""
    case = case_lock(case)
    acted = selectors.referral_acted_by_others(case)
    if refusal := rules.recall_refusal(case=case, user=by, acted_by_others=acted):
        raise CaseActionRefused(refusal)
    return case_transition(
        case,
        to=CaseStatus.IN_REVIEW,
        by=by,
        kind=EventKind.REFERRAL_RECALLED,
        summary=f"Referral recalled by {staff_display_name(by)}; the checklist is open again",
    )
