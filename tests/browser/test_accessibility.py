"""axe-core on the main pages (no serious or critical violations), and the keyboard basics: the
skip link, and the work queue's filters, which swap the results in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from reviewapp.accounts.roles import Role
from tests import appeal_factories
from tests.browser import setups
from tests.browser.conftest import assert_not_reloaded, axe_violations, mark_page, sign_in
from tests.conftest import make_staff

pytestmark = pytest.mark.browser


def test_main_pages_have_no_serious_or_critical_axe_violations(page: Page, screenshot):
    nurse = make_staff("nina", Role.NURSE)
    director = make_staff("grace", Role.DIRECTOR)
    in_review = setups.meeting_but_one(nurse)
    referred = setups.referred_for_exception(nurse)
    decided = setups.partially_approved(nurse, director)
    setups.overdue(nurse)  # the queues highlight it
    version = in_review.policy_version
    # Appeals of another director's denials, which this director may review.
    other = make_staff("hugo", Role.DIRECTOR, specialty="Anesthesiology")
    appealable = appeal_factories.denied(nurse, other)
    appealed = appeal_factories.file_appeal(appeal_factories.denied(nurse, other), nurse)
    upheld = appeal_factories.decide_upheld(
        appeal_factories.file_appeal(appeal_factories.denied(nurse, other), nurse), director
    )

    blocking: dict[str, list[dict]] = {}

    def check(name: str) -> None:
        for violation in axe_violations(page):
            nodes = len(violation["nodes"])
            print(f"axe [{name}] {violation['impact']}: {violation['id']} ({nodes} node(s))")
            if violation["impact"] in ("serious", "critical"):
                blocking.setdefault(name, []).append(violation)

    page.goto("/accounts/login/")
    check("sign-in")
    sign_in(page, director)
    pages = {
        "director-queue": "/director/",
        "work-queue": "/cases/?tab=all",
        "intake": "/cases/new/",
        "case-checklist": f"/cases/{in_review.pk}/",
        "pend": f"/cases/{in_review.pk}/pend/",
        "refer": f"/cases/{in_review.pk}/refer/",
        "director-review": f"/director/cases/{referred.pk}/",
        "letter-preview": f"/letters/determinations/{decided.pk}/",
        "policy-list": "/policies/",
        "policy-checklist": (
            f"/policies/{version.policy.key}/{version.label}/{in_review.checklist.key}/"
        ),
        "letter-verify": "/letters/verify/",
        "case-access": f"/cases/{in_review.pk}/access/",
        "mail-room": "/letters/mail/",
        "appeals-queue": "/appeals/",
        "appeal-filing": f"/appeals/cases/{appealable.case_id}/new/",
        "appeal": f"/appeals/{appealed.pk}/",
        "case-with-appeal": f"/cases/{appealed.case_id}/",
        "appeal-letter": f"/appeals/{upheld.pk}/letter/",
    }
    for name, path in pages.items():
        response = page.goto(path)
        assert response is not None and response.ok, (name, response and response.status)
        check(name)
        screenshot(page, "a11y", name)
    # The intake form with every error showing: each message belongs to its field.
    page.goto("/cases/new/")
    page.get_by_role("button", name="Open case").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    check("intake-errors")
    screenshot(page, "a11y", "intake-errors")

    # The manager's pages (the document viewer runs no script, so axe cannot run inside it).
    page.context.clear_cookies()
    sign_in(page, make_staff("morgan", Role.MANAGER))
    for name, path in {
        "access-log": "/audit/access/",
        "security-events": "/audit/security/",
        "operations-dashboard": "/operations/",
        "open-appeals": "/operations/appeals/",
        "manager-queue": "/cases/?tab=all&due=overdue",
        "productivity": "/operations/productivity/",
        "metrics": "/operations/metrics/",
        "irr-studies": "/operations/irr/",
    }.items():
        response = page.goto(path)
        assert response is not None and response.ok, (name, response and response.status)
        check(name)
        screenshot(page, "a11y", name)

    # The public metrics page, signed out.
    page.context.clear_cookies()
    page.goto("/public/prior-authorization-metrics/")
    check("public-metrics")
    screenshot(page, "a11y", "public-metrics")

    assert not blocking, "\n".join(
        f"{name}: {v['id']} ({v['impact']}): {v['help']}\n  " + "\n  ".join(v["nodes"][:5])
        for name, violations in blocking.items()
        for v in violations
    )


def test_keyboard_skip_link_and_queue_filters(page: Page):
    nurse = make_staff("nina", Role.NURSE)
    case = setups.meeting_but_one(nurse)
    sign_in(page, nurse, "/cases/")

    # The first Tab reaches the skip link; Enter moves the focus to the main content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # Filters swap the results in place (htmx); the results region is not nested in itself.
    mark_page(page)
    results = page.locator("#queue-results")
    expect(results.get_by_role("link", name=case.reference)).to_be_visible()
    priority = page.get_by_label("Priority")
    priority.focus()
    page.keyboard.press("ArrowDown")  # "Any priority" -> "Expedited", by keyboard
    expect(priority).to_have_value("expedited")
    expect(results).to_contain_text("No cases here.")
    expect(page.get_by_role("status")).to_have_text("0 cases shown, page 1.")
    expect(priority).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(results.get_by_role("link", name=case.reference)).to_be_visible()
    page.get_by_label("Reference or member ID").click()
    page.keyboard.type(case.reference)
    page.keyboard.press("Enter")
    expect(results.get_by_role("link", name=case.reference)).to_be_visible()
    expect(page.locator("[id=queue-results]")).to_have_count(1)
    # A screen reader hears what changed from the status line, which stays in place.
    expect(page.get_by_role("status")).to_have_text(f"1 case shown for {case.reference}, page 1.")
    assert_not_reloaded(page)
    # The filter is in the address, so the back button and a shared link work.
    assert f"q={case.reference}" in page.url
