"""The extractor on the traps real notes contain (no database, no OCR: milliseconds)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reviewapp.documents.extraction import DocumentExtractor
from reviewapp.documents.extraction.language import number_value, segment


def found(text: str, *, title: str = "") -> dict[str, object]:
    extractor = DocumentExtractor()
    findings = extractor.page(1, (title + "\n" if title else "") + text)
    return {f.fact: f.value for f in findings}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("She denies any active infection.", False),
        ("No evidence of active infection at the implant site.", False),
        ("Blood cultures negative for infection.", False),
        ("Infection was ruled out.", False),
        ("Active infection: none.", False),
        ("He has an active infection of the wound.", True),
        ("There are no signs of active infection at the planned site.", False),
    ],
)
def test_negation(text, value):
    assert found(text)["active_infection"] is value


@pytest.mark.parametrize(
    "text",
    [
        "Possible urinary tract infection.",
        "Cannot rule out discitis.",
        "Infection is not ruled out.",
        "Questionable cellulitis of the left leg.",
        "We discussed the risks of infection and bleeding.",
        "She was educated on the signs and symptoms of infection.",
        "Her mother had sepsis last year.",
        "History of MRSA cellulitis in 2019, resolved.",
    ],
)
def test_hedges_family_history_and_discussions_suggest_nothing(text):
    assert "active_infection" not in found(text)


def test_family_history_section_is_not_the_member():
    text = "Family history:\nMother with alcohol use disorder. Father with multiple sclerosis.\n"
    assert found(text, title="SPASTICITY EVALUATION") == {}


def test_no_history_of_is_a_denial_not_a_past_event():
    assert found("She has no history of substance abuse.")["substance_use_disorder"] is False


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Pain is 8/10 today.", 8),
        ("NRS: 7.", 7),
        ("She rates her pain as eight out of ten.", 8),
        ("Pain score of 6 at rest.", 6),
        ("Her pain averages 8/10, worst 10/10, best 5/10.", 8),
        ("Pain was 9/10 at her last visit; today it is 6/10.", 6),
    ],
)
def test_pain_scores_in_their_usual_notations(text, value):
    assert found(text)["pain_nrs"] == value


@pytest.mark.parametrize(
    "text",
    [
        "Pain is 7-8/10.",  # a range is not one score
        "Seen on 3/10/2025 for pain follow-up.",  # a date
        "Spasticity 2/2 spinal cord injury; pain in the legs.",  # "secondary to"
        "Baseline pain 8/10 before the trial.",  # the trial's baseline
        "Pain at its worst is 10/10.",
    ],
)
def test_what_is_not_a_pain_score(text):
    assert "pain_nrs" not in found(text)


@pytest.mark.parametrize(
    ("text", "weeks"),
    [
        ("Conservative care for six months has failed.", 26),
        ("Failed 6 mos of conservative tx.", 26),
        ("Conservative management for 12 weeks with physical therapy.", 12),
        ("Conservative therapy x 1 1/2 years.", 78),
        ("Two years of conservative treatment.", 104),
    ],
)
def test_durations_in_words_units_and_abbreviations(text, weeks):
    assert found(text)["conservative_care_weeks"] == weeks


def test_an_upper_bound_is_not_a_duration():
    assert "conservative_care_weeks" not in found("Conservative care for almost six months.")


def test_opioid_duration_not_intrathecal():
    assert found("He has taken oxycodone for three years.")["oral_opioid_weeks"] == 156
    assert "oral_opioid_weeks" not in found("Intrathecal morphine for two years.")


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("Life expectancy of approximately four months.", Decimal(4)),
        ("Expected survival is 3-6 months.", Decimal(3)),
        ("Prognosis: about 8 weeks.", Decimal("1.8")),
        ("Life expectancy greater than one year.", Decimal(12)),
    ],
)
def test_life_expectancy_in_months(text, months):
    assert found(text)["life_expectancy_months"] == months


def test_values_in_a_table_take_the_latest_visit():
    table = "Date NRS Function\n2024-11-05 9 poor\n2025-05-20 6 fair\n2025-02-10 8 poor\n"
    assert found(table)["pain_nrs"] == 6


def test_trial_relief_from_scores_and_explicit_percent():
    title = "INTRATHECAL TRIAL REPORT"
    assert found("Pain decreased from 8/10 to 2/10.", title=title)[
        "trial_pain_relief_percent"
    ] == Decimal(75)
    assert found("She reported 60% pain relief.", title=title)["trial_pain_relief_percent"] == 60
    # Outside a trial document or sentence, a relief percentage is not the trial's.
    assert "trial_pain_relief_percent" not in found("Injections gave 60% pain relief.")


def test_psychological_findings_need_a_psychologist():
    assert "psych_favourable_candidate" not in found("He is a good candidate for a pump.")
    assert (
        found("From a psychological standpoint she is an appropriate candidate for pump therapy.")[
            "psych_favourable_candidate"
        ]
        is True
    )


def test_pump_facts_and_abbreviations():
    text = "Battery: ERI reached. The pump is functioning normally. SynchroMed II pump."
    assert found(text, title="PUMP INTERROGATION REPORT") == {
        "pump_battery_depleted": True,
        "pump_malfunction": False,
        "pump_programmable": True,
        "pump_analysis_report_received": True,
    }
    assert found("Non-programmable constant-flow pump.")["pump_programmable"] is False


def test_multiple_sclerosis_is_not_morphine_sulfate():
    assert "spasticity_cause" not in found("Spasms; takes MS Contin 30 mg twice daily.")
    assert found("Spasticity due to MS.")["spasticity_cause"] == "multiple_sclerosis"


def test_a_sentence_giving_two_values_gives_none():
    assert "pain_nrs" not in found("Pain is 8/10 or 6/10 depending on the day.")


def test_a_document_suggests_each_value_once():
    extractor = DocumentExtractor()
    first = extractor.page(1, "Pain is 8/10 today.")
    second = extractor.page(2, "Pain is 8/10 today. NRS 6 now.")
    assert [(f.fact, f.value, f.page) for f in first] == [("pain_nrs", 8, 1)]
    assert [(f.fact, f.value, f.page) for f in second] == [("pain_nrs", 6, 2)]


def test_numbers_in_words():
    assert number_value("twenty-six") == 26
    assert number_value("one and a half") == Decimal("1.5")
    assert number_value("a") == 1
    assert number_value("half a") == Decimal("0.5")
    assert number_value("seventy five") == 75
    assert number_value("lots") is None


def test_segmentation_keeps_table_rows_and_labels_apart():
    units = segment(
        "OFFICE NOTE\nAllergies: NKDA\nHPI: She is a 60-year-old woman. Pain is\n8/10 today.\n"
    )
    assert [u.text for u in units] == [
        "OFFICE NOTE",
        "Allergies: NKDA",
        "She is a 60-year-old woman.",
        "Pain is 8/10 today.",
    ]
    assert units[1].section == "allergies" and units[2].section == "hpi"


def test_ocr_full_stops_inside_a_sentence_do_not_split_it():
    assert (
        found("Her pain interferes. with walking and self-care.")["pain_limits_daily_function"]
        is True
    )


def test_a_denial_of_the_response_is_not_a_denial_of_the_duration():
    values = found(
        "Her spasticity has not responded to tizanidine and baclofen taken by mouth over the "
        "last eighteen months."
    )
    assert values["spasticity_therapy_weeks"] == 78
    assert values["spasticity_therapy_failed"] is True
    assert "oral_opioid_weeks" not in found("She has not taken oxycodone for two years.")


def test_a_none_that_answers_something_else():
    assert found("Current opioid use: none, opioid-naive")["opioid_naive"] is True
    assert found("Patient is not opioid-naive.")["opioid_naive"] is False


# --- the facts that say exactly what each criterion asks (issue 12) -----------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Side effects were minimal.", "minimal"),
        ("Nausea was mild and transient.", "minimal"),
        ("He tolerated the bolus well without side effects.", "none"),
        ("No adverse events were recorded.", "none"),
        ("Side effects were tolerable.", "tolerable"),
        ("She tolerated the infusion well.", "tolerable"),
        ("The trial was stopped early due to urinary retention.", "intolerable"),
        ("Severe nausea followed the bolus.", "intolerable"),
    ],
)
def test_trial_side_effects_are_graded_by_the_reports_own_word(text, value):
    assert found(text, title="INTRATHECAL TRIAL REPORT")["trial_side_effects"] == value


def test_whether_a_trial_was_done():
    title = "INTRATHECAL TRIAL REPORT"
    assert found("Hydromorphone bolus trial performed on 2025-04-14.", title=title)[
        "trial_performed"
    ]
    assert found("She underwent a single-shot intrathecal morphine trial.", title=title)[
        "trial_performed"
    ]
    no_trial = "He has not had an intrathecal trial; a pump is requested without a trial."
    assert found(no_trial)["trial_performed"] is False
    # A trial that is planned or scheduled is not one that was done.
    assert "trial_performed" not in found("Plan: an intrathecal morphine trial.", title=title)
    assert "trial_performed" not in found("The trial is scheduled for next week.", title=title)
    # No trial document, no trial: a bolus of IV medicine in an office note says nothing.
    assert "trial_performed" not in found("An IV bolus of fluids was given.")


def test_the_three_readings_of_treating_the_cause_are_apart():
    assert found("He is not a surgical candidate.") == {"further_treatment_not_indicated": True}
    assert found("Further spine surgery is unlikely to help.") == {
        "further_treatment_unlikely_to_help": True
    }
    tried = found("Her pain persisted despite a failed L4-5 decompression in 2022.")
    assert tried["underlying_cause_treatment_failed"] is True
    # Failed back surgery syndrome names a diagnosis; it is not a statement about further care.
    assert "underlying_cause_treatment_failed" not in found(
        "He has failed back surgery syndrome after an L4-S1 fusion."
    )
    assert "underlying_cause_treatment_exhausted" not in found(
        "She has exhausted all surgical options."
    )


def test_systemic_means_any_route_but_the_spine():
    assert found("Pain is refractory to intravenous hydromorphone.")["systemic_analgesics_failed"]
    assert found("Pain is inadequately controlled with subcutaneous morphine.")[
        "systemic_analgesics_failed"
    ]
    assert "systemic_analgesics_failed" not in found("Pain is refractory to intrathecal morphine.")


def test_the_drug_and_the_washington_review():
    assert found("Request: intrathecal baclofen pump.")["intrathecal_baclofen"] is True
    assert "intrathecal_baclofen" not in found("He takes oral baclofen 20 mg four times a day.")
    assert found("The Washington HCA health technology assessment criteria are met.")[
        "washington_hta_met"
    ]
    assert found("Washington HTA review: criteria not met.")["washington_hta_met"] is False


def test_retired_facts_have_no_rules_and_a_reason():
    from reviewapp.documents.extraction import library_facts, not_suggested, suggested_facts

    retired = {name for name, fact in library_facts().items() if fact.retired}
    assert retired >= {"underlying_cause_treatment_exhausted", "trial_side_effects_tolerable"}
    assert retired.isdisjoint(suggested_facts())
    assert all("retired" in not_suggested()[name] for name in retired)
