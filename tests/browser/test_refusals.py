"""A nurse tries the medical director's actions in a real browser, through the pages and by URL,
and is refused every time; the refused attempts are on the case's timeline."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from reviewapp.accounts.roles import Role
from reviewapp.cases.models import CaseEvent, CaseStatus, CriterionException
from reviewapp.decisions.models import Determination
from tests.browser import setups
from tests.browser.conftest import sign_in
from tests.conftest import make_staff

pytestmark = pytest.mark.browser


def post_as_page(page: Page, path: str, form: dict):
    """A POST by URL with the signed-in session and its CSRF token (what a crafted form does)."""
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    return page.request.post(
        path, form={**form, "csrfmiddlewaretoken": token}, headers={"X-CSRFToken": token}
    )


def test_nurse_is_refused_the_directors_actions(page: Page, screenshot):
    journey = "refusals"
    nurse = make_staff("nina", Role.NURSE)
    director = make_staff("grace", Role.DIRECTOR)
    case = setups.referred_for_exception(nurse)
    decided = setups.partially_approved(nurse, director)
    waivable = setups.node(case, "II.A.1")
    sign_in(page, nurse, "/cases/")

    # The pages offer the nurse none of the director's actions.
    expect(page.get_by_test_id("nav")).not_to_contain_text("Director")
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_test_id("case-status")).to_have_text("Referred to medical director")
    expect(page.get_by_role("link", name="Review as medical director")).to_have_count(0)
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    screenshot(page, journey, "1-referred-case")

    # By URL: the director's queue and review page.
    for step, path in (
        ("2-director-queue", "/director/"),
        ("3-review", f"/director/cases/{case.pk}/"),
    ):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
        expect(page.get_by_test_id("refusal")).to_contain_text("for medical directors")
        screenshot(page, journey, step)

    # By URL with a valid session and token: grant an exception, deny the case.
    page.goto(f"/cases/{case.pk}/")
    grant = post_as_page(
        page,
        f"/director/cases/{case.pk}/criteria/{waivable.pk}/exception/",
        {"rationale": "I would like to waive this."},
    )
    assert grant.status == 403 and "Only a medical director may do this." in grant.text()
    decide = post_as_page(
        page,
        f"/director/cases/{case.pk}/decide/",
        {f"code_{s.code}": "deny" for s in case.services.all()}
        | {"reasons": "Not met.", "p2p_offered_to": "Dr. Test Provider"},
    )
    assert decide.status == 403 and "Only a medical director may do this." in decide.text()
    assert not CriterionException.objects.filter(case=case).exists()
    assert not Determination.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED

    # Both attempts are on the timeline the nurse sees.
    page.reload()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Refused: grant an exception for II.A.1")
    expect(timeline).to_contain_text("Refused: decide the case")
    assert CaseEvent.objects.filter(case=case, kind="refused", actor=nurse).count() == 2
    screenshot(page, journey, "4-refusals-on-timeline")

    # The director's partial approval: the nurse may read its letter, not sign it.
    page.goto(f"/letters/determinations/{decided.pk}/")
    expect(page.get_by_test_id("letter-preview")).to_be_visible()
    expect(page.get_by_test_id("cannot-sign")).to_contain_text("Only Dr. Grace")
    expect(page.get_by_test_id("sign-form")).to_have_count(0)
    screenshot(page, journey, "5-letter-not-signable")
    sign = post_as_page(
        page, f"/letters/determinations/{decided.pk}/sign/", {"digest": "0" * 64, "confirm": "on"}
    )
    assert sign.status == 403 and "Only Dr. Grace" in sign.text()
    decided.refresh_from_db()
    assert not decided.is_signed
    assert CaseEvent.objects.filter(
        case=decided.case, kind="refused", actor=nurse, summary__contains="sign the letter"
    ).exists()
