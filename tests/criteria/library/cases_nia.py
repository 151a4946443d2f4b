"""NIA / Magellan NIA_CG_310, version 2022-05: facts that meet each checklist."""

POLICY = "nia-cg-310"
VERSION = "2022-05"

NO_CONTRAINDICATION = {"active_infection": False, "body_size_adequate": True}
PAIN_TRIAL = {
    "pain_limits_daily_function": True,
    "pain_nrs": 7,
    "conservative_care_weeks": 16,
    "conservative_care_failed": True,
    "conservative_care_active_and_inactive": True,
    "life_expectancy_months": 24,
    "opioid_naive": False,
}
PAIN_PERMANENT = {
    "pain_limits_daily_function": True,
    "pain_nrs": 7,
    "conservative_care_weeks": 16,
    "conservative_care_failed": True,
    "conservative_care_active_and_inactive": True,
    "oral_opioid_weeks": 20,
    "life_expectancy_months": 24,
    "trial_performed": True,
    "trial_pain_relief_percent": 60,
    "trial_side_effects": "tolerable",
    "psych_assessment_supports_therapy": True,
} | NO_CONTRAINDICATION
SPASTICITY_TRIAL = {
    "spasticity_function_impact": True,
    "spasticity_cause": "multiple_sclerosis",
    "spasticity_therapy_weeks": 14,
    "spasticity_therapy_failed": True,
    "life_expectancy_months": 120,
}
SPASTICITY_PERMANENT = (
    SPASTICITY_TRIAL
    | {
        "trial_performed": True,
        "trial_spasm_relief_percent": 55,
        "trial_side_effects": "tolerable",
        "psych_assessment_supports_therapy": True,
    }
    | NO_CONTRAINDICATION
)
# One reason is enough (ONE of R.1, R.2): the battery is fine, the pump malfunctions.
REPLACEMENT = {
    "pump_malfunction": True,
    "pump_battery_depleted": False,
    "pump_programmable": True,
    "pump_analysis_report_received": True,
} | NO_CONTRAINDICATION

MEETS = {
    "malignant-trial": PAIN_TRIAL,
    "non-malignant-trial": PAIN_TRIAL,
    "malignant-permanent": PAIN_PERMANENT,
    "non-malignant-permanent": PAIN_PERMANENT,
    "spasticity-trial": SPASTICITY_TRIAL,
    "spasticity-permanent": SPASTICITY_PERMANENT,
    "replacement": REPLACEMENT,
}

# Criteria met by either of two facts ("any"): both alternatives must fail together.
PAIN_OR_FUNCTION = {"pain_limits_daily_function": False, "pain_nrs": 5}
FAIL_ONE = {
    "malignant-trial": {"P-T.1": PAIN_OR_FUNCTION},
    "non-malignant-trial": {"P-T.1": PAIN_OR_FUNCTION},
    "malignant-permanent": {"P-P.1": PAIN_OR_FUNCTION},
    "non-malignant-permanent": {"P-P.1": PAIN_OR_FUNCTION},
}
