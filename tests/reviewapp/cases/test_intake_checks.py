"""What a UM nurse expects intake to catch: a trial and an implant in one request, too many
units, a line of business the payer does not offer, diagnosis codes, the date of service and
facility, a duplicate of an open case, and a permanent request linked to its trial case."""

from __future__ import annotations

import pytest

from criteria.codes import CodeListError, parse_code_list, stage_conflict
from criteria.models import Policy
from reviewapp.audit.models import AccessEvent
from reviewapp.cases import services
from reviewapp.cases.models import Case, CaseEvent, CaseFact, EventKind, FactOrigin
from reviewapp.cases.services import icd10_normalise
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def errors_of(response) -> str:
    return response.content.decode()


def test_trial_and_permanent_codes_in_one_request_are_a_conflict(nurse_client, intake_data):
    assert stage_conflict(["62324", "62350", "E0783"]) is not None
    assert stage_conflict(["62350", "62362", "E0786"]) is None  # replacement with implant codes
    intake_data["codes"] = "62324, 62350, E0783"
    response = nurse_client.post("/cases/new/", intake_data)
    assert response.status_code == 422 and not Case.objects.exists()
    page = errors_of(response)
    assert "Trial codes (62324) and permanent-implant codes (62350, E0783)" in page


def test_units_above_what_the_code_allows_are_refused(nurse_client, intake_data):
    assert parse_code_list("J2274 x40") == [("J2274", 40)]
    with pytest.raises(CodeListError, match="more than this code allows"):
        parse_code_list("62350 x2")
    intake_data["codes"] = "62322 x3"
    response = nurse_client.post("/cases/new/", intake_data)
    assert response.status_code == 422 and not Case.objects.exists()
    assert "62322: 3 units is more than this code allows on one date of service (1 unit)" in (
        errors_of(response)
    )


def test_the_line_of_business_must_be_one_the_payer_offers(nurse_client, intake_data, nurse):
    lhcc = Policy.objects.get(key="lhcc-la-cp-mp-173")
    assert lhcc.lines_of_business == ["medicaid"]
    assert Policy.objects.get(key="uhc-pharmacy-339.7").lines_of_business == ["commercial"]
    intake_data.update(policy="lhcc-la-cp-mp-173", line_of_business="commercial")
    response = nurse_client.post("/cases/new/", intake_data)
    assert response.status_code == 422 and not Case.objects.exists()
    assert "Louisiana Healthcare Connections offers LA.CP.MP.173 for Medicaid only" in (
        errors_of(response)
    )
    # The service holds the rule too, whoever calls it.
    with pytest.raises(services.CaseActionRefused, match="for Medicaid only, not Commercial"):
        CaseFactory(by=nurse, policy="lhcc-la-cp-mp-173", line_of_business="commercial")
    intake_data["line_of_business"] = "medicaid"
    assert nurse_client.post("/cases/new/", intake_data).status_code == 302


@pytest.mark.parametrize(
    ("typed", "normal"),
    [("g894", "G89.4"), ("M96.1", "M96.1"), ("g89.29", "G89.29"), ("Z45.49", "Z45.49")],
)
def test_icd10_codes_are_normalised(typed, normal):
    assert icd10_normalise(typed) == normal


@pytest.mark.parametrize("typed", ["89.4", "G8", "GG9.4", "G89.12345", "G8.94"])
def test_malformed_icd10_codes_are_refused(typed):
    assert icd10_normalise(typed) is None


def test_diagnoses_date_of_service_and_facility_are_recorded(nurse_client, intake_data):
    intake_data.update(
        diagnoses="m961 G89.29",
        servicing_facility="Bayou Surgical Center",
        servicing_facility_npi="1245319599",
    )
    assert nurse_client.post("/cases/new/", intake_data).status_code == 302
    case = Case.objects.get()
    assert [(d.position, d.code, d.is_primary) for d in case.diagnoses.all()] == [
        (1, "M96.1", True),
        (2, "G89.29", False),
    ]
    assert case.service_date.isoformat() == intake_data["service_date"]
    assert case.servicing_facility == "Bayou Surgical Center"
    assert case.servicing_facility_npi == "1245319599"
    created = CaseEvent.objects.get(case=case, kind=EventKind.CREATED)
    assert created.after["diagnoses"] == ["M96.1", "G89.29"]
    page = nurse_client.get(f"/cases/{case.pk}/").content.decode()
    assert "M96.1 (primary), G89.29" in page and "at Bayou Surgical Center" in page


def test_every_field_error_at_once_with_the_focus_on_the_first(nurse_client, intake_data):
    intake_data.update(
        provider_npi="1234567890",
        diagnoses="G89.4, nonsense",
        codes="62322 x3",
        servicing_facility="",
        line_of_business="medicare_advantage",
        policy="uhc-pharmacy-339.7",
    )
    response = nurse_client.post("/cases/new/", intake_data)
    page = errors_of(response)
    assert response.status_code == 422
    summary = page.split('data-testid="error-summary"')[1].split("</div>")[0]
    for field in ("provider_npi", "line_of_business", "codes", "diagnoses", "servicing_facility"):
        assert f'href="#id_{field}"' in summary, field
    assert "5 things to correct" in summary
    # The first field with a problem (in the form's order) has the focus.
    assert page.count("autofocus") == 1
    assert 'name="provider_npi"' in page.split("autofocus")[0].rsplit("<input", 1)[1]


def test_an_open_case_for_the_member_and_codes_is_shown_before_a_duplicate(
    nurse, nurse_client, intake_data
):
    existing = CaseFactory(by=nurse, member_id="ZZ123456", codes=(("62322", 1),))
    response = nurse_client.post("/cases/new/", intake_data)
    assert response.status_code == 409 and Case.objects.count() == 1
    page = errors_of(response)
    assert 'data-testid="duplicates"' in page and existing.reference in page
    assert 'name="confirm_duplicate"' in page
    # Another code for the same member is no duplicate; the same code, confirmed, is opened.
    intake_data["confirm_duplicate"] = "on"
    assert nurse_client.post("/cases/new/", intake_data).status_code == 302
    assert Case.objects.count() == 2


def test_member_lookup_shows_open_and_trial_cases(nurse, nurse_client):
    trial = CaseFactory(by=nurse, member_id="ZZ777", codes=(("62322", 1),))
    html = nurse_client.get("/cases/new/member-cases/?member_id=zz777").content.decode()
    assert trial.reference in html and "use as the trial case" in html
    assert f'data-fill-value="{trial.reference}"' in html


def test_member_lookup_with_a_value_no_member_id_can_be_is_answered_and_logged(nurse_client):
    typed = "<b>" + "X" * 120
    response = nurse_client.get("/cases/new/member-cases/", {"member_id": typed})
    assert response.status_code == 200
    row = AccessEvent.objects.get(view_name="cases:member-cases")
    assert row.kind == "search" and row.member_id == "" and row.terms.startswith("member_id=<b>")


def test_a_permanent_request_carries_its_trial_cases_results_over(nurse, nurse_client, intake_data):
    trial = CaseFactory(by=nurse, member_id="ZZ123456", codes=(("62322", 1),))
    for name, value in (("pain_nrs", 8), ("age_years", 55)):
        services.fact_record(case=trial, by=nurse, name=name, raw_value=value, expected_revision=0)
    intake_data.update(codes="62350, 62362, E0783", trial_case=trial.reference.lower())
    response = nurse_client.post("/cases/new/", intake_data)
    assert response.status_code == 302, errors_of(response)
    case = Case.objects.exclude(pk=trial.pk).get()
    assert case.stage == "permanent" and case.trial_case == trial
    carried = {f.fact.name: f for f in CaseFact.objects.filter(case=case)}
    assert set(carried) == {"pain_nrs", "age_years"}
    assert {f.origin for f in carried.values()} == {FactOrigin.TRIAL_CASE}
    assert carried["pain_nrs"].origin_detail == f"trial case {trial.reference}"
    linked = CaseEvent.objects.get(case=case, kind=EventKind.TRIAL_CASE_LINKED)
    assert linked.after == {"trial_case": trial.reference, "facts": ["age_years", "pain_nrs"]}
    recorded = CaseEvent.objects.filter(case=case, kind=EventKind.FACT_RECORDED)
    assert recorded.count() == 2 and all("carried over from" in e.summary for e in recorded)
    # The facts propose what they decide on the new case.
    page = nurse_client.get(f"/cases/{case.pk}/").content.decode()
    assert f'Trial case <a href="/cases/{trial.pk}/">{trial.reference}</a>' in page
    assert "carried over from the member&#x27;s trial case" in page


def test_a_trial_case_must_be_the_members_and_a_trial(nurse, nurse_client, intake_data):
    other = CaseFactory(by=nurse, member_id="OTHER1", codes=(("62322", 1),))
    intake_data.update(codes="62350, 62362", trial_case=other.reference)
    page = errors_of(nurse_client.post("/cases/new/", intake_data))
    assert f"{other.reference} is another member&#x27;s case" in page
    intake_data.update(codes="62322", trial_case=other.reference)
    page = errors_of(nurse_client.post("/cases/new/", intake_data))
    assert "Only a permanent implant&#x27;s request is linked to a trial case" in page
    intake_data.update(codes="62350, 62362", trial_case="UM-1999-000001")
    page = errors_of(nurse_client.post("/cases/new/", intake_data))
    assert "There is no case UM-1999-000001" in page
    assert Case.objects.count() == 1


def test_the_intake_service_holds_the_code_rules_for_every_caller(nurse):
    """The API opens cases through the same service: the rules are there, not only in the form."""
    with pytest.raises(services.CaseActionRefused, match="Trial codes"):
        CaseFactory(by=nurse, codes=(("62322", 1), ("62350", 1)))
    with pytest.raises(services.CaseActionRefused, match="more than this code allows"):
        CaseFactory(by=nurse, codes=(("62322", 2),))
    with pytest.raises(services.CaseActionRefused, match=r"Not ICD-10-CM codes: 89\.4"):
        CaseFactory(by=nurse, diagnoses=("89.4",))
    assert not Case.objects.exists()
