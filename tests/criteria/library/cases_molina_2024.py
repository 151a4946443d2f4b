"""Molina MCP-160, version 2024-08-14: facts that meet each checklist."""

POLICY = "molina-mcp-160"
VERSION = "2024-08-14"

MALIGNANT_TRIAL = {
    "age_years": 61,
    "pain_nrs": 8,
    "pain_limits_daily_function": True,
    "life_expectancy_months": 6,
    "systemic_analgesics_failed": True,
    "body_size_adequate": True,
    "active_infection": False,
    "epidural_mets_or_thecal_encroachment": False,
    "coagulopathy": False,
    "leukopenia_or_pancytopenia": False,
    "increased_intracranial_pressure": False,
    "other_implant_contraindication": False,
}
NON_MALIGNANT_TRIAL = {
    "age_years": 48,
    "pain_nrs": 7,
    "pain_limits_daily_function": True,
    "underlying_cause_treatment_failed": True,
    "systemic_analgesics_failed": True,
    "analgesics_fixed_schedule": True,
    "medication_compliance": True,
    "conservative_care_not_appropriate": False,
    "conservative_care_weeks": 30,
    "conservative_care_failed": True,
    "psych_evaluation_done": True,
    "psych_no_acute_instability": True,
    "psych_favourable_candidate": True,
    "body_size_adequate": True,
    "active_infection": False,
    "coagulopathy": False,
    "leukopenia_or_pancytopenia": False,
    "increased_intracranial_pressure": False,
    "other_implant_contraindication": False,
}
SUCCESSFUL_TRIAL = {
    "trial_performed": True,
    "trial_pain_relief_percent": 60,
    "trial_function_improved": True,
}

MEETS = {
    "malignant-trial": MALIGNANT_TRIAL,
    "malignant-permanent": MALIGNANT_TRIAL | SUCCESSFUL_TRIAL,
    "non-malignant-trial": NON_MALIGNANT_TRIAL,
    "non-malignant-permanent": NON_MALIGNANT_TRIAL | SUCCESSFUL_TRIAL,
    "spasticity-trial": {"external_review_met": True},
    "spasticity-permanent": {"external_review_met": True},
    "replacement": {"medical_director_review_met": True},
}
