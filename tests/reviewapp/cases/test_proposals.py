"""The facts' proposals applied by the reviewer: one criterion, or every unanswered one the facts
decide, with the documents the facts were recorded from linked in the same step; recorded as an
applied proposal; nothing applied without the reviewer's action, nothing answered overwritten."""

from __future__ import annotations

import pytest

from criteria import selectors as library
from reviewapp.cases import services
from reviewapp.cases.models import Answer, AnswerOrigin, CaseEvent, EventKind, EvidenceLink
from reviewapp.cases.selectors import EvidenceChoice
from reviewapp.demo.cases import DEMO_CASES, _build
from reviewapp.demo.services import demo_staff_load
from tests.factories import CaseFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def node(case, label):
    return library.checklist_nodes(case.checklist)[label]


@pytest.fixture
def clean_case():
    """The demo's clean LHCC non-malignant permanent case: documents uploaded, facts recorded
    from their pages, nothing answered."""
    demo_staff_load()
    spec = next(s for s in DEMO_CASES if s.member_id == "DM100013")
    return _build(spec)


def test_the_demo_clean_case_is_ready_for_the_facts_proposals(clean_case):
    assert clean_case.checklist.key == "non-malignant-permanent"
    assert not Answer.objects.filter(case=clean_case).exclude(status="").exists()
    assert clean_case.evidence.count() == 4
    assert not EvidenceLink.objects.filter(case=clean_case).exists()
    # Every fact names the document page it was read from.
    assert all(f.source_evidence_id for f in clean_case.facts.all())
    assert clean_case.line_of_business == "medicaid"
    assert [d.code for d in clean_case.diagnoses.all()] == ["M96.1", "G89.29"]


def test_apply_all_answers_every_criterion_with_its_documents_and_the_case_meets(clean_case):
    from django.contrib.auth.models import User

    from reviewapp.cases import selectors

    nurse = User.objects.get(username="nurse")
    result = services.proposals_apply_all(case=clean_case, by=nurse)
    assert len(result.applied) == 20 and not result.needs_document and not result.undecided
    answers = {a.criterion.label: a for a in Answer.objects.filter(case=clean_case)}
    assert {a.status for a in answers.values()} == {"met"}
    assert {a.origin for a in answers.values()} == {AnswerOrigin.PROPOSAL}
    # I.B.6 reads two facts from the psychological evaluation: linked once, at its page.
    links = EvidenceLink.objects.filter(case=clean_case, criterion=node(clean_case, "I.B.6"))
    assert [(link.evidence.original_name, link.pages) for link in links] == [
        ("psychological-evaluation.pdf", "1")
    ]
    # II.B.8 (spinal anomaly) needs no documentation, but its fact names page 2: linked too.
    link = EvidenceLink.objects.get(case=clean_case, criterion=node(clean_case, "II.B.8"))
    assert (link.evidence.original_name, link.pages) == ("pre-implant-assessment.pdf", "2")
    ws = selectors.case_workspace(clean_case)
    assert ws.rollup.meets and not ws.applicable
    # The audit trail says each answer was the facts' proposal, applied by the nurse.
    applied = CaseEvent.objects.filter(case=clean_case, kind=EventKind.PROPOSAL_APPLIED)
    assert applied.count() == 21  # one per criterion, and one for the whole action
    event = applied.get(after__criterion="I.B.10")
    assert event.actor == nurse and event.after["origin"] == "proposal"
    assert event.after["evidence_linked"] == ["pain-management-note.pdf p. 2"]
    assert "the facts' proposal, applied" in event.summary


def test_apply_all_leaves_answers_alone_and_names_what_still_needs_a_document(nurse):
    case = CaseFactory(
        by=nurse,
        policy="lhcc-la-cp-mp-173",
        indication="malignant_pain",
        stage="trial",
        codes=(("62324", 1),),
    )
    note = EvidenceFactory(case=case, by=nurse, name="oncology.pdf", pages=3)
    for name, value, source in (
        ("systemic_analgesics_failed", True, EvidenceChoice(note, "2")),
        ("life_expectancy_months", 8, None),  # recorded without naming its document
        ("active_infection", False, None),
    ):
        services.fact_record(
            case=case, by=nurse, name=name, raw_value=value, expected_revision=0, source=source
        )
    services.answer_record(
        case=case,
        criterion=node(case, "I.A.4"),
        by=nurse,
        status="not_documented",
        note="Awaiting the infection screen.",
        override_reason="",
        expected_revision=0,
    )
    result = services.proposals_apply_all(case=case, by=nurse)
    assert result.labels == ("I.A.1",)
    assert result.needs_document == ("I.A.2",)  # the facts say met, no document shows it
    assert result.undecided == ("I.A.3",)  # its fact is not recorded
    # The nurse's own answer stands, though the facts now say met.
    assert Answer.objects.get(case=case, criterion=node(case, "I.A.4")).status == "not_documented"
    link = EvidenceLink.objects.get(case=case, criterion=node(case, "I.A.1"))
    assert (link.evidence, link.pages) == (note, "2")


def test_one_proposal_from_the_row(nurse, nurse_client):
    case = CaseFactory(by=nurse)  # Molina non-malignant trial
    note = EvidenceFactory(case=case, by=nurse, pages=4)
    for name, value in (("pain_nrs", 8), ("pain_limits_daily_function", True)):
        services.fact_record(
            case=case,
            by=nurse,
            name=name,
            raw_value=value,
            expected_revision=0,
            source=EvidenceChoice(note, "3"),
        )
    page = nurse_client.get(f"/cases/{case.pk}/").content.decode()
    assert f'id="apply-{node(case, "2.a").pk}"' in page
    assert "Apply the facts' proposal: Met" in page and f"with {note.original_name} p. 3" in page
    response = nurse_client.post(
        f"/cases/{case.pk}/criteria/{node(case, '2.a').pk}/apply/", {"revision": 0}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="criterion-{node(case, "2.a").pk}"')
    assert "Facts' proposal applied by" in html and f"{note.original_name}, p. 3" in html
    assert 'id="announcer"' in html and "2.a: the facts&#x27; proposal, met, applied" in html
    answer = Answer.objects.get(case=case, criterion=node(case, "2.a"))
    assert answer.status == "met" and answer.origin == "proposal" and answer.answered_by == nurse
    # Applied again with the old revision: refused as a conflict, nothing changes.
    response = nurse_client.post(
        f"/cases/{case.pk}/criteria/{node(case, '2.a').pk}/apply/", {"revision": 0}, headers=HTMX
    )
    assert response.status_code == 409


def test_a_proposal_the_facts_do_not_decide_is_refused(case, nurse_client):
    response = nurse_client.post(
        f"/cases/{case.pk}/criteria/{node(case, '2.a').pk}/apply/", {"revision": 0}, headers=HTMX
    )
    assert response.status_code == 422
    assert "The facts do not decide 2.a yet" in response.content.decode()
    assert not Answer.objects.filter(case=case).exclude(status="").exists()


def test_apply_all_without_javascript_and_its_htmx_response(clean_case, client):
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="nurse"))
    page = client.get(f"/cases/{clean_case.pk}/").content.decode()
    assert "Apply the facts' proposals (20)" in page
    response = client.post(f"/cases/{clean_case.pk}/proposals/apply/")
    assert response.status_code == 302 and response["Location"].endswith("#checklist")
    page = client.get(f"/cases/{clean_case.pk}/").content.decode()
    assert "Applied the facts&#x27; proposals to 20 criteria" in page
    assert 'data-testid="outcome">Meets the criteria' in page
    assert (
        'id="approve-submit">Approve</button>' in page
        and "disabled" not in page.split('id="approve-submit"')[0].rsplit("<", 1)[-1]
    )


def test_only_a_reviewer_who_may_change_the_case_applies_proposals(clean_case, role_clients):
    for role in ("administrator", "no_role"):
        response = role_clients[role].post(f"/cases/{clean_case.pk}/proposals/apply/")
        assert response.status_code == 403
    assert not Answer.objects.filter(case=clean_case).exclude(status="").exists()


def test_a_fact_names_the_document_page_it_was_read_from(case, nurse, nurse_client):
    note = EvidenceFactory(case=case, by=nurse, pages=4)
    url = f"/cases/{case.pk}/facts/pain_nrs/"
    response = nurse_client.post(
        url, {"revision": 0, "value": "8", "source": note.pk, "source_pages": "3"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{note.original_name} p. 3" in html and "?page=3" in html
    fact = case.facts.get(fact__name="pain_nrs")
    assert (fact.source_evidence, fact.source_pages) == (note, "3")
    event = CaseEvent.objects.filter(case=case, kind=EventKind.FACT_RECORDED).latest("at")
    assert event.after["source"] == {"evidence": note.pk, "name": note.original_name, "pages": "3"}
    assert f"(documented in {note.original_name} p. 3)" in event.summary
    # The same value, another page: recorded (and audited) as a change of where it is shown.
    nurse_client.post(
        url, {"revision": 1, "value": "8", "source": note.pk, "source_pages": "4"}, headers=HTMX
    )
    fact.refresh_from_db()
    assert fact.source_pages == "4" and fact.value == 8
    # A page the document does not have, or another case's document, is refused.
    response = nurse_client.post(
        url, {"revision": 2, "value": "8", "source": note.pk, "source_pages": "9"}, headers=HTMX
    )
    assert response.status_code == 422 and "beyond the document" in response.content.decode()
    other = EvidenceFactory(case=CaseFactory(by=nurse), by=nurse)
    response = nurse_client.post(
        url, {"revision": 2, "value": "8", "source": other.pk}, headers=HTMX
    )
    assert response.status_code == 422 and "not on this case" in response.content.decode()
