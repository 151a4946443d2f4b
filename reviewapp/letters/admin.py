from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .content.taglines import TAGLINES
from .models import StateNoticeSettings

MIN_TAGLINE_LANGUAGES = 15  # 45 CFR 92.11(b): at least the state's 15 most used languages


class StateNoticeSettingsForm(forms.ModelForm):
    class Meta:
        model = StateNoticeSettings
        fields = [
            "state",
            "state_name",
            "fair_hearing_agency",
            "fair_hearing_address",
            "fair_hearing_phone",
            "fair_hearing_days",
            "medicaid_agency",
            "medicaid_agency_phone",
            "consumer_assistance_name",
            "consumer_assistance_phone",
            "medicare_counseling_name",
            "medicare_counseling_phone",
            "tagline_languages",
        ]

    def clean_state(self):
        return self.cleaned_data["state"].strip().upper()

    def clean_tagline_languages(self):
        codes = self.cleaned_data["tagline_languages"]
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise forms.ValidationError('A list of language codes, e.g. ["es", "vi", "zh-Hant"].')
        unknown = [c for c in codes if c not in TAGLINES]
        if unknown:
            raise forms.ValidationError(
                f"No tagline is written for {', '.join(unknown)}. Known: {', '.join(TAGLINES)}."
            )
        if len(set(codes)) < MIN_TAGLINE_LANGUAGES:
            raise forms.ValidationError(
                f"List at least {MIN_TAGLINE_LANGUAGES} different languages (Section 1557)."
            )
        return codes


@admin.register(StateNoticeSettings)
class StateNoticeSettingsAdmin(SimpleHistoryAdmin):
    """Per state: the agencies and contacts letters print, and the tagline languages."""

    form = StateNoticeSettingsForm
    list_display = ["state", "state_name", "fair_hearing_agency", "updated_at"]
    readonly_fields = ["updated_at"]
