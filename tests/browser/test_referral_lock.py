"""A referred case is locked for the nurse, who may recall it until a director acts; the director
sees what changed after the referral, highlighted (issue 14)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from reviewapp.accounts.roles import Role
from reviewapp.cases import services
from tests.browser.conftest import AXE_JS, AXE_URL, assert_accessible, sign_in
from tests.conftest import make_staff
from tests.factories import CaseFactory

pytestmark = pytest.mark.browser


def row(page: Page, label: str):
    return page.locator(f"li.criterion-row[data-label='{label}']")


def test_referral_locks_the_checklist_and_the_director_sees_later_changes(
    page: Page, browser: Browser, browser_context_args, screenshot
):
    nurse = make_staff("nina", Role.NURSE)
    director = make_staff("grace", Role.DIRECTOR)
    case = CaseFactory(by=nurse)  # Molina non-malignant trial
    services.fact_record(case=case, by=nurse, name="pain_nrs", raw_value=6, expected_revision=0)
    sign_in(page, nurse, f"/cases/{case.pk}/refer/")
    page.get_by_role("button", name="Refer", exact=True).click()
    expect(page.get_by_test_id("case-status")).to_have_text("Referred to medical director")

    # Locked: no answer forms, no facts to edit; the recall is offered.
    lock = page.get_by_test_id("referral-lock")
    expect(lock).to_contain_text("the checklist is locked while it is reviewed")
    expect(page.locator("form.answer-form")).to_have_count(0)
    expect(page.locator("#fact-input-pain_nrs")).to_be_disabled()
    screenshot(page, "referral", "1-locked")
    assert_accessible(page, "referred case, nurse")

    # Recalled: the checklist opens again; a change; referred again.
    lock.get_by_role("button", name="Recall the referral").click()
    expect(page.locator("#messages")).to_contain_text("Referral of")
    expect(page.get_by_test_id("case-status")).to_have_text("In review")
    page.locator(".case-toolbar").get_by_role("link", name="Facts").click()
    page.get_by_label("Pain score (0-10 numeric rating scale)").fill("8")
    page.get_by_label("Pain score (0-10 numeric rating scale)").press("Enter")
    expect(row(page, "2.a").get_by_test_id("proposed")).to_have_text("Unknown")  # function unknown
    row(page, "2.d").get_by_label("Not documented").check()
    row(page, "2.d").get_by_role("button", name="Save 2.d").click()
    expect(row(page, "2.d").get_by_test_id("status")).to_have_text("Not documented")
    page.get_by_role("link", name="Refer to medical director").click()
    page.get_by_role("button", name="Refer", exact=True).click()
    expect(page.get_by_test_id("case-status")).to_have_text("Referred to medical director")

    # The director, in another browser: the changes since the first referral, highlighted.
    context = browser.new_context(**browser_context_args)
    context.route(
        f"**{AXE_URL}",
        lambda route: route.fulfill(path=str(AXE_JS), content_type="application/javascript"),
    )
    director_page = context.new_page()
    director_page.set_default_timeout(10_000)
    sign_in(director_page, director, f"/director/cases/{case.pk}/")
    changes = director_page.get_by_test_id("changes-since-referral")
    expect(changes).to_contain_text("Changed since the referral on")
    expect(changes).to_contain_text("Pain score (0-10 numeric rating scale): 6 of 10 → 8 of 10")
    expect(changes).to_contain_text("2.d: not documented")
    highlighted = director_page.locator(".changed-since-referral[data-label]")
    expect(highlighted.filter(has_text="2.a")).to_have_count(1)
    expect(highlighted.filter(has_text="2.d")).to_have_count(1)
    screenshot(director_page, "referral", "2-director")
    assert_accessible(director_page, "director review with changes since referral")

    # Once the director has acted, the nurse can no longer recall it.
    director_page.goto(f"/cases/{case.pk}/")
    director_page.get_by_role("tab", name="Facts").click()
    director_page.get_by_label("Active infection").select_option("false")
    expect(director_page.locator("#timeline")).to_contain_text("Active infection")
    page.reload()
    expect(page.get_by_test_id("referral-lock")).to_be_visible()
    expect(page.get_by_role("button", name="Recall the referral")).to_have_count(0)
    context.close()
