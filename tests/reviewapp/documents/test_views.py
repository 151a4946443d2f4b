"""The documents panel, search, the page text, and the nurse's decisions through the pages."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviewapp.cases.models import CaseFact, EvidenceLink
from reviewapp.documents.models import Suggestion, SuggestionStatus
from tests.factories import CaseFactory

from .test_services import NOTE, OTHER_NOTE, upload_text

HTMX = {"HX-Request": "true"}


@pytest.fixture
def case(nurse):
    return CaseFactory(by=nurse)


@pytest.fixture
def read_case(case, nurse, django_capture_on_commit_callbacks):
    upload_text(case, nurse, "note.txt", NOTE, django_capture_on_commit_callbacks)
    upload_text(case, nurse, "followup.txt", OTHER_NOTE, django_capture_on_commit_callbacks)
    return case


def test_the_case_page_loads_the_documents_panel(read_case, nurse_client):
    html = nurse_client.get(f"/cases/{read_case.pk}/").content.decode()
    assert 'id="documents"' in html
    assert f'hx-get="/cases/{read_case.pk}/documents/" hx-trigger="load"' in html
    assert 'hx-trigger="case-updated from:body"' in html


def test_the_panel_shows_progress_suggestions_and_conflicts(read_case, nurse_client):
    response = nurse_client.get(f"/cases/{read_case.pk}/documents/", headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="documents-panel"')
    assert "<html" not in html
    assert "note.txt</span>:" in html and "Read 2 pages" in html
    assert "Documents disagree" in html  # pain 8/10 in one note, 6/10 in the other
    assert "Pain is 8/10 today." in html and "She rates her pain 6/10 today." in html
    # Each suggestion opens the document's viewer at its page.
    assert f'href="/cases/{read_case.pk}/evidence/' in html and "/view/?page=1" in html
    assert 'hx-trigger="every 2s"' not in html  # nothing left to read: no polling
    full = nurse_client.get(f"/cases/{read_case.pk}/documents/").content.decode()
    assert "<html" in full and "Search this case" in full


def test_the_panel_polls_while_a_document_is_being_read(case, nurse, nurse_client):
    from reviewapp.cases import services as case_services

    case_services.evidence_upload(  # no commit in this test: the reading stays queued
        case=case,
        by=nurse,
        files=[SimpleUploadedFile("n.txt", NOTE.encode(), "text/plain")],
        doc_type="office_note",
        document_date=None,
        source="",
    )
    html = nurse_client.get(f"/cases/{case.pk}/documents/", headers=HTMX).content.decode()
    assert 'hx-trigger="every 2s"' in html and "Waiting to be read" in html


def test_accepting_through_the_panel_updates_the_case(read_case, nurse_client):
    suggestion = Suggestion.objects.get(fact__name="age_years")
    response = nurse_client.post(
        f"/cases/{read_case.pk}/suggestions/{suggestion.pk}/accept/", headers=HTMX
    )
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger-After-Settle"]) == {"case-updated": {}}
    assert "Accepted by Nurse Nina" in response.content.decode()
    assert CaseFact.objects.get(case=read_case, fact__name="age_years").value == 61
    assert EvidenceLink.objects.filter(case=read_case).exists()
    # The same suggestion again is refused with the reason, and the panel is shown.
    again = nurse_client.post(
        f"/cases/{read_case.pk}/suggestions/{suggestion.pk}/accept/", headers=HTMX
    )
    assert again.status_code == 422
    assert "already accepted by Nurse Nina" in again.content.decode()
    assert "HX-Trigger-After-Settle" not in again


def test_without_javascript_a_decision_redirects_to_the_case(read_case, nurse_client):
    suggestion = Suggestion.objects.get(fact__name="pain_nrs", value_key="8")
    response = nurse_client.post(f"/cases/{read_case.pk}/suggestions/{suggestion.pk}/dismiss/")
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{read_case.pk}/#documents"
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.DISMISSED


def test_a_suggestion_of_another_case_is_not_found(read_case, nurse, nurse_client):
    other = CaseFactory(by=nurse)
    suggestion = Suggestion.objects.filter(case=read_case).first()
    response = nurse_client.post(f"/cases/{other.pk}/suggestions/{suggestion.pk}/accept/")
    assert response.status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.PENDING


def test_search_finds_pages_in_context_and_links_to_the_page(read_case, nurse_client):
    response = nurse_client.get(
        f"/cases/{read_case.pk}/documents/search/", {"q": "coagulation"}, headers=HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"')
    assert "1 page match" in html
    assert "note.txt, p. 2" in html and "/view/?page=2" in html
    assert "<mark>" in html.lower() and "oagulation" in html
    none = nurse_client.get(f"/cases/{read_case.pk}/documents/search/", {"q": "baclofen"})
    assert "0 pages match" in none.content.decode()


def test_search_escapes_what_the_documents_say(
    case, nurse, nurse_client, django_capture_on_commit_callbacks
):
    upload_text(
        case,
        nurse,
        "odd.txt",
        "Pain diary: pain < 5 most days & worse > at night.\n",
        django_capture_on_commit_callbacks,
    )
    html = nurse_client.get(
        f"/cases/{case.pk}/documents/search/", {"q": "diary"}, headers=HTMX
    ).content.decode()
    assert "&lt; 5" in html and "&amp; worse &gt;" in html


def test_the_text_read_from_a_page(read_case, nurse_client):
    evidence = read_case.evidence.get(original_name="note.txt")
    html = nurse_client.get(f"/cases/{read_case.pk}/documents/{evidence.pk}/pages/2/").content
    assert b"Conservative care has failed." in html
    assert (
        nurse_client.get(f"/cases/{read_case.pk}/documents/{evidence.pk}/pages/9/").status_code
        == 404
    )


def test_roles(read_case, role_clients):
    url = f"/cases/{read_case.pk}/documents/"
    assert role_clients["nurse"].get(url).status_code == 200
    assert role_clients["director"].get(url).status_code == 200
    assert role_clients["administrator"].get(url).status_code == 403
    assert role_clients["no_role"].get(url).status_code == 403
    assert role_clients["anonymous"].get(url).status_code == 302


@pytest.mark.parametrize("documents", [1, 4])
def test_panel_query_count_is_constant_in_documents_and_suggestions(
    case,
    nurse,
    nurse_client,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    documents,
):
    for i in range(documents):
        upload_text(
            case, nurse, f"n{i}.txt", NOTE + f"\nRef {i}\n", django_capture_on_commit_callbacks
        )
    nurse_client.get(f"/cases/{case.pk}/documents/", headers=HTMX)  # warm caches
    # session; user (with staff profile); group names with their permissions; user permissions;
    # case (with version, checklist, reviewer); readings (with documents); suggestions (with
    # fact, document, decider); recorded facts (with fact). The access log: the case's reference
    # and member ID, then the row itself.
    with django_assert_num_queries(10):
        response = nurse_client.get(f"/cases/{case.pk}/documents/", headers=HTMX)
    assert response.content.decode().count('class="suggestion"') == 5 * documents


def test_what_the_documents_show_is_in_the_access_log(read_case, nurse_client):
    """The panel (suggested facts and their quotes), a search and a page's text are reads of
    member data: each leaves a row naming the case and member, a search its terms and count."""
    from reviewapp.audit.models import AccessEvent, AccessKind

    evidence = read_case.evidence.get(original_name="note.txt")
    base = f"/cases/{read_case.pk}/documents"
    reads = [
        (f"{base}/", AccessKind.EVIDENCE, "readings and suggestions", None),
        (f"{base}/search/?q=coagulation", AccessKind.SEARCH, "search", 1),
        (
            f"{base}/{evidence.pk}/pages/2/",
            AccessKind.EVIDENCE,
            "note.txt (page 2 text read)",
            None,
        ),
    ]
    for url, kind, detail, count in reads:
        assert nurse_client.get(url).status_code == 200
        row = AccessEvent.objects.order_by("-id").first()
        assert (row.kind, row.case_pk, row.member_id) == (kind, read_case.pk, read_case.member_id)
        assert detail in row.detail and row.result_count == count and row.username == "nina"
    assert AccessEvent.objects.get(kind=AccessKind.SEARCH).terms == "q=coagulation"
