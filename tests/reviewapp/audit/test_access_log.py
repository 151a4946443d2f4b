"""Every read of member data leaves a row in the access log: who (user, role, address), when,
what (case, document, letter, timeline, director review, search with its terms and result
count); append-only, kept apart from the case timeline, and never skipped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from reviewapp.audit import registry, services
from reviewapp.audit.models import AccessEvent, AccessKind
from reviewapp.cases.models import CaseEvent
from tests.factories import CaseFactory
from tests.reviewapp.test_permission_matrix import OPEN, READ_ONLY, STATE_CHANGING
from tests.urlwalk import endpoints

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(nurse):
    """A closed case with a document and a signed letter."""
    from reviewapp.decisions.services import case_approve_by_nurse
    from reviewapp.letters import services as letters
    from tests.factories import meeting_case

    letters.signing_key_ensure()
    case = meeting_case(by=nurse)
    determination = case_approve_by_nurse(case=case, by=nurse)
    digest = letters.letter_digest(letters.letter_render_html(determination=determination))
    letters.letter_sign(determination=determination, by=nurse, preview_digest=digest)
    return case, case.evidence.first(), determination


def last() -> AccessEvent:
    return AccessEvent.objects.order_by("-id").first()


def test_every_read_of_member_data_is_logged_with_who_when_and_what(
    signed, nurse, director, nurse_client, director_client
):
    case, evidence, determination = signed
    doc = f"/cases/{case.pk}/evidence/{evidence.pk}"
    reads = [
        (nurse_client, f"/cases/{case.pk}/", AccessKind.CASE, ""),
        (nurse_client, f"/cases/{case.pk}/timeline/", AccessKind.TIMELINE, ""),
        (nurse_client, f"{doc}/file/", AccessKind.EVIDENCE, "download"),
        (nurse_client, f"{doc}/view/?page=1", AccessKind.EVIDENCE, "viewer, page 1"),
        (nurse_client, f"{doc}/pages/1.png", AccessKind.EVIDENCE, "page 1 image"),
        (nurse_client, f"/letters/determinations/{determination.pk}/", AccessKind.LETTER, ""),
        (
            nurse_client,
            f"/letters/determinations/{determination.pk}/letter.pdf",
            AccessKind.LETTER,
            "signed letter download",
        ),
        (director_client, f"/director/cases/{case.pk}/", AccessKind.DIRECTOR_REVIEW, ""),
        (nurse_client, f"/cases/{case.pk}/access/", AccessKind.ACCESS_LOG, ""),
    ]
    before = timezone.now()
    for client, url, kind, detail in reads:
        response = client.get(url, REMOTE_ADDR="192.0.2.44")
        assert response.status_code == 200, url
        row = last()
        assert row.kind == kind, url
        assert row.username == ("grace" if client is director_client else "nina"), url
        assert row.roles == ("Medical director" if client is director_client else "Nurse reviewer")
        assert row.address == "192.0.2.44"
        assert row.at >= before
        assert (row.case_pk, row.case_reference, row.member_id) == (
            case.pk,
            case.reference,
            case.member_id,
        ), url
        assert detail in row.detail, (url, row.detail)
        assert row.status == 200 and row.method == "GET" and row.path == url.split("?")[0]
    assert AccessEvent.objects.count() == len(reads)
    evidence_rows = AccessEvent.objects.filter(kind=AccessKind.EVIDENCE)
    assert {r.object_pk for r in evidence_rows} == {evidence.pk}


def test_verifying_a_letter_is_a_read_of_its_case(signed, nurse_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case, _, determination = signed
    determination.refresh_from_db()
    with determination.letter_pdf.open("rb") as handle:
        letter = handle.read()
    count = AccessEvent.objects.count()
    nurse_client.get("/letters/verify/")  # the empty form shows nothing of anyone
    assert AccessEvent.objects.count() == count
    nurse_client.post("/letters/verify/", {"file": SimpleUploadedFile("l.pdf", letter)})
    row = last()
    assert (row.kind, row.method, row.case_reference, row.object_pk, row.result_count) == (
        AccessKind.LETTER,
        "POST",
        case.reference,
        determination.pk,
        1,
    )


def test_searches_are_logged_with_their_terms_and_result_count(nurse, nurse_client):
    case = CaseFactory(by=nurse, member_id="ZZ777001")
    CaseFactory(by=nurse)
    nurse_client.get("/cases/?q=ZZ777001")
    row = last()
    assert row.kind == AccessKind.SEARCH
    assert "q=ZZ777001" in row.terms and row.result_count == 1
    nurse_client.get("/cases/?tab=all&status=in_review")
    row = last()
    assert row.kind == AccessKind.CASE_LIST
    assert row.terms == "tab=all status=in_review" and row.result_count == 2
    assert case.reference  # the search named the member, found through the member filter below
    from reviewapp.audit.selectors import LogFilters, access_events

    assert access_events(filters=LogFilters(member_id="zz777001")).filter(kind="search").exists()


def test_refused_and_not_found_attempts_are_logged_too(nurse, role_clients):
    case = CaseFactory(by=nurse)
    assert role_clients["administrator"].get(f"/cases/{case.pk}/").status_code == 403
    row = last()
    assert (row.username, row.status, row.member_id) == ("avery", 403, case.member_id)
    assert role_clients["nurse"].get("/cases/999999/").status_code == 404
    row = last()
    assert (row.status, row.detail, row.path) == (404, "not found", "/cases/999999/")
    # Anonymous visitors read nothing (they are sent to sign in), so nothing is logged.
    count = AccessEvent.objects.count()
    role_clients["anonymous"].get(f"/cases/{case.pk}/")
    assert AccessEvent.objects.count() == count


def test_reads_are_kept_apart_from_the_case_timeline(nurse, nurse_client):
    case = CaseFactory(by=nurse)
    events = CaseEvent.objects.filter(case=case).count()
    for _ in range(3):
        nurse_client.get(f"/cases/{case.pk}/")
    assert CaseEvent.objects.filter(case=case).count() == events
    assert AccessEvent.objects.filter(case_pk=case.pk).count() == 3


def test_the_address_is_the_clients_behind_the_trusted_proxies(nurse, nurse_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    case = CaseFactory(by=nurse)
    # The client wrote the first entry itself; the load balancer appended the real address.
    nurse_client.get(
        f"/cases/{case.pk}/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.250, 198.51.100.7",
    )
    assert last().address == "198.51.100.7"


def test_a_read_that_cannot_be_logged_is_not_served(nurse, nurse_client, monkeypatch):
    case = CaseFactory(by=nurse, member_name="Unloggable Member")

    def broken(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(services, "access_record", broken)
    response = nurse_client.get(f"/cases/{case.pk}/")
    assert response.status_code == 503
    assert b"Unloggable Member" not in response.content
    assert b"access log could not record it" in response.content


def test_the_access_log_is_append_only(nurse, nurse_client):
    case = CaseFactory(by=nurse)
    nurse_client.get(f"/cases/{case.pk}/")
    row = last()
    row.username = "someone-else"
    with pytest.raises(ValidationError):
        row.save()
    with pytest.raises(ValidationError):
        row.delete()
    # The database refuses too, whatever the code path.
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=row.pk).update(username="someone-else")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            AccessEvent.objects.filter(pk=row.pk).delete()
    assert AccessEvent.objects.get(pk=row.pk).username == "nina"


def test_an_api_read_uses_the_same_log_through_the_hook(rf, nurse):
    """The FHIR API (a later part) logs its reads with the same service, naming its client."""
    request = rf.get("/fhir/ClaimResponse/1", REMOTE_ADDR="192.0.2.9")
    request.user = nurse
    case = CaseFactory(by=nurse)
    services.access_note(
        request,
        actor_name="client:ehr-demo",
        subject=registry.Subject(
            case_pk=case.pk, case_reference=case.reference, member_id=case.member_id
        ),
    )
    row = services.access_record(
        request=request, read=registry.Read(AccessKind.API), url_kwargs={}, status=200
    )
    assert (row.kind, row.username, row.member_id, row.address) == (
        "api",
        "client:ehr-demo",
        case.member_id,
        "192.0.2.9",
    )


# Pages that show no member data (or only the signed-in user's own): not access-logged.
NO_MEMBER_DATA = {
    "healthz",
    "core:home",
    "criteria:policy-list",
    "criteria:version-compare",
    "criteria:checklist-detail",
    "cases:stage-hint",
    "accounts:password-change-done",
    "audit:security-events",
    "audit:security-events-export",
    # Counts, figures and staff names only.
    "operations:dashboard",
    "operations:productivity",
    "operations:productivity-export",
    "operations:metrics",
    "public:prior-authorization-metrics",
}
# Actions whose GET shows a form on the case page: a read of the case like the page itself.
ACTION_FORMS = {"cases:pend", "cases:refer", "cases:reassign", "decisions:withdraw"}


def test_every_page_that_shows_member_data_is_logged():
    """A new read-only page must be registered as a read or declared free of member data."""
    reads = set(registry.registered())
    pages = {e.name for e in endpoints()} & (READ_ONLY | OPEN | set(STATE_CHANGING))
    unlogged = sorted(
        name for name in pages & READ_ONLY if name not in reads and name not in NO_MEMBER_DATA
    )
    assert unlogged == [], "register these reads in an access_log.py, or list them here"
    assert reads >= ACTION_FORMS
    assert not (reads & NO_MEMBER_DATA)


def test_action_forms_that_show_the_case_are_logged(nurse, nurse_client):
    case = CaseFactory(by=nurse)
    for action in ("pend", "refer", "withdraw", "reassign"):
        assert nurse_client.get(f"/cases/{case.pk}/{action}/").status_code == 200
        assert last().kind == AccessKind.CASE and last().case_pk == case.pk
    # A save is a change (in the case timeline), not a read.
    count = AccessEvent.objects.count()
    nurse_client.post(f"/cases/{case.pk}/refer/", {"summary": "Please review."})
    assert AccessEvent.objects.count() == count


def test_the_purge_keeps_six_years_and_removes_what_is_older(nurse, settings):
    from django.core.management import call_command

    old = timezone.now() - dt.timedelta(days=2200)
    recent = timezone.now() - dt.timedelta(days=2000)
    for at in (old, recent):
        AccessEvent.objects.create(
            at=at, username="nina", kind="case", method="GET", path="/cases/1/", status=200
        )
    from io import StringIO

    out = StringIO()
    call_command("audit", "purge", "--dry-run", stdout=out)
    assert "would remove 1 access-log entries" in out.getvalue()
    assert AccessEvent.objects.count() == 2
    call_command("audit", "purge", stdout=out)
    assert list(AccessEvent.objects.values_list("at", flat=True)) == [recent]


def test_a_retention_shorter_than_six_years_is_refused_at_start_up():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "ACCESS_LOG_RETENTION_DAYS": "365", "DJANGO_SETTINGS_MODULE": ""}
    result = subprocess.run(
        [sys.executable, "-c", "import reviewapp.settings"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "at least 2190" in result.stderr


def test_access_is_logged_for_a_client_outside_the_test_client(nurse):
    """Through the whole middleware stack, as the app servers run it."""
    client = Client(REMOTE_ADDR="192.0.2.77")
    client.force_login(nurse)
    case = CaseFactory(by=nurse)
    client.get(f"/cases/{case.pk}/timeline/")
    assert last().address == "192.0.2.77"
