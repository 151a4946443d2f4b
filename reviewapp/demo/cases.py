"""Synthetic demo cases across every policy, in different states.

Each case is built through the same services a reviewer uses (intake, facts, evidence, answers,
pend, refer, decide), so its timeline reads like real work. Names, IDs and NPIs are invented; the
NPIs pass the check digit but belong to nobody. A case is identified by its member ID, so running
the demo again adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape

from criteria import selectors as library
from criteria.models import Policy
from reviewapp.cases import services
from reviewapp.cases.models import Answer, AnswerStatus, Case, DocumentType
from reviewapp.cases.selectors import EvidenceChoice
from reviewapp.cases.services import Intake
from reviewapp.decisions.services import case_approve_by_nurse, case_withdraw
from reviewapp.letters.services import letter_digest, letter_render_html, letter_sign

NOW = timezone.now
# ICD-10-CM codes for a request, primary first, when a demo case names none: neoplasm-related
# pain; postlaminectomy syndrome with other chronic pain; paraplegia with spasm; an implanted
# nervous system device to manage.
DIAGNOSES = {
    "malignant_pain": ("G89.3",),
    "non_malignant_pain": ("M96.1", "G89.29"),
    "spasticity": ("G82.20", "R25.2"),
    "replacement": ("Z45.49",),
}


PAGE_BREAK = "\f"  # in a document body: the next line starts a new page


@dataclass
class Document:
    name: str
    doc_type: str
    body: str
    links: dict[str, str] = field(default_factory=dict)  # criterion label -> pages


@dataclass
class DemoCase:
    member_id: str
    member_name: str
    dob: dt.date
    provider: str
    npi: str
    lob: str
    priority: str
    policy: str
    indication: str
    stage: str
    codes: list[tuple[str, int]]
    received_hours_ago: float
    summary: str
    nurse: str | None = "nurse"
    facts: dict[str, Any] = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)
    confirm: bool = True  # confirm every proposal that the facts decide
    overrides: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (status, why)
    then: str = ""  # "", "pend", "refer", "approve", "withdraw"
    then_text: str = ""
    received_at: dt.datetime | None = None
    # fact -> (document name, pages): the document each fact was read from (the nurse's
    # "documented in"); applying a proposal links it to the criterion.
    fact_sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    diagnoses: tuple[str, ...] = ()  # ICD-10-CM, primary first (default: by indication)


def _note(title: str, lines: list[str]) -> str:
    return title + "\n\n" + "\n".join(lines)


MOLINA_NONMAL_TRIAL_FACTS = {
    "age_years": 52,
    "pain_nrs": 8,
    "pain_limits_daily_function": True,
    "body_size_adequate": True,
    "underlying_cause_treatment_failed": True,
    "systemic_analgesics_failed": True,
    "analgesics_fixed_schedule": True,
    "medication_compliance": True,
    "conservative_care_not_appropriate": False,
    "conservative_care_weeks": 34,
    "conservative_care_failed": True,
    "psych_evaluation_done": True,
    "psych_no_acute_instability": True,
    "psych_favourable_candidate": True,
    "active_infection": False,
    "coagulopathy": False,
    "leukopenia_or_pancytopenia": False,
    "increased_intracranial_pressure": False,
    "washington_medicaid_member": False,
}
MOLINA_MAL_FACTS = {
    "age_years": 64,
    "pain_nrs": 9,
    "pain_limits_daily_function": True,
    "life_expectancy_months": 8,
    "body_size_adequate": True,
    "systemic_analgesics_failed": True,
    "active_infection": False,
    "epidural_mets_or_thecal_encroachment": False,
    "coagulopathy": False,
    "leukopenia_or_pancytopenia": False,
    "increased_intracranial_pressure": False,
    "washington_medicaid_member": False,
    "trial_performed": True,
    "trial_pain_relief_percent": 70,
    "trial_function_improved": True,
}
OFFICE = DocumentType.OFFICE_NOTE

# The demo's clean case: LHCC non-malignant pain, permanent pump (the library's largest checklist,
# 20 criteria). Every document is uploaded and every fact recorded from its page; nothing is
# answered, so the nurse applies the facts' proposals and approves.
LHCC_CLEAN_PERMANENT = {
    "pain_cause_identified": True,
    "life_expectancy_months": 240,
    "conservative_care_failed": True,
    "treatment_compliance": True,
    "substance_use_disorder": False,
    "psych_evaluation_done": True,
    "psych_not_major_contributor": True,
    "behavioural_treatment_active": True,
    "further_treatment_not_indicated": True,
    "active_infection": False,
    "opioid_wean_percent": 58,
    "opioid_hyperalgesia_ruled_out": True,
    "trial_pain_relief_percent": 62,
    "trial_function_improved": True,
    "trial_performed": True,
    "trial_side_effects": "minimal",
    "opioid_wean_plan": True,
    "coagulopathy": False,
    "body_size_adequate": True,
    "other_programmable_implant_conflict": False,
    "drug_allergy": False,
    "increased_intracranial_pressure": False,
    "spinal_anomaly": False,
    "behavioural_treatment_continuing": True,
}
PAIN_NOTE, PSYCH, TRIAL, PRE_OP = (
    "pain-management-note.pdf",
    "psychological-evaluation.pdf",
    "trial-report.pdf",
    "pre-implant-assessment.pdf",
)
LHCC_CLEAN_SOURCES = {
    "pain_cause_identified": (PAIN_NOTE, "1"),
    "life_expectancy_months": (PAIN_NOTE, "1"),
    "conservative_care_failed": (PAIN_NOTE, "1"),
    "treatment_compliance": (PAIN_NOTE, "1"),
    "further_treatment_not_indicated": (PAIN_NOTE, "2"),
    "active_infection": (PAIN_NOTE, "2"),
    "opioid_wean_percent": (PAIN_NOTE, "2"),
    "opioid_hyperalgesia_ruled_out": (PAIN_NOTE, "2"),
    "substance_use_disorder": (PSYCH, "1"),
    "psych_evaluation_done": (PSYCH, "1"),
    "psych_not_major_contributor": (PSYCH, "1"),
    "behavioural_treatment_active": (PSYCH, "1"),
    "behavioural_treatment_continuing": (PSYCH, "1"),
    "trial_pain_relief_percent": (TRIAL, "1"),
    "trial_function_improved": (TRIAL, "1"),
    "trial_performed": (TRIAL, "1"),
    "trial_side_effects": (TRIAL, "1"),
    "opioid_wean_plan": (PRE_OP, "1"),
    "coagulopathy": (PRE_OP, "1"),
    "body_size_adequate": (PRE_OP, "1"),
    "other_programmable_implant_conflict": (PRE_OP, "1"),
    "drug_allergy": (PRE_OP, "1"),
    "increased_intracranial_pressure": (PRE_OP, "2"),
    "spinal_anomaly": (PRE_OP, "2"),
}
LHCC_CLEAN_DOCUMENTS = [
    Document(
        PAIN_NOTE,
        DocumentType.OFFICE_NOTE,
        _note(
            "Pain management progress note",
            [
                "Failed back surgery syndrome after L4-S1 fusion; MRI shows scar at L5.",
                "Life expectancy normal for age.",
                "Physical therapy, medicines, injections and CBT for 14 months without lasting "
                "relief; attended every session and took medicines as prescribed.",
                PAGE_BREAK,
                "Spine surgeon: no further surgery indicated.",
                "Morphine equivalent lowered from 120 to 50 mg a day before the trial (58%).",
                "Opioid-induced hyperalgesia considered and ruled out. No sign of infection.",
            ],
        ),
    ),
    Document(
        PSYCH,
        DocumentType.PSYCHOLOGICAL_EVALUATION,
        _note(
            "Psychological evaluation",
            [
                "No current substance use disorder.",
                "Mood symptoms are not a major cause of the pain.",
                "Attends weekly cognitive behavioural therapy for pain and will continue it.",
            ],
        ),
    ),
    Document(
        TRIAL,
        DocumentType.TRIAL_REPORT,
        _note(
            "Intrathecal trial report",
            [
                "Pain 8/10 before, 3/10 during the trial (about 62% lower).",
                "Walked twice as far; dressed without help. Mild nausea on day one only.",
            ],
        ),
    ),
    Document(
        PRE_OP,
        DocumentType.OFFICE_NOTE,
        _note(
            "Pre-implant assessment",
            [
                "Plan: keep tapering oral opioids after the implant.",
                "INR and platelets normal. Weight 74 kg, abdominal wall adequate for the pump.",
                "No pacemaker, stimulator or other programmable implant. No drug allergies.",
                PAGE_BREAK,
                "No sign of raised intracranial pressure. Lumbar MRI: no anomaly at the "
                "planned catheter entry.",
            ],
        ),
    ),
]


DEMO_CASES: list[DemoCase] = [
    DemoCase(
        "DM100001",
        "Rosa Delacroix",
        dt.date(1961, 3, 14),
        "Gulf Coast Pain Associates",
        "1234567893",
        "commercial",
        "standard",
        "molina-mcp-160",
        "malignant_pain",
        "permanent",
        [("62350", 1), ("62362", 1), ("E0783", 1)],
        30,
        "Metastatic pancreatic cancer with abdominal pain despite high-dose oral opioids. "
        "Successful intrathecal trial last month.",
        facts=MOLINA_MAL_FACTS,
        documents=[
            Document(
                "oncology-note.pdf",
                OFFICE,
                _note(
                    "Oncology progress note",
                    [
                        "Pain 9/10, bedbound most of the day.",
                        "Estimated survival 6 to 12 months.",
                        "Oral morphine and oxycodone at maximum tolerated doses with sedation.",
                        "No infection. Platelets and INR normal.",
                    ],
                ),
                {"1.a": "1", "1.b": "1", "1.d": "1"},
            ),
            Document(
                "mri-spine.pdf",
                DocumentType.IMAGING,
                _note("MRI thoracolumbar spine", ["No epidural disease. Thecal sac patent."]),
                {"1.e.ii": "1"},
            ),
            Document(
                "trial-report.pdf",
                DocumentType.TRIAL_REPORT,
                _note(
                    "Intrathecal trial",
                    [
                        "Pain 9/10 before, 3/10 during the trial (70% reduction).",
                        "Walked to the kitchen unaided; patient reports better function.",
                    ],
                ),
                {"1.f": "1"},
            ),
        ],
    ),
    DemoCase(
        "DM100002",
        "Marcus Thibodeaux",
        dt.date(1973, 11, 2),
        "Bayou Spine Center",
        "1245319599",
        "commercial",
        "standard",
        "molina-mcp-160",
        "non_malignant_pain",
        "trial",
        [("62322", 1)],
        20,
        "Failed back surgery syndrome after L4-S1 fusion; nine months of therapy.",
        facts={k: v for k, v in MOLINA_NONMAL_TRIAL_FACTS.items() if not k.startswith("psych")},
        documents=[
            Document(
                "pain-clinic-note.pdf",
                OFFICE,
                _note(
                    "Pain clinic note",
                    [
                        "NRS 8/10 on scheduled oxycodone, gabapentin; adherent per pill counts.",
                        "Physical therapy 24 sessions, no benefit. Surgeon: no further surgery.",
                    ],
                ),
                {"2.a": "1", "2.c.i": "1", "2.c.ii": "1", "2.c.iii": "1", "2.c.iv": "1"},
            )
        ],
    ),
    DemoCase(
        "DM100003",
        "Evangeline Broussard",
        dt.date(1958, 6, 30),
        "Acadiana Oncology",
        "1386724433",
        "medicare_advantage",
        "expedited",
        "nia-cg-310",
        "malignant_pain",
        "trial",
        [("62324", 1)],
        6,
        "Breast cancer with bone metastases; severe pain on oral opioids.",
        nurse=None,
    ),
    DemoCase(
        "DM100004",
        "Henri Fontenot",
        dt.date(1966, 1, 22),
        "Northshore Neurosurgery",
        "1497830129",
        "medicaid",
        "standard",
        "nia-cg-310",
        "replacement",
        "replacement",
        [("62362", 1), ("E0786", 1)],
        40,
        "Programmable baclofen pump at end of battery life; replacement requested.",
        facts={
            "pump_malfunction": False,
            "pump_battery_depleted": True,
            "pump_programmable": True,
            "pump_analysis_report_received": True,
            "active_infection": False,
            "body_size_adequate": True,
        },
        documents=[
            Document(
                "pump-analysis.pdf",
                DocumentType.PUMP_ANALYSIS,
                _note(
                    "Pump interrogation report",
                    [
                        "Elective replacement indicator reached.",
                        "Estimated battery life: 0 months.",
                    ],
                ),
                {"R.2": "1", "R.3": "1"},
            )
        ],
        then="refer",
        then_text="Battery depleted per analysis report; R.1 not applicable (no malfunction). "
        "Member had a superficial wound infection last year, resolved; referring for review.",
    ),
    DemoCase(
        "DM100005",
        "Celeste Guidry",
        dt.date(1979, 9, 9),
        "Crescent City Pain Institute",
        "1568493708",
        "commercial",
        "standard",
        "uhc-pharmacy-339.7",
        "non_malignant_pain",
        "permanent",
        [("62350", 1), ("62362", 1), ("E0783", 1)],
        50,
        "CRPS of the right leg. Trial gave partial relief only.",
        facts={
            "age_years": 46,
            "pain_cause_identified": True,
            "further_treatment_not_indicated": True,
            "conservative_care_weeks": 40,
            "conservative_care_failed": True,
            "psych_no_untreated_issues": True,
            "trial_performed": True,
            "trial_pain_relief_percent": 40,
        },
        documents=[
            Document(
                "neurology-note.pdf",
                OFFICE,
                _note(
                    "Neurology consult",
                    [
                        "Complex regional pain syndrome type 1, right lower extremity.",
                        "Ten months of therapy, medicines and blocks without lasting benefit.",
                    ],
                ),
                {"T.2": "1", "T.3": "1", "T.4": "1"},
            ),
            Document(
                "psych-eval.pdf",
                DocumentType.PSYCHOLOGICAL_EVALUATION,
                _note("Psychological evaluation", ["No untreated psychiatric condition."]),
                {"T.5": "1"},
            ),
            Document(
                "trial.pdf",
                DocumentType.TRIAL_REPORT,
                _note(
                    "Trial report",
                    ["Pain 8/10 before, 5/10 during the trial (about 40% reduction)."],
                ),
                {"P.1": "1"},
            ),
        ],
        then="refer",
        then_text="All trial criteria met; P.1 not met: trial relief 40% (policy asks for at "
        "least 50%). Provider asks for review of partial response.",
    ),
    DemoCase(
        "DM100006",
        "Lucien Arceneaux",
        dt.date(1985, 4, 18),
        "Pelican Rehabilitation",
        "1629507181",
        "commercial",
        "standard",
        "uhc-pharmacy-339.7",
        "spasticity",
        "trial",
        [("62323", 1)],
        10,
        "Spasticity after spinal cord injury; intrathecal baclofen trial.",
        documents=[
            Document(
                "interqual-review.pdf",
                DocumentType.EXTERNAL_REVIEW,
                _note("InterQual review worksheet", ["Criteria met for trial."]),
                {"EXT": "1"},
            )
        ],
        confirm=False,
    ),
    DemoCase(
        "DM100007",
        "Odile Mouton",
        dt.date(1952, 12, 5),
        "Lafayette Cancer Care",
        "1730287657",
        "medicaid",
        "expedited",
        "lhcc-la-cp-mp-173",
        "malignant_pain",
        "permanent",
        [("62350", 1), ("62362", 1), ("E0783", 1)],
        26,
        "Advanced lung cancer, limited survival, high procedural risk; provider asks to "
        "implant without a preliminary trial.",
        facts={
            "systemic_analgesics_failed": True,
            "life_expectancy_months": 4,
            "epidural_mets_or_thecal_encroachment": False,
            "active_infection": False,
            "body_size_adequate": True,
            "other_programmable_implant_conflict": False,
            "drug_allergy": False,
            "trial_performed": False,
        },
        documents=[
            Document(
                "oncology-note.pdf",
                OFFICE,
                _note(
                    "Oncology note",
                    [
                        "Stage IV non-small cell lung cancer, progressing; survival estimated 4 months.",
                        "Opioids by mouth cause delirium. Trial not advisable: high bleeding risk.",
                    ],
                ),
                {"I.A.1": "1", "I.A.2": "1"},
            ),
            Document(
                "ct-spine.pdf",
                DocumentType.IMAGING,
                _note("CT spine", ["No epidural metastasis."]),
                {"I.A.3": "1"},
            ),
        ],
        overrides={"II.A.1": ("not_met", "")},
        then="refer",
        then_text="Trial waiver requested (II.A.1): advanced disease, limited survival, high "
        "procedural risk. Everything else is met.",
    ),
    DemoCase(
        "DM100008",
        "Felix Hebert",
        dt.date(1969, 8, 27),
        "Red Stick Pain Management",
        "1841069218",
        "medicaid",
        "standard",
        "lhcc-la-cp-mp-173",
        "non_malignant_pain",
        "trial",
        [("62326", 1)],
        60,
        "Chronic lumbar radiculopathy; opioids reduced by about a third.",
        facts={
            "pain_cause_identified": True,
            "life_expectancy_months": 240,
            "conservative_care_failed": True,
            "treatment_compliance": True,
            "substance_use_disorder": False,
            "psych_evaluation_done": True,
            "psych_not_major_contributor": True,
            "behavioural_treatment_active": True,
            "further_treatment_not_indicated": True,
            "active_infection": False,
            "opioid_wean_percent": 30,
            "opioid_hyperalgesia_ruled_out": True,
        },
        documents=[
            Document(
                "pain-note.pdf",
                OFFICE,
                _note(
                    "Pain management note",
                    [
                        "MRI: L5 radiculopathy. Morphine equivalent down from 90 to 60 mg a day.",
                        "Physical therapy, medicines and injections for a year without relief; kept "
                        "every appointment. Surgeon: no further surgery indicated.",
                        "Opioid-induced hyperalgesia considered and excluded. Life expectancy normal.",
                    ],
                ),
                {
                    "I.B.1": "1",
                    "I.B.2": "1",
                    "I.B.3": "1",
                    "I.B.4": "1",
                    "I.B.8": "1",
                    "I.B.10": "1",
                    "I.B.11": "1",
                },
            ),
            Document(
                "psych-eval.pdf",
                DocumentType.PSYCHOLOGICAL_EVALUATION,
                _note(
                    "Psychological evaluation",
                    [
                        "No current substance use disorder. Mood disorder not a major contributor.",
                        "Attends weekly cognitive behavioural therapy for pain.",
                    ],
                ),
                {"I.B.5": "1", "I.B.6": "1", "I.B.7": "1"},
            ),
        ],
        then="refer",
        then_text="I.B.10 not met: opioids weaned by 30% (policy asks for at least 50%).",
    ),
    DemoCase(
        "DM100009",
        "Josephine Landry",
        dt.date(1975, 2, 11),
        "Gulf Coast Pain Associates",
        "1234567893",
        "medicare_advantage",
        "standard",
        "molina-mcp-160",
        "non_malignant_pain",
        "trial",
        [("62322", 1)],
        70,
        "Lumbar post-laminectomy pain; psychological evaluation not yet received.",
        facts={
            k: v
            for k, v in MOLINA_NONMAL_TRIAL_FACTS.items()
            if k
            not in (
                "psych_evaluation_done",
                "psych_no_acute_instability",
                "psych_favourable_candidate",
            )
        },
        then="pend",
        then_text="Please send the psychological evaluation by a licensed mental health "
        "professional (criteria 2.c.v and 2.c.vi).",
    ),
    DemoCase(
        "DM100010",
        "Antoine Savoie",
        dt.date(1960, 10, 3),
        "Cajun Country Oncology",
        "1356482905",
        "commercial",
        "standard",
        "molina-mcp-160",
        "malignant_pain",
        "trial",
        [("62324", 1)],
        0,
        "Decided under the 2024 version of MCP-160 (received before 2025-08-13).",
        received_at=dt.datetime(2025, 8, 11, 9, 30, tzinfo=dt.UTC),
        # The 2024 version lists contraindications as examples (1.g reads "another reason") and
        # has no Washington appendix.
        facts={
            k: v for k, v in MOLINA_MAL_FACTS.items() if not k.startswith(("trial_", "washington_"))
        }
        | {"other_implant_contraindication": False},
        documents=[
            Document(
                "oncology-note.pdf",
                OFFICE,
                _note(
                    "Oncology note",
                    [
                        "Colon cancer with pelvic recurrence; pain 8/10; survival about a year.",
                        "Opioid side effects: constipation and confusion.",
                    ],
                ),
                {"1.a": "1", "1.b": "1", "1.c": "1", "1.f": "1", "1.g": "1"},
            )
        ],
        then="approve",
    ),
    DemoCase(
        "DM100012",
        "Gabriel Melancon",
        dt.date(1971, 5, 8),
        "Gulf Coast Pain Associates",
        "1234567893",
        "commercial",
        "standard",
        "molina-mcp-160",
        "non_malignant_pain",
        "trial",
        [("62322", 1)],
        36,
        "Post-herpetic neuralgia; pain recorded as 6 of 10 on most visits.",
        facts=MOLINA_NONMAL_TRIAL_FACTS | {"pain_nrs": 6},
        documents=[
            Document(
                "pain-clinic-note.pdf",
                OFFICE,
                _note(
                    "Pain clinic note",
                    [
                        "Post-herpetic neuralgia, left T8. NRS 6/10 at the last three visits.",
                        "Scheduled tramadol and pregabalin, adherent; nerve blocks failed.",
                        "Eight months of therapy; no infection; coagulation normal.",
                    ],
                ),
                {"2.a": "1", "2.c.i": "1", "2.c.ii": "1", "2.c.iii": "1", "2.c.iv": "1"},
            ),
            Document(
                "psych-eval.pdf",
                DocumentType.PSYCHOLOGICAL_EVALUATION,
                _note(
                    "Psychological evaluation",
                    ["Stable mood, no suicide risk.", "Favourable candidate for a pump."],
                ),
                {"2.c.v": "1", "2.c.vi": "1"},
            ),
        ],
        then="refer",
        then_text="2.a not met: pain 6/10 (Molina asks for more than 6). Provider reports "
        "severe functional loss; please review.",
    ),
    DemoCase(
        "DM100011",
        "Mireille Boudreaux",
        dt.date(1990, 7, 21),
        "Bayou Spine Center",
        "1245319599",
        "commercial",
        "standard",
        "nia-cg-310",
        "non_malignant_pain",
        "permanent",
        [("62350", 1), ("62361", 1), ("E0782", 1)],
        12,
        "Provider withdrew the request.",
        then="withdraw",
        then_text="The provider withdrew the request by phone.",
    ),
    DemoCase(
        "DM100013",
        "Beatrice Comeaux",
        dt.date(1967, 10, 19),
        "Red Stick Pain Management",
        "1841069218",
        "medicaid",
        "standard",
        "lhcc-la-cp-mp-173",
        "non_malignant_pain",
        "permanent",
        [("62350", 1), ("62362", 1), ("E0783", 1)],
        5,
        "Failed back surgery syndrome after L4-S1 fusion. Intrathecal trial last month gave about "
        "60% relief; permanent pump requested. Every document is in the file and its facts are "
        "recorded; the checklist is not answered yet.",
        facts=LHCC_CLEAN_PERMANENT,
        fact_sources=LHCC_CLEAN_SOURCES,
        documents=LHCC_CLEAN_DOCUMENTS,
        confirm=False,
        diagnoses=("M96.1", "G89.29"),
    ),
]


def demo_cases_load() -> list[str]:
    """Create the demo cases that do not exist yet; returns their references."""
    made = []
    for spec in DEMO_CASES:
        if Case.objects.filter(member_id=spec.member_id).exists():
            continue
        made.append(_build(spec).reference)
    return made


def _pdf(title: str, body: str) -> bytes:
    from weasyprint import HTML  # here, not at the top: importing WeasyPrint takes a second

    lines = "".join(
        "<p style='break-before: page'></p>" if line == PAGE_BREAK else f"<p>{escape(line)}</p>"
        for line in body.split("\n")
        if line.strip() or line == PAGE_BREAK
    )
    html = (
        f"<html><head><title>{escape(title)}</title></head>"
        f"<body style='font-family: DejaVu Sans; font-size: 12pt'>"
        f"<p><em>Synthetic demo document, not a real record.</em></p>{lines}</body></html>"
    )
    return HTML(string=html).write_pdf()


# Letters in Spanish, and one in large print, so that the demo shows every variant.
DEMO_LANGUAGES = {"DM100001": "es", "DM100009": "es"}
DEMO_LARGE_PRINT = {"DM100005"}


def _delivery(spec: DemoCase) -> dict[str, str]:
    """A synthetic mailing address for the member and the provider (street numbers invented;
    Louisiana ZIP codes, where the demo plan is), the provider's fax, the letter language."""
    number = int(spec.member_id[-3:])
    return {
        "member_address_line1": f"{100 + 7 * number} Magnolia Street",
        "member_address_line2": "Apt 2" if number % 2 else "",
        "member_city": "Baton Rouge",
        "member_state": "LA",
        "member_zip": f"708{number % 20:02d}",
        "preferred_language": DEMO_LANGUAGES.get(spec.member_id, "en"),
        "alternate_format": "large_print" if spec.member_id in DEMO_LARGE_PRINT else "",
        "provider_address_line1": f"{number} Medical Center Drive",
        "provider_address_line2": "Suite 300",
        "provider_city": "New Orleans",
        "provider_state": "LA",
        "provider_zip": "70112",
        # Fax numbers in the 555-01xx range reserved for fiction.
        "provider_fax": f"504555{100 + number:04d}" if number % 3 else "",
    }


def _build(spec: DemoCase) -> Case:
    nurse = User.objects.get(username=spec.nurse or "nurse")
    received = spec.received_at or NOW() - dt.timedelta(hours=spec.received_hours_ago)
    case = services.case_create(
        intake=Intake(
            member_name=spec.member_name,
            member_id=spec.member_id,
            member_dob=spec.dob,
            provider_name=spec.provider,
            provider_npi=spec.npi,
            line_of_business=spec.lob,
            priority=spec.priority,
            policy=Policy.objects.get(key=spec.policy),
            indication=spec.indication,
            stage=spec.stage,
            received_at=received,
            clinical_summary=spec.summary,
            services=spec.codes,
            diagnoses=spec.diagnoses or DIAGNOSES[spec.indication],
            service_date=(received + dt.timedelta(days=21)).date(),
            servicing_facility=f"{spec.provider} procedure suite",
            **_delivery(spec),
        ),
        by=nurse,
        assign_to_me=spec.nurse is not None,
    )
    nodes = library.checklist_nodes(case.checklist)
    stored = {}
    for doc in spec.documents:
        upload = SimpleUploadedFile(doc.name, _pdf(doc.name, doc.body), "application/pdf")
        stored[doc.name] = services.evidence_upload(
            case=case,
            by=nurse,
            files=[upload],
            doc_type=doc.doc_type,
            document_date=received.date(),
            source=spec.provider,
        )[0].evidence
    for name, value in spec.facts.items():
        source = None
        if name in spec.fact_sources:
            document, pages = spec.fact_sources[name]
            source = EvidenceChoice(stored[document], pages)
        services.fact_record(
            case=case, by=nurse, name=name, raw_value=value, expected_revision=0, source=source
        )
    for doc in spec.documents:
        for label, pages in doc.links.items():
            if label in nodes:
                services.evidence_link(
                    case=case,
                    by=nurse,
                    evidence=stored[doc.name],
                    criterion=nodes[label],
                    pages=pages,
                )
    if spec.confirm:
        for answer in Answer.objects.filter(case=case).select_related("criterion"):
            status = answer.proposed_status
            if status == "unknown" or answer.criterion.label in spec.overrides:
                continue
            _answer(case, answer.criterion, nurse, status)
    for label, (status, why) in spec.overrides.items():
        _answer(case, nodes[label], nurse, status, why)
    if spec.then == "pend":
        services.case_pend(case=case, by=nurse, request_text=spec.then_text)
    elif spec.then == "refer":
        services.case_refer_to_director(case=case, by=nurse, summary=spec.then_text)
    elif spec.then == "approve":
        determination = case_approve_by_nurse(
            case=case, by=nurse, rationale="All criteria met and documented."
        )
        # The decider previews the letter, then signs what she saw; the case closes.
        preview = letter_render_html(determination=determination)
        letter_sign(determination=determination, by=nurse, preview_digest=letter_digest(preview))
    elif spec.then == "withdraw":
        case_withdraw(case=case, by=nurse, reason=spec.then_text)
    case.refresh_from_db()
    return case


def _answer(case, node, nurse, status, why=""):
    answer = Answer.objects.filter(case=case, criterion=node).first()
    if (
        status == AnswerStatus.MET
        and node.requires_documentation
        and not case.evidence_links.filter(criterion=node).exists()
    ):
        status = AnswerStatus.NOT_DOCUMENTED
        why = why or "No document in the file yet."
    try:
        services.answer_record(
            case=case,
            criterion=node,
            by=nurse,
            status=status,
            note="",
            override_reason=why,
            expected_revision=answer.revision if answer else 0,
        )
    except services.CaseActionRefused:
        services.answer_record(
            case=case,
            criterion=node,
            by=nurse,
            status=status,
            note="",
            override_reason=why or "Reviewer judgement.",
            expected_revision=answer.revision if answer else 0,
        )
