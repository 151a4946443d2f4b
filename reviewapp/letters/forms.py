"""Forms for letters: validate and normalise only."""

from __future__ import annotations

from django import forms

MAX_LETTER_BYTES = 10 * 1024 * 1024


class LetterSignForm(forms.Form):
    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label="I have read this letter and I sign it as the reviewer who made this decision.",
        error_messages={"required": "Confirm that you have read the letter before signing."},
    )


class LetterVerifyForm(forms.Form):
    file = forms.FileField(label="Letter PDF", help_text="The PDF file of a determination letter.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_LETTER_BYTES:
            raise forms.ValidationError("That file is larger than any letter (10 MB at most).")
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError("That file is not a PDF.")
        return upload
