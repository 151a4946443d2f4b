"""The appeal journey in a real browser: a Medicaid denial (no trial report) is appealed from the
case page with the new trial report; a medical director who had no part in the denial answers the
trial criterion again on the appeal's own record, citing the report, and overturns the denial;
the appeal letter is previewed and signed, downloaded and verified; the case page then shows both
determinations, the denial superseded by the approval made on appeal."""

from __future__ import annotations

import hashlib
import re

import pytest
from playwright.sync_api import Page, expect

from reviewapp.accounts.roles import Role
from reviewapp.appeals.models import Appeal
from reviewapp.cases.models import Answer
from reviewapp.decisions.models import Determination
from reviewapp.letters import services as letter_services
from tests.appeal_factories import denied_permanent_pending_trial
from tests.browser.conftest import assert_not_reloaded, mark_page, off_the_event_loop, sign_in
from tests.conftest import make_staff
from tests.factories import pdf_bytes

pytestmark = pytest.mark.browser


def sign_denial(determination: Determination, director) -> None:
    html = letter_services.letter_render_html(determination=determination)
    letter_services.letter_sign(
        determination=determination,
        by=director,
        preview_digest=letter_services.letter_digest(html),
    )


def test_a_denial_is_appealed_with_a_trial_report_and_overturned_by_another_director(
    page: Page, screenshot, tmp_path
):
    journey = "appeal"
    nurse = make_staff("nina", Role.NURSE)
    director = make_staff("grace", Role.DIRECTOR)
    appeal_director = make_staff(
        "henry", Role.DIRECTOR, specialty="Physical Medicine and Rehabilitation"
    )
    denial = denied_permanent_pending_trial(nurse, director)
    off_the_event_loop(sign_denial, determination=denial, director=director)
    case = denial.case
    case_answers = list(Answer.objects.filter(case=case).order_by("id").values())
    trial_report = tmp_path / "trial-report.pdf"
    trial_report.write_bytes(pdf_bytes(2, text="Trial report: 60% relief, walking further"))

    # The nurse records the appeal from the case page, with the new trial report.
    sign_in(page, nurse, f"/cases/{case.pk}/")
    panel = page.get_by_test_id("case-appeals")
    expect(panel.get_by_test_id("determination")).to_have_count(1)
    panel.get_by_test_id("file-appeal").click()
    expect(page.get_by_test_id("filing-window")).to_contain_text("60 days from the notice")
    page.get_by_label("The member", exact=True).check()
    page.get_by_label("Name of the person asking").fill("Test Member")
    page.get_by_label("How it was received").select_option("phone")
    page.get_by_label("What is asked").fill(
        "Please approve the pump: the trial report is enclosed."
    )
    page.get_by_label("Documents sent with the appeal").set_input_files(str(trial_report))
    page.get_by_label("Document type").select_option("trial_report")
    screenshot(page, journey, "1-filing")
    page.get_by_role("button", name="Record the appeal").click()
    expect(page.get_by_test_id("appeal-status")).to_contain_text("Open")
    appeal = Appeal.objects.get(case=case)
    expect(page.get_by_test_id("appeal-documents")).to_contain_text("trial-report.pdf")
    expect(page.get_by_test_id("appeal-due")).to_contain_text("due")
    screenshot(page, journey, "2-appeal-open")

    # The director who denied it cannot review it.
    page.context.clear_cookies()
    sign_in(page, director, f"/appeals/{appeal.pk}/")
    expect(page.get_by_test_id("reviewer-refusal")).to_contain_text(
        "made the determination appealed"
    )
    expect(page.get_by_role("button", name="Review this appeal")).to_have_count(0)

    # Another director takes it from the appeals queue.
    page.context.clear_cookies()
    sign_in(page, appeal_director, "/appeals/")
    page.get_by_role("link", name=appeal.reference).click()
    page.get_by_role("button", name="Review this appeal").click()
    expect(page.locator("#messages, .alert-success").first).to_contain_text("yours to review")
    row = page.locator('[data-label="2.f"]')
    expect(row).to_contain_text("Not documented")
    mark_page(page)
    row.get_by_label("Answer on appeal").select_option("met")
    row.get_by_label("What the appeal showed").fill(
        "The trial report shows 60% pain relief and better walking."
    )
    row.get_by_label("Document").select_option(label="trial-report.pdf")
    row.get_by_label("Pages").fill("1-2")
    row.get_by_role("button", name="Save").click()
    expect(page.locator('[data-label="2.f"]')).to_contain_text("answered again")
    expect(page.get_by_test_id("appeal-outcome")).to_have_text(re.compile("Meets", re.I))
    assert_not_reloaded(page)
    screenshot(page, journey, "3-answered")

    decision = page.locator("#appeal-decision")
    decision.get_by_label("Approve on appeal").check()
    decision.get_by_role("button", name="Record the appeal decision").click()
    expect(page.get_by_test_id("appeal-status")).to_contain_text("overturned")
    expect(page.get_by_test_id("new-determination")).to_contain_text("Approved")
    appeal.refresh_from_db()
    new = appeal.new_determination
    assert appeal.outcome == "overturned" and new.supersedes_id == denial.pk
    screenshot(page, journey, "4-decided")

    # The letter: previewed, then signed exactly as shown.
    page.get_by_role("link", name="Preview and sign the appeal letter").click()
    letter = page.get_by_test_id("letter-preview")
    expect(letter).to_contain_text("We changed our decision")
    expect(letter).to_contain_text(new.authorization.number)
    expect(letter).not_to_contain_text("No trial report in the records.")  # internal
    screenshot(page, journey, "5-letter-preview")
    page.get_by_label("I have read this letter").check()
    page.get_by_role("button", name="Sign the appeal letter").click()
    with page.expect_download() as info:
        page.get_by_test_id("appeal-letter-download").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    data = path.read_bytes()
    appeal.refresh_from_db()
    assert hashlib.sha256(data).hexdigest() == appeal.letter.sha256
    verification = off_the_event_loop(letter_services.letter_verify, data=data)
    assert verification.verified and verification.letter == appeal.letter
    screenshot(page, journey, "6-signed")

    # The case shows both determinations: the denial superseded, the approval made on appeal.
    page.goto(f"/cases/{case.pk}/")
    determinations = page.get_by_test_id("case-appeals").get_by_test_id("determination")
    expect(determinations).to_have_count(2)
    expect(determinations.nth(0)).to_contain_text("Approved")
    expect(determinations.nth(0)).to_contain_text(f"Made on appeal {appeal.reference}")
    expect(determinations.nth(1)).to_contain_text("Denied")
    expect(determinations.nth(1)).to_contain_text("Superseded")
    expect(page.get_by_test_id("appeal-history")).to_contain_text("Overturned")
    screenshot(page, journey, "7-case")
    # Nothing of the original changed: the case's answers and the denial stand as they were.
    assert list(Answer.objects.filter(case=case).order_by("id").values()) == case_answers
    denial.refresh_from_db()
    assert denial.outcome == "denied" and denial.is_signed
