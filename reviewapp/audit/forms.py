from __future__ import annotations

from django import forms

from reviewapp.accounts.models import SecurityEventKind

from .models import AccessKind


class _DateRange(forms.Form):
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if select else "form-control form-control-sm"
            )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The start date is after the end date.")
        return data


class AccessLogFilterForm(_DateRange):
    user = forms.CharField(required=False, max_length=150, label="User (username)")
    member_id = forms.CharField(required=False, max_length=64, label="Member ID")
    case_reference = forms.CharField(required=False, max_length=32, label="Case reference")
    kind = forms.ChoiceField(
        required=False, choices=[("", "Any read"), *AccessKind.choices], label="What"
    )
    field_order = ["user", "member_id", "case_reference", "kind", "date_from", "date_to"]


class SecurityEventFilterForm(_DateRange):
    user = forms.CharField(required=False, max_length=150, label="User (who acted, or whose)")
    kind = forms.ChoiceField(
        required=False, choices=[("", "Any event"), *SecurityEventKind.choices], label="Event"
    )
    field_order = ["user", "kind", "date_from", "date_to"]
