"""A clean case in a few clicks (issue 14): the demo's clean 20-criterion LHCC case taken from the
work queue to a signed approval, counting clicks and keystrokes; the same by keyboard only; the
checklist's keyboard shortcuts; and without JavaScript."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Locator, Page, expect

from reviewapp.cases.models import Answer, Case, EvidenceLink
from reviewapp.demo.cases import DEMO_CASES, _build
from reviewapp.demo.services import DEMO_PASSWORD, demo_staff_load
from tests.browser.conftest import assert_accessible, assert_not_reloaded, mark_page

pytestmark = pytest.mark.browser

MAX_CLICKS = 25


def clean_case() -> Case:
    """The demo's clean case (LHCC non-malignant pain, permanent pump: 20 criteria), built by the
    demo's own loader: documents uploaded, facts recorded from their pages, nothing answered."""
    demo_staff_load()
    return _build(next(spec for spec in DEMO_CASES if spec.member_id == "DM100013"))


def sign_in_demo(page: Page, username: str, next_path: str) -> None:
    page.goto(f"/accounts/login/?next={next_path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@dataclass
class Effort:
    """What the nurse does, counted: every click (a check box is a click) and every key."""

    clicks: int = 0
    keystrokes: int = 0

    def click(self, target: Locator) -> None:
        self.clicks += 1
        target.click()

    def check(self, target: Locator) -> None:
        self.clicks += 1
        target.check()

    def press(self, page: Page, key: str) -> None:
        self.keystrokes += 1
        page.keyboard.press(key)

    def tab_to(self, page: Page, selector: str, *, back: bool = False, limit: int = 80) -> None:
        """Tab (or Shift+Tab; each press counted) until ``selector`` has the focus."""
        page.wait_for_load_state()
        for _ in range(limit):
            if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
                return
            self.press(page, "Shift+Tab" if back else "Tab")
        raise AssertionError(f"{selector} never got the focus by Tab")


def assert_signed_approval(case: Case, nurse: User) -> None:
    case.refresh_from_db()
    # Signed and queued: the case stays decided until the member's copy is sent (the mail room).
    assert case.status == "decided" and case.notice_sent_at is None
    determination = case.determinations.get()
    assert determination.outcome == "approved" and determination.decided_by == nurse
    assert determination.signed_at is not None
    assert {c["status"] for c in determination.criteria_snapshot} == {"met"}
    assert len(determination.criteria_snapshot) == 20
    answers = Answer.objects.filter(case=case)
    assert answers.count() == 20 and {a.origin for a in answers} == {"proposal"}
    # Each criterion that needs documentation has its document linked, from its facts' pages.
    assert EvidenceLink.objects.filter(case=case).count() >= 12


def test_clean_case_from_the_queue_to_a_signed_approval_in_few_clicks(page: Page, screenshot):
    journey = "clean-case"
    case = clean_case()
    nurse = User.objects.get(username="nurse")
    sign_in_demo(page, "nurse", "/cases/")
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    effort = Effort()

    effort.click(page.get_by_role("link", name=case.reference))
    expect(page.get_by_test_id("progress")).to_have_text("0 of 20 answered")
    assert_accessible(page, "clean case, before")
    screenshot(page, journey, "1-case")

    mark_page(page)
    effort.click(page.get_by_role("button", name=re.compile(r"Apply the facts' proposals \(20\)")))
    expect(page.get_by_test_id("progress")).to_have_text("20 of 20 answered")
    expect(page.get_by_test_id("outcome")).to_have_text("Meets the criteria")
    expect(page.get_by_test_id("apply-result")).to_contain_text("to 20 criteria")
    expect(page.locator("#announcer")).to_contain_text("Applied the facts' proposals to 20")
    row = page.locator("li.criterion-row[data-label='I.B.10']")
    expect(row.get_by_test_id("status")).to_have_text("Met")
    expect(row).to_contain_text("pain-management-note.pdf, p. 2")
    expect(row).to_contain_text("Facts' proposal applied by")
    assert_not_reloaded(page)
    assert_accessible(page, "clean case, proposals applied")
    screenshot(page, journey, "2-applied")

    effort.click(page.locator("#approve-submit"))
    expect(page.get_by_test_id("case-status")).to_have_text("Decided")
    effort.click(page.get_by_role("link", name="Preview and sign the letter"))
    expect(page.get_by_test_id("letter-preview")).to_contain_text("I.B.10")
    effort.check(page.get_by_label("I have read this letter"))
    effort.click(page.get_by_role("button", name="Sign the letter"))
    expect(page.get_by_test_id("letter-signed")).to_be_visible()
    expect(page.get_by_test_id("case-status")).to_have_text("Decided")
    expect(page.get_by_test_id("delivery-member")).to_contain_text("Queued")
    screenshot(page, journey, "3-signed")

    print(f"clean case: {effort.clicks} clicks, {effort.keystrokes} keystrokes")
    assert effort.clicks <= MAX_CLICKS
    assert_signed_approval(case, nurse)


def test_clean_case_by_keyboard_only(page: Page, screenshot):
    """No mouse: Tab and Enter through the queue, the checklist's shortcuts (j/k to move, p to
    apply one proposal, Shift+P for all, ? for the list), then approve and sign."""
    case = clean_case()
    nurse = User.objects.get(username="nurse")
    sign_in_demo(page, "nurse", "/cases/")
    effort = Effort()

    effort.tab_to(page, f"a[href='/cases/{case.pk}/']")
    effort.press(page, "Enter")
    expect(page.get_by_test_id("progress")).to_have_text("0 of 20 answered")
    page.wait_for_load_state()  # the page's script (the shortcuts) has run
    announcer = page.locator("#announcer")

    effort.press(page, "?")
    expect(page.locator("#shortcuts .shortcuts-list")).to_be_visible()
    assert_accessible(page, "checklist with its shortcut list")
    effort.press(page, "Escape")
    expect(page.locator("#shortcuts .shortcuts-list")).to_be_hidden()

    effort.press(page, "j")
    expect(announcer).to_contain_text(
        "I.B.1, criterion 1 of 20. unanswered. the facts propose met."
    )
    effort.press(page, "j")
    effort.press(page, "k")
    expect(announcer).to_contain_text("I.B.1, criterion 1 of 20")
    assert page.evaluate("document.activeElement.dataset.label") == "I.B.1"
    effort.press(page, "p")  # this criterion's proposal, with its document
    row = page.locator("li.criterion-row[data-label='I.B.1']")
    expect(row.get_by_test_id("status")).to_have_text("Met")
    expect(row).to_contain_text("pain-management-note.pdf, p. 1")
    expect(announcer).to_contain_text("I.B.1: the facts' proposal, met, applied")
    assert page.evaluate("document.activeElement.closest('li.criterion-row')?.dataset.label") == (
        "I.B.1"
    ), "the focus left the row just saved"

    effort.press(page, "Shift+P")  # the other 19
    expect(page.get_by_test_id("progress")).to_have_text("20 of 20 answered")
    expect(announcer).to_contain_text("Applied the facts' proposals to 19 criteria")

    effort.tab_to(page, "#approve-submit", back=True)  # up from the checklist to the header
    effort.press(page, "Enter")
    expect(page.get_by_test_id("case-status")).to_have_text("Decided")
    page.wait_for_load_state()
    effort.tab_to(page, "a[href*='/letters/determinations/']")
    effort.press(page, "Enter")
    expect(page.get_by_test_id("letter-preview")).to_be_visible()
    effort.tab_to(page, "#id_confirm")
    effort.press(page, "Space")
    effort.press(page, "Tab")
    effort.press(page, "Enter")
    expect(page.get_by_test_id("letter-signed")).to_be_visible()
    screenshot(page, "clean-case-keyboard", "signed")
    assert effort.clicks == 0
    print(f"clean case by keyboard only: {effort.clicks} clicks, {effort.keystrokes} keystrokes")
    assert_signed_approval(case, nurse)


def test_status_keys_save_a_row_with_the_document_chosen_before_the_status(page: Page):
    """m / n / d / a set the status and save the row, with the document and pages chosen first
    in the row (its reading and tab order)."""
    case = clean_case()
    sign_in_demo(page, "nurse", f"/cases/{case.pk}/")
    page.wait_for_load_state()
    row = page.locator("li.criterion-row[data-label='I.B.3']")
    # The row's order: document, pages, then the status.
    order = row.evaluate(
        """r => Array.from(r.querySelectorAll('form.answer-form select, form.answer-form input:not([type=hidden])'))
                .map(e => e.name)"""
    )
    assert order[:3] == ["evidence", "pages", "status"]
    row.get_by_label("Document for I.B.3").select_option(label="pain-management-note.pdf")
    row.get_by_label("Pages for I.B.3").fill("1")
    row.focus()
    page.keyboard.press("d")  # not documented (no reason needed), saved with the document
    row = page.locator("li.criterion-row[data-label='I.B.3']")
    expect(row.get_by_test_id("status")).to_have_text("Not documented")
    expect(row).to_contain_text("pain-management-note.pdf, p. 1")
    expect(page.locator("#announcer")).to_contain_text(
        "I.B.3 saved as not documented, with pain-management-note.pdf p. 1."
    )
    page.keyboard.press("m")  # met: the facts agree and the document is linked
    expect(
        page.locator("li.criterion-row[data-label='I.B.3']").get_by_test_id("status")
    ).to_have_text("Met")


def test_the_clean_case_works_without_javascript(new_context, screenshot):
    case = clean_case()
    page = new_context(java_script_enabled=False).new_page()
    sign_in_demo(page, "nurse", f"/cases/{case.pk}/")
    # The side panel's sections follow one another: the viewer, the facts, the evidence.
    expect(page.locator("#facts-panel")).to_be_visible()
    expect(page.locator("#evidence")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"Apply the facts' proposals \(20\)")).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/#checklist$"))
    expect(page.locator("#messages")).to_contain_text("Applied the facts' proposals to 20 criteria")
    expect(page.get_by_test_id("outcome")).to_have_text("Meets the criteria")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Decided")
    screenshot(page, "no-javascript", "clean-case-approved")
