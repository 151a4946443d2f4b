"""The nurse reviewer's journeys in a real browser: open a case from the intake form, work its
checklist with mouse and keyboard, attach and link a document, refer; approve a case that meets
every criterion, then sign and download its letter; and the same checklist without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from reviewapp.accounts.roles import Role
from reviewapp.cases.models import Case, CaseStatus
from tests.browser import setups
from tests.browser.conftest import (
    assert_accessible,
    assert_not_reloaded,
    download_signed_letter,
    focused_row,
    keep_element,
    kept_element,
    mark_page,
    sign_in,
)
from tests.conftest import make_staff
from tests.factories import pdf_bytes

pytestmark = pytest.mark.browser


def criterion(page: Page, label: str) -> Locator:
    return page.locator(f"li.criterion-row[data-label='{label}']")


def test_nurse_opens_a_case_works_the_checklist_and_refers_it(page: Page, screenshot):
    journey = "nurse-refer"
    nurse = make_staff("nina", Role.NURSE)
    sign_in(page, nurse, "/cases/")
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    screenshot(page, journey, "1-queue")

    # Intake. The stage hint is an htmx request as the codes are typed (CSP allows htmx).
    page.locator("#main").get_by_role("link", name="New case").click()
    page.get_by_label("Member name").fill("Rosa Keyboard")
    page.get_by_label("Member ID").fill("br-100200")
    page.get_by_label("Member date of birth").fill("1958-03-02")
    page.get_by_label("Requesting provider").fill("Dr. Ada Provider")
    page.get_by_label("Member mailing address").fill("12 Keyboard Lane")
    page.get_by_label("Member city").fill("Lafayette")
    page.get_by_label("Member state").fill("la")
    page.get_by_label("Member ZIP code").fill("70501")
    page.get_by_label("Preferred language").select_option("es")
    page.get_by_label("Provider NPI").fill("1234567893")
    page.get_by_role("textbox", name=re.compile(r"^Provider address\*?$")).fill("1 Oncology Way")
    page.get_by_label("Provider city").fill("Lafayette")
    page.get_by_label("Provider state").fill("LA")
    page.get_by_label("Provider ZIP code").fill("70503")
    page.get_by_label("Provider fax").fill("(337) 555-0142")
    page.get_by_label("Line of business").select_option("medicaid")
    page.get_by_label("Payer policy").select_option("lhcc-la-cp-mp-173")
    page.get_by_label("Indication").select_option("malignant_pain")
    page.get_by_label("Requested codes").press_sequentially("62324", delay=20)
    expect(page.locator("#stage-hint")).to_contain_text("Stage from the codes: Trial")
    page.get_by_label("Diagnoses (ICD-10-CM)").fill("g893, C34.90")
    page.get_by_label("Date of service").fill("2026-12-20")
    page.locator("#id_servicing_facility").fill("Acadiana Surgical Center")
    page.get_by_label("Clinical summary").fill("Metastatic cancer pain; oral opioids failed.")
    screenshot(page, journey, "2-intake")
    page.get_by_role("button", name="Open case").click()

    case = Case.objects.get(member_id="BR-100200")
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(page.locator("#messages")).to_contain_text(f"Case {case.reference} opened.")
    # Where the letters go, and in which language.
    assert (case.member_state, case.member_zip, case.preferred_language) == ("LA", "70501", "es")
    assert case.provider_fax == "3375550142"
    assert case.policy.key == "lhcc-la-cp-mp-173" and case.stage == "trial"
    assert case.assigned_to == nurse and case.status == CaseStatus.IN_REVIEW
    outcome, progress = page.get_by_test_id("outcome"), page.get_by_test_id("progress")
    expect(progress).to_have_text("0 of 4 answered")
    expect(outcome).to_have_text("Incomplete")

    # From here on every save is an htmx swap: the page and its live regions stay.
    mark_page(page)
    expect(page.locator("#rollup")).to_have_attribute("aria-live", "polite")
    keep_element(page, "#rollup")

    # Facts: each proposes the status of the criteria it decides. They sit beside the checklist.
    page.get_by_role("tab", name="Facts").click()
    page.get_by_label("Active infection").select_option("false")
    expect(criterion(page, "I.A.4").get_by_test_id("proposed")).to_have_text("Met")
    page.get_by_label("Systemic pain medicines failed").select_option("true")
    expect(criterion(page, "I.A.1").get_by_test_id("proposed")).to_have_text("Met")
    page.get_by_label("Life expectancy (months)").click()
    page.keyboard.type("2")
    page.keyboard.press("Enter")  # saves through htmx too; it used to reload the page
    expect(criterion(page, "I.A.2").get_by_test_id("proposed")).to_have_text("Not met")
    expect(page.locator("#fact-life_expectancy_months")).to_contain_text("Nurse Nina")
    assert_not_reloaded(page)

    # I.A.4 with the mouse and the keyboard: click "Met", Tab to the note, type, Enter.
    row = criterion(page, "I.A.4")
    row.get_by_label("Met", exact=True).click()
    page.keyboard.press("Tab")
    page.keyboard.type("Afebrile; no infection on examination.")
    page.keyboard.press("Enter")
    expect(criterion(page, "I.A.4").get_by_test_id("status")).to_have_text("Met")
    expect(progress).to_have_text("1 of 4 answered")
    assert focused_row(page) == "I.A.4", "focus left the row that was saved"

    # I.A.2 by keyboard alone: into the status radios from the note, arrows to "Not met".
    criterion(page, "I.A.2").get_by_placeholder("Note").click()
    page.keyboard.press("Shift+Tab")  # the last radio, "Not applicable"
    page.keyboard.press("ArrowLeft")  # "Not documented"
    page.keyboard.press("ArrowLeft")  # "Not met"
    page.keyboard.press("Tab")
    page.keyboard.type("Oncology: expected survival about two months.")
    page.keyboard.press("Enter")
    expect(criterion(page, "I.A.2").get_by_test_id("status")).to_have_text("Not met")
    expect(outcome).to_have_text("Criteria not met")
    expect(progress).to_have_text("2 of 4 answered")
    assert focused_row(page) == "I.A.2"

    # I.A.1 needs linked documentation: "Met" without it is refused, in an alert, typing kept.
    criterion(page, "I.A.1").get_by_placeholder("Note").click()
    page.keyboard.type("Oral morphine failed: sedation.")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowRight")  # from "Not applicable" round to "Met"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    alert = criterion(page, "I.A.1").get_by_role("alert")
    expect(alert).to_contain_text("needs documentation")
    expect(criterion(page, "I.A.1").get_by_placeholder("Note")).to_have_value(
        "Oral morphine failed: sedation."
    )
    expect(criterion(page, "I.A.1").get_by_test_id("status")).to_have_text("Unanswered")
    assert focused_row(page) == "I.A.1"
    screenshot(page, journey, "3-refused-without-evidence")
    assert_accessible(page, "case checklist with a refused answer")

    # Upload a PDF (several files may go at once); the panel swaps in place, and what happened is
    # said at the upload control and in the page's live region.
    page.get_by_role("tab", name="Evidence").click()
    keep_element(page, "#announcer")
    page.get_by_label("Documents (PDF, PNG, JPEG, TIFF, text)").set_input_files(
        [{"name": "oncology-note.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(3)}]
    )
    page.get_by_label("Type", exact=True).select_option("office_note")
    page.get_by_label("Source").fill("Dr. Ada Provider's office")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_test_id("upload-status")).to_contain_text("oncology-note.pdf uploaded.")
    expect(page.locator("#announcer")).to_contain_text("oncology-note.pdf uploaded.")
    expect(page.locator("#evidence")).to_contain_text("oncology-note.pdf")
    expect(page.locator("#evidence")).to_contain_text("3 p.")
    assert page.evaluate("document.activeElement.id") == "upload-submit"
    assert kept_element(page, "#announcer"), "the aria-live region was replaced"

    # The document and pages come first in the row and save with the answer: one step.
    row = criterion(page, "I.A.1")
    row.get_by_label("Document for I.A.1").select_option(label="oncology-note.pdf")
    row.get_by_label("Pages for I.A.1").click()
    page.keyboard.type("1-2")
    page.keyboard.press("Tab")  # on to the status, the next field in the row: "Met" first
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(criterion(page, "I.A.1")).to_contain_text("oncology-note.pdf, p. 1-2")
    expect(criterion(page, "I.A.1").get_by_test_id("status")).to_have_text("Met")
    expect(progress).to_have_text("3 of 4 answered")
    expect(outcome).to_have_text("Criteria not met")
    assert focused_row(page) == "I.A.1"
    expect(page.locator("#timeline")).to_contain_text("I.A.1")

    # Never reloaded, and the result's live region is the same element, so it was announced.
    assert_not_reloaded(page)
    assert kept_element(page, "#rollup"), "the aria-live result region was replaced"
    screenshot(page, journey, "4-checklist-worked")

    # Refer with the drafted summary.
    page.get_by_role("link", name="Refer to medical director").click()
    summary = page.get_by_label("Summary for the medical director")
    expect(summary).to_have_value(re.compile(r"Not met: I\.A\.2"))
    screenshot(page, journey, "5-refer")
    page.get_by_role("button", name="Refer", exact=True).click()
    expect(page.get_by_test_id("case-status")).to_have_text("Referred to medical director")
    expect(page.locator("#messages")).to_contain_text("referred to a medical director")
    screenshot(page, journey, "6-referred")
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED
    assert "Not met: I.A.2" in case.referral_summary
    answers = case.answers.select_related("criterion").exclude(status="")
    assert {a.criterion.label: a.status for a in answers} == {
        "I.A.1": "met",
        "I.A.2": "not_met",
        "I.A.4": "met",
    }


def test_nurse_approves_a_case_that_meets_every_criterion(page: Page, screenshot, tmp_path):
    journey = "nurse-approve"
    nurse = make_staff("nina", Role.NURSE)
    case = setups.meeting_but_one(nurse, unanswered="1.c")
    sign_in(page, nurse, "/cases/")
    page.get_by_role("link", name=case.reference).click()
    expect(page.get_by_test_id("outcome")).to_have_text("Incomplete")
    approve = page.locator("#approve-submit")
    expect(approve).to_be_disabled()
    mark_page(page)

    # The last criterion, by keyboard alone.
    criterion(page, "1.c").get_by_placeholder("Note").click()
    page.keyboard.type("Weight 72 kg; abdominal wall adequate.")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowRight")  # "Not applicable" -> "Met"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(criterion(page, "1.c").get_by_test_id("status")).to_have_text("Met")
    expect(page.get_by_test_id("outcome")).to_have_text("Meets the criteria")
    # The approve button lives in the case header: enabled by the same save, no reload.
    expect(approve).to_be_enabled()
    assert_not_reloaded(page)
    screenshot(page, journey, "1-meets")

    approve.click()
    expect(page.locator("#messages")).to_contain_text(f"Case {case.reference} approved.")
    expect(page.get_by_test_id("case-status")).to_have_text("Decided")
    page.get_by_role("link", name="Preview and sign the letter").click()
    expect(page.get_by_test_id("letter-preview")).to_contain_text("Nurse Nina")
    screenshot(page, journey, "2-letter-preview")
    page.get_by_label("I have read this letter").check()
    page.get_by_role("button", name="Sign the letter").click()
    expect(page.get_by_test_id("letter-signed")).to_be_visible()
    # Signed and queued; the case closes when the member's copy is sent (the mail room).
    expect(page.get_by_test_id("case-status")).to_have_text("Decided")
    expect(page.get_by_test_id("delivery-member")).to_contain_text("Queued")
    screenshot(page, journey, "3-signed")

    determination = case.determinations.get()
    assert determination.outcome == "approved" and determination.decided_by == nurse
    download_signed_letter(page, determination, tmp_path)


def test_the_checklist_works_without_javascript(new_context, screenshot):
    """Without JavaScript the same forms post and redirect back to the row."""
    nurse = make_staff("nina", Role.NURSE)
    case = setups.meeting_but_one(nurse, unanswered="1.c")
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, nurse, f"/cases/{case.pk}/")
    row = criterion(page, "1.c")
    row.get_by_label("Met", exact=True).check()
    row.get_by_placeholder("Note").fill("Weight 72 kg.")
    row.get_by_role("button", name="Save 1.c").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/#criterion-\d+$"))
    expect(page.locator("#messages")).to_contain_text("1.c saved as met.")
    expect(criterion(page, "1.c").get_by_test_id("status")).to_have_text("Met")
    expect(page.get_by_test_id("outcome")).to_have_text("Meets the criteria")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Decided")
    screenshot(page, "no-javascript", "approved")
