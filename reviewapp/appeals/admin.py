"""The appeal rules in the admin: administrators edit the appeal clocks and the specialties an
appeal reviewer needs, with their history (each change records its reason).

The six clock rules (three lines of business, two priorities) always exist: they can be changed,
not added or removed. A clock may be stricter than the regulations, never looser: no longer than
the longest clock, a filing limit no shorter than the shortest the rules allow, an extension no
longer than the line of business allows, and none where it allows none. A change applies to
appeals received after it; an open appeal keeps the due time it was given.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reviewapp.cases.models import LineOfBusiness, Priority

from .models import AppealClockRule, AppealReviewerRule

DAY = 24

# The longest appeal clocks (REGULATORY.md section 2): Medicaid 30 days / 72 hours (42 CFR
# 438.408(b)(2)-(3)); Medicare Advantage pre-service 30 days / 72 hours (422.590(a), (e));
# ERISA / ACA pre-service 30 days / 72 hours (29 CFR 2560.503-1(i)(2)).
MAX_HOURS = {
    (lob, priority): 30 * DAY if priority == Priority.STANDARD else 72
    for lob in LineOfBusiness.values
    for priority in Priority.values
}
# The shortest filing limit a plan may set: Medicaid 60 days from the notice (438.402(c)(2)(ii));
# Medicare Advantage 65 days (CMS-10003, 2025; 422.582(b)); ERISA at least 180 days ((h)(3)(i)).
MIN_FILING_DAYS = {
    LineOfBusiness.MEDICAID: 60,
    LineOfBusiness.MEDICARE_ADVANTAGE: 65,
    LineOfBusiness.COMMERCIAL: 180,
}
# The longest extension: Medicaid 14 days (438.408(c)(1)); Medicare Advantage 14 days for service
# requests (422.590(f)); ERISA appeals none.
MAX_EXTENSION_HOURS = {
    LineOfBusiness.MEDICAID: 14 * DAY,
    LineOfBusiness.MEDICARE_ADVANTAGE: 14 * DAY,
    LineOfBusiness.COMMERCIAL: 0,
}


def _days(hours: int) -> str:
    return f"{hours} hours ({hours / DAY:g} days)" if hours % DAY == 0 else f"{hours} hours"


class AppealClockRuleForm(forms.ModelForm):
    change_reason = forms.CharField(
        max_length=100,
        help_text="Why the rule changes (kept in the rule's history), e.g. a state contract.",
    )

    class Meta:
        model = AppealClockRule
        fields = [
            "hours",
            "filing_limit_days",
            "extension_hours",
            "extension_on_member_request",
            "extension_on_plan_request",
            "extension_notice_days",
        ]

    def clean(self) -> dict:
        data = super().clean()
        rule = self.instance
        lob, priority = rule.line_of_business, rule.priority
        what = (
            f"{rule.get_line_of_business_display()} {rule.get_priority_display().lower()} appeals"
        )
        hours = data.get("hours")
        if hours is not None and not 1 <= hours <= MAX_HOURS[(lob, priority)]:
            self.add_error(
                "hours",
                f"Between 1 hour and {_days(MAX_HOURS[(lob, priority)])} for {what}: a plan may "
                "decide faster than the regulations ask, never slower.",
            )
        filing = data.get("filing_limit_days")
        if filing is not None and filing < MIN_FILING_DAYS[lob]:
            self.add_error(
                "filing_limit_days",
                f"At least {MIN_FILING_DAYS[lob]} days for {what}: a plan may give members more "
                "time to appeal, never less.",
            )
        extension = data.get("extension_hours")
        if extension is not None and extension > MAX_EXTENSION_HOURS[lob]:
            self.add_error(
                "extension_hours",
                f"At most {_days(MAX_EXTENSION_HOURS[lob])} for {what}."
                if MAX_EXTENSION_HOURS[lob]
                else f"{what.capitalize()} allow no extension.",
            )
        if extension and not (
            data.get("extension_on_member_request") or data.get("extension_on_plan_request")
        ):
            self.add_error(
                "extension_hours",
                "Say when the extension may be used: at the member's request, or when the plan "
                "needs information in the member's interest (or set it to 0).",
            )
        return data


@admin.register(AppealClockRule)
class AppealClockRuleAdmin(SimpleHistoryAdmin):
    form = AppealClockRuleForm
    list_display = ["line_of_business", "priority", "clock", "filing_limit_days", "extension"]
    readonly_fields = ["line_of_business", "priority", "applies"]
    fields = [
        "line_of_business",
        "priority",
        "hours",
        "filing_limit_days",
        "extension_hours",
        "extension_on_member_request",
        "extension_on_plan_request",
        "extension_notice_days",
        "change_reason",
        "applies",
    ]
    history_list_display = ["hours", "filing_limit_days", "extension_hours"]

    @admin.display(description="Decision clock")
    def clock(self, rule: AppealClockRule) -> str:
        return rule.describe()

    @admin.display(description="Extension")
    def extension(self, rule: AppealClockRule) -> str:
        return rule.describe_extension()

    @admin.display(description="When a change applies")
    def applies(self, rule: AppealClockRule) -> str:
        return (
            "To appeals received after the change. Open appeals keep the due time they were "
            "given; an extension is added when it is granted."
        )

    def save_model(self, request, obj: AppealClockRule, form, change: bool) -> None:
        obj._change_reason = form.cleaned_data["change_reason"]  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AppealReviewerRuleForm(forms.ModelForm):
    change_reason = forms.CharField(
        max_length=100, help_text="Why the rule changes (kept in the rule's history)."
    )

    class Meta:
        model = AppealReviewerRule
        fields = ["line_of_business", "indication", "specialties"]

    def clean_indication(self) -> str:
        from criteria.vocabulary import INDICATIONS

        value = self.cleaned_data["indication"].strip()
        if value and value not in INDICATIONS:
            raise forms.ValidationError(
                "Leave blank for every indication, or one of: " + ", ".join(INDICATIONS) + "."
            )
        return value

    def clean_specialties(self) -> str:
        lines = [" ".join(line.split()) for line in self.cleaned_data["specialties"].splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise forms.ValidationError("Name at least one specialty.")
        return "\n".join(dict.fromkeys(lines))


@admin.register(AppealReviewerRule)
class AppealReviewerRuleAdmin(SimpleHistoryAdmin):
    form = AppealReviewerRuleForm
    list_display = ["line_of_business", "scope", "specialty_summary"]
    fields = ["line_of_business", "indication", "specialties", "change_reason"]

    @admin.display(description="Indication")
    def scope(self, rule: AppealReviewerRule) -> str:
        return rule.indication or "every indication"

    @admin.display(description="Specialties")
    def specialty_summary(self, rule: AppealReviewerRule) -> str:
        return ", ".join(rule.specialty_list)

    def save_model(self, request, obj: AppealReviewerRule, form, change: bool) -> None:
        obj._change_reason = form.cleaned_data["change_reason"]  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)
