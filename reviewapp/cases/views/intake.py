"""Intake: a new prior-authorization request becomes a case."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

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
    require_reviewer(request)
    form = forms.IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
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
        else:
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
            return redirect("cases:detail", pk=case.pk)
    context = {
        "form": form,
        "known_codes": forms.known_codes(),
        "rules": selectors.turnaround_rules(),
        "policy_notices": selectors.intake_policy_notices(on=timezone.localdate()),
    }
    return render(
        request, "cases/intake.html", context, status=422 if request.method == "POST" else 200
    )


@require_GET
def stage_hint(request: HttpRequest) -> HttpResponse:
    """What the typed codes suggest (the intake form asks as the nurse types)."""
    require_reviewer(request)
    # The hint quotes what was typed: it goes through the template, escaped.
    hint = selectors.intake_stage_hint(codes=request.GET.get("codes", ""))
    return render(request, "cases/_stage_hint.html", {"hint": hint})
