"""Inter-rater reliability studies: the draw, the blind re-review, the report, the record.

The report is checked against values computed by hand. Two closed Molina MCP-160 malignant
trial cases (9 criteria each in the current edition: Adult, 1.a-1.d, 1.e.i-iii, WA), worked by
Nina; Oscar re-reviews both:

    case 1  original: every criterion met but 1.d (not met); Oscar answers the same
    case 2  original: every criterion met; Oscar answers 1.a not met, the rest met

Pairs (Oscar, reference): 16 met/met, 1 not met/not met, 1 not met/met. Agreement 17/18.
Chance: Oscar met 16, not met 2; reference met 17, not met 1; p_e = (16*17 + 2*1)/324 = 274/324.
Kappa = (17/18 - 274/324) / (1 - 274/324) = 32/50 = 16/25 = 0.64.
Criterion 1.a: (met, met) and (not met, met): agreement 1/2, p_e = (1*2)/4 = 0.5, kappa 0.
Criterion 1.d: (not met, not met) and (met, met): agreement 2/2, p_e = 0.5, kappa 1.
Criterion "Adult": met/met twice: agreement 2/2, kappa not defined (p_e = 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from criteria import selectors as library
from reviewapp.cases.models import AnswerStatus
from reviewapp.decisions.models import Outcome
from reviewapp.operations import selectors, services
from reviewapp.operations.models import IrrAnswer, IrrAssignment, IrrReference, IrrStudy

from .conftest import closed_case

pytestmark = pytest.mark.django_db
JUNE = (dt.date(2025, 6, 1), dt.date(2025, 6, 30))


@pytest.fixture
def sampled(nurse):
    first = closed_case(nurse, overrides={"1.d": ("not_met", "The notes say otherwise.")})
    second = closed_case(nurse)
    return first, second


def draw(by, reviewers, **kwargs):
    values = {
        "title": "June 2025, MCP-160",
        "decided_from": JUNE[0],
        "decided_to": JUNE[1],
        "sample_size": 10,
        "reviewers": reviewers,
        "seed": 7,
    } | kwargs
    return services.irr_study_create(draw=services.StudyDraw(**values), by=by)


def answers_for(case, **changed):
    nodes = library.checklist_nodes(case.checklist)
    return {
        node.pk: changed.get(label.replace(".", "_"), AnswerStatus.MET)
        for label, node in nodes.items()
    }


def test_the_draw_samples_closed_cases_and_assigns_other_reviewers(
    sampled, nurse, other_nurse, manager
):
    closed_case(nurse, decided="2025-07-02 10:00")  # outside the period
    closed_case(nurse, decided="2025-06-12 10:00", outcome=Outcome.WITHDRAWN)  # withdrawn
    study = draw(manager, [other_nurse, nurse])
    cases = list(study.cases.order_by("position"))
    assert {c.case for c in cases} == set(sampled)
    assert study.candidates == 2 and study.seed == 7
    # Nina worked both cases: they go to Oscar only.
    assert {a.reviewer for a in IrrAssignment.objects.filter(study_case__study=study)} == {
        other_nurse
    }
    first = next(c for c in cases if c.case == sampled[0])
    node_1d = library.checklist_nodes(sampled[0].checklist)["1.d"]
    assert first.original_answers[str(node_1d.pk)] == "not_met"
    assert first.original_reviewer == nurse
    # The same seed draws the same sample.
    again = draw(manager, [other_nurse], sample_size=1)
    assert again.cases.get().case == draw(manager, [other_nurse], sample_size=1).cases.get().case


def test_the_draw_refuses_what_cannot_be_done(sampled, nurse, other_nurse, manager, director):
    with pytest.raises(services.IrrRefused, match="neither worked nor decided"):
        draw(manager, [nurse, other_nurse], reviewers_per_case=2)
    with pytest.raises(services.IrrRefused, match="No closed case matches"):
        draw(
            manager,
            [other_nurse],
            decided_from=dt.date(2024, 1, 1),
            decided_to=dt.date(2024, 1, 31),
        )
    with pytest.raises(services.IrrRefused, match="not an active reviewer"):
        draw(manager, [manager])
    with pytest.raises(services.IrrRefused, match="UM managers"):
        draw(director, [other_nurse])
    assert not IrrStudy.objects.exists()


def test_the_blind_review_hides_the_original_review(sampled, nurse, other_nurse, manager):
    from django.test import Client

    study = draw(manager, [other_nurse])
    assignment = IrrAssignment.objects.filter(study_case__study=study).first()
    client = Client()
    client.force_login(other_nurse)
    html = client.get(f"/operations/irr/reviews/{assignment.pk}/").content.decode()
    case = assignment.study_case.case
    assert "checked" not in html  # nothing pre-filled
    assert "The notes say otherwise." not in html and case.member_name not in html
    assert "Approved" not in html and "clinical-record.pdf" in html
    # Someone else's review is not found; a manager cannot answer.
    other = Client()
    other.force_login(nurse)
    assert other.get(f"/operations/irr/reviews/{assignment.pk}/").status_code == 404
    mine = Client()
    mine.force_login(manager)
    assert mine.get(f"/operations/irr/reviews/{assignment.pk}/").status_code == 403


def test_answers_are_complete_and_final(sampled, other_nurse, manager):
    study = draw(manager, [other_nurse])
    assignment = IrrAssignment.objects.filter(study_case__study=study).first()
    case = assignment.study_case.case
    partial = dict(list(answers_for(case).items())[:3])
    with pytest.raises(services.IrrRefused, match="Answer every criterion"):
        services.irr_answers_submit(assignment=assignment, by=other_nurse, answers=partial)
    services.irr_answers_submit(assignment=assignment, by=other_nurse, answers=answers_for(case))
    with pytest.raises(services.IrrRefused, match="already"):
        services.irr_answers_submit(
            assignment=assignment, by=other_nurse, answers=answers_for(case)
        )
    assert IrrAnswer.objects.filter(assignment=assignment).count() == 9


def test_the_report_matches_the_hand_computed_agreement(sampled, other_nurse, manager):
    study = draw(manager, [other_nurse])
    for assignment in IrrAssignment.objects.filter(study_case__study=study):
        case = assignment.study_case.case
        changed = {"1_d": "not_met"} if case == sampled[0] else {"1_a": "not_met"}
        services.irr_answers_submit(
            assignment=assignment, by=other_nurse, answers=answers_for(case, **changed)
        )
    report = selectors.irr_report(study)
    assert (report.overall.items, report.overall.agreed) == (18, 17)
    assert report.overall.kappa == pytest.approx(16 / 25)
    by_label = {row.label: row.agreement for row in report.by_criterion}
    assert (by_label["1.a"].share, by_label["1.a"].kappa) == (0.5, 0.0)
    assert (by_label["1.d"].share, by_label["1.d"].kappa) == (1.0, 1.0)
    assert (by_label["Adult"].share, by_label["Adult"].kappa) == (1.0, None)
    assert [(r.label, r.agreement.items) for r in report.by_reviewer] == [("Nurse Oscar, RN", 18)]
    assert [(d.criterion, d.answer, d.reference) for d in report.disagreements] == [
        ("1.a", "Not met", "Met")
    ]
    assert (report.assignments, report.submitted) == (2, 2)


def test_a_managers_reference_answers(sampled, other_nurse, manager):
    study = draw(manager, [other_nurse], reference=IrrReference.MANAGER)
    second = study.cases.get(case=sampled[1])
    services.irr_reference_record(
        study_case=second, by=manager, answers=answers_for(sampled[1], **{"1_a": "not_met"})
    )
    for assignment in IrrAssignment.objects.filter(study_case__study=study):
        case = assignment.study_case.case
        services.irr_answers_submit(
            assignment=assignment,
            by=other_nurse,
            answers=answers_for(case, **({"1_a": "not_met"} if case == sampled[1] else {})),
        )
    report = selectors.irr_report(study)
    # Only the case with reference answers counts, and Oscar agrees with all 9.
    assert (report.overall.items, report.overall.agreed) == (9, 9)
    assert report.cases_without_reference == 1
    second.refresh_from_db()
    assert second.reference_by == manager and second.history.count() == 2


def test_closing_freezes_the_study(sampled, other_nurse, manager):
    study = draw(manager, [other_nurse])
    services.irr_study_close(study=study, by=manager)
    assignment = IrrAssignment.objects.filter(study_case__study=study).first()
    with pytest.raises(services.IrrRefused, match="closed"):
        services.irr_answers_submit(
            assignment=assignment, by=other_nurse, answers=answers_for(assignment.study_case.case)
        )
    with pytest.raises(services.IrrRefused, match="closed"):
        services.irr_study_close(study=study, by=manager)
    assert selectors.irr_report(IrrStudy.objects.get(pk=study.pk)).final


def test_the_pages_from_draw_to_report(sampled, other_nurse, manager_client):
    response = manager_client.post(
        "/operations/irr/",
        {
            "title": "Pages study",
            "decided_from": "2025-06-01",
            "decided_to": "2025-06-30",
            "sample_size": "5",
            "reviewers": [str(other_nurse.pk)],
            "reviewers_per_case": "1",
            "reference": "original",
            "notes": "",
        },
    )
    study = IrrStudy.objects.get(title="Pages study")
    assert response.status_code == 302 and response["Location"] == f"/operations/irr/{study.pk}/"
    html = manager_client.get(response["Location"]).content.decode()
    assert sampled[0].reference in html and "to do" in html
    report = manager_client.get(f"/operations/irr/{study.pk}/report/").content.decode()
    assert "Interim" in report and "No answers submitted yet." in report
    export = manager_client.get(f"/operations/irr/{study.pk}/report/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0] == ["scope", "name", "detail", "answers", "agreed", "agreement_pct", "kappa"]
    assert rows[1][:4] == ["overall", "Pages study", "The original reviewer's answers", "0"]
    assert manager_client.post(f"/operations/irr/{study.pk}/close/").status_code == 302
    assert "Final" in manager_client.get(f"/operations/irr/{study.pk}/report/").content.decode()


def test_the_form_keeps_what_was_typed_and_says_why(sampled, nurse, manager_client):
    response = manager_client.post(
        "/operations/irr/",
        {
            "title": "Only Nina",
            "decided_from": "2025-06-30",
            "decided_to": "2025-06-01",
            "sample_size": "5",
            "reviewers": [str(nurse.pk)],
            "reviewers_per_case": "1",
            "reference": "original",
        },
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "The period ends before it starts." in html and 'value="Only Nina"' in html
    response = manager_client.post(
        "/operations/irr/",
        {
            "title": "Only Nina",
            "decided_from": "2025-06-01",
            "decided_to": "2025-06-30",
            "sample_size": "5",
            "reviewers": [str(nurse.pk)],
            "reviewers_per_case": "1",
            "reference": "original",
        },
    )
    assert "neither worked nor decided" in response.content.decode()
    assert not IrrStudy.objects.exists()


def test_a_reviewer_answers_through_the_page(sampled, other_nurse, manager):
    from django.test import Client

    study = draw(manager, [other_nurse], sample_size=1)
    assignment = IrrAssignment.objects.get(study_case__study=study)
    client = Client()
    client.force_login(other_nurse)
    assert "Case 1" in client.get("/operations/irr/reviews/").content.decode()
    url = f"/operations/irr/reviews/{assignment.pk}/"
    data = {
        f"criterion_{node}": status
        for node, status in answers_for(assignment.study_case.case).items()
    }
    missing = dict(list(data.items())[1:])
    assert client.post(url, missing).status_code == 422
    assert client.post(url, data).status_code == 302
    assert "Submitted" in client.get(url).content.decode()


def test_study_pages_query_counts_do_not_grow(
    sampled, nurse, other_nurse, manager, manager_client, django_assert_num_queries
):
    study = draw(manager, [other_nurse])
    for assignment in IrrAssignment.objects.filter(study_case__study=study):
        answers = answers_for(assignment.study_case.case)
        services.irr_answers_submit(assignment=assignment, by=other_nurse, answers=answers)
    manager_client.get("/operations/irr/")
    # session, user, group permissions, user permissions, the study, study cases (with their
    # cases), assignments (with reviewers), the access-log row
    with django_assert_num_queries(8):
        manager_client.get(f"/operations/irr/{study.pk}/")
    # ... the study, study cases, answers, progress, reviewer names, the access-log row
    with django_assert_num_queries(10):
        manager_client.get(f"/operations/irr/{study.pk}/report/")
