"""Intake: a new prior-authorization request becomes a case."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from reviewapp.accounts import drafts

from .. import forms, selectors, services
from ._case_page import require_reviewer

# Where letters go, in which language and format: passed through as the form cleaned them.
DELIVERY_FIELDS = (
    "member_address_line1",
    "member_address_line2",
    "member_city",
    "member_state",
    "member_zip",
    "preferred_language",
    "alternate_format",
    "provider_address_line1",
    "provider_address_line2",
    "provider_city",
    "provider_state",
    "provider_zip",
    "provider_fax",
    "servicing_provider_name",
    "servicing_provider_npi",
)


@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """Every field error at once (focus on the first); an open case of the same member for the
    same codes is shown before a duplicate is opened; a permanent request may name the member's
    trial case, whose trial results carry over."""
    require_reviewer(request)
    restored = drafts.draft_pop(request, page=request.path).get(request.path)
    if request.method == "GET" and restored:
        form = forms.IntakeForm(initial=restored)
    else:
        form = forms.IntakeForm(request.POST or None)
    duplicates: list = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        trial_case = None
        # The same form sent again (a double click, the back button): no check stands between
        # it and the case it opened the first time (``services.case_create_once``).
        resent = selectors.intake_token_used(token=data["intake_token"])
        if data["trial_case"] and not resent:
            trial_case = selectors.trial_case_get(reference=data["trial_case"])
            refusal = (
                services.trial_case_refusal(
                    trial_case=trial_case, member_id=data["member_id"], stage=data["stage"]
                )
                if trial_case
                else f"There is no case {data['trial_case']}."
            )
            if refusal:
                form.add_error("trial_case", refusal)
        codes = [code for code, _ in data["codes"]]
        if not resent:
            duplicates = selectors.duplicate_cases(member_id=data["member_id"], codes=codes)
        if duplicates and not data["confirm_duplicate"] and not form.errors:
            form.add_error(
                "confirm_duplicate",
                "This member has an open case for the same codes (below). Open that case, or "
                "confirm that this request is a new one.",
            )
        if not form.errors:
            case = _open(request, form, data, trial_case)
            if case is not None:
                return redirect("cases:detail", pk=case.pk)
    if duplicates:
        form.offer_duplicate_confirmation()
    if form.errors:
        form.autofocus_first_error()
    context = {
        "form": form,
        "known_codes": forms.known_codes(),
        "rules": selectors.turnaround_rules(),
        "duplicates": duplicates,
        "restored": bool(restored),
        # The member's cases, shown again with a form sent back (the lookup ran as it was typed).
        "found": selectors.member_cases(member_id=form["member_id"].value() or "")
        if form.is_bound
        else None,
        "policy_notices": selectors.intake_policy_notices(on=timezone.localdate()),
    }
    status = (409 if duplicates else 422) if request.method == "POST" else 200
    return render(request, "cases/intake.html", context, status=status)


def _open(request: HttpRequest, form: forms.IntakeForm, data: dict, trial_case) -> object:
    intake = services.Intake(
        member_name=data["member_name"],
        member_id=data["member_id"],
        member_dob=data["member_dob"],
        provider_name=data["provider_name"],
        provider_npi=data["provider_npi"],
        line_of_business=data["line_of_business"],
        priority=data["priority"],
        policy=data["policy"],
        indication=data["indication"],
        stage=data["stage"],
        received_at=data["received_at"],
        clinical_summary=data["clinical_summary"],
        services=data["codes"],
        diagnoses=data["diagnoses"],
        service_date=data["service_date"],
        servicing_facility=data["servicing_facility"],
        servicing_facility_npi=data["servicing_facility_npi"],
        trial_case=trial_case,
        **{name: data[name] for name in DELIVERY_FIELDS},
    )
    try:
        opened = services.case_create_once(
            intake=intake,
            by=request.user,
            assign_to_me=data["assign_to_me"],
            intake_token=data["intake_token"],
        )
    except services.CaseActionRefused as exc:
        form.add_error(None, str(exc))
        return None
    case = opened.case
    if opened.created:
        messages.success(request, f"Case {case.reference} opened.")
        for notice in selectors.case_opening_notices(case):
            messages.warning(request, notice)
    else:
        messages.info(
            request,
            f"This form was already sent: case {case.reference} was opened from it, "
            "and no second case was made.",
        )
    return case


@require_GET
def stage_hint(request: HttpRequest) -> HttpResponse:
    """What the typed codes suggest (the intake form asks as the nurse types)."""
    require_reviewer(request)
    # The hint quotes what was typed: it goes through the template, escaped.
    hint = selectors.intake_stage_hint(codes=request.GET.get("codes", ""))
    return render(request, "cases/_stage_hint.html", {"hint": hint})


@require_GET
def member_cases(request: HttpRequest) -> HttpResponse:
    """The member's open cases and trial cases, shown as the member ID is entered."""
    require_reviewer(request)
    found = selectors.member_cases(member_id=request.GET.get("member_id", ""))
    return render(request, "cases/_member_cases.html", {"found": found})
