"""Open cases and later editions of their criteria.

A case pins the checklist it was opened on, and so one edition of its policy version. A published
edition never changes; when the clinical editor corrects the encoding, the correction is a new
edition of the same version (``criteria/library/README.md``). Cases opened on the earlier edition
keep working on it, unchanged, until someone moves them on with ``case_edition_upgrade``:

- answers, evidence links and proposals move to the same criterion (by label) of the later
  edition; where the later edition changed the criterion's rule, the reviewer's status is cleared
  for re-confirmation (the earlier answer stays in the timeline and the row history);
- a criterion the later edition no longer has loses its answer and evidence links (both kept in
  the history, the documents stay on the case);
- facts that follow exactly from those recorded are added (``criteria.editions.carried_facts``);
  retired facts stay recorded and readable, and the timeline says which new facts to record;
- decided, closed and withdrawn cases never move: their determination was made on their edition.
  A case with medical director exceptions stays too: the director decided them on that edition.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, QuerySet

from criteria import selectors as library
from criteria.editions import EditionChanges, edition_changes
from criteria.engine import propose
from criteria.models import Checklist

from . import selectors
from .models import OPEN_STATUSES, Answer, Case, CaseFact, EventKind, EvidenceLink
from .services import CaseActionRefused, case_lock, event_record


@dataclass(frozen=True)
class EditionPlan:
    """What moving a case to the latest edition of its checklist would do."""

    case: Case
    old: Checklist
    new: Checklist
    changes: EditionChanges

    @property
    def summary(self) -> str:
        parts = [
            f"{self.case.reference}: {self.old.version} edition {self.old.edition.number} -> "
            f"edition {self.new.edition.number}"
        ]
        if self.changes.reconfirm:
            parts.append("re-confirm " + ", ".join(label for label, _ in self.changes.reconfirm))
        if self.changes.dropped:
            parts.append("no longer in the checklist: " + ", ".join(self.changes.dropped))
        if self.changes.added:
            parts.append("new: " + ", ".join(self.changes.added))
        if self.changes.derived:
            parts.append(
                "facts carried over: "
                + ", ".join(f"{name}={value}" for name, (value, _) in self.changes.derived.items())
            )
        if self.changes.retired:
            parts.append(
                "record again: "
                + "; ".join(
                    f"{name} (now {', '.join(successors)})"
                    for name, successors in self.changes.retired
                )
            )
        return "; ".join(parts)


def cases_on_earlier_editions() -> QuerySet[Case]:
    """Open cases whose checklist belongs to an earlier edition than their version's latest."""
    return (
        Case.objects.filter(status__in=OPEN_STATUSES)
        .filter(checklist__edition__number__lt=F("policy_version__edition"))
        .select_related("checklist__edition", "checklist__version", "policy_version")
        .order_by("due_at", "id")
    )


def case_edition_plan(case: Case) -> EditionPlan | None:
    """What an upgrade would do, or None when the case is on its version's latest edition."""
    new = library.newer_checklist(case.checklist)
    if new is None:
        return None
    changes = edition_changes(
        library.engine_checklist(case.checklist),
        library.engine_checklist(new),
        selectors.case_fact_values(case),
        library.fact_dictionary(),
    )
    return EditionPlan(case, case.checklist, new, changes)


@transaction.atomic
def case_edition_upgrade(*, case: Case, by: User) -> EditionPlan:
    """Move an open case to the latest edition of its checklist (see the module docstring).

    Guards: the case is open; it is on an earlier edition; it has no medical director exception.
    Every change is recorded in the case timeline with what it was before.
    """
    case = case_lock(case)
    if case.status not in OPEN_STATUSES:
        raise CaseActionRefused(
            f"Case {case.reference} is {case.get_status_display().lower()}; it stays on the "
            "edition it was decided on."
        )
    if case.exceptions.exists():
        raise CaseActionRefused(
            f"Case {case.reference} has medical director exceptions recorded on its edition; "
            "it stays on that edition."
        )
    plan = case_edition_plan(case)
    if plan is None:
        raise CaseActionRefused(f"Case {case.reference} is on the latest edition already.")
    old_nodes = library.checklist_nodes(plan.old)
    new_nodes = library.checklist_nodes(plan.new)
    labels = {node.pk: label for label, node in old_nodes.items()}
    reconfirm = dict(plan.changes.reconfirm)
    before_answers = {}
    for answer in Answer.objects.filter(case=case).select_related("criterion"):
        label = labels.get(answer.criterion_id, answer.criterion.label)
        before_answers[label] = answer.status
        if label not in new_nodes:
            answer.delete()  # the row history keeps it
            continue
        answer.criterion = new_nodes[label]
        if label in reconfirm and answer.status:
            answer.status = ""
            answer.override_reason = ""
            answer.revision += 1
        answer.save()
    moved_links, dropped_links = 0, 0
    for link in EvidenceLink.objects.filter(case=case).select_related("criterion"):
        label = labels.get(link.criterion_id, link.criterion.label)
        if label in new_nodes:
            link.criterion = new_nodes[label]
            link.save(update_fields=["criterion"])
            moved_links += 1
        else:
            link.delete()
            dropped_links += 1
    for name, (value, _why) in plan.changes.derived.items():
        CaseFact.objects.create(case=case, fact=library.fact_row(name), value=value, recorded_by=by)
    case.checklist = plan.new
    case.save(update_fields=["checklist", "updated_at"])
    _proposals_refresh(case)
    event_record(
        case=case,
        actor=by,
        kind=EventKind.CRITERIA_EDITION_UPGRADED,
        summary=f"Moved to edition {plan.new.edition.number} of the criteria "
        f"({plan.new.edition.changes[:200]})",
        before={
            "edition": plan.old.edition.number,
            "checklist": plan.old.pk,
            "answers": before_answers,
        },
        after={
            "edition": plan.new.edition.number,
            "checklist": plan.new.pk,
            "re_confirm": {label: list(changes) for label, changes in plan.changes.reconfirm},
            "dropped": list(plan.changes.dropped),
            "added": list(plan.changes.added),
            "facts_carried_over": {
                name: {"value": value, "because": why}
                for name, (value, why) in plan.changes.derived.items()
            },
            "facts_to_record_again": {
                name: list(successors) for name, successors in plan.changes.retired
            },
            "evidence_links": {"moved": moved_links, "removed": dropped_links},
        },
    )
    return plan


def _proposals_refresh(case: Case) -> None:
    """Every criterion's proposal from the case's facts, on its current checklist."""
    facts = selectors.case_fact_values(case)
    nodes = library.checklist_nodes(case.checklist)
    answers = {a.criterion_id: a for a in Answer.objects.filter(case=case)}
    for criterion in library.engine_checklist(case.checklist).criteria():
        node = nodes[criterion.label]
        proposed = propose(criterion, facts).value
        answer = answers.get(node.pk)
        if answer is None:
            if criterion.facts:
                Answer.objects.create(case=case, criterion=node, proposed_status=proposed)
        elif answer.proposed_status != proposed:
            answer.proposed_status = proposed
            answer.save(update_fields=["proposed_status"])
