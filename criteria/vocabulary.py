"""The library's words: indications, stages and the statuses and outcomes of an evaluation.

One place for the codes and their labels; the library files, the forms, the pages and the
command line all read them from here.
"""

from __future__ import annotations

from .engine import Outcome, Status

INDICATIONS = {
    "malignant_pain": "Malignant (cancer) pain",
    "non_malignant_pain": "Non-malignant pain",
    "spasticity": "Spasticity",
    "replacement": "Pump replacement",
}
STAGES = {
    "trial": "Trial",
    "permanent": "Permanent implant",
    "replacement": "Replacement",
}
# The lines of business a payer may offer a policy under (``policies.yaml``); a case's line of
# business (``cases.models.LineOfBusiness``) is one of these.
LINES_OF_BUSINESS = {
    "medicaid": "Medicaid",
    "medicare_advantage": "Medicare Advantage",
    "commercial": "Commercial",
}

# What the engine says about a criterion or group, in the reviewer's words.
STATUS_LABELS = {
    Status.MET: "Met",
    Status.NOT_MET: "Not met",
    Status.UNKNOWN: "Unknown",
    Status.NOT_APPLICABLE: "Not applicable",
}
# What the engine says about a whole checklist.
OUTCOME_LABELS = {
    Outcome.MEETS: "Meets the criteria",
    Outcome.NOT_MET: "Criteria not met",
    Outcome.INCOMPLETE: "Incomplete",
    Outcome.EXTERNAL: "External criteria",
    Outcome.NOT_ADDRESSED: "Not addressed by this policy: medical director review",
}
# Where a route sends a request, in the reviewer's words.
ROUTE_LABELS = {
    Outcome.EXTERNAL: "reviewed against external criteria",
    Outcome.NOT_ADDRESSED: "not addressed by this policy: medical director review",
}
