"""The appeal's own record and its decision: re-answered criteria never touch the case or the
determination appealed; an overturn's new determination supersedes it with an authorization;
an upheld appeal gives its reasons; Medicare Advantage forwards what it does not overturn."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from reviewapp.appeals import selectors, services
from reviewapp.appeals.models import AppealAnswer, IndependentReview
from reviewapp.cases.models import Answer, CaseEvent, CriterionException
from reviewapp.decisions.models import Authorization, Determination
from reviewapp.decisions.selectors import case_authorization, current_determination
from reviewapp.letters.services import determination_fingerprint
from tests.appeal_factories import OPEN_LABELS, answer_open_criteria_met, denied, file_appeal, node

pytestmark = pytest.mark.django_db


def record_of(determination):
    """Everything of a determination that must never change on appeal."""
    determination.refresh_from_db()
    return (
        Determination.objects.filter(pk=determination.pk).values().get(),
        determination_fingerprint(determination),
        list(determination.code_decisions.values("code", "decision", "reason")),
    )


def case_record(case):
    return (
        list(Answer.objects.filter(case=case).order_by("id").values()),
        list(CriterionException.objects.filter(case=case).values()),
        case.__class__.objects.filter(pk=case.pk).values("status", "due_at").get(),
    )


def test_an_appeal_answer_lives_in_the_appeal_record_only(appeal, appeal_director):
    before_case = case_record(appeal.case)
    before = record_of(appeal.determination)
    answer_open_criteria_met(appeal, appeal_director)
    ws = selectors.appeal_workspace(appeal)
    assert ws.rows["2.a"].status == "met" and ws.rows["2.a"].original_status == "not_met"
    assert ws.rows["2.c.vi"].original_status == "not_documented"
    assert ws.criteria_met and ws.reasons_required == []
    assert case_record(appeal.case) == before_case
    assert record_of(appeal.determination) == before
    events = CaseEvent.objects.filter(case=appeal.case, kind="appeal_answer_recorded")
    assert events.count() == 2
    assert "originally not met" in events.get(after__criterion="2.a").summary


def test_an_appeal_answer_needs_its_note_and_documentation_and_no_stale_page(
    appeal, appeal_director
):
    criterion = node(appeal.case, "2.c.vi")
    with pytest.raises(services.AppealRefused, match="what the appeal showed"):
        services.appeal_answer_record(
            appeal=appeal,
            criterion=criterion,
            by=appeal_director,
            status="met",
            note=" ",
            expected_revision=0,
        )
    assert criterion.requires_documentation
    with pytest.raises(services.AppealRefused, match="needs documentation"):
        services.appeal_answer_record(
            appeal=appeal,
            criterion=criterion,
            by=appeal_director,
            status="met",
            note="Shown.",
            expected_revision=0,
        )
    services.appeal_answer_record(
        appeal=appeal,
        criterion=criterion,
        by=appeal_director,
        status="not_documented",
        note="Still not sent.",
        expected_revision=0,
    )
    with pytest.raises(services.AppealConflict) as conflict:
        services.appeal_answer_record(
            appeal=appeal,
            criterion=criterion,
            by=appeal_director,
            status="not_met",
            note="Typed on an old page.",
            expected_revision=0,
        )
    assert conflict.value.current.note == "Still not sent."
    assert AppealAnswer.objects.get(appeal=appeal, criterion=criterion).revision == 1


def test_overturned_a_new_determination_supersedes_the_one_appealed(appeal, appeal_director):
    appealed = appeal.determination
    before = record_of(appealed)
    before_case = case_record(appeal.case)
    answer_open_criteria_met(appeal, appeal_director)
    decided = services.appeal_decide(
        appeal=appeal, by=appeal_director, code_decisions={"62322": "approve"}, reasons={}
    )
    assert decided.status == "decided" and decided.outcome == "overturned"
    assert decided.decider_specialty == "Physical Medicine and Rehabilitation"
    new = decided.new_determination
    assert new.supersedes == appealed and new.outcome == "approved"
    assert new.decided_by == appeal_director and not new.is_signed
    assert current_determination(appeal.case) == new
    authorization = case_authorization(appeal.case)
    assert authorization.determination == new
    assert [(i.code, i.units) for i in authorization.items.all()] == [("62322", 1)]
    # The new determination's checklist is the appeal's; the one appealed is untouched.
    statuses = {item["label"]: item["status"] for item in new.criteria_snapshot}
    assert statuses["2.a"] == "met" and statuses["2.c.vi"] == "met"
    assert record_of(appealed) == before and case_record(appeal.case) == before_case
    assert CaseEvent.objects.filter(case=appeal.case, kind="appeal_decided").exists()


def test_approving_on_appeal_needs_the_criteria_met_on_the_appeal_record(appeal, appeal_director):
    answer_open_criteria_met(appeal, appeal_director, labels=("2.a",))
    with pytest.raises(services.AppealRefused, match=r"still open: 2\.c\.vi"):
        services.appeal_decide(
            appeal=appeal, by=appeal_director, code_decisions={"62322": "approve"}, reasons={}
        )
    appeal.refresh_from_db()
    assert appeal.status == "open" and not Determination.objects.filter(supersedes__isnull=False)


def test_an_exception_on_appeal_overturns_by_exception(appeal, appeal_director):
    answer_open_criteria_met(appeal, appeal_director, labels=("2.c.vi",))
    services.appeal_answer_record(
        appeal=appeal,
        criterion=node(appeal.case, "2.a"),
        by=appeal_director,
        status="excepted",
        note="Severe functional loss despite a score of 5.",
        expected_revision=0,
    )
    decided = services.appeal_decide(
        appeal=appeal, by=appeal_director, code_decisions={"62322": "approve"}, reasons={}
    )
    new = decided.new_determination
    assert new.outcome == "approved_exception"
    excepted = next(item for item in new.criteria_snapshot if item["label"] == "2.a")
    assert excepted["exception"]["rationale"] == "Severe functional loss despite a score of 5."


def test_upheld_gives_exactly_the_reasons_still_open(appeal, appeal_director):
    ws = selectors.appeal_workspace(appeal)
    drafts = {d.label: d.text for d in selectors.appeal_reason_drafts(ws)}
    assert set(drafts) == set(OPEN_LABELS)
    with pytest.raises(services.AppealRefused, match=r"missing: 2\.c\.vi"):
        services.appeal_decide(
            appeal=appeal,
            by=appeal_director,
            code_decisions={"62322": "deny"},
            reasons={"2.a": drafts["2.a"]},
        )
    with pytest.raises(services.AppealRefused, match=r"2\.b"):
        services.appeal_decide(
            appeal=appeal,
            by=appeal_director,
            code_decisions={"62322": "deny"},
            reasons={**drafts, "2.b": "Invented."},
        )
    with pytest.raises(services.AppealRefused, match="cannot be empty"):
        services.appeal_decide(
            appeal=appeal,
            by=appeal_director,
            code_decisions={"62322": "deny"},
            reasons={**drafts, "2.a": "  "},
        )
    decided = services.appeal_decide(
        appeal=appeal,
        by=appeal_director,
        code_decisions={"62322": "deny"},
        reasons=drafts,
        rationale="The new note repeats the old score.",
    )
    assert decided.outcome == "upheld" and decided.new_determination is None
    assert [item["label"] for item in decided.reason_items] == list(OPEN_LABELS)
    assert current_determination(appeal.case) == appeal.determination
    assert not IndependentReview.objects.exists()  # commercial: external review is the member's


def test_partially_overturned_keeps_part_denied_with_its_reasons(nurse, director, appeal_director):
    determination = denied(nurse, director, codes=(("62322", 1), ("62323", 1)))
    appeal = file_appeal(determination, nurse)
    answer_open_criteria_met(appeal, appeal_director)
    with pytest.raises(services.AppealRefused, match="explain to the member"):
        services.appeal_decide(
            appeal=appeal,
            by=appeal_director,
            code_decisions={"62322": "approve", "62323": "deny"},
            reasons={},
        )
    decided = services.appeal_decide(
        appeal=appeal,
        by=appeal_director,
        code_decisions={"62322": "approve", "62323": "deny"},
        reasons={},
        explanation="The imaging guidance is not needed for this injection.",
    )
    assert decided.outcome == "partially_overturned"
    new = decided.new_determination
    assert new.outcome == "partially_approved" and "imaging guidance" in new.reasons
    assert [i.code for i in Authorization.objects.get(determination=new).items.all()] == ["62322"]


def test_every_denied_code_is_decided_and_only_those(nurse, director, appeal_director):
    determination = denied(nurse, director, codes=(("62322", 1), ("62323", 1)))
    appeal = file_appeal(determination, nurse)
    with pytest.raises(services.AppealRefused, match="62322, 62323"):
        services.appeal_decide(
            appeal=appeal, by=appeal_director, code_decisions={"62322": "deny"}, reasons={}
        )


def test_a_corrected_determination_cannot_be_decided_on_appeal(appeal, director, appeal_director):
    from reviewapp.decisions import services as decisions
    from reviewapp.decisions.selectors import reason_drafts

    decisions.case_reopen(case=appeal.case, by=director, reason="Wrong code on the letter.")
    case = appeal.case.__class__.objects.get(pk=appeal.case_id)
    decisions.case_decide(
        case=case,
        by=director,
        code_decisions={"62322": "deny"},
        reasons={d.label: d.text for d in reason_drafts(case=case)},
        peer_to_peer=decisions.PeerToPeer(offered_to="Dr. Test", offered_at=timezone.now()),
    )
    with pytest.raises(services.AppealRefused, match="corrected meanwhile"):
        services.appeal_decide(
            appeal=appeal, by=appeal_director, code_decisions={"62322": "deny"}, reasons={}
        )


def test_a_determination_made_on_appeal_is_not_appealed_to_the_plan_again(
    appeal, appeal_director, nurse
):
    answer_open_criteria_met(appeal, appeal_director)
    services.appeal_decide(
        appeal=appeal, by=appeal_director, code_decisions={"62322": "approve"}, reasons={}
    )
    with pytest.raises(services.AppealRefused):
        file_appeal(appeal.determination, nurse)


@pytest.mark.parametrize(("priority", "hours"), [("standard", None), ("expedited", 24)])
def test_medicare_advantage_forwards_what_it_does_not_overturn(
    nurse, director, appeal_director, priority, hours
):
    determination = denied(nurse, director, line_of_business="medicare_advantage")
    appeal = file_appeal(determination, nurse, provider_supports_expedited=priority == "expedited")
    drafts = selectors.appeal_reason_drafts(selectors.appeal_workspace(appeal))
    decided = services.appeal_decide(
        appeal=appeal,
        by=appeal_director,
        code_decisions={"62322": "deny"},
        reasons={d.label: d.text for d in drafts},
    )
    ire = IndependentReview.objects.get(appeal=decided)
    if hours:
        assert ire.due_at == decided.decided_at + dt.timedelta(hours=hours)
    else:
        assert ire.due_at == decided.due_at
    assert not ire.is_sent and not ire.case_file_sha256
    assert (
        "independent review entity by"
        in CaseEvent.objects.get(case=appeal.case, kind="appeal_decided").summary
    )


def test_a_medicare_advantage_overturn_is_not_forwarded(nurse, director, appeal_director):
    determination = denied(nurse, director, line_of_business="medicare_advantage")
    appeal = file_appeal(determination, nurse)
    answer_open_criteria_met(appeal, appeal_director)
    services.appeal_decide(
        appeal=appeal, by=appeal_director, code_decisions={"62322": "approve"}, reasons={}
    )
    assert not IndependentReview.objects.exists()


def test_the_queues_other_apps_read(nurse, director, appeal_director):
    first = file_appeal(denied(nurse, director), nurse, documents=False)
    second = file_appeal(
        denied(nurse, director), nurse, documents=False, provider_supports_expedited=True
    )
    assert list(selectors.appeals_open()) == [second, first]  # the expedited one is due first
    drafts = selectors.appeal_reason_drafts(selectors.appeal_workspace(first))
    services.appeal_decide(
        appeal=first,
        by=appeal_director,
        code_decisions={"62322": "deny"},
        reasons={d.label: d.text for d in drafts},
    )
    year = timezone.localdate().year
    assert list(selectors.appeals_decided_in(year)) == [first]
    assert list(selectors.appeals_decided_in(year - 1)) == []
    assert list(selectors.appeals_open()) == [second]
