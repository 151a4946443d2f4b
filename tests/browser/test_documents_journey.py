"""The documents journey in a real browser: a nurse uploads a scanned fax, watches it being read
(progress without a reload), accepts two suggested facts, and sees the criteria proposals and the
evidence links follow.

The reading runs as it does in the demo: the upload queues it in the database-backed queue and a
``db_worker``-style worker (django-tasks-db's own worker loop, in a thread here so it shares the
test database) picks it up, OCR and all.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from criteria import selectors as library
from reviewapp.accounts.roles import Role
from reviewapp.cases.models import CaseFact, EvidenceLink
from tests.browser.conftest import assert_accessible, assert_not_reloaded, mark_page, sign_in
from tests.conftest import make_staff
from tests.factories import CaseFactory
from tests.reviewapp.documents.corpus.build import render_pdf, scan_images

pytestmark = pytest.mark.browser

FAX_PAGES = [
    """# FAX COVER SHEET
To: Utilization Management
From: Gulf Coast Pain Center
Pages: 3
Please find the clinic note for the pump trial request.
""",
    """# CLINIC NOTE
Ms. Lena Ortiz is a 59-year-old woman with lumbar radiculopathy after two fusions.
She rates her pain 8/10 today despite oxycodone.
There are no signs of active infection at the planned site.
""",
    """## PLAN
Coagulation studies are within normal limits.
Intrathecal trial requested.
""",
]


@pytest.fixture
def fax(tmp_path) -> Path:
    images = scan_images(render_pdf(FAX_PAGES), "browser-fax")
    path = tmp_path / "referral-fax.pdf"
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=200)
    return path


@pytest.fixture
def reading_worker(settings, live_server) -> Iterator[None]:
    """The database queue, and its worker running beside the live server."""
    from django_tasks_db.management.commands.db_worker import Worker

    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "documents"],
        }
    }
    # SQLite's in-memory test database is one connection the live server shares with its
    # threads; the worker uses it too. PostgreSQL: the worker opens its own connection.
    shared = live_server.thread.connections_override.get("default")
    in_memory = shared is not None
    worker = Worker(
        queue_names=["documents", "default"],
        interval=0.2,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test-worker",
        excluded_queue_names=[],
    )

    def run() -> None:
        if in_memory:  # the live server's in-memory database is one shared connection
            connections["default"] = shared
        try:
            worker.run()
        finally:
            if not in_memory:
                connections.close_all()

    thread = threading.Thread(target=run, name="reading-worker", daemon=True)
    thread.start()
    yield
    worker.running = False
    thread.join(timeout=30)


def test_nurse_uploads_a_scanned_fax_and_accepts_two_suggestions(
    page: Page, screenshot, fax: Path, reading_worker
):
    journey = "documents"
    nurse = make_staff("nina", Role.NURSE)
    case = CaseFactory(by=nurse)  # Molina MCP-160, non-malignant pain, trial
    criteria = list(library.engine_checklist(case.checklist).criteria())
    pain_rows = [c.label for c in criteria if "pain_nrs" in c.facts]
    infection_rows = [c.label for c in criteria if "active_infection" in c.facts]
    assert pain_rows and infection_rows

    sign_in(page, nurse, f"/cases/{case.pk}/")
    expect(page.locator("#documents-panel")).to_contain_text("No documents read yet.")
    mark_page(page)

    # Upload: the response comes back at once; the reading shows its progress.
    page.locator("#upload-files").set_input_files(str(fax))
    page.locator("#upload-type").select_option("office_note")
    page.locator("#upload-submit").click()
    progress = page.get_by_test_id("reading-progress")
    expect(progress).to_have_text(
        re.compile(r"Waiting to be read|Opening the document|Reading page [1-3] of 3")
    )
    screenshot(page, journey, "1-reading")
    expect(progress).to_have_text("Read 3 pages, 3 by OCR", timeout=90_000)
    expect(page.get_by_test_id("pending-count")).not_to_have_text("0 to review")
    screenshot(page, journey, "2-suggestions")
    assert_not_reloaded(page)

    # The suggestions quote the page they were read from.
    pain = page.locator("#suggestions-pain_nrs")
    expect(pain).to_contain_text("8 of 10")
    expect(pain).to_contain_text("referral-fax.pdf, p. 2")
    expect(pain).to_contain_text(re.compile(r"She rates her pain 8/10\W{0,2} today"))  # OCR
    assert not CaseFact.objects.filter(case=case).exists(), "nothing applied before a person"

    # Accept two: the fact is recorded, the criteria that read it propose and link the page.
    pain.get_by_role("button", name=re.compile(r"^Accept")).click()
    expect(pain).to_contain_text("Accepted by Nurse Nina")
    row = page.locator(f"li.criterion-row[data-label='{pain_rows[0]}']")
    expect(row).to_contain_text("referral-fax.pdf, p. 2")
    expect(row).to_contain_text("8 of 10")  # the fact the criterion reads, now recorded
    expect(page.locator("#fact-input-pain_nrs")).to_have_value("8")

    infection = page.locator("#suggestions-active_infection")
    infection.get_by_role("button", name=re.compile(r"^Accept")).click()
    expect(infection).to_contain_text("Accepted by Nurse Nina")
    row = page.locator(f"li.criterion-row[data-label='{infection_rows[0]}']")
    expect(row).to_contain_text("referral-fax.pdf, p. 2")
    expect(row.get_by_test_id("proposed")).to_have_text("Met")  # no active infection
    expect(page.locator("#fact-input-active_infection")).to_have_value("false")
    expect(page.locator("#timeline")).to_contain_text(
        "accepted from document referral-fax.pdf p. 2"
    )
    assert_not_reloaded(page)
    screenshot(page, journey, "3-accepted")

    links = EvidenceLink.objects.filter(case=case, evidence__original_name="referral-fax.pdf")
    assert {link.criterion.label for link in links} == set(pain_rows) | set(infection_rows)
    assert {link.pages for link in links} == {"2"}
    fact = CaseFact.objects.get(case=case, fact__name="pain_nrs")
    assert (fact.value, fact.origin_detail) == (8, "referral-fax.pdf p. 2")

    # Search across the documents opens the viewer at the page.
    page.locator("#documents-q").fill("coagulation")
    page.locator("#documents-search").click()
    hit = page.locator("#search-results li.search-hit").first
    expect(hit).to_contain_text("referral-fax.pdf, p. 3")
    assert hit.get_by_role("link").first.get_attribute("href").endswith("/view/?page=3")
    hit.get_by_role("link").first.click()
    viewer = page.frame_locator("iframe[name=evidence-viewer]")
    expect(viewer.locator("h1")).to_contain_text("page 3 of")
    assert_accessible(page, "case page with documents read")
