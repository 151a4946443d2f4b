"""The split view (issue 14): on a wide screen the document viewer stays beside the checklist while
it scrolls and opens at the page a reference names; on a tablet it is a panel to open; the facts
are reachable without scrolling past the criteria."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from reviewapp.cases import services
from tests.browser.conftest import assert_accessible
from tests.browser.test_clean_case import clean_case, sign_in_demo

pytestmark = pytest.mark.browser


def in_viewport(page: Page, selector: str) -> bool:
    """The element is drawn, and wholly inside the window (top and bottom), or fills it."""
    return page.evaluate(
        """s => {
            const e = document.querySelector(s);
            if (!e || !e.getClientRects().length) return false;
            const r = e.getBoundingClientRect();
            return r.height > 50 && r.top >= -1 && r.top < innerHeight - 50 && r.left >= 0
                && r.right <= innerWidth + 1;
        }""",
        selector,
    )


def applied_clean_case():
    from django.contrib.auth.models import User

    case = clean_case()
    services.proposals_apply_all(case=case, by=User.objects.get(username="nurse"))
    return case


def test_wide_screen_the_viewer_stays_beside_the_checklist(page: Page, screenshot):
    page.set_viewport_size({"width": 1366, "height": 900})
    case = applied_clean_case()
    sign_in_demo(page, "nurse", f"/cases/{case.pk}/")
    expect(page.locator(".aside-toggle")).to_be_hidden()  # no toggle: the panel is always there
    assert in_viewport(page, "#evidence-viewer")
    # Scrolled down to the last criterion, the viewer is still beside it.
    last = page.locator("li.criterion-row[data-label='II.B.9']")
    last.scroll_into_view_if_needed()
    assert page.evaluate("scrollY") > 2000
    assert in_viewport(page, "#evidence-viewer"), "the viewer scrolled away with the checklist"
    screenshot(page, "split-view-1366", "1-scrolled")
    # A page reference opens its document at that page.
    row = page.locator("li.criterion-row[data-label='II.B.8']")
    row.get_by_role("link", name="pre-implant-assessment.pdf, p. 2").click()
    expect(page.locator("#viewer-help")).to_contain_text("pre-implant-assessment.pdf, p. 2")
    viewer = page.frame_locator("#evidence-viewer")
    expect(viewer.get_by_role("heading")).to_contain_text("page 2 of 2")
    expect(
        viewer.get_by_role("img", name="Page 2 of 2 of pre-implant-assessment.pdf")
    ).to_be_visible()
    assert in_viewport(page, "#evidence-viewer")
    # The facts: one click away, in view, however far down the checklist is.
    page.locator(".case-toolbar").get_by_role("link", name="Facts").click()
    expect(page.locator("#facts-panel")).to_be_visible()
    assert in_viewport(page, "#facts-panel")
    screenshot(page, "split-view-1366", "2-facts")
    assert_accessible(page, "split view, 1366 px, facts")


def test_tablet_the_viewer_is_a_panel_to_open(page: Page, screenshot):
    page.set_viewport_size({"width": 1024, "height": 768})
    case = applied_clean_case()
    sign_in_demo(page, "nurse", f"/cases/{case.pk}/")
    toggle = page.get_by_role("button", name="Show documents and facts")
    expect(toggle).to_be_visible()
    expect(page.locator("#case-aside")).to_be_hidden()
    # A page reference, however far down, opens the panel at the viewer, at that page.
    row = page.locator("li.criterion-row[data-label='II.B.9']")
    row.scroll_into_view_if_needed()
    row.get_by_role("link", name="psychological-evaluation.pdf, p. 1").click()
    expect(page.locator("#case-aside")).to_be_visible()
    assert in_viewport(page, "#evidence-viewer")
    viewer = page.frame_locator("#evidence-viewer")
    expect(viewer.get_by_role("heading")).to_contain_text("psychological-evaluation.pdf")
    expect(viewer.get_by_role("heading")).to_contain_text("page 1 of 1")
    picture = viewer.get_by_role("img", name="Page 1 of 1 of psychological-evaluation.pdf")
    assert picture.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    screenshot(page, "split-view-1024", "1-viewer-open")
    assert_accessible(page, "split view, 1024 px, viewer open")
    page.keyboard.press("Escape")
    expect(page.locator("#case-aside")).to_be_hidden()
    expect(toggle).to_be_focused()
    # The facts from the toolbar at the top, without scrolling past the twenty criteria.
    page.evaluate("window.scrollTo(0, 0)")
    page.locator(".case-toolbar").get_by_role("link", name="Facts").click()
    expect(page.locator("#facts-panel")).to_be_visible()
    assert in_viewport(page, "#facts-panel")
    screenshot(page, "split-view-1024", "2-facts")
    # The toggle opens and closes it too.
    page.get_by_role("button", name="Close documents and facts").click()
    expect(page.locator("#case-aside")).to_be_hidden()
    toggle.click()
    expect(page.locator("#case-aside")).to_be_visible()
    expect(page.get_by_role("button", name="Hide documents and facts")).to_have_attribute(
        "aria-expanded", "true"
    )
