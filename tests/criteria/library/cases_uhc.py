"""UnitedHealthcare Oxford PHARMACY 339.7, version 2023-07-01: facts that meet each checklist."""

POLICY = "uhc-pharmacy-339.7"
VERSION = "2023-07-01"

NON_MALIGNANT_TRIAL = {
    "age_years": 52,
    "pain_cause_identified": True,
    "further_treatment_not_indicated": True,
    "further_treatment_refused": True,
    "conservative_care_weeks": 30,
    "conservative_care_failed": True,
    "psych_no_untreated_issues": True,
}
EXTERNAL_MET = {"external_review_met": True}

MEETS = {
    "malignant-trial": EXTERNAL_MET,
    "malignant-permanent": EXTERNAL_MET,
    "spasticity-trial": EXTERNAL_MET,
    "spasticity-permanent": EXTERNAL_MET,
    "non-malignant-trial": NON_MALIGNANT_TRIAL,
    "non-malignant-permanent": NON_MALIGNANT_TRIAL
    | {"trial_performed": True, "trial_pain_relief_percent": 55},
    "replacement": {"medical_director_review_met": True},
}

# T.3 is met by either of two facts ("any"): both alternatives must fail together.
NO_REASON_TO_STOP_TREATING = {
    "further_treatment_not_indicated": False,
    "further_treatment_refused": False,
}
FAIL_ONE = {
    "non-malignant-trial": {"T.3": NO_REASON_TO_STOP_TREATING},
    "non-malignant-permanent": {"T.3": NO_REASON_TO_STOP_TREATING},
}
