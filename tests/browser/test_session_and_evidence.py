"""Sessions and evidence in a real browser (issue 14): the warning before the session ends and
"stay signed in"; typed text that survives the end and comes back after signing in again, on the
page the nurse was on; upload errors said at the upload control; each file's own details."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from reviewapp.accounts.roles import Role
from reviewapp.cases.models import Evidence
from tests.browser import setups
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import PASSWORD, make_staff
from tests.factories import pdf_bytes

pytestmark = pytest.mark.browser


def row(page: Page, label: str):
    return page.locator(f"li.criterion-row[data-label='{label}']")


def test_a_warning_before_the_session_ends_then_typed_text_survives_it(
    page: Page, settings, screenshot
):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 8
    settings.SESSION_WARNING_SECONDS = 4
    nurse = make_staff("nina", Role.NURSE)
    case = setups.meeting_but_one(nurse, unanswered="1.c")
    sign_in(page, nurse, f"/cases/{case.pk}/")
    warning = page.get_by_role("alertdialog", name="You will be signed out soon")

    # The warning comes before the end; "stay signed in" keeps the session.
    expect(warning).to_be_visible(timeout=9_000)
    expect(page.get_by_role("button", name="Stay signed in")).to_be_focused()
    assert_accessible(page, "session warning")
    screenshot(page, "session", "1-warning")
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    expect(page.locator("#announcer")).to_contain_text("You are still signed in.")

    # Typed, not saved; then the session ends while the nurse is away.
    row(page, "1.c").get_by_label("Met", exact=True).check()
    row(page, "1.c").get_by_placeholder("Note").fill("Weight 72 kg; typed before lunch.")
    expect(warning).to_be_visible(timeout=9_000)
    expect(page).to_have_url(
        re.compile(r"/accounts/login/\?next=%2Fcases%2F\d+%2F"), timeout=15_000
    )
    expect(page.locator("#messages")).to_contain_text("what you had typed is kept for you")
    screenshot(page, "session", "2-signed-out")

    # Signing in returns to the case, with the typed text back in its row.
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60
    page.locator("#id_username").fill("nina")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    restored = row(page, "1.c")
    expect(restored.get_by_placeholder("Note")).to_have_value("Weight 72 kg; typed before lunch.")
    expect(restored.get_by_label("Met", exact=True)).to_be_checked()
    expect(restored).to_contain_text("Restored what you typed")
    screenshot(page, "session", "3-restored")
    restored.get_by_role("button", name="Save 1.c").click()
    expect(row(page, "1.c").get_by_test_id("status")).to_have_text("Met")


def test_upload_errors_and_duplicates_are_said_at_the_upload_control(page: Page, screenshot):
    nurse = make_staff("nina", Role.NURSE)
    case = setups.meeting_but_one(nurse)
    sign_in(page, nurse, f"/cases/{case.pk}/")
    page.locator(".case-toolbar").get_by_role("link", name="Evidence").click()
    files = page.get_by_label("Documents (PDF, PNG, JPEG, TIFF, text)")
    files.set_input_files(
        [
            {"name": "note.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(2, "n")},
            {"name": "virus.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00binary"},
        ]
    )
    # A row per file, for its own type, date and source.
    expect(page.locator(".upload-file-row")).to_have_count(2)
    page.get_by_role("button", name="Upload", exact=True).click()
    status = page.get_by_test_id("upload-status")
    expect(status.get_by_role("alert")).to_contain_text("Nothing was uploaded.")
    expect(status).to_contain_text("virus.pdf")
    # Said right at the control, in view, and the chosen files are still there to correct.
    box = status.bounding_box()
    control = files.bounding_box()
    assert box and control and 0 <= box["y"] - control["y"] < 600
    assert page.evaluate("document.getElementById('upload-files').files.length") == 2
    assert not Evidence.objects.filter(case=case, original_name="note.pdf").exists()
    screenshot(page, "upload", "1-refused")
    assert_accessible(page, "upload refused")

    # Only the good file, its type corrected in its row: stored; then the same file again.
    files.set_input_files(
        [
            {"name": "note.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(2, "n")},
            {"name": "trial.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(1, "t")},
        ]
    )
    page.locator("#upload-type-1").select_option("trial_report")
    page.locator("#upload-source-1").fill("Bayou Surgical Center")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#announcer")).to_contain_text("note.pdf uploaded. trial.pdf uploaded.")
    trial = Evidence.objects.get(case=case, original_name="trial.pdf")
    assert trial.doc_type == "trial_report" and trial.source == "Bayou Surgical Center"
    assert Evidence.objects.get(case=case, original_name="note.pdf").doc_type == "office_note"
    page.get_by_label("Documents (PDF, PNG, JPEG, TIFF, text)").set_input_files(
        [{"name": "copy.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(2, "n")}]
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_test_id("upload-status")).to_contain_text(
        "copy.pdf is already on this case as note.pdf (same content)"
    )

    # A document's details, corrected after upload.
    item = page.locator(f"#evidence-{trial.pk}")
    item.get_by_text("Correct the type, date or source").click()
    item.get_by_label("Type").select_option("office_note")
    item.get_by_role("button", name="Save the details of trial.pdf").click()
    expect(page.locator("#announcer")).to_contain_text("trial.pdf: Office note saved.")
    expect(page.locator("#timeline")).to_contain_text("trial.pdf: type trial_report → office_note")
    trial.refresh_from_db()
    assert trial.doc_type == "office_note"
