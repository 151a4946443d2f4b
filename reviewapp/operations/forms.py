"""Forms validate and normalise; they never save (services do)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone

from criteria.engine import Criterion
from criteria.models import Node, Policy
from reviewapp.cases.models import AnswerStatus, LineOfBusiness

from . import selectors
from .models import IrrReference


def _select(field: forms.Field) -> forms.Field:
    field.widget.attrs["class"] = "form-select"
    return field


class ProductivityFilterForm(forms.Form):
    weeks = _select(
        forms.TypedChoiceField(
            choices=[(n, f"Last {n} weeks") for n in selectors.PRODUCTIVITY_WEEKS],
            coerce=int,
            required=False,
            empty_value=12,
        )
    )
    until = forms.DateField(
        required=False,
        label="Up to the week of",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    reviewer = _select(forms.TypedChoiceField(required=False, coerce=int, empty_value=None))
    line_of_business = _select(
        forms.ChoiceField(
            required=False, choices=[("", "Every line of business"), *LineOfBusiness.choices]
        )
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].choices = [("", "Every reviewer"), *selectors.reviewer_choices()]

    def clean_until(self) -> dt.date | None:
        until = self.cleaned_data.get("until")
        if until and until > timezone.localdate():
            raise forms.ValidationError("Choose a week that has begun.")
        return until


class AppealsDueFilterForm(forms.Form):
    """The filters of the open appeals' list (the dashboard's appeal counts link to them)."""

    due = _select(
        forms.ChoiceField(
            required=False,
            label="Due",
            choices=[("", "Any due time"), *selectors.APPEAL_DUE_FILTERS.items()],
        )
    )
    line_of_business = _select(
        forms.ChoiceField(
            required=False, choices=[("", "Every line of business"), *LineOfBusiness.choices]
        )
    )


class MetricsYearForm(forms.Form):
    """A calendar year that has begun; without one, ``last_year`` says which: the last complete
    year (the public page: what a plan posts) or this year so far (the manager's page)."""

    year = forms.IntegerField(min_value=2000, required=False)

    def __init__(self, *args, last_year: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.last_year = last_year

    def clean_year(self) -> int:
        year = self.cleaned_data.get("year")
        this_year = timezone.localdate().year
        if year is None:
            return this_year - 1 if self.last_year else this_year
        if year > this_year:
            raise forms.ValidationError(f"{year} has not begun.")
        return year


class StudyForm(forms.Form):
    title = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"class": "form-control"}))
    policy = _select(
        forms.ModelChoiceField(
            queryset=Policy.objects.all(),
            to_field_name="key",
            required=False,
            empty_label="Every policy",
        )
    )
    original_reviewer = _select(
        forms.TypedChoiceField(
            required=False, coerce=int, empty_value=None, label="Cases worked by"
        )
    )
    decided_from = forms.DateField(
        label="Decided from",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    decided_to = forms.DateField(
        label="Decided to", widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    sample_size = forms.IntegerField(
        min_value=1,
        max_value=200,
        initial=10,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    reviewers = forms.TypedMultipleChoiceField(
        coerce=int,
        help_text="Each case goes to reviewers who neither worked nor decided it.",
        widget=forms.CheckboxSelectMultiple,
    )
    reviewers_per_case = forms.IntegerField(
        min_value=1,
        max_value=5,
        initial=1,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    reference = forms.ChoiceField(
        choices=IrrReference.choices,
        initial=IrrReference.ORIGINAL,
        widget=forms.RadioSelect,
        label="Compare with",
    )
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        reviewers = selectors.reviewer_choices()
        self.fields["original_reviewer"].choices = [("", "Any reviewer"), *reviewers]
        self.fields["reviewers"].choices = reviewers

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("decided_from"), data.get("decided_to")
        if first and last and last < first:
            self.add_error("decided_to", "The period ends before it starts.")
        return data

    def users(self, ids: list[int]) -> list[User]:
        found = {u.pk: u for u in User.objects.filter(pk__in=ids).select_related("staff_profile")}
        return [found[i] for i in ids if i in found]


class ChecklistAnswersForm(forms.Form):
    """One status per criterion of a checklist (a blind re-review, or reference answers)."""

    def __init__(self, *args, criteria: list[tuple[Node, Criterion]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for node, criterion in criteria:
            self.fields[f"criterion_{node.pk}"] = forms.ChoiceField(
                label=f"{criterion.label} {criterion.text}",
                choices=AnswerStatus.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Answer {criterion.label}."},
            )
        self.criteria = criteria

    def answers(self) -> dict[int, str]:
        return {
            node.pk: self.cleaned_data[f"criterion_{node.pk}"]
            for node, _ in self.criteria
            if self.cleaned_data.get(f"criterion_{node.pk}")
        }

    def rows(self) -> list[tuple[Node, Criterion, forms.BoundField]]:
        return [
            (node, criterion, self[f"criterion_{node.pk}"]) for node, criterion in self.criteria
        ]
