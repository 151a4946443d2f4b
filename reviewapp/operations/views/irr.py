"""Inter-rater reliability: the manager's studies (draw, follow, reference answers, report,
close) and the reviewers' blind re-reviews."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.core.csvexport import csv_response

from .. import charts, forms, rules, selectors, services
from ..models import IrrReference


@require_http_methods(["GET", "POST"])
def studies(request: HttpRequest) -> HttpResponse:
    """Every study, and the form that draws a new one."""
    selectors.operations_access(user=request.user)
    form = forms.StudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        original = data["original_reviewer"]
        draw = services.StudyDraw(
            title=data["title"],
            decided_from=data["decided_from"],
            decided_to=data["decided_to"],
            sample_size=data["sample_size"],
            reviewers=form.users(data["reviewers"]),
            reviewers_per_case=data["reviewers_per_case"],
            reference=data["reference"],
            policy=data["policy"],
            original_reviewer=form.users([original])[0] if original else None,
            notes=data["notes"],
        )
        try:
            study = services.irr_study_create(draw=draw, by=request.user)
        except services.IrrRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Study drawn: {study.cases.count()} cases assigned.")
            return redirect("operations:irr-study", pk=study.pk)
    status = 422 if form.errors else 200
    context = {"form": form, "studies": selectors.irr_studies()}
    return render(request, "operations/irr_studies.html", context, status=status)


@require_GET
def study(request: HttpRequest, pk: int) -> HttpResponse:
    study = selectors.irr_study_get(user=request.user, pk=pk)
    context = {
        "study": study,
        "study_cases": selectors.irr_study_cases(study),
        "manager_reference": study.reference == IrrReference.MANAGER,
    }
    return render(request, "operations/irr_study.html", context)


@require_POST
def study_close(request: HttpRequest, pk: int) -> HttpResponse:
    study = selectors.irr_study_get(user=request.user, pk=pk)
    try:
        services.irr_study_close(study=study, by=request.user)
    except services.IrrRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Study closed; its report is final.")
    return redirect("operations:irr-report", pk=study.pk)


@require_http_methods(["GET", "POST"])
def reference(request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
    """A manager's reference answers for one sampled case."""
    study = selectors.irr_study_get(user=request.user, pk=pk)
    study_case = selectors.irr_study_case_get(study=study, pk=case_pk)
    criteria = selectors.checklist_criteria(study_case.case)
    initial = {f"criterion_{node}": status for node, status in study_case.reference_answers.items()}
    form = forms.ChecklistAnswersForm(request.POST or None, criteria=criteria, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.irr_reference_record(
                study_case=study_case, by=request.user, answers=form.answers()
            )
        except services.IrrRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Reference answers recorded for case {study_case.position}.")
            return redirect("operations:irr-study", pk=study.pk)
    context = {
        "study": study,
        "study_case": study_case,
        "form": form,
        "editable": not rules.study_open_refusal(study=study),
    }
    return render(
        request, "operations/irr_reference.html", context, status=422 if form.errors else 200
    )


def _percent(share: float | None) -> str:
    return "no answers" if share is None else f"{share:.0%}"


@require_GET
def report(request: HttpRequest, pk: int) -> HttpResponse:
    study = selectors.irr_study_get(user=request.user, pk=pk)
    found = selectors.irr_report(study)
    context = {
        "study": study,
        "report": found,
        "criterion_chart": charts.hbar_chart(
            chart_id="chart-agreement-per-criterion",
            title="Agreement with the reference, per criterion",
            items=[
                (row.label, 100 * (row.agreement.share or 0), _percent(row.agreement.share))
                for row in found.by_criterion
            ],
            maximum=100,
            label_width=120,
        ),
    }
    return render(request, "operations/irr_report.html", context)


@require_GET
def report_export(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The report's tables in one CSV: overall, per criterion, per reviewer."""
    study = selectors.irr_study_get(user=request.user, pk=pk)
    found = selectors.irr_report(study)

    def line(scope: str, label: str, detail: str, figures) -> list[object]:
        kappa = None if figures.kappa is None else round(figures.kappa, 3)
        share = None if figures.share is None else round(100 * figures.share, 1)
        return [scope, label, detail, figures.items, figures.agreed, share, kappa]

    rows = [line("overall", study.title, study.get_reference_display(), found.overall)]
    rows += [line("criterion", r.label, r.detail, r.agreement) for r in found.by_criterion]
    rows += [line("reviewer", r.label, r.detail, r.agreement) for r in found.by_reviewer]
    header = ["scope", "name", "detail", "answers", "agreed", "agreement_pct", "kappa"]
    return csv_response(f"irr-study-{study.pk}.csv", header, rows)


@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    """A reviewer's blind re-reviews: to do, and done."""
    selectors.irr_assignment_access(user=request.user)
    assignments = list(selectors.irr_assignments_for(user=request.user))
    return render(request, "operations/irr_reviews.html", {"assignments": assignments})


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """One blind re-review: the request, its documents and the checklist, nothing of the original
    review. Answers are submitted once, all together."""
    assignment = selectors.irr_assignment_get_for_user(user=request.user, pk=pk)
    blind = selectors.irr_blind_review(assignment)
    refusal = rules.answer_refusal(assignment=assignment, user=request.user)
    form = forms.ChecklistAnswersForm(request.POST or None, criteria=blind.criteria)
    if request.method == "POST" and form.is_valid():
        try:
            services.irr_answers_submit(
                assignment=assignment, by=request.user, answers=form.answers()
            )
        except services.IrrRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your answers are submitted. Thank you.")
            return redirect("operations:irr-reviews")
    context = {
        "blind": blind,
        "form": form,
        "refusal": refusal,
    }
    return render(
        request, "operations/irr_review.html", context, status=422 if form.errors else 200
    )
