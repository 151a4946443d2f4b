"""Cases opened on an earlier edition of the criteria: they keep working, and can be moved on
without losing anything recorded."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from criteria import selectors as library
from criteria.models import Checklist
from reviewapp.cases import editions, services
from reviewapp.cases.models import Answer, Case, CaseEvent, CaseFact, EvidenceLink
from tests.factories import CaseFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

# Molina MCP-160 (2025) non-malignant trial as edition 1 read it.
EDITION_1_FACTS = {
    "age_years": 48,
    "pain_nrs": 8,
    "pain_limits_daily_function": True,
    "body_size_adequate": True,
    "underlying_cause_treatment_exhausted": True,
    "active_infection": False,
    "coagulopathy": False,
    "leukopenia_or_pancytopenia": False,
    "increased_intracranial_pressure": False,
    "other_implant_contraindication": False,
}


def on_first_edition(case: Case) -> Case:
    """Pin a new case to edition 1 of its checklist, as if opened before edition 2 was loaded."""
    old = Checklist.objects.get(
        version=case.policy_version, key=case.checklist.key, edition__number=1
    )
    Case.objects.filter(pk=case.pk).update(checklist=old)
    case.refresh_from_db()
    return case


def answer(case, by, label, status, reason=""):
    node = library.checklist_nodes(case.checklist)[label]
    current = Answer.objects.filter(case=case, criterion=node).first()
    return services.answer_record(
        case=case,
        criterion=node,
        by=by,
        status=status,
        note=f"note on {label}",
        override_reason=reason,
        expected_revision=current.revision if current else 0,
    )


@pytest.fixture
def old_case(nurse):
    case = on_first_edition(CaseFactory(by=nurse))
    for name, value in EDITION_1_FACTS.items():
        services.fact_record(case=case, by=nurse, name=name, raw_value=value, expected_revision=0)
    evidence = EvidenceFactory(case=case, by=nurse)
    for label in ("2.c.i", "2.a"):
        services.evidence_link(
            case=case,
            by=nurse,
            evidence=evidence,
            criterion=library.checklist_nodes(case.checklist)[label],
            pages="1",
        )
    answer(case, nurse, "2.c.i", "met")
    answer(case, nurse, "2.a", "met")
    answer(case, nurse, "2.d", "met")
    answer(case, nurse, "2.e", "met")
    return case


def test_a_case_on_an_earlier_edition_keeps_working(old_case, nurse_client):
    assert old_case.checklist.edition.number == 1
    html = nurse_client.get(f"/cases/{old_case.pk}/").content.decode()
    assert "2.c.i" in html and "WA" not in html.split("Timeline")[0]
    assert list(editions.cases_on_earlier_editions()) == [old_case]


def test_the_plan_says_what_moving_would_change(old_case):
    plan = editions.case_edition_plan(old_case)
    assert plan.new.edition.number == 2
    reconfirm = dict(plan.changes.reconfirm)
    assert "2.c.i" in reconfirm and "underlying_cause_treatment_failed" in reconfirm["2.c.i"][0]
    assert "2.e" in reconfirm  # the closed contraindication list
    assert "2.a" in plan.changes.kept and "2.d" in plan.changes.kept
    assert plan.changes.added == ("WA",)
    assert dict(plan.changes.retired)["underlying_cause_treatment_exhausted"][0] == (
        "underlying_cause_treatment_failed"
    )
    assert "re-confirm 2.c.i, 2.e" in plan.summary and "record again" in plan.summary


def test_moving_a_case_keeps_everything_recorded(old_case, nurse):
    old_nodes = library.checklist_nodes(old_case.checklist)
    editions.case_edition_upgrade(case=old_case, by=nurse)
    old_case.refresh_from_db()
    assert old_case.checklist.edition.number == 2
    new_nodes = library.checklist_nodes(old_case.checklist)
    answers = {a.criterion.label: a for a in Answer.objects.filter(case=old_case)}
    assert all(a.criterion_id == new_nodes[label].pk for label, a in answers.items())
    # Same rule: the answer carries over. New rule: the status waits for the reviewer.
    assert answers["2.a"].status == "met" and answers["2.d"].status == "met"
    assert answers["2.c.i"].status == "" and answers["2.c.i"].note == "note on 2.c.i"
    assert answers["2.c.i"].proposed_status == "unknown"  # its new fact is not recorded
    assert answers["2.e"].status == "" and answers["2.e"].proposed_status == "met"
    # The earlier answer stays readable in the row history and in the timeline.
    assert answers["2.c.i"].history.filter(status="met").exists()
    event = CaseEvent.objects.get(case=old_case, kind="criteria_edition_upgraded")
    assert event.before["answers"]["2.c.i"] == "met" and event.before["edition"] == 1
    assert event.after["facts_to_record_again"]["underlying_cause_treatment_exhausted"]
    # The retired fact is still recorded; the evidence moved with its criterion.
    assert CaseFact.objects.filter(
        case=old_case, fact__name="underlying_cause_treatment_exhausted", value=True
    ).exists()
    links = EvidenceLink.objects.filter(case=old_case)
    assert {link.criterion_id for link in links} == {new_nodes["2.c.i"].pk, new_nodes["2.a"].pk}
    assert not {link.criterion_id for link in links} & {n.pk for n in old_nodes.values()}
    assert list(editions.cases_on_earlier_editions()) == []
    with pytest.raises(services.CaseActionRefused, match="latest edition already"):
        editions.case_edition_upgrade(case=old_case, by=nurse)


def test_the_moved_case_works_on_the_new_edition(old_case, nurse, nurse_client):
    editions.case_edition_upgrade(case=old_case, by=nurse)
    services.fact_record(
        case=old_case,
        by=nurse,
        name="underlying_cause_treatment_failed",
        raw_value="yes",
        expected_revision=0,
    )
    html = nurse_client.get(f"/cases/{old_case.pk}/").content.decode()
    assert "WA" in html and "Treatment of the underlying cause tried and failed" in html
    with pytest.raises(services.CaseActionRefused, match="not a fact this checklist uses"):
        services.fact_record(
            case=old_case,
            by=nurse,
            name="underlying_cause_treatment_exhausted",
            raw_value="no",
            expected_revision=1,
        )


def test_a_criterion_the_new_edition_dropped_keeps_its_answer_in_history(nurse):
    case = on_first_edition(CaseFactory(by=nurse, policy="nia-cg-310", indication="malignant_pain"))
    services.fact_record(
        case=case, by=nurse, name="active_infection", raw_value="no", expected_revision=0
    )
    answer(case, nurse, "CI.1", "met")
    editions.case_edition_upgrade(case=case, by=nurse)
    labels = {a.criterion.label for a in Answer.objects.filter(case=case)}
    assert "CI.1" not in labels
    assert Answer.history.filter(case_id=case.pk, status="met", history_type="-").exists()
    event = CaseEvent.objects.get(case=case, kind="criteria_edition_upgraded")
    assert event.before["answers"]["CI.1"] == "met" and "CI.1" in event.after["dropped"]


def test_a_recorded_trial_result_carries_over_as_a_trial_done(nurse):
    case = on_first_edition(
        CaseFactory(by=nurse, indication="malignant_pain", stage="permanent", codes=(("62350", 1),))
    )
    services.fact_record(
        case=case, by=nurse, name="trial_pain_relief_percent", raw_value="60", expected_revision=0
    )
    plan = editions.case_edition_upgrade(case=case, by=nurse)
    assert plan.changes.derived["trial_performed"][0] is True
    assert CaseFact.objects.get(case=case, fact__name="trial_performed").value is True


def test_only_open_cases_without_exceptions_move(old_case, nurse):
    Case.objects.filter(pk=old_case.pk).update(status="withdrawn")
    old_case.refresh_from_db()
    with pytest.raises(services.CaseActionRefused, match="stays on the edition"):
        editions.case_edition_upgrade(case=old_case, by=nurse)
    assert old_case.checklist.edition.number == 1


def test_the_command_lists_then_moves(old_case, nurse):
    out = StringIO()
    call_command("case_editions", stdout=out)
    assert f"{old_case.reference}: MCP-160 version 2025-08-13 edition 1 -> edition 2" in (
        out.getvalue()
    )
    old_case.refresh_from_db()
    assert old_case.checklist.edition.number == 1  # listing changes nothing
    with pytest.raises(CommandError, match="--by"):
        call_command("case_editions", "--apply")
    out = StringIO()
    call_command("case_editions", "--apply", "--by", nurse.username, stdout=out)
    assert out.getvalue().startswith("moved")
    old_case.refresh_from_db()
    assert old_case.checklist.edition.number == 2
    out = StringIO()
    call_command("case_editions", stdout=out)
    assert "No open case" in out.getvalue()
