"""Forms of the documents panel (validate and normalise only)."""

from __future__ import annotations

from django import forms


class SearchForm(forms.Form):
    """Search across the case's documents (the words read from every page)."""

    q = forms.CharField(max_length=200, required=False, strip=True)
