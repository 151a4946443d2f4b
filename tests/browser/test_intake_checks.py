"""Intake in a real browser (issue 14): every field error at once with the focus on the first, the
member's open and trial cases shown as the member ID is entered, a duplicate shown before it is
opened, and a permanent request linked to its trial case."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from reviewapp.accounts.roles import Role
from reviewapp.cases.models import Case
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import make_staff
from tests.factories import CaseFactory

pytestmark = pytest.mark.browser


def fill_delivery(page: Page) -> None:
    """Where letters go (required since the letters' delivery work): the member's mailing
    address, the provider's address, and the servicing provider (the surgeon, apart from the
    servicing facility, the hospital)."""
    page.get_by_label("Member mailing address").fill("7 Bayou Lane")
    page.get_by_label("Member city").fill("Baton Rouge")
    page.get_by_label("Member state").fill("LA")
    page.get_by_label("Member ZIP code").fill("70801")
    page.get_by_role("textbox", name=re.compile(r"^Provider address\*?$")).fill("1 Clinic Way")
    page.get_by_label("Provider city").fill("Baton Rouge")
    page.get_by_label("Provider state").fill("LA")
    page.get_by_label("Provider ZIP code").fill("70802")
    page.get_by_role("textbox", name=re.compile(r"^Servicing provider\*?$")).fill("Dr. Sam Surgeon")


def test_intake_checks_duplicates_and_the_trial_case(page: Page, screenshot):
    nurse = make_staff("nina", Role.NURSE)
    trial = CaseFactory(
        by=nurse,
        member_id="LA-300400",
        policy="lhcc-la-cp-mp-173",
        indication="non_malignant_pain",
        codes=(("62326", 1),),
    )
    sign_in(page, nurse, "/cases/new/")
    page.get_by_label("Member name").fill("Claude Example")
    page.get_by_label("Member ID").fill("la-300400")
    page.get_by_label("Member ID").press("Tab")
    # The member's cases, as the member ID is entered: the open trial case, to link.
    lookup = page.locator("#member-cases")
    expect(lookup).to_contain_text(trial.reference)
    page.get_by_label("Member date of birth").fill("1961-04-02")
    page.get_by_label("Requesting provider").fill("Dr. Ada Provider")
    page.get_by_label("Provider NPI").fill("1234567890")  # fails its check digit
    fill_delivery(page)
    page.get_by_label("Line of business").select_option("commercial")  # LHCC is Medicaid only
    page.get_by_label("Payer policy").select_option("lhcc-la-cp-mp-173")
    page.get_by_label("Indication").select_option("non_malignant_pain")
    page.get_by_label("Requested codes").fill("62326, 62350 x2")  # a trial with an implant
    page.get_by_label("Diagnoses (ICD-10-CM)").fill("M96.1, 8")
    page.get_by_label("Date of service").fill("2026-12-20")
    page.get_by_role("button", name="Open case").click()

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("things to correct")
    for text in (
        "fails its check digit",
        "offers LA.CP.MP.173 for Medicaid only",
        "more than this code allows",
        "Not in the ICD-10-CM form",
        "Servicing facility",
    ):
        expect(summary).to_contain_text(text)
    # The focus is on the first field with an error, in the form's order.
    expect(page.get_by_label("Provider NPI")).to_be_focused()
    screenshot(page, "intake", "1-errors")
    assert_accessible(page, "intake with every error")
    assert Case.objects.count() == 1

    page.get_by_label("Provider NPI").fill("1234567893")
    page.get_by_label("Line of business").select_option("medicaid")
    page.get_by_label("Requested codes").fill("62326, 62350")
    page.get_by_role("button", name="Open case").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Trial codes (62326)")
    page.get_by_label("Requested codes").fill("62350, 62362, E0783")
    page.get_by_label("Diagnoses (ICD-10-CM)").fill("m961 G89.29")
    page.locator("#id_servicing_facility").fill("Baton Rouge Surgical Hospital")
    expect(page.locator("#member-cases")).to_contain_text(trial.reference)  # shown again
    page.locator("#member-cases").get_by_role(
        "button", name=re.compile("use as the trial case")
    ).click()
    expect(page.get_by_label("Trial case")).to_have_value(trial.reference)
    page.get_by_role("button", name="Open case").click()

    case = Case.objects.exclude(pk=trial.pk).get()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    assert case.trial_case == trial and case.stage == "permanent"
    assert [d.code for d in case.diagnoses.all()] == ["M96.1", "G89.29"]
    expect(page.get_by_test_id("request-details")).to_contain_text(f"Trial case {trial.reference}")
    # The surgeon and the hospital, both in the header.
    assert case.servicing_provider_name == "Dr. Sam Surgeon"
    expect(page.locator(".case-header")).to_contain_text("servicing provider Dr. Sam Surgeon")
    expect(page.get_by_test_id("request-details")).to_contain_text(
        "at Baton Rouge Surgical Hospital"
    )

    # The same member and codes again: the open case is shown before a duplicate is opened.
    page.goto("/cases/new/")
    page.get_by_label("Member name").fill("Claude Example")
    page.get_by_label("Member ID").fill("LA-300400")
    page.get_by_label("Member date of birth").fill("1961-04-02")
    page.get_by_label("Requesting provider").fill("Dr. Ada Provider")
    page.get_by_label("Provider NPI").fill("1234567893")
    fill_delivery(page)
    page.get_by_label("Line of business").select_option("medicaid")
    page.get_by_label("Payer policy").select_option("lhcc-la-cp-mp-173")
    page.get_by_label("Indication").select_option("non_malignant_pain")
    page.get_by_label("Requested codes").fill("62362")
    page.get_by_label("Diagnoses (ICD-10-CM)").fill("M96.1")
    page.get_by_label("Date of service").fill("2026-12-20")
    page.locator("#id_servicing_facility").fill("Baton Rouge Surgical Hospital")
    page.get_by_role("button", name="Open case").click()
    duplicates = page.get_by_test_id("duplicates")
    expect(duplicates).to_contain_text(case.reference)
    expect(page.get_by_label(re.compile("Open a new case anyway"))).to_be_focused()
    screenshot(page, "intake", "2-duplicate")
    assert_accessible(page, "intake with a duplicate")
    assert Case.objects.count() == 2
    page.get_by_label(re.compile("Open a new case anyway")).check()
    page.get_by_role("button", name="Open case").click()
    expect(page.locator("#messages")).to_contain_text("opened")
    assert Case.objects.count() == 3
