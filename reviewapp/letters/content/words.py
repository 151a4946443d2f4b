"""The letters' fixed vocabulary: status words, headlines, plan names, dates.

Translated through Django's i18n (``locale/es``): each is looked up in the language the letter is
rendered in (``translation.override``).
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Outcomes, spelled as Determination.Outcome values (kept as strings: content does not import
# the decisions models' choices machinery for words).
APPROVED = "approved"
APPROVED_BY_EXCEPTION = "approved_exception"
PARTIALLY_APPROVED = "partially_approved"
DENIED = "denied"
ADVERSE = (PARTIALLY_APPROVED, DENIED)

STATUS_WORDS = {
    "met": _("Met"),
    "not_met": _("Not met"),
    "not_documented": _("Not documented"),
    "not_applicable": _("Not applicable"),
    "excepted": _("Met by exception"),
    "unanswered": _("Not assessed"),
}
# "Why it is not met:" -- the status in the phrase, lower case, per language.
STATUS_WHY = {
    "not_met": _("Why it is not met:"),
    "not_documented": _("Why it is not documented:"),
}
FAILED = ("not_met", "not_documented")

PLAN_WORDS = {
    "medicaid": _("Medicaid"),
    "medicare_advantage": _("Medicare Advantage"),
    "commercial": _("Employer or individual health plan"),
}

HEADLINES = {
    APPROVED: _("We approved the request"),
    APPROVED_BY_EXCEPTION: _("We approved the request as an exception"),
    PARTIALLY_APPROVED: _("We approved part of the request"),
    DENIED: _("We did not approve the request"),
}

CODE_DECISION_WORDS = {
    "approve": pgettext_lazy("decision on a service", "Approved"),
    "deny": pgettext_lazy("decision on a service", "Not approved"),
}

NOT_DOCUMENTED_REASON = _(
    "The records we received do not show whether this requirement is met. Your provider can "
    "send us records that show it."
)

# Outcome names as the letter's metadata and the signature's reason give them.
OUTCOME_WORDS = {
    APPROVED: _("Approved"),
    APPROVED_BY_EXCEPTION: _("Approved by exception"),
    PARTIALLY_APPROVED: _("Partially approved"),
    DENIED: _("Denied"),
}

# Long dates: "August 13, 2025" in English, "13 de agosto de 2025" in Spanish.
LONG_DATE = {"en": "F j, Y", "es": r"j \d\e F \d\e Y"}


def long_date(day: dt.date | dt.datetime, language: str) -> str:
    return formats.date_format(day, LONG_DATE.get(language, LONG_DATE["en"]))


# Appeal outcomes (``appeals.models.AppealOutcome`` values).
APPEAL_HEADLINES = {
    "upheld": _("We did not change our decision"),
    "overturned": _("We changed our decision: the request is approved"),
    "partially_overturned": _("We changed part of our decision"),
}
APPEAL_SUMMARY_OUTCOME = {
    "upheld": DENIED,
    "overturned": APPROVED,
    "partially_overturned": PARTIALLY_APPROVED,
}
