"""Filing an appeal: who, how, when, what is asked, the documents, the clock and the filing limit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reviewapp.appeals import services
from reviewapp.appeals.models import Appeal, AppealClockRule, AppealDocument
from reviewapp.cases.models import CaseEvent, Evidence
from reviewapp.decisions.models import Determination
from tests.appeal_factories import denied, file_appeal, mark_signed

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def test_an_appeal_is_recorded_with_its_request_documents_and_clock(denial, nurse):
    received = timezone.now() - dt.timedelta(hours=3)
    before = Determination.objects.filter(pk=denial.pk).values().get()
    appeal = file_appeal(denial, nurse, received_at=received)
    assert appeal.reference == f"APL-{timezone.localdate(received):%Y}-{appeal.pk:06d}"
    assert appeal.determination == denial and appeal.case_id == denial.case_id
    assert appeal.status == "open" and appeal.outcome == "" and appeal.decided_at is None
    assert appeal.priority == "standard"
    assert appeal.due_at == received + dt.timedelta(days=30)  # commercial pre-service
    assert appeal.notice_date == timezone.localdate(denial.signed_at)
    assert appeal.filing_deadline == appeal.notice_date + 180 * DAY
    assert not appeal.filed_late
    # The new document joins the case file as evidence, named the appeal's.
    document = AppealDocument.objects.get(appeal=appeal).evidence
    assert document.case_id == denial.case_id and document.original_name == "new-office-note.pdf"
    events = CaseEvent.objects.filter(case=appeal.case, after__appeal=appeal.pk)
    assert {e.kind for e in events} == {"appeal_filed", "appeal_documents"}
    assert (
        "for appeal " + appeal.reference
        in CaseEvent.objects.get(
            case=appeal.case, kind="evidence_uploaded", after__evidence=document.pk
        ).summary
    )
    # Nothing of the determination appealed changed.
    assert Determination.objects.filter(pk=denial.pk).values().get() == before


@pytest.mark.parametrize(
    ("line_of_business", "days", "limit"),
    [("medicaid", 30, 60), ("medicare_advantage", 30, 65), ("commercial", 30, 180)],
)
def test_clock_and_filing_limit_per_line_of_business(
    nurse, director, line_of_business, days, limit
):
    determination = denied(nurse, director, line_of_business=line_of_business)
    received = timezone.now() - dt.timedelta(hours=1)
    appeal = file_appeal(determination, nurse, documents=False, received_at=received)
    assert appeal.due_at == received + dt.timedelta(days=days)
    assert appeal.filing_deadline == appeal.notice_date + limit * DAY
    expedited = denied(nurse, director, line_of_business=line_of_business)
    fast = file_appeal(
        expedited, nurse, documents=False, received_at=received, provider_supports_expedited=True
    )
    assert fast.priority == "expedited" and fast.expedited_requested
    assert fast.due_at == received + dt.timedelta(hours=72)


def test_the_clock_follows_the_rule_an_administrator_set(denial, nurse):
    AppealClockRule.objects.filter(line_of_business="commercial", priority="standard").update(
        hours=20 * 24
    )
    received = timezone.now() - dt.timedelta(hours=1)
    appeal = file_appeal(denial, nurse, documents=False, received_at=received)
    assert appeal.due_at == received + dt.timedelta(days=20)


def test_a_member_asking_for_a_fast_appeal_gets_one_until_the_plan_declines(denial, nurse):
    appeal = file_appeal(denial, nurse, documents=False, expedited_requested=True)
    assert appeal.priority == "expedited" and not appeal.provider_supports_expedited


def test_a_late_appeal_needs_the_good_cause_and_is_recorded_as_late(nurse, director):
    determination = denied(nurse, director, line_of_business="medicaid", signed=False)
    mark_signed(determination, on=timezone.now() - dt.timedelta(days=75))
    determination.refresh_from_db()
    with pytest.raises(services.AppealRefused) as refused:
        file_appeal(determination, nurse, documents=False)
    message = str(refused.value)
    assert "after the filing limit" in message and "60 days from the notice" in message
    assert "good cause" in message
    assert not Appeal.objects.exists()
    appeal = file_appeal(
        determination, nurse, documents=False, good_cause="She was in hospital until last week."
    )
    assert appeal.filed_late and appeal.good_cause == "She was in hospital until last week."
    filed = CaseEvent.objects.get(case=appeal.case, kind="appeal_filed")
    assert "days late, good cause: She was in hospital" in filed.summary


def test_a_timely_appeal_keeps_no_good_cause(denial, nurse):
    appeal = file_appeal(denial, nurse, documents=False, good_cause="Not needed.")
    assert not appeal.filed_late and appeal.good_cause == ""


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"requester_name": " "}, "name of the person"),
        ({"requester": "representative"}, "related to the member"),
        ({"received_via": "pigeon"}, "phone, mail, fax or portal"),
        ({"request_summary": ""}, "what the appeal asks"),
        ({"received_at": timezone.now() + dt.timedelta(days=1)}, "in the future"),
    ],
)
def test_bad_filings_are_refused_and_nothing_is_kept(denial, nurse, overrides, message):
    with pytest.raises(services.AppealRefused, match=message):
        file_appeal(denial, nurse, **overrides)
    assert not Appeal.objects.exists() and not AppealDocument.objects.exists()


def test_an_appeal_cannot_be_received_before_the_determination(denial, nurse):
    with pytest.raises(services.AppealRefused, match="before the determination"):
        file_appeal(denial, nurse, received_at=denial.decided_at - dt.timedelta(hours=1))


def test_a_bad_document_refuses_the_whole_filing(denial, nurse):
    script = SimpleUploadedFile("note.pdf", b"<script>alert(1)</script>", "application/pdf")
    with pytest.raises(services.AppealRefused):
        services.appeal_file(
            case=denial.case,
            by=nurse,
            filing=services.AppealFiling(
                requester="provider",
                requester_name="Dr. Test Provider",
                received_via="fax",
                received_at=timezone.now(),
                request_summary="Reconsider.",
            ),
            documents=services.AppealDocuments(files=[script], doc_type="office_note"),
        )
    assert not Appeal.objects.exists()
    assert not Evidence.objects.filter(original_name="note.pdf").exists()


def test_only_a_signed_adverse_determination_in_force_is_appealed(nurse, director):
    unsigned = denied(nurse, director, signed=False)
    with pytest.raises(services.AppealRefused, match="not signed yet"):
        file_appeal(unsigned, nurse)
    from reviewapp.decisions import services as decisions
    from tests.factories import meeting_case

    approved = decisions.case_approve_by_nurse(case=meeting_case(by=nurse), by=nurse)
    mark_signed(approved)
    with pytest.raises(services.AppealRefused, match="no adverse determination"):
        file_appeal(approved, nurse)


def test_one_appeal_per_determination_and_a_withdrawn_one_may_be_filed_again(denial, nurse):
    first = file_appeal(denial, nurse, documents=False)
    with pytest.raises(services.AppealRefused, match="already open"):
        file_appeal(denial, nurse, documents=False)
    services.appeal_withdraw(appeal=first, by=nurse, reason="The member called to withdraw it.")
    again = file_appeal(denial, nurse, documents=False)
    assert again.pk != first.pk and again.status == "open"


def test_staff_without_a_reviewing_role_cannot_file_and_the_attempt_is_recorded(
    denial, manager, outsider
):
    for user in (manager, outsider):
        with pytest.raises(services.AppealForbidden):
            file_appeal(denial, user)
    assert not Appeal.objects.exists()
    assert CaseEvent.objects.filter(case=denial.case, kind="refused").count() == 2
