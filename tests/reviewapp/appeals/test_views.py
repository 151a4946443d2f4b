"""The appeal pages: filing from the case page, the queue by due time, the appeal page (the
original record beside the appeal's), the htmx answer row, the decision, the letter, and the
case page's history of determinations and appeals."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from reviewapp.appeals.models import Appeal, AppealAnswer
from reviewapp.cases.models import CaseEvent
from tests.appeal_factories import (
    answer_open_criteria_met,
    decide_overturned,
    denied,
    file_appeal,
    node,
)
from tests.factories import pdf_bytes, upload

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def filing_form(**overrides):
    received = timezone.localtime(timezone.now() - dt.timedelta(minutes=30))
    data = {
        "requester": "provider",
        "requester_name": "Dr. Test Provider",
        "received_via": "fax",
        "received_at": received.strftime("%Y-%m-%dT%H:%M"),
        "request_summary": "The new trial report shows 60% relief.",
        "doc_type": "trial_report",
        "document_date": "",
        "source": "Test clinic",
        "good_cause": "",
    }
    data.update(overrides)
    return data


def test_the_case_page_offers_an_appeal_and_the_form_records_it(denial, nurse_client):
    case_page = nurse_client.get(f"/cases/{denial.case_id}/").content.decode()
    assert 'data-testid="case-appeals"' in case_page and 'data-testid="file-appeal"' in case_page
    page = nurse_client.get(f"/appeals/cases/{denial.case_id}/new/").content.decode()
    assert 'data-testid="filing-window"' in page and "180 days from the notice" in page
    response = nurse_client.post(
        f"/appeals/cases/{denial.case_id}/new/",
        {**filing_form(), "files": [upload("trial-report.pdf", pdf_bytes(1, text="trial"))]},
    )
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/appeals/{appeal.pk}/"
    assert appeal.requester == "provider" and appeal.received_via == "fax"
    assert appeal.documents.get().evidence.doc_type == "trial_report"
    case_page = nurse_client.get(f"/cases/{denial.case_id}/").content.decode()
    assert appeal.reference in case_page and 'data-testid="file-appeal"' not in case_page
    assert "already open" in case_page


def test_a_refused_filing_keeps_what_was_typed(nurse, director, nurse_client):
    determination = denied(nurse, director, line_of_business="medicaid", signed=False)
    from tests.appeal_factories import mark_signed

    mark_signed(determination, on=timezone.now() - dt.timedelta(days=90))
    response = nurse_client.post(
        f"/appeals/cases/{determination.case_id}/new/",
        filing_form(request_summary="Typed by the nurse: keep me."),
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "after the filing limit" in html and "Typed by the nurse: keep me." in html
    assert not Appeal.objects.exists()
    response = nurse_client.post(
        f"/appeals/cases/{determination.case_id}/new/",
        filing_form(requester="representative", requester_name="A. Relative"),
    )
    assert response.status_code == 422
    assert "related to the member" in response.content.decode()


def test_an_approval_cannot_be_appealed_from_the_form(nurse, nurse_client):
    from reviewapp.decisions import services as decisions
    from tests.appeal_factories import mark_signed
    from tests.factories import meeting_case

    approval = decisions.case_approve_by_nurse(case=meeting_case(by=nurse), by=nurse)
    mark_signed(approval)
    html = nurse_client.get(f"/appeals/cases/{approval.case_id}/new/").content.decode()
    assert 'data-testid="cannot-appeal"' in html and "no adverse determination" in html
    assert "<form" not in html.split('data-testid="cannot-appeal"')[1]


def test_the_queue_lists_open_appeals_by_due_time_in_a_fixed_number_of_queries(
    nurse, director, nurse_client, django_assert_num_queries
):
    later = file_appeal(denied(nurse, director), nurse, documents=False)
    sooner = file_appeal(
        denied(nurse, director), nurse, documents=False, provider_supports_expedited=True
    )
    html = nurse_client.get("/appeals/").content.decode()
    assert html.index(sooner.reference) < html.index(later.reference)
    for _ in range(3):
        file_appeal(denied(nurse, director), nurse, documents=False)
    nurse_client.get("/appeals/")
    # session, user (with staff profile), group names with permissions, user permissions,
    # appeals (with case, determination, reviewer, independent review), the three tab counts,
    # the access-log row (the list shows members)
    with django_assert_num_queries(9):
        response = nurse_client.get("/appeals/")
    assert response.content.decode().count('data-testid="appeal-row"') == 5
    fragment = nurse_client.get("/appeals/?tab=open&lob=commercial", headers=HTMX).content.decode()
    assert 'id="appeal-list"' in fragment and "<html" not in fragment


def test_the_appeal_page_shows_the_original_record_and_the_new_documents(appeal, nurse_client):
    html = nurse_client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert 'data-testid="appealed-determination"' in html
    assert "Denied</strong> by Dr. Grace" in html
    assert "Internal rationale:</strong> Internal: the notes do not support" in html
    assert "new-office-note.pdf" in html  # the appeal's document
    assert "clinical-record.pdf" in html  # the original evidence
    row = html[html.index('data-label="2.a"') :][:3000]
    assert "Originally:" in row and "Not met" in row and "as originally answered" in row
    assert "Answer on appeal" not in html  # a nurse does not review


def test_the_htmx_answer_returns_the_row_and_the_result_out_of_band(appeal, appeal_director):
    client = client_for(appeal_director)
    document = appeal.documents.get().evidence
    url = f"/appeals/{appeal.pk}/criteria/{node(appeal.case, '2.a').pk}/answer/"
    data = {
        "status": "met",
        "note": "Pain 8 of 10 in the new note.",
        "evidence": document.pk,
        "pages": "1",
        "revision": 0,
    }
    response = client.post(url, data, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<li") and 'id="appeal-criterion-' in html
    assert 'id="appeal-result" class="card mb-3"' in html and 'hx-swap-oob="true"' in html
    assert "answered again" in html and "Pain 8 of 10" in html
    assert AppealAnswer.objects.get(appeal=appeal).answered_by == appeal_director
    # The same page again: refused (409) with the saved answer shown and the typing kept.
    stale = client.post(url, {**data, "note": "Typed on a stale page."}, headers=HTMX)
    assert stale.status_code == 409
    assert "Typed on a stale page." in stale.content.decode()
    assert "Saved meanwhile" in stale.content.decode()


def test_the_first_decider_is_refused_403_and_it_is_recorded(appeal, director_client):
    url = f"/appeals/{appeal.pk}/criteria/{node(appeal.case, '2.a').pk}/answer/"
    response = director_client.post(
        url, {"status": "met", "note": "x", "revision": 0}, headers=HTMX
    )
    assert response.status_code == 403
    response = director_client.post(f"/appeals/{appeal.pk}/decide/", {"code_62322": "approve"})
    assert response.status_code == 403
    response = director_client.post(f"/appeals/{appeal.pk}/decide/", {})  # bad input too
    assert response.status_code == 403
    assert CaseEvent.objects.filter(case=appeal.case, kind="refused").count() == 3
    page = director_client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert 'data-testid="reviewer-refusal"' in page and "made the determination appealed" in page


def test_deciding_from_the_page_and_refused_decisions_keep_the_form(appeal, appeal_director):
    client = client_for(appeal_director)
    response = client.post(f"/appeals/{appeal.pk}/decide/", {"code_62322": "approve"})
    assert response.status_code == 422
    assert "still open" in response.content.decode()
    answer_open_criteria_met(appeal, appeal_director)
    response = client.post(
        f"/appeals/{appeal.pk}/decide/", {"code_62322": "approve", "explanation": ""}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.outcome == "overturned"
    html = client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert 'data-testid="new-determination"' in html and "authorization" in html
    assert "Preview and sign the appeal" in html


def test_the_letter_page_previews_and_signs_what_was_shown(
    appeal, appeal_director, letter_settings
):
    appeal = decide_overturned(appeal, appeal_director)
    client = client_for(appeal_director)
    page = client.get(f"/appeals/{appeal.pk}/letter/").content.decode()
    assert 'data-testid="letter-preview"' in page and 'data-testid="sign-form"' in page
    digest = page.split('name="digest" value="')[1].split('"')[0]
    response = client.post(f"/appeals/{appeal.pk}/letter/sign/", {"digest": digest})
    assert response.status_code == 422  # not confirmed
    response = client.post(
        f"/appeals/{appeal.pk}/letter/sign/", {"digest": digest, "confirm": "on"}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.letter is not None
    page = client.get(f"/appeals/{appeal.pk}/letter/").content.decode()
    assert 'data-testid="letter-signed"' in page and 'data-testid="delivery-member"' in page
    # The case page shows both determinations: the denial superseded, the approval made on appeal.
    case_page = client.get(f"/cases/{appeal.case_id}/").content.decode()
    panel = case_page[case_page.index('data-testid="case-appeals"') :]
    assert panel.count('data-testid="determination"') == 2
    assert "Made on appeal " + appeal.reference in panel and "Superseded" in panel


def test_the_case_page_panel_costs_one_query(denial, nurse, nurse_client):
    """The panel reads the case's appeals once (the determinations are the page's own)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    file_appeal(denial, nurse, documents=False)
    nurse_client.get(f"/cases/{denial.case_id}/")
    with CaptureQueriesContext(connection) as captured:
        nurse_client.get(f"/cases/{denial.case_id}/")
    table = Appeal._meta.db_table
    assert sum(f'FROM "{table}"' in q["sql"] for q in captured.captured_queries) == 1


def test_the_answer_fragment_keeps_the_decision_typed_and_costs_a_fixed_number_of_queries(
    appeal, appeal_director, django_assert_num_queries
):
    from reviewapp.appeals import services

    services.appeal_claim(appeal=appeal, by=appeal_director)
    client = client_for(appeal_director)
    client.get(f"/appeals/{appeal.pk}/")
    document = appeal.documents.get().evidence
    url = f"/appeals/{appeal.pk}/criteria/{node(appeal.case, '2.a').pk}/answer/"
    data = {
        "status": "met",
        "note": "Pain 8 of 10.",
        "evidence": document.pk,
        "pages": "1",
        "revision": 0,
        # The decision form, sent along (hx-include): what the reviewer had typed there.
        "code_62322": "deny",
        "explanation": "Typed before answering: keep me.",
        "reason__2.c.vi": "My own wording for 2.c.vi.",
    }
    with django_assert_num_queries(QUERIES_PER_ANSWER):
        response = client.post(url, data, headers=HTMX)
    html = response.content.decode()
    decision = html[html.index('id="appeal-decision"') :]
    assert "Typed before answering: keep me." in decision
    assert "My own wording for 2.c.vi." in decision
    deny = re.search(r'<input[^>]*name="code_62322"[^>]*value="deny"[^>]*>', decision)
    assert deny and "checked" in deny.group(0), decision[:2000]
    # 2.a is met now: no reason is asked for it any more.
    assert "reason__2.a" not in decision


# The session and user, the appeal and its reviewer rules, the lock, the answer saved with its
# event, then the page's workspace, actions and reason drafts and the access log: counted once
# and pinned, so an N+1 (a query per criterion, document or code) fails.
QUERIES_PER_ANSWER = 44
