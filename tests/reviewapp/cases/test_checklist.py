"""Working the checklist: facts propose, answers confirm or override, evidence proves."""

import re

import pytest

from criteria import selectors as library
from reviewapp.cases import services
from reviewapp.cases.models import Answer, CaseEvent, CaseFact, EventKind, FactOrigin
from tests.factories import CaseFactory, EvidenceFactory

from .conftest import HTMX

pytestmark = pytest.mark.django_db


def node(case, label):
    return library.checklist_nodes(case.checklist)[label]


def answer_url(case, label):
    return f"/cases/{case.pk}/criteria/{node(case, label).pk}/answer/"


def post_answer(client, case, label, status, revision=0, htmx=True, **extra):
    data = {
        "revision": revision,
        "status": status,
        "note": extra.pop("note", ""),
        "override_reason": extra.pop("override_reason", ""),
    }
    return client.post(answer_url(case, label), data, headers=HTMX if htmx else {})


def test_entering_a_fact_proposes_the_status_of_what_it_decides(case, nurse_client):
    response = nurse_client.post(
        f"/cases/{case.pk}/facts/pain_nrs/", {"revision": 0, "value": "7"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="fact-pain_nrs"')
    # Out of band: the criterion the fact decides, the rollup and the timeline.
    assert f'id="criterion-{node(case, "2.a").pk}"' in html and 'hx-swap-oob="true"' in html
    assert 'id="rollup"' in html and 'id="timeline"' in html
    answer = Answer.objects.get(case=case, criterion=node(case, "2.a"))
    assert answer.proposed_status == "unknown" and answer.status == ""  # needs the ADL fact too
    nurse_client.post(
        f"/cases/{case.pk}/facts/pain_limits_daily_function/",
        {"revision": 0, "value": "true"},
        headers=HTMX,
    )
    answer.refresh_from_db()
    assert answer.proposed_status == "met" and answer.status == ""  # proposed, not confirmed
    nurse_client.post(
        f"/cases/{case.pk}/facts/pain_nrs/", {"revision": 1, "value": "6"}, headers=HTMX
    )
    answer.refresh_from_db()
    assert answer.proposed_status == "not_met"  # Molina: above 6


def test_confirming_a_proposal_and_overriding_it_with_a_reason(case, nurse, nurse_client):
    services.fact_record(case=case, by=nurse, name="age_years", raw_value="45", expected_revision=0)
    response = post_answer(nurse_client, case, "Adult", "met")
    assert response.status_code == 200
    answer = Answer.objects.get(case=case, criterion=node(case, "Adult"))
    assert (answer.status, answer.proposed_status, answer.revision) == ("met", "met", 1)

    response = post_answer(nurse_client, case, "Adult", "not_met", revision=1)
    assert response.status_code == 422
    assert "Give a reason to record it as not met" in response.content.decode()
    answer.refresh_from_db()
    assert answer.status == "met"  # nothing changed

    response = post_answer(
        nurse_client,
        case,
        "Adult",
        "not_met",
        revision=1,
        override_reason="Date of birth on the ID card differs.",
    )
    assert response.status_code == 200
    answer.refresh_from_db()
    assert (answer.status, answer.proposed_status) == ("not_met", "met")
    assert answer.override_reason == "Date of birth on the ID card differs."
    assert "override of the facts" in response.content.decode()


def test_answering_a_yes_no_criterion_records_its_fact(case, nurse, nurse_client):
    response = post_answer(nurse_client, case, "2.d", "met")  # no active infection
    assert response.status_code == 200
    assert CaseFact.objects.get(case=case, fact__name="active_infection").value is False
    assert 'id="facts-panel"' in response.content.decode()  # the facts panel follows, OOB
    post_answer(nurse_client, case, "2.d", "not_met", revision=1)
    assert CaseFact.objects.get(case=case, fact__name="active_infection").value is True


def test_a_criterion_needing_documentation_cannot_be_met_without_linked_evidence(
    case, nurse, nurse_client
):
    for name, value in (("pain_nrs", 8), ("pain_limits_daily_function", True)):
        services.fact_record(case=case, by=nurse, name=name, raw_value=value, expected_revision=0)
    response = post_answer(nurse_client, case, "2.a", "met")
    assert response.status_code == 422
    assert "needs documentation: choose the document" in response.content.decode()
    assert not Answer.objects.filter(case=case, criterion=node(case, "2.a"), status="met").exists()

    evidence = EvidenceFactory(case=case, by=nurse, pages=4)
    response = nurse_client.post(
        f"/cases/{case.pk}/criteria/{node(case, '2.a').pk}/evidence/",
        {"evidence": evidence.pk, "pages": "2-3"},
        headers=HTMX,
    )
    assert response.status_code == 200 and "p. 2-3" in response.content.decode()
    assert post_answer(nurse_client, case, "2.a", "met").status_code == 200

    # The only evidence of a met, documentation-requiring criterion cannot be removed.
    link = evidence.links.get()
    response = nurse_client.post(f"/cases/{case.pk}/links/{link.pk}/delete/", headers=HTMX)
    assert "change its answer before removing its only evidence" in response.content.decode()
    assert evidence.links.exists()


def test_two_people_saving_the_same_criterion(case, nurse, nurse_client):
    from django.test import Client

    # Only the assigned nurse works the case (and a referred case is the director's alone): the
    # same nurse in two browser tabs, both loaded at revision 0; the other tab saves first.
    other = Client()
    other.force_login(nurse)
    assert post_answer(other, case, "2.b", "met", note="Weight 80 kg.").status_code == 200
    response = post_answer(
        nurse_client, case, "2.b", "not_met", note="Very thin.", override_reason="Cachexia"
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "saved criterion 2.b while you were editing" in html
    assert "Weight 80 kg." in html  # the other answer is shown
    assert 'value="Very thin."' in html  # and nothing typed is lost
    assert 'name="revision" value="1"' in html  # re-saving now knowingly replaces it
    answer = Answer.objects.get(case=case, criterion=node(case, "2.b"))
    assert answer.note == "Weight 80 kg." and answer.answered_by == nurse


def test_fact_edits_conflict_too(case, nurse, nurse_client):
    services.fact_record(case=case, by=nurse, name="pain_nrs", raw_value=5, expected_revision=0)
    response = nurse_client.post(
        f"/cases/{case.pk}/facts/pain_nrs/", {"revision": 0, "value": "9"}, headers=HTMX
    )
    assert response.status_code == 409
    assert "was changed by" in response.content.decode()
    assert CaseFact.objects.get(case=case, fact__name="pain_nrs").value == 5


def test_a_fact_records_where_it_came_from(case, nurse, nurse_client):
    nurse_client.post(f"/cases/{case.pk}/facts/pain_nrs/", {"revision": 0, "value": "6"})
    typed = CaseFact.objects.get(case=case, fact__name="pain_nrs")
    assert (typed.origin, typed.origin_detail) == (FactOrigin.TYPED, "")
    services.fact_record(
        case=case,
        by=nurse,
        name="pain_nrs",
        raw_value=8,
        expected_revision=typed.revision,
        origin=FactOrigin.API,
        origin_detail="Claim bundle 77",
    )
    received = CaseFact.objects.get(case=case, fact__name="pain_nrs")
    assert (received.value, received.origin, received.origin_detail) == (
        8,
        "api",
        "Claim bundle 77",
    )
    event = CaseEvent.objects.filter(case=case, kind=EventKind.FACT_RECORDED).first()
    assert event.after == {"pain_nrs": 8, "origin": "api", "origin_detail": "Claim bundle 77"}
    assert event.summary.endswith("(received from the provider over the API: Claim bundle 77)")


@pytest.mark.parametrize(
    ("value", "message"),
    [("11", "above the maximum 10"), ("7.5", "not a whole number"), ("seven", "not a number")],
)
def test_bad_fact_values_are_refused(case, nurse_client, value, message):
    response = nurse_client.post(
        f"/cases/{case.pk}/facts/pain_nrs/", {"revision": 0, "value": value}, headers=HTMX
    )
    assert response.status_code == 422 and message in response.content.decode()
    assert f'value="{value}"' in response.content.decode()  # what was typed stays
    assert not CaseFact.objects.filter(case=case).exists()


def test_a_fact_the_checklist_does_not_use_is_404(case, nurse_client):
    response = nurse_client.post(
        f"/cases/{case.pk}/facts/pump_programmable/", {"revision": 0, "value": "true"}
    )
    assert response.status_code == 404


def test_htmx_answer_returns_the_row_and_out_of_band_rollup(case, nurse, nurse_client):
    response = post_answer(nurse_client, case, "2.d", "met")
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="criterion-{node(case, "2.d").pk}"')
    assert re.search(r'id="rollup"[^>]*hx-swap-oob="innerHTML"', html)
    assert "1 of 12 answered" in html
    assert "<html" not in html


def test_without_javascript_the_same_form_posts_and_redirects(case, nurse_client):
    response = post_answer(nurse_client, case, "2.d", "met", htmx=False)
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/#criterion-{node(case, '2.d').pk}"
    # A refused save shows the whole page again, the reason and what was typed in the row.
    response = post_answer(
        nurse_client, case, "2.d", "bogus", revision=1, htmx=False, note="Typed before the error"
    )
    page = response.content.decode()
    assert response.status_code == 422 and "Select a valid choice" in page
    assert 'value="Typed before the error"' in page


def test_tampered_ids_are_refused(case, nurse, nurse_client):
    other_case = CaseFactory(by=nurse, policy="nia-cg-310")
    foreign_node = library.checklist_nodes(other_case.checklist)["P-T.1"]
    response = nurse_client.post(
        f"/cases/{case.pk}/criteria/{foreign_node.pk}/answer/",
        {"revision": 0, "status": "met"},
        headers=HTMX,
    )
    assert response.status_code == 404
    foreign_doc = EvidenceFactory(case=other_case, by=nurse)
    response = nurse_client.post(
        f"/cases/{case.pk}/criteria/{node(case, '2.a').pk}/evidence/",
        {"evidence": foreign_doc.pk, "pages": ""},
        headers=HTMX,
    )
    assert "not on this case" in response.content.decode()
    assert nurse_client.get(f"/cases/{case.pk}/evidence/{foreign_doc.pk}/file/").status_code == 404
    assert nurse_client.get("/cases/999999/").status_code == 404


def test_page_references_are_checked_against_the_document(case, nurse, nurse_client):
    evidence = EvidenceFactory(case=case, by=nurse, pages=3)
    url = f"/cases/{case.pk}/criteria/{node(case, '2.a').pk}/evidence/"
    response = nurse_client.post(url, {"evidence": evidence.pk, "pages": "4"}, headers=HTMX)
    assert "beyond the document&#x27;s 3 pages" in response.content.decode()
    response = nurse_client.post(url, {"evidence": evidence.pk, "pages": "3-1"}, headers=HTMX)
    assert "not a valid page range" in response.content.decode()
    nurse_client.post(url, {"evidence": evidence.pk, "pages": "1, 2–3"}, headers=HTMX)
    assert evidence.links.get().pages == "1, 2-3"


def test_from_a_document_see_which_criteria_rely_on_it(case, nurse, nurse_client):
    evidence = EvidenceFactory(case=case, by=nurse)
    for label in ("2.a", "2.c.iv"):
        services.evidence_link(
            case=case, by=nurse, evidence=evidence, criterion=node(case, label), pages="1"
        )
    html = nurse_client.get(f"/cases/{case.pk}/").content.decode()
    assert "Relied on by: 2.a, 2.c.iv" in html


@pytest.mark.parametrize("documents", [0, 6])
def test_case_page_query_count_is_constant_in_criteria_and_documents(
    nurse, nurse_client, django_assert_num_queries, documents
):
    # The largest checklist in the library (LHCC non-malignant permanent, 20 criteria).
    case = CaseFactory(
        by=nurse, policy="lhcc-la-cp-mp-173", stage="permanent", codes=(("62350", 1), ("62362", 1))
    )
    for i in range(documents):
        evidence = EvidenceFactory(case=case, by=nurse)
        services.evidence_link(
            case=case,
            by=nurse,
            evidence=evidence,
            criterion=node(case, "I.B.1" if i % 2 else "II.B.4"),
            pages="1",
        )
    nurse_client.get(f"/cases/{case.pk}/")  # warm the library caches and the session clock
    # session; user (with staff profile); group names with their permissions (roles, access);
    # user permissions; case (with reviewer; its policy, version and checklist come from the
    # library cache); answers; documents; facts; timeline events; the staff who recorded them (one
    # query for all); evidence links; active exceptions; determinations; requested services and
    # diagnoses (header). The turnaround rule is read only for a pended case's header; the events
    # since the referral only for a referred case. The access log: the case's reference and
    # member ID, then the row itself.
    with django_assert_num_queries(17):
        response = nurse_client.get(f"/cases/{case.pk}/")
    assert response.content.decode().count('class="list-group-item criterion-row"') == 20


def test_roles_for_the_case_page(case, role_clients):
    assert role_clients["director"].get(f"/cases/{case.pk}/").status_code == 200
    assert role_clients["administrator"].get(f"/cases/{case.pk}/").status_code == 403
    assert role_clients["no_role"].get(f"/cases/{case.pk}/").status_code == 403
    response = role_clients["administrator"].post(
        answer_url(case, "2.d"), {"revision": 0, "status": "met"}
    )
    assert response.status_code == 403
    assert not Answer.objects.filter(case=case).exists()


def test_every_change_is_in_the_timeline_with_before_and_after(case, nurse, nurse_client):
    post_answer(nurse_client, case, "2.d", "met", note="Afebrile")
    post_answer(nurse_client, case, "2.d", "not_met", revision=1, note="Cellulitis")
    events = list(CaseEvent.objects.filter(case=case, kind="answer_recorded").order_by("at"))
    assert events[0].before is None and events[0].after["status"] == "met"
    assert events[1].before["note"] == "Afebrile" and events[1].after["note"] == "Cellulitis"
    assert all(e.actor == nurse for e in events)
    # Row history from django-simple-history as well.
    answer = Answer.objects.get(case=case, criterion=node(case, "2.d"))
    assert [h.status for h in answer.history.order_by("history_date")] == ["met", "not_met"]
    timeline = nurse_client.get(f"/cases/{case.pk}/timeline/").content.decode()
    assert "2.d: not met" in timeline and "Cellulitis" in timeline


def test_case_events_are_append_only(case):
    from django.core.exceptions import ValidationError

    event = CaseEvent.objects.filter(case=case).first()
    event.summary = "rewritten"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_not_documented_needs_no_reason_even_when_the_facts_say_met(case, nurse, nurse_client):
    services.fact_record(case=case, by=nurse, name="age_years", raw_value="45", expected_revision=0)
    response = post_answer(nurse_client, case, "Adult", "not_documented")
    assert response.status_code == 200
    answer = Answer.objects.get(case=case, criterion=node(case, "Adult"))
    assert answer.status == "not_documented" and not answer.disagrees_with_facts
