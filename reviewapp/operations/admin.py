"""The turnaround rules in the admin: administrators edit the clocks, with their history.

A rule applies to cases received after it changes: an open case keeps the due time it was given
at intake (its pend extension is read when it is pended). The six rules (three lines of business,
two priorities) always exist: they can be changed, not added or removed. A rule may be stricter
than the regulations, never looser (``forms.TurnaroundRuleForm``), and every change records its
reason in the history.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reviewapp.cases.models import LineOfBusiness, Priority, TurnaroundRule

DAY = 24

# The longest clocks the regulations allow (REGULATORY.md s. 2; calendar days from receipt).
MAX_HOURS = {
    # Medicaid managed care: standard 7 days for rating periods from 2026-01-01 (42 CFR
    # 438.210(d)(1)); expedited 72 hours (438.210(d)(2)).
    (LineOfBusiness.MEDICAID, Priority.STANDARD): 7 * DAY,
    (LineOfBusiness.MEDICAID, Priority.EXPEDITED): 72,
    # Medicare Advantage: standard 7 days from 2026-01-01 (42 CFR 422.568(b)(1)); expedited
    # 72 hours (422.572(a)).
    (LineOfBusiness.MEDICARE_ADVANTAGE, Priority.STANDARD): 7 * DAY,
    (LineOfBusiness.MEDICARE_ADVANTAGE, Priority.EXPEDITED): 72,
    # ERISA / ACA group plans: standard pre-service 15 days (29 CFR 2560.503-1(f)(2)(iii)(A));
    # urgent 72 hours ((f)(2)(i)).
    (LineOfBusiness.COMMERCIAL, Priority.STANDARD): 15 * DAY,
    (LineOfBusiness.COMMERCIAL, Priority.EXPEDITED): 72,
}
# The longest extension: Medicaid 14 days (438.210(d)(1)(i)-(ii)), Medicare Advantage 14 days
# (422.568(b)(1)(i)), ERISA one 15-day extension ((f)(2)(iii)(A)).
MAX_EXTENSION_HOURS = {
    LineOfBusiness.MEDICAID: 14 * DAY,
    LineOfBusiness.MEDICARE_ADVANTAGE: 14 * DAY,
    LineOfBusiness.COMMERCIAL: 15 * DAY,
}


def _days(hours: int) -> str:
    return f"{hours} hours ({hours / DAY:g} days)" if hours % DAY == 0 else f"{hours} hours"


class TurnaroundRuleForm(forms.ModelForm):
    change_reason = forms.CharField(
        max_length=100,
        help_text="Why the clock changes (kept in the rule's history), e.g. a state contract.",
    )

    class Meta:
        model = TurnaroundRule
        fields = ["hours", "pend_extension_hours"]

    def clean(self) -> dict:
        data = super().clean()
        rule = self.instance
        hours = data.get("hours")
        extension = data.get("pend_extension_hours")
        limit = MAX_HOURS[(rule.line_of_business, rule.priority)]
        if hours is not None and not 1 <= hours <= limit:
            self.add_error(
                "hours",
                f"Between 1 hour and {_days(limit)} for {rule.get_line_of_business_display()} "
                f"{rule.get_priority_display().lower()} requests: a plan may decide faster than "
                "the regulations ask, not slower.",
            )
        ext_limit = MAX_EXTENSION_HOURS[rule.line_of_business]
        if extension is not None and extension > ext_limit:
            self.add_error(
                "pend_extension_hours",
                f"At most {_days(ext_limit)} for {rule.get_line_of_business_display()}.",
            )
        return data


@admin.register(TurnaroundRule)
class TurnaroundRuleAdmin(SimpleHistoryAdmin):
    form = TurnaroundRuleForm
    list_display = ["line_of_business", "priority", "clock", "extension"]
    readonly_fields = ["line_of_business", "priority", "applies"]
    fields = [
        "line_of_business",
        "priority",
        "hours",
        "pend_extension_hours",
        "change_reason",
        "applies",
    ]
    history_list_display = ["hours", "pend_extension_hours"]

    @admin.display(description="Decision clock")
    def clock(self, rule: TurnaroundRule) -> str:
        return rule.describe()

    @admin.display(description="Pend extension")
    def extension(self, rule: TurnaroundRule) -> str:
        return rule.describe_pend()

    @admin.display(description="When a change applies")
    def applies(self, rule: TurnaroundRule) -> str:
        return (
            "To cases received after the change. Open cases keep the due time they were given "
            "at intake; a pend extension is added when a case is pended."
        )

    def save_model(self, request, obj: TurnaroundRule, form, change: bool) -> None:
        obj._change_reason = form.cleaned_data["change_reason"]
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
