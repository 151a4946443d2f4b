"""The medical director's journey in a real browser: open a referred case, waive one criterion
with a rationale, deny the codes another criterion does not support, preview and sign the
letter, download it and check it is the signed PDF on record."""

from __future__ import annotations

import re

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

    # II.A.2 (body size) stays not met: approve the catheter, deny the pump and its system.
    decision = page.locator("#decision")
    decision.get_by_role("group", name=re.compile("^62350")).get_by_label("Approve").check()
    decision.get_by_role("group", name=re.compile("^62362")).get_by_label("Deny").check()
    decision.get_by_role("group", name=re.compile("^E0783")).get_by_label("Deny").check()
    reasons = decision.get_by_label("Specific reasons (for anything not approved)")
    # Drafted from II.A.2's reason.
    expect(reasons).to_have_value(re.compile("body may not be large enough"))
    decision.get_by_label("Clinical rationale (for the record)").fill(
        "Body habitus too small for the pump; the catheter is approved."
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
    expect(letter).to_contain_text("body may not be large enough")
    screenshot(page, journey, "4-letter-preview")
    checkbox = page.get_by_label("I have read this letter")
    checkbox.focus()
    page.keyboard.press("Space")
    expect(checkbox).to_be_checked()
    page.get_by_role("button", name="Sign the letter and close the case").click()
    expect(page.locator("#messages")).to_contain_text("is signed and stored; the case is closed")
    expect(page.get_by_test_id("letter-signed")).to_contain_text("Signed")
    expect(page.get_by_test_id("case-status")).to_have_text("Closed")
    screenshot(page, journey, "5-signed")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED

    download_signed_letter(page, determination, tmp_path)
