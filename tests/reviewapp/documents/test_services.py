"""Reading a case's documents and the nurse's decision on what they suggest (services)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from criteria import selectors as library
from reviewapp.cases import services as case_services
from reviewapp.cases.models import CaseEvent, CaseFact, EvidenceLink, FactOrigin
from reviewapp.documents import selectors, services
from reviewapp.documents.models import (
    DocumentReading,
    PageText,
    ReadingStatus,
    Suggestion,
    SuggestionStatus,
)
from tests.factories import CaseFactory

NOTE = (
    "PAIN MANAGEMENT NOTE\n\n"
    "Ms. Nell Park is a 61-year-old woman. Pain is 8/10 today.\n"
    "There are no signs of active infection.\f"
    "Conservative care has failed. Coagulation studies are within normal limits.\n"
)
OTHER_NOTE = "FOLLOW-UP NOTE\n\nShe rates her pain 6/10 today.\n"


def upload_text(case, by, name: str, text: str, capture):
    with capture(execute=True):
        results = case_services.evidence_upload(
            case=case,
            by=by,
            files=[SimpleUploadedFile(name, text.encode(), "text/plain")],
            doc_type="office_note",
            document_date=timezone.localdate(),
            source="Clinic",
        )
    return results[0].evidence


@pytest.fixture
def case(nurse):
    return CaseFactory(by=nurse)  # Molina MCP-160, non-malignant pain, trial


def test_upload_queues_a_reading_that_stores_every_page_and_its_suggestions(
    case, nurse, django_capture_on_commit_callbacks
):
    evidence = upload_text(case, nurse, "note.txt", NOTE, django_capture_on_commit_callbacks)
    reading = DocumentReading.objects.get(evidence=evidence)
    assert reading.status == ReadingStatus.DONE
    assert (reading.page_count, reading.pages_read, reading.ocr_pages) == (2, 2, 0)
    assert reading.progress == "Read 2 pages"
    assert list(PageText.objects.filter(evidence=evidence).values_list("number", flat=True)) == [
        1,
        2,
    ]
    found = {(s.fact.name, str(s.value), s.page) for s in Suggestion.objects.filter(case=case)}
    assert found == {
        ("age_years", "61", 1),
        ("pain_nrs", "8", 1),
        ("active_infection", "False", 1),
        ("conservative_care_failed", "True", 2),
        ("coagulopathy", "False", 2),
    }
    assert all(s.status == SuggestionStatus.PENDING for s in Suggestion.objects.all())
    assert not CaseFact.objects.filter(case=case).exists(), "nothing is applied without a person"
    assert CaseEvent.objects.filter(case=case, kind="document_read").exists()


def test_without_a_commit_nothing_is_read(case, nurse):
    """The reading is queued only once the upload commits: a failed upload queues nothing."""
    case_services.evidence_upload(
        case=case,
        by=nurse,
        files=[SimpleUploadedFile("n.txt", NOTE.encode(), "text/plain")],
        doc_type="office_note",
        document_date=None,
        source="",
    )
    reading = DocumentReading.objects.get()
    assert reading.status == ReadingStatus.QUEUED
    assert reading.progress == "Waiting to be read"
    assert not PageText.objects.exists()


def test_accepting_records_the_fact_with_its_origin_and_links_every_criterion_reading_it(
    case, nurse, django_capture_on_commit_callbacks
):
    evidence = upload_text(case, nurse, "note.txt", NOTE, django_capture_on_commit_callbacks)
    suggestion = Suggestion.objects.get(case=case, fact__name="pain_nrs")
    accepted = services.suggestion_accept(suggestion=suggestion, by=nurse)

    fact = CaseFact.objects.get(case=case, fact__name="pain_nrs")
    assert fact.value == 8
    assert (fact.origin, fact.origin_detail) == (FactOrigin.DOCUMENT, "note.txt p. 1")
    readers = [
        c.label
        for c in library.engine_checklist(case.checklist).criteria()
        if "pain_nrs" in c.facts
    ]
    assert readers and accepted.criteria == readers
    links = EvidenceLink.objects.filter(case=case, evidence=evidence)
    assert sorted(link.criterion.label for link in links) == sorted(readers)
    assert {link.pages for link in links} == {"1"}
    # The criteria now propose a status from the accepted fact.
    answers = case.answers.filter(criterion__label__in=readers)
    assert answers.count() == len(readers) and all(a.proposed_status for a in answers)
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED and suggestion.decided_by == nurse
    event = CaseEvent.objects.get(case=case, kind="suggestion_accepted")
    assert "accepted from document note.txt p. 1" in event.summary
    assert event.actor == nurse and event.after["quote"] == "Pain is 8/10 today."
    recorded = CaseEvent.objects.get(case=case, kind="fact_recorded")
    assert recorded.after["origin"] == "document"


def test_an_accepted_fact_names_its_page_and_applying_its_proposal_links_it(
    case, nurse, django_capture_on_commit_callbacks
):
    """The checklist's one-click path after reading: the accepted fact's document page is the
    fact's document, so the facts' proposal applies with that page linked."""
    evidence = upload_text(case, nurse, "note.txt", NOTE, django_capture_on_commit_callbacks)
    services.suggestion_accept(
        suggestion=Suggestion.objects.get(fact__name="active_infection"), by=nurse
    )
    fact = CaseFact.objects.get(case=case, fact__name="active_infection")
    assert (fact.source_evidence, fact.source_pages) == (evidence, "1")
    reader = next(
        c
        for c in library.engine_checklist(case.checklist).criteria()
        if set(c.facts) == {"active_infection"}
    )
    node = library.checklist_nodes(case.checklist)[reader.label]
    answer = case.answers.get(criterion=node)
    case_services.proposal_apply(
        case=case, by=nurse, criterion=node, expected_revision=answer.revision
    )
    answer.refresh_from_db()
    assert (answer.status, answer.origin) == ("met", "proposal")
    link = EvidenceLink.objects.get(case=case, criterion=node)
    assert (link.evidence, link.pages) == (evidence, "1")


def test_a_referred_case_takes_no_suggestion_from_the_nurse(
    case, nurse, nurse_client, django_capture_on_commit_callbacks
):
    upload_text(case, nurse, "note.txt", NOTE, django_capture_on_commit_callbacks)
    case_services.case_refer_to_director(case=case, by=nurse, summary="Please review.")
    suggestion = Suggestion.objects.get(fact__name="pain_nrs")
    with pytest.raises(case_services.CaseActionRefused, match="locked"):
        services.suggestion_accept(suggestion=suggestion, by=nurse)
    with pytest.raises(case_services.CaseActionRefused, match="locked"):
        services.suggestion_dismiss(suggestion=suggestion, by=nurse)
    panel = nurse_client.get(f"/cases/{case.pk}/documents/", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    html = panel.content.decode()
    assert "8 of 10" in html and f'id="accept-{suggestion.pk}"' not in html
    assert not CaseFact.objects.filter(case=case).exists()


def test_accepting_a_second_page_of_the_same_document_adds_the_page(
    case, nurse, django_capture_on_commit_callbacks
):
    evidence = upload_text(case, nurse, "note.txt", NOTE, django_capture_on_commit_callbacks)
    services.suggestion_accept(
        suggestion=Suggestion.objects.get(fact__name="active_infection"), by=nurse
    )
    services.suggestion_accept(
        suggestion=Suggestion.objects.get(fact__name="coagulopathy"), by=nurse
    )
    pages = set(EvidenceLink.objects.filter(evidence=evidence).values_list("pages", flat=True))
    assert pages <= {"1", "2", "1-2"}
    assert services.pages_with("1, 4-5", 3) == "1, 3-5"
    assert services.pages_with("", 7) == "7"
    assert services.pages_with("2-4", 3) == "2-4"


def test_conflicting_documents_are_shown_side_by_side_and_never_resolved(
    case, nurse, django_capture_on_commit_callbacks
):
    upload_text(case, nurse, "note.txt", NOTE, django_capture_on_commit_callbacks)
    upload_text(case, nurse, "followup.txt", OTHER_NOTE, django_capture_on_commit_callbacks)
    panel = selectors.documents_panel(case)
    pain = next(g for g in panel.facts if g.definition.name == "pain_nrs")
    assert pain.conflict
    assert [row.display for row in pain.rows] == ["8 of 10", "6 of 10"]
    assert not CaseFact.objects.filter(case=case, fact__name="pain_nrs").exists()
    services.suggestion_accept(suggestion=pain.rows[1].suggestion, by=nurse)
    panel = selectors.documents_panel(case)
    pain = next(g for g in panel.facts if g.definition.name == "pain_nrs")
    assert pain.conflict and pain.recorded_display == "6 of 10"
    assert [r.suggestion.status for r in pain.rows] == ["pending", "accepted"]


def test_a_decided_suggestion_cannot_be_decided_again(
    case, nurse, other_nurse, django_capture_on_commit_callbacks
):
    upload_text(case, nurse, "note.txt", NOTE, django_capture_on_commit_callbacks)
    suggestion = Suggestion.objects.get(fact__name="pain_nrs")
    services.suggestion_dismiss(suggestion=suggestion, by=nurse)
    case_services.case_reassign(case=case, by=nurse, to=other_nurse, reason="Handing over.")
    with pytest.raises(case_services.CaseActionRefused, match="already dismissed by Nurse Nina"):
        services.suggestion_accept(suggestion=suggestion, by=other_nurse)
    assert not CaseFact.objects.filter(case=case).exists()
    assert CaseEvent.objects.filter(kind="suggestion_dismissed").count() == 1


def test_a_fact_the_checklist_does_not_use_is_not_accepted(
    nurse, django_capture_on_commit_callbacks
):
    case = CaseFactory(by=nurse)
    upload_text(
        case,
        nurse,
        "pump.txt",
        "The pump battery is at end of life.\n",
        django_capture_on_commit_callbacks,
    )
    suggestion = Suggestion.objects.get(fact__name="pump_battery_depleted")
    with pytest.raises(case_services.CaseActionRefused, match="not a fact this case"):
        services.suggestion_accept(suggestion=suggestion, by=nurse)
    assert selectors.documents_panel(case).other_facts == 1


def test_a_closed_case_takes_no_decision(case, nurse, django_capture_on_commit_callbacks):
    upload_text(case, nurse, "note.txt", NOTE, django_capture_on_commit_callbacks)
    from reviewapp.decisions import services as decisions

    decisions.case_withdraw(case=case, by=nurse, reason="Request withdrawn.")
    suggestion = Suggestion.objects.get(fact__name="pain_nrs")
    with pytest.raises(case_services.CaseActionRefused, match="withdrawn"):
        services.suggestion_accept(suggestion=suggestion, by=nurse)
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.PENDING


@override_settings(DOCUMENTS_MAX_PAGES=1)
def test_a_refused_reading_keeps_nothing_and_can_be_read_again(
    case, nurse, django_capture_on_commit_callbacks
):
    evidence = upload_text(case, nurse, "note.txt", NOTE, django_capture_on_commit_callbacks)
    reading = DocumentReading.objects.get(evidence=evidence)
    assert reading.status == ReadingStatus.REFUSED
    assert "2 pages" in reading.message and "more than 1 pages" in reading.message
    assert not PageText.objects.exists() and not Suggestion.objects.exists()
    assert reading.pages_read == 0
    event = CaseEvent.objects.get(case=case, kind="document_not_read")
    assert "note.txt was not read" in event.summary
    with override_settings(DOCUMENTS_MAX_PAGES=5), django_capture_on_commit_callbacks(execute=True):
        services.reading_restart(reading=reading, by=nurse)
    reading.refresh_from_db()
    assert reading.status == ReadingStatus.DONE and reading.attempts == 2
    assert PageText.objects.filter(evidence=evidence).count() == 2


def test_a_reading_is_claimed_once(case, nurse, django_capture_on_commit_callbacks):
    evidence = upload_text(case, nurse, "note.txt", NOTE, django_capture_on_commit_callbacks)
    reading = DocumentReading.objects.get(evidence=evidence)
    services.reading_run(reading_id=reading.pk)  # a retried job: already done, nothing happens
    assert PageText.objects.filter(evidence=evidence).count() == 2
    with pytest.raises(case_services.CaseActionRefused, match="only a document that was not read"):
        services.reading_restart(reading=reading, by=nurse)


def test_a_stored_file_that_changed_is_not_read(case, nurse, django_capture_on_commit_callbacks):
    case_services.evidence_upload(
        case=case,
        by=nurse,
        files=[SimpleUploadedFile("n.txt", NOTE.encode(), "text/plain")],
        doc_type="office_note",
        document_date=None,
        source="",
    )
    reading = DocumentReading.objects.get()
    storage = reading.evidence.file.storage
    name = reading.evidence.file.name
    storage.delete(name)
    storage.save(name, SimpleUploadedFile("n.txt", b"Pain is 2/10 today.\n"))
    services.reading_run(reading_id=reading.pk)
    reading.refresh_from_db()
    assert reading.status == ReadingStatus.REFUSED
    assert "does not match the SHA-256" in reading.message
    assert not Suggestion.objects.exists()
