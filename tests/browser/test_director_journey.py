"""The medical director's journey in a real browser: open a referred case, waive one criterion
with a rationale (the reasons the letter will give follow at once), deny the codes another
criterion does not support, preview and sign the letter (it is queued, not sent), download it and
check it is the signed PDF on record; then the mail room prints the batch with its address pages
and marks it sent, and only then is the member notified: the case's notice time is set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reviewapp.accounts.roles import Role
from reviewapp.cases.models import CaseStatus, CriterionException
from tests.browser import setups
from tests.browser.conftest import (
    assert_not_reloaded,
    download_signed_letter,
    keep_element,
    kept_element,
    mark_page,
    sign_in,
)
from tests.conftest import make_staff

pytestmark = pytest.mark.browser


def test_director_waives_a_criterion_denies_codes_and_signs_the_letter(
    page: Page, screenshot, tmp_path
):
    journey = "director"
    nurse = make_staff("nina", Role.NURSE)
    director = make_staff("grace", Role.DIRECTOR)
    case = setups.referred_for_exception(nurse)
    waived = setups.node(case, "II.A.1")

    # The director lands on the queue of referred cases.
    sign_in(page, director)
    expect(page.get_by_role("heading", name="Cases referred to a medical director")).to_be_visible()
    referred_row = page.get_by_role("row").filter(has_text=case.reference)
    expect(referred_row.get_by_test_id("not-met")).to_have_text("2")
    screenshot(page, journey, "1-queue")

    page.get_by_role("link", name=case.reference).click()
    expect(page).to_have_url(re.compile(rf"/director/cases/{case.pk}/$"))
    focus = page.locator("#focus")
    expect(focus.locator(".focus-row")).to_have_count(2)
    expect(focus).to_contain_text("The policy allows a case-by-case waiver by a medical director")
    screenshot(page, journey, "2-review")
    # One reason per criterion not met, drafted in the member's words: II.A.1 and II.A.2.
    reasons = page.locator("#decision-reasons")
    expect(reasons.locator("textarea")).to_have_count(2)
    body_size = reasons.get_by_label(re.compile(r"^Reason for II\.A\.2"))
    expect(body_size).to_have_value(re.compile("body may not be large enough"))
    body_size.fill("Your body may be too small to hold the pump safely (our own wording).")
    mark_page(page)
    keep_element(page, "#review-status")

    # Waive II.A.1 (the policy allows it case by case, no trial was done) on the ground that
    # applies, with a rationale; htmx, no reload.
    page.get_by_label("Survival time is limited").check()
    page.get_by_label(re.compile(r"^Waive II\.A\.1 case by case")).click()
    page.keyboard.type(
        "Advanced malignancy with short expected survival: a trial would delay relief."
    )
    page.keyboard.press("Tab")  # to "Waive", as a keyboard user would
    page.keyboard.press("Enter")
    row = page.locator(f"#focus-{waived.pk}")
    expect(row).to_contain_text("Met by exception")
    expect(row).to_contain_text("case-by-case waiver the policy provides for) by Dr. Grace")
    expect(row).to_contain_text("Policy ground recorded: Survival time is limited")
    # Focus stays on that criterion: on its "Withdraw the exception" button now.
    expect(page.locator(f"#exception-action-{waived.pk}")).to_be_focused()
    # Announced through the page's live region, which the swap left in place.
    expect(page.locator("#review-status")).to_have_text(
        "Exception granted: II.A.1 now counts as met."
    )
    assert kept_element(page, "#review-status")
    assert_not_reloaded(page)
    exception = CriterionException.objects.get(case=case, criterion=waived)
    assert exception.granted_by == director and "short expected survival" in exception.rationale
    assert exception.waiver_condition == "limited_survival"
    # The reasons refreshed with the exception: none may be given for II.A.1 now, and the wording
    # typed for II.A.2 is kept.
    expect(reasons.locator("textarea")).to_have_count(1)
    expect(reasons.get_by_label(re.compile(r"^Reason for II\.A\.1"))).to_have_count(0)
    expect(reasons.get_by_label(re.compile(r"^Reason for II\.A\.2"))).to_have_value(
        "Your body may be too small to hold the pump safely (our own wording)."
    )

    # II.A.2 (body size) stays not met: approve the catheter, deny the pump and its system.
    decision = page.locator("#decision")
    decision.get_by_role("group", name=re.compile("^62350")).get_by_label("Approve").check()
    decision.get_by_role("group", name=re.compile("^62362")).get_by_label("Deny").check()
    decision.get_by_role("group", name=re.compile("^E0783")).get_by_label("Deny").check()
    decision.get_by_label("Explanation to the member (printed in the letter)").fill(
        "We approved the catheter. We did not approve the pump, for the reason below."
    )
    decision.get_by_label("Internal clinical rationale (never printed)").fill(
        "INTERNAL: BMI 16, habitus inadequate per surgeon."
    )
    expect(decision.get_by_label("Offered to")).to_have_value(re.compile("NPI 1234567893"))
    decision.get_by_label("Outcome").select_option("held")
    screenshot(page, journey, "3-decision")
    decision.get_by_role("button", name="Record the determination").click()
    expect(page.locator("#messages")).to_contain_text(f"{case.reference}: partially approved.")
    determination = case.determinations.get()
    assert determination.outcome == "partially_approved" and determination.decided_by == director
    assert {cd.code: cd.decision for cd in determination.code_decisions.all()} == {
        "62350": "approve",
        "62362": "deny",
        "E0783": "deny",
    }

    # Preview exactly what will be signed, then sign it.
    page.locator("#decision").get_by_role("link", name="Preview and sign the letter").click()
    letter = page.get_by_test_id("letter-preview")
    expect(letter).to_contain_text("We approved part of the request")
    expect(letter).to_contain_text("short expected survival")  # the exception's rationale
    expect(letter).to_contain_text("(our own wording)")
    expect(letter).to_contain_text("We approved the catheter.")
    expect(letter).not_to_contain_text("INTERNAL")
    expect(letter.get_by_test_id("authorization")).to_contain_text("62350")
    expect(letter.get_by_test_id("decision-summary")).to_contain_text("Not approved")
    screenshot(page, journey, "4-letter-preview")
    checkbox = page.get_by_label("I have read this letter")
    checkbox.focus()
    page.keyboard.press("Space")
    expect(checkbox).to_be_checked()
    page.get_by_role("button", name="Sign the letter").click()
    expect(page.locator("#messages")).to_contain_text("is signed and stored, and queued")
    expect(page.get_by_test_id("letter-signed")).to_contain_text("Signed")
    # Signed is not sent: the case stays decided, the member's copy waits for the mail.
    expect(page.get_by_test_id("case-status")).to_have_text("Decided")
    expect(page.get_by_test_id("delivery-member")).to_contain_text("Queued")
    screenshot(page, journey, "5-signed")
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.notice_sent_at is None

    download_signed_letter(page, determination, tmp_path)

    # The provider's copy goes by fax: whoever sends it records it.
    page.get_by_test_id("delivery-provider").get_by_role("button", name="Mark sent").click()
    expect(page.get_by_test_id("delivery-provider")).to_contain_text("Sent")

    # The mail room prints the member's copy with its address page, then marks the batch sent.
    page.get_by_test_id("nav").get_by_role("link", name="Mail room").click()
    expect(page.get_by_test_id("to-print")).to_contain_text(case.reference)
    screenshot(page, journey, "6-mail-room")
    page.get_by_role("button", name="Print a mail batch").click()
    expect(page.locator("#messages")).to_contain_text("is ready to print")
    with page.expect_download() as download_info:
        page.get_by_test_id("batch-pdf").first.click()
    batch_pdf = Path(download_info.value.path()).read_bytes()
    assert batch_pdf.startswith(b"%PDF") and case.member_name.encode() not in batch_pdf[:10]
    case.refresh_from_db()
    assert case.notice_sent_at is None  # printed is not sent either
    page.get_by_test_id("batch-sent").first.click()
    expect(page.locator("#messages")).to_contain_text("recorded as sent")
    screenshot(page, journey, "7-batch-sent")

    # Now the member is notified: the clock stopped, the case is closed.
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.notice_sent_at is not None
    assert case.notice_sent_at > determination.decided_at
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_test_id("case-status")).to_have_text("Closed")
    expect(page.get_by_test_id("clock")).to_contain_text("member notified")
