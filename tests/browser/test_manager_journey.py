"""A UM manager's day: the dashboard, an overdue count followed to its queue, and a small
inter-rater reliability study from the draw to its report."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from reviewapp.accounts.roles import Role
from tests.browser import setups
from tests.browser.conftest import sign_in
from tests.conftest import make_staff
from tests.reviewapp.operations.conftest import closed_case

pytestmark = pytest.mark.browser


def test_dashboard_to_overdue_queue_and_an_irr_study_to_its_report(page: Page, screenshot):
    nina = make_staff("nina", Role.NURSE)
    oscar = make_staff("oscar", Role.NURSE)
    manager = make_staff("morgan", Role.MANAGER)
    late = setups.overdue(nina)
    setups.meeting_but_one(nina)  # open, on time
    sampled = closed_case(nina, decided="2025-06-10 10:00")

    # The dashboard is the manager's home page; the overdue count opens the queue filtered to it.
    sign_in(page, manager)
    expect(page.get_by_role("heading", name="Operations dashboard")).to_be_visible()
    overdue = page.locator("#count-overdue")
    expect(overdue).to_have_text("1")
    screenshot(page, "manager", "dashboard")
    overdue.click()
    expect(page).to_have_url(re.compile(r"/cases/\?tab=all&due=overdue$"))
    rows = page.locator("#queue-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_class(re.compile("overdue"))
    expect(page.get_by_test_id("queue-filters")).to_contain_text("Overdue")
    expect(page.get_by_role("button", name=re.compile("Claim"))).to_have_count(0)
    screenshot(page, "manager", "overdue-queue")
    # Read-only: the case opens at its audit trail.
    page.get_by_role("link", name=late.reference).click()
    expect(page.get_by_role("heading", name=f"Audit trail of {late.reference}")).to_be_visible()

    # A study of one closed case, re-reviewed by Oscar (Nina worked it).
    page.get_by_role("link", name="Operations").click()
    page.get_by_role("link", name="Inter-rater reliability").click()
    page.get_by_label("Title").fill("June consistency check")
    page.get_by_label("Decided from").fill("2025-06-01")
    page.get_by_label("Decided to").fill("2025-06-30")
    page.get_by_label("Sample size").fill("1")
    page.get_by_label("Nurse Oscar, RN").check()
    page.get_by_role("button", name="Draw the sample and assign").click()
    expect(page.get_by_role("heading", name="June consistency check")).to_be_visible()
    expect(page.locator("#irr-cases")).to_contain_text(sampled.reference)
    expect(page.locator("#irr-cases")).to_contain_text("to do")
    screenshot(page, "manager", "irr-study")

    # Oscar answers blind: nothing is pre-filled, every criterion needs an answer.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, oscar)
    page.get_by_role("link", name="Consistency reviews").click()
    page.get_by_role("link", name="Case 1").click()
    fieldsets = page.locator("#irr-review-form fieldset")
    # Waits for the review page (counting at once could count the page being left: none).
    expect(fieldsets).to_have_count(9)  # Adult, 1.a-1.d, 1.e.i-iii and WA (the current edition)
    expect(page.locator("#irr-review-form input:checked")).to_have_count(0)
    count = fieldsets.count()
    for i in range(count):
        status = "Not met" if i == 1 else "Met"
        fieldsets.nth(i).get_by_label(status, exact=True).check()
    screenshot(page, "manager", "irr-blind-review")
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.locator("#irr-assignments")).to_contain_text("Submitted")

    # The manager reads the report, then closes the study: the record is final.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, manager, next_path="/operations/irr/")
    page.get_by_role("link", name="June consistency check", exact=True).click()
    page.locator("#irr-report-link").click()
    overall = page.locator("#irr-overall")
    # 8 of 9 answers agree; the reference is all "met", so chance agreement is 8/9 and kappa 0.
    expect(overall).to_contain_text("89%")
    expect(overall).to_contain_text("8 of 9 answers")
    expect(overall).to_contain_text("0.00")
    expect(page.locator("#irr-disagreements")).to_contain_text("Nurse Oscar, RN")
    expect(page.locator("#chart-agreement-per-criterion")).to_be_visible()
    screenshot(page, "manager", "irr-report")
    page.get_by_role("link", name="June consistency check", exact=True).click()
    page.get_by_role("button", name="Close the study").click()
    expect(page.get_by_text("Final", exact=True)).to_be_visible()
