"""LHCC LA.CP.MP.173, version 2023-06-20: facts that meet each checklist."""

POLICY = "lhcc-la-cp-mp-173"
VERSION = "2023-06-20"

MALIGNANT_TRIAL = {
    "systemic_analgesics_failed": True,
    "life_expectancy_months": 4,
    "epidural_mets_or_thecal_encroachment": False,
    "active_infection": False,
}
NON_MALIGNANT_TRIAL = {
    "pain_cause_identified": True,
    "life_expectancy_months": 120,
    "conservative_care_failed": True,
    "treatment_compliance": True,
    "substance_use_disorder": False,
    "psych_evaluation_done": True,
    "psych_not_major_contributor": True,
    "behavioural_treatment_active": True,
    "further_treatment_not_indicated": True,
    "further_treatment_unlikely_to_help": False,
    "active_infection": False,
    "opioid_wean_percent": 50,
    "opioid_hyperalgesia_ruled_out": True,
}
MALIGNANT_PERMANENT = {
    "trial_performed": True,
    "trial_pain_relief_percent": 55,
    "trial_side_effects": "minimal",
    "body_size_adequate": True,
    "other_programmable_implant_conflict": False,
    "drug_allergy": False,
}
NON_MALIGNANT_PERMANENT = {
    "trial_performed": True,
    "trial_pain_relief_percent": 50,
    "trial_function_improved": True,
    "trial_side_effects": "none",
    "opioid_wean_plan": True,
    "coagulopathy": False,
    "body_size_adequate": True,
    "other_programmable_implant_conflict": False,
    "drug_allergy": False,
    "increased_intracranial_pressure": False,
    "spinal_anomaly": False,
    "behavioural_treatment_continuing": True,
}

MEETS = {
    "malignant-trial": MALIGNANT_TRIAL,
    "malignant-permanent": MALIGNANT_TRIAL | MALIGNANT_PERMANENT,
    "non-malignant-trial": NON_MALIGNANT_TRIAL,
    "non-malignant-permanent": NON_MALIGNANT_TRIAL | NON_MALIGNANT_PERMANENT,
    "spasticity-trial": {"intrathecal_baclofen": True, "external_review_met": True},
    "spasticity-permanent": {"intrathecal_baclofen": False, "external_review_met": True},
    "replacement": {"medical_director_review_met": True},
}

# I.B.8 is met by either of two facts ("any"): both alternatives must fail together.
NO_FURTHER_TREATMENT_OPINION = {
    "further_treatment_not_indicated": False,
    "further_treatment_unlikely_to_help": False,
}
FAIL_ONE = {
    "non-malignant-trial": {"I.B.8": NO_FURTHER_TREATMENT_OPINION},
    "non-malignant-permanent": {"I.B.8": NO_FURTHER_TREATMENT_OPINION},
}
