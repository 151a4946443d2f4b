"""Which phrases state which fact: every fact's rules, in one place, keyed by the fact's name in
``criteria/library/facts.yaml``.

How to read an entry: ``Says(pattern, value)`` suggests ``value`` when the phrase is stated as
present, and ``negated=`` (if given) when it is denied ("denies", "no evidence of", "ruled
out"...). Hedged ("possible", "cannot rule out"), family ("mother with..."), historical ("history
of", "last year", "before the trial") and hypothetical ("risks of", "plan to", "if") mentions
suggest nothing, unless the rule lists that context in ``allow=``. ``needs=`` is a phrase the same
sentence must contain, or ``kinds=`` a kind of document (from its title) it must be in; ``avoid=``
a phrase that rules the sentence out. ``Amount`` reads numbers and durations; ``Computed`` works a
value out of two numbers; ``Column`` reads the latest dated row of a table.

A fact listed in ``NOT_SUGGESTED`` is one that no sentence states on its own (a reviewer's
judgement over the whole record); a test checks that every dictionary fact is either here or there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .language import DURATION, NUMBER, duration_in
from .matchers import Amount, Column, Computed, Rule, Says, one_place, whole

# --- words shared by several facts ---------------------------------------------------------------

OPIOID = (
    r"(?:(?:oral|transdermal|systemic|long-acting|short-acting)\s+)?(?:opioids?|opiates?|"
    r"narcotics?|opioid (?:therapy|medications?|analgesics?))|oxycodone|oxycontin|percocet|"
    r"hydrocodone|norco|vicodin|morphine(?: sulfate)?(?: (?:ER|IR|SR))?|ms contin|hydromorphone|"
    r"dilaudid|methadone|tapentadol|nucynta|oxymorphone|opana|fentanyl (?:patch|transdermal)|"
    r"transdermal fentanyl|duragesic|buprenorphine|butrans|belbuca|tramadol|ultram|codeine"
)
NOT_ORAL = r"intrathecal|\bIT\b|epidural|\bpump\b|\bIV\b|intravenous|bolus|\btrial\b"
# Medicine given into the spine: not systemic. Intravenous and subcutaneous medicine is systemic
# (systemic_analgesics_failed counts it); the oral-opioid duration and schedule keep NOT_ORAL.
INTO_THE_SPINE = r"intrathecal|\bIT\b|epidural|\bpump\b|bolus|\btrial\b"
ANALGESIC = (
    rf"(?:{OPIOID}|(?:oral |systemic )?(?:analgesics?|pain (?:medications?|medicines?|meds)|"
    r"NSAIDs?|non-?steroidal anti-?inflammator(?:y|ies)|gabapentin|pregabalin|duloxetine|"
    r"medication management))"
)
SPASM_DRUG = (
    r"(?:oral )?baclofen|tizanidine|zanaflex|dantrolene|dantrium|diazepam|valium|"
    r"(?:oral )?antispasmodics?|anti-?spasticity (?:agents|medications?)|"
    r"oral (?:spasticity |anti-?spasticity )?(?:agents|medications?)|"
    r"standard (?:spasticity )?(?:therapy|treatment)|botulinum toxin|botox"
)
SPASTIC = r"spastic|spasm|\btone\b|hypertoni"
TRIAL = r"\btrial\b|\bbolus|test dose|screening|post-?(?:injection|bolus)|\binfusion\b"
PSYCH = r"psycholog|psychiatr|mental health|behaviou?ral health|psychosocial"
CONSERVATIVE = (
    r"conservative (?:care|therapy|therapies|treatment|treatments|management|measures|modalities|"
    r"tx|mgmt|rx)\b"
)
BEHAVIOURAL = (
    r"(?:cognitive[- ]behaviou?ral therapy|\bCBT\b|biofeedback|relaxation training|"
    r"pain coping skills|coping skills training|pain psychology|psychotherapy|counseling|"
    r"behaviou?ral (?:pain )?(?:therapy|treatment|management|program))"
)
PERCENT = rf"(?P<num>{NUMBER})\s*(?:%|percent|per cent)"
LEAD_IN = r"(?:(?:the\s+)?(?:past|last)\s+|more than\s+|over\s+|at least\s+|greater than\s+|>\s*|approximately\s+|about\s+|around\s+|roughly\s+|a period of\s+)*"
PAIN_WORDS = r"\bpain|\bNRS\b|\bVAS\b|\bhurts?\b"
# The usual pain is the fact; the best and worst of a range are other measures.
PAIN_QUALIFIER = r"\b(?:worst|best|least|lowest|highest|max(?:imum)?|min(?:imum)?|at most)\b"
OUT_OF_TEN = r"(?:\s*/\s*10|\s+out of (?:10|ten))"


# --- converters ---------------------------------------------------------------------------------


def _weeks(number: Decimal, match: Any) -> int | None:
    weeks = whole(duration_in(match.group("unit"), number, "weeks"))
    return weeks if weeks > 0 else None


def _months(number: Decimal, match: Any) -> Decimal | None:
    months = one_place(duration_in(match.group("unit"), number, "months"))
    return months if months > 0 else None


def _percent(number: Decimal, match: Any = None) -> Decimal | None:
    return one_place(number) if 0 <= number <= 100 else None


def _score(number: Decimal, match: Any = None) -> int | None:
    return int(number) if number == number.to_integral_value() and 0 <= number <= 10 else None


def _age(number: Decimal, match: Any = None) -> int | None:
    return int(number) if 0 < number <= 120 else None


def _reduction(a: Decimal, b: Decimal) -> Decimal | None:
    """Relief (or a wean) from a before and an after value: (a - b) / a, in percent."""
    if a <= 0 or b < 0 or b > a:
        return None
    return one_place((a - b) / a * 100)


def _duration_after(lead: str, **options: Any) -> Amount:
    """'<lead> ... for 6 months' and '6 months of <lead>'."""
    return Amount(
        rf"(?:{lead})\b[^.;]{{0,80}}?\b(?:for|over|x|×|lasting|spanning|totall?ing|since|"
        rf"during)\b\s*{LEAD_IN}{DURATION}",
        _weeks,
        allow=("historical",),
        **options,
    )


def _duration_before(lead: str, **options: Any) -> Amount:
    return Amount(
        rf"{DURATION}\s+(?:of|course of|trial of|history of)\s+(?:\w+\s+){{0,3}}?(?:{lead})",
        _weeks,
        allow=("historical",),
        **options,
    )


# --- the rules, by fact -------------------------------------------------------------------------

RULES: dict[str, tuple[Rule, ...]] = {
    # --- the member ---
    "age_years": (
        Amount(
            r"\b(?P<num>\d{1,3})[- ]?(?:years?|yrs?)[- ]old\b",
            lambda n, m: _age(n),
            allow=("historical",),
        ),
        Amount(
            r"\b(?P<num>\d{1,3})\s*(?:y/o|y\.o\.|yo|yr old)\b",
            lambda n, m: _age(n),
            allow=("historical",),
        ),
        Amount(
            r"(?<!at )(?<!since )(?<!by )\bage(?:d|\s*:)\s*(?P<num>\d{1,3})\b",
            lambda n, m: _age(n),
            allow=("historical",),
        ),
    ),
    "life_expectancy_months": (
        Amount(
            rf"(?:life expectancy|\bLE\b|expected survival|prognosis|expected to (?:live|survive)"
            rf"|estimated survival)\b[^.;]{{0,50}}?{DURATION}",
            _months,
        ),
    ),
    # --- pain and function ---
    "pain_nrs": (
        Amount(
            rf"(?<![\d/.-])(?P<num>{NUMBER}){OUT_OF_TEN}(?![\d/])",
            _score,
            needs=PAIN_WORDS,
            avoid=TRIAL + r"|relief|reduction",
            qualifier=PAIN_QUALIFIER,
        ),
        Amount(
            r"\b(?:NRS|VAS|numeric (?:pain )?rating(?: scale)?|pain (?:score|level|rating|"
            r"intensity)|rates? (?:her|his|their|the)?\s*pain|pain (?:is|was|of|at)(?: rated)?)"
            r"\s*(?:\((?:0-10|0 to 10|NRS|VAS)\))?"
            rf"\s*(?:score\s*)?(?:of|at|as|is|was|:|=)?\s*(?:an?\s+)?(?P<num>{NUMBER})\b"
            r"(?!\s*(?:-|to)\s*\d)(?!\s*(?:mm|%|percent|years?|months?|weeks?|days?|mg))"
            r"(?!\s*/\s*(?!10)\d)",
            _score,
            avoid=TRIAL + r"|relief|reduction",
            qualifier=PAIN_QUALIFIER,
        ),
        Column(r"NRS|VAS|pain|pain score|pain \(0-10\)|pain \(NRS\)|NRS \(0-10\)", _score),
    ),
    "pain_limits_daily_function": (
        Says(
            r"\bpain\b[^.;]{0,60}?\b(?:limits|limiting|limited|interferes? with|interfering with|"
            r"prevents?|impairs?|restricts?|disables?|disabling)\b[^.;]{0,40}?(?:ADLs?|"
            r"activities of daily living|daily (?:activities|function|living)|\bwork\b|walk|"
            r"sleep|household|self-care|quality of life|function)",
            True,
            negated=False,
        ),
        Says(
            r"unable to (?:work|walk|sleep|perform (?:ADLs?|household \w+|daily activities))"
            r"[^.;]{0,40}?(?:due to|because of|secondary to|from) (?:the |her |his |severe )?pain",
            True,
        ),
    ),
    "pain_cause_identified": (
        Says(
            r"\bpain (?:is |was |has been )?(?:due to|secondary to|caused by|attributed to|"
            r"related to|2/2|d/t)\s+(?!an? unknown|unknown|unclear|an unclear)\w",
            True,
        ),
        Says(
            r"(?:etiology|cause|source) of (?:the |her |his |their )?pain (?:is |remains )?"
            r"(?:unknown|unclear|undetermined|not (?:been )?(?:identified|determined|known))",
            False,
            allow=("hedged",),
        ),
    ),
    # --- treatment so far ---
    "systemic_analgesics_failed": (
        Says(
            r"(?:failed|failure of|inadequate (?:relief|response|pain control|analgesia) (?:with|"
            r"from|on|to)|refractory to|not (?:adequately )?controlled (?:with|by|on)|"
            r"inadequately controlled (?:with|by|on)|intolerant (?:of|to)|intolerable side "
            rf"effects (?:from|with|of|on)|despite)\s+(?:[\w-]+\s+){{0,4}}?(?:{ANALGESIC})",
            True,
            avoid=INTO_THE_SPINE,
        ),
        Says(
            rf"(?:{ANALGESIC})[^.;]{{0,50}}?(?:(?:provided|provides|gave|gives|given|with)"
            r"(?: (?:him|her|them))? (?:only )?"
            r"(?:inadequate|insufficient|minimal|little|no|partial) (?:relief|benefit|pain "
            r"control)|caused (?:intolerable|excessive|unacceptable|severe) (?:\w+\s+){0,2}?"
            r"(?:side effects|nausea|sedation|constipation|pruritus|confusion|vomiting))",
            True,
            avoid=INTO_THE_SPINE,
        ),
    ),
    "analgesics_fixed_schedule": (
        Says(
            r"around[- ]the[- ]clock|\bATC\b|scheduled (?:dosing|doses?|basis|regimen|opioids?|"
            r"analgesics?)|on a (?:fixed|regular|set) schedule|at (?:fixed|set|regular) "
            r"(?:times|intervals)",
            True,
            needs=rf"{ANALGESIC}|medication|dos(?:e|ing)",
            avoid=NOT_ORAL,
        ),
        Says(
            r"only (?:as needed|prn)|(?:as needed|prn) only|on an as-needed basis only",
            False,
            needs=ANALGESIC,
            avoid=r"around[- ]the[- ]clock|scheduled",
        ),
    ),
    "medication_compliance": (
        Says(
            r"(?:compliant|adherent) with (?:(?:her|his|their|all|the) )?(?:prescribed )?"
            r"(?:medications?|meds|medication regimen|opioid (?:agreement|regimen|therapy)|"
            r"pain (?:medications?|regimen)|regimen)|takes? (?:(?:her|his|their|all) )?"
            r"(?:pain )?medications? as (?:prescribed|directed)|(?:urine drug screens?|UDS|"
            r"urine toxicology)[^.;]{0,40}?(?:consistent|appropriate|as expected)",
            True,
            negated=False,
        ),
        Says(
            r"(?:non-?compliant|non-?adherent|noncompliance|nonadherence)\s+(?:with\s+)?"
            r"(?:(?:her|his|their) )?(?:medications?|meds|regimen|opioid)|(?:UDS|urine drug "
            r"screens?)[^.;]{0,40}?(?:inconsistent|aberrant|unexpected)|(?:taking|takes|took) "
            r"(?:more|extra|additional) (?:doses|medication|than prescribed)",
            False,
        ),
    ),
    "treatment_compliance": (
        Says(
            r"(?:completed|attended|participated (?:fully )?in|compliant with|adherent to)\s+"
            r"(?:all\s+)?(?:a\s+full\s+course\s+of\s+)?(?:[\w-]+\s+(?:sessions|visits)\s+of\s+)?"
            r"(?:(?:her|his|the) )?(?:prescribed |recommended )?(?:physical therapy|(?-i:PT)\b|"
            r"home exercise|treatment plan|treatments?|therapy sessions|rehabilitation)",
            True,
            negated=False,
        ),
        Says(
            r"(?:did not complete|non-?compliant with|failed to (?:attend|complete)|stopped "
            r"attending|missed (?:most|many|multiple))\s+(?:\w+\s+){0,3}?(?:physical therapy|"
            r"(?-i:PT)\b|sessions|appointments|treatment)",
            False,
        ),
    ),
    # "Treatment of the cause tried and failed" (Molina) and "further treatment not indicated" or
    # "unlikely to help" (UHC, LHCC) are separate facts; the retired fact that joined them is not
    # suggested (see NOT_SUGGESTED).
    "underlying_cause_treatment_failed": (
        Says(
            r"(?:failed|failure of|no (?:lasting |significant )?(?:relief|benefit|improvement) "
            r"(?:with|from|after)|(?:did not|has not|have not) (?:help|relieve|improve))\s+"
            r"(?:[\w-]+\s+){0,3}?(?:surgery|surgical (?:treatment|intervention)|fusion|"
            r"decompression|laminectomy|discectomy|chemotherapy|radiation|radiotherapy|"
            r"disease-(?:specific|directed) (?:treatment|therapy))",
            True,
            allow=("historical",),
            avoid=r"back surgery syndrome|\bFBSS\b|would|unlikely|not (?:indicated|recommended)",
        ),
        Says(
            r"(?:surgery|fusion|decompression|laminectomy|chemotherapy|radiation|radiotherapy)"
            r"[^.;]{0,40}?(?:failed to (?:relieve|help|control)|(?:provided|gave) (?:no|little|"
            r"minimal) (?:relief|benefit)|did not (?:relieve|help|improve))",
            True,
            allow=("historical",),
            avoid=r"would|unlikely|not (?:indicated|recommended)",
        ),
    ),
    "further_treatment_not_indicated": (
        Says(
            r"not (?:a |an )?(?:good |suitable |appropriate )?(?:surgical|operative|"
            r"neurosurgical) candidate|(?:further|additional|repeat|more) (?:spine |spinal |back "
            r")?(?:surgery|surgical (?:treatment|intervention)|treatment|chemotherapy|radiation) "
            r"(?:is |was |would be )?(?:not (?:indicated|recommended|advised|an option)|"
            r"contraindicated)|(?:no|not) (?:further |other )?(?:surgical|operative) options",
            True,
            allow=("hedged",),
        ),
    ),
    "further_treatment_unlikely_to_help": (
        Says(
            r"(?:further|additional|repeat|more) (?:spine |spinal |back )?(?:surgery|surgical "
            r"(?:treatment|intervention)|treatment|chemotherapy|radiation) (?:is |was |would be )?"
            r"(?:unlikely to (?:help|benefit|be effective|improve)|not (?:expected|likely) to "
            r"(?:help|benefit|be effective|improve))|exhausted (?:all )?(?:available )?"
            r"(?:treatment|surgical|therapeutic|other) options",
            True,
            allow=("hedged",),
        ),
    ),
    "further_treatment_refused": (
        Says(
            r"(?:declines?|declined|refuses?|refused|does not wish to (?:pursue|have|undergo)|"
            r"not interested in)\s+(?:\w+\s+){0,3}?(?:further |additional |repeat )?(?:surgery|"
            r"surgical (?:treatment|intervention|options)|chemotherapy|radiation|operative "
            r"(?:treatment|intervention))",
            True,
        ),
    ),
    "conservative_care_weeks": (
        _duration_after(CONSERVATIVE),
        _duration_before(CONSERVATIVE),
    ),
    "conservative_care_failed": (
        Says(
            r"(?:failed|failure of|refractory to|no (?:lasting |significant |meaningful )?"
            r"(?:relief|benefit|improvement) (?:with|from)|inadequate (?:relief|response) (?:to|"
            r"with|from)|unresponsive to|did not respond to)\s+(?:\w+\s+){0,6}?"
            rf"(?:{CONSERVATIVE})",
            True,
        ),
        Says(
            rf"(?:{CONSERVATIVE})[^.;]{{0,60}}?(?:has |have |had )?(?:failed|been unsuccessful|"
            r"(?:provided|gave) (?:no|minimal|little|inadequate) (?:relief|benefit))",
            True,
        ),
    ),
    "conservative_care_not_appropriate": (
        Says(
            rf"(?:{CONSERVATIVE}) (?:is|are|would be) (?:not appropriate|inappropriate|"
            r"contraindicated|not indicated|unsafe)",
            True,
        ),
    ),
    "oral_opioid_weeks": (
        _duration_after(
            OPIOID, avoid=NOT_ORAL + r"|opioid[- ]free|off (?:all )?opioids|weaned off|stopped"
        ),
        _duration_before(OPIOID, avoid=NOT_ORAL + r"|opioid[- ]free|off (?:all )?opioids"),
    ),
    "opioid_naive": (
        # Only a denial right before it ("not opioid-naive"): "opioid use: none, opioid-naive"
        # is not one.
        Says(r"opioid[- ]na[iï]ve", True, negated=False, window=1),
        Says(r"opioid[- ]tolerant|opioid tolerance", False),
    ),
    "opioid_wean_percent": (
        Amount(
            r"(?:wean(?:ed|ing)?|taper(?:ed|ing)?|reduc(?:ed|tion|ing)|decreas(?:ed|e|ing)|"
            rf"lower(?:ed|ing)?|cut)\b[^.;]{{0,60}}?\bby\s+{LEAD_IN}{PERCENT}",
            _percent,
            needs=rf"{OPIOID}|\bMME\b|\bMED\b|morphine (?:milligram )?equivalent",
            avoid=r"\bgoal\b|\btarget\b",
            allow=("historical",),
        ),
        Amount(
            rf"{PERCENT}\s+(?:reduction|decrease|taper|wean)\s+(?:in|of)\s+(?:\w+\s+){{0,4}}?"
            rf"(?:{OPIOID}|MME|MED|morphine equivalents?|daily dose|dose)",
            _percent,
            needs=rf"{OPIOID}|\bMME\b|\bMED\b|morphine",
            allow=("historical",),
        ),
        Says(
            r"(?:wean|taper|reduc|decreas|cut|lower)\w*\b[^.;]{0,40}?\bby (?:one[- ])?half\b",
            Decimal(50),
            needs=rf"{OPIOID}|\bMME\b|\bMED\b",
            allow=("historical",),
        ),
        Computed(
            r"from\s+(?P<a>\d+(?:\.\d+)?)\s*(?:mg\s*)?(?:MME|MED|morphine (?:milligram )?"
            r"equivalents?|mg/day|mg per day|mg daily)?\s+to\s+(?P<b>\d+(?:\.\d+)?)\s*"
            r"(?:mg\s*)?(?:MME|MED|morphine (?:milligram )?equivalents?|mg/day|mg per day|"
            r"mg daily)",
            _reduction,
            needs=r"\bMME\b|\bMED\b|morphine (?:milligram )?equivalent",
            allow=("historical",),
        ),
    ),
    "opioid_hyperalgesia_ruled_out": (
        Says(r"opioid[- ]induced hyperalgesia|\bOIH\b", False, negated=True),
    ),
    "opioid_wean_plan": (
        Says(
            r"(?:plan(?:s|ned)? (?:is )?to|will|intends? to)\s+(?:continue\s+(?:to\s+)?)?"
            r"(?:further\s+)?(?:wean|taper|reduc|decreas|lower)\w*\s+(?:\w+\s+){0,4}?"
            rf"(?:{OPIOID}|MME)|(?:opioid|narcotic) (?:weaning|taper|tapering|wean) plan",
            True,
            negated=False,
            allow=("hypothetical",),
        ),
    ),
    # --- psychological and behavioural ---
    "psych_evaluation_done": (
        Says(
            r"(?:pre-?(?:implant|surgical|pump|trial)\s+)?(?:psycholog(?:ical|ic)|psychiatric|"
            r"neuropsychological|behaviou?ral health)\s+(?:evaluation|assessment|testing|eval|"
            r"consultation|clearance)|psych(?:ological)? eval(?:uation)?\b",
            True,
            negated=False,
        ),
    ),
    "psych_no_acute_instability": (
        Says(
            r"no (?:evidence of |signs of )?(?:acute |current )?(?:psychiatric|psychological|"
            r"emotional|mental health) (?:instability|crisis|decompensation)|(?:psychiatrically|"
            r"emotionally|psychologically) stable",
            True,
        ),
        Says(
            r"(?:active|current|passive) suicidal ideation|suicidal (?:intent|plan)|acute "
            r"(?:psychiatric|psychological) (?:instability|crisis|decompensation)|"
            r"(?:acute|active) psychosis|homicidal ideation",
            False,
        ),
    ),
    "psych_favourable_candidate": (
        Says(
            r"(?<!not )(?<!not a )(?:good|favou?rable|appropriate|suitable|acceptable|excellent|"
            r"reasonable) candidate",
            True,
            needs=PSYCH,
            kinds=("psych",),
            avoid=r"surgical candidate|operative candidate",
        ),
        Says(
            r"(?:not (?:a |an )?(?:good |favou?rable |appropriate |suitable )?|poor |unsuitable )"
            r"candidate",
            False,
            needs=PSYCH,
            kinds=("psych",),
            avoid=r"surgical candidate|operative candidate",
        ),
    ),
    "psych_no_untreated_issues": (
        Says(
            r"no (?:significant |active |current )?(?:untreated )?(?:psychological|psychiatric|"
            r"psychosocial|mental health|behaviou?ral) (?:issues|problems|concerns|conditions|"
            r"contraindications|barriers|disorders?|factors)",
            True,
        ),
        Says(
            r"untreated (?:major )?(?:depression|depressive disorder|anxiety|psychosis|PTSD|"
            r"bipolar|psychiatric|psychological|mental health)",
            False,
            negated=True,
        ),
    ),
    "psych_not_major_contributor": (
        Says(
            r"(?:psychological|psychiatric|emotional|mental health|psychosocial) (?:factors?|"
            r"conditions?|issues?|components?)\s+(?:is|are|do|does)\s+not\s+(?:appear to be\s+)?"
            r"(?:a |the )?(?:major|primary|significant|predominant|main)?\s*(?:contributor|"
            r"driver|cause|factor)|pain is not (?:primarily )?psychogenic",
            True,
        ),
        Says(
            r"(?:psychological|psychiatric|emotional) factors (?:are|is) (?:a |the )?(?:major|"
            r"primary|predominant|significant) (?:contributor|driver|cause)",
            False,
        ),
    ),
    "psych_assessment_supports_therapy": (
        Says(
            r"(?:cognitively intact|intact cognition|adequate cognitive (?:ability|function))"
            r"[^.;]{0,80}?(?:willing|motivated|able) (?:and (?:able|willing) )?to "
            r"(?:participate|comply|adhere|engage)",
            True,
        ),
        Says(
            r"(?:psychological )?assessment (?:supports|is supportive of) (?:proceeding with )?"
            r"(?:the )?(?:intrathecal|pump|IT|implanted)",
            True,
            negated=False,
        ),
    ),
    "substance_use_disorder": (
        Says(
            r"(?:substance|drug|alcohol|opioid|cannabis|cocaine|stimulant|polysubstance) "
            r"(?:use|abuse|dependence) disorder|\bOUD\b|\bSUD\b|substance (?:abuse|misuse)|"
            r"drug (?:abuse|misuse)|alcohol (?:abuse|dependence)|alcoholism|illicit "
            r"(?:drug|substance) use|addiction",
            True,
            negated=False,
        ),
    ),
    "behavioural_treatment_active": (
        Says(
            r"(?:currently|actively|is)\s+(?:\w+\s+)?(?:participating|engaged|attending|enrolled|"
            rf"involved)\s+in\s+(?:weekly |ongoing |regular )?{BEHAVIOURAL}|(?:attends|"
            rf"participates in)\s+(?:weekly |regular )?{BEHAVIOURAL}",
            True,
            negated=False,
        ),
    ),
    "behavioural_treatment_continuing": (
        Says(
            r"continu(?:es|ing) (?:with |to (?:attend|participate in) )?(?:weekly |regular )?"
            rf"{BEHAVIOURAL}|(?:ongoing|continuing) {BEHAVIOURAL}",
            True,
            negated=False,
        ),
    ),
    # --- safety of the implant ---
    "active_infection": (
        Says(
            r"(?:active|systemic|local(?:ized)?|skin|soft tissue|wound|surgical site|spinal|"
            r"implant site|site|urinary tract) infections?|infection at the (?:\w+\s+){0,3}site|"
            r"\binfections?\b|cellulitis|osteomyelitis|discitis|(?:epidural )?abscess|sepsis|"
            r"bacteremia|meningitis|\bUTI\b|pneumonia",
            True,
            negated=False,
        ),
    ),
    "body_size_adequate": (
        Says(
            r"(?:body (?:habitus|size|build)|subcutaneous tissue|abdominal wall)[^.;]{0,40}?"
            r"(?:adequate|sufficient|appropriate|suitable|able to (?:accommodate|support))",
            True,
            avoid=r"\bnot (?:adequate|sufficient)|\binsufficient|\binadequate",
        ),
        Says(
            r"(?:insufficient|inadequate) (?:subcutaneous tissue|body mass|body habitus)|"
            r"too (?:thin|small) (?:for|to) (?:\w+\s+){0,3}?(?:pump|device|implant)",
            False,
        ),
    ),
    "epidural_mets_or_thecal_encroachment": (
        Says(
            r"epidural (?:metastas[ie]s|metastatic disease|tumou?r|disease|extension|mass|"
            r"spread|involvement)|(?:tumou?r|metastatic|neoplastic) (?:encroach\w*|compression|"
            r"invasion|extension)[^.;]{0,40}?thecal sac|thecal sac (?:compression|encroachment|"
            r"effacement)[^.;]{0,30}?(?:tumou?r|metasta\w+|mass|neoplasm)",
            True,
            negated=False,
        ),
    ),
    "coagulopathy": (
        Says(
            r"coagulopathy|bleeding (?:disorder|diathesis|tendency)|clotting disorder|"
            r"hemophilia|haemophilia|von willebrand",
            True,
            negated=False,
        ),
        Says(
            r"(?:coagulation (?:studies|panel|profile)|\bcoags\b|PT/INR|\bINR\b)[^.;]{0,30}?"
            r"(?:normal|within normal limits|unremarkable|\bWNL\b)",
            False,
        ),
    ),
    "leukopenia_or_pancytopenia": (
        Says(r"leukopenia|pancytopenia|neutropenia", True, negated=False),
        Says(
            r"(?:\bCBC\b|complete blood count|blood counts?)[^.;]{0,30}?(?:normal|within normal "
            r"limits|unremarkable|\bWNL\b)",
            False,
        ),
    ),
    "increased_intracranial_pressure": (
        Says(
            r"(?:increased|elevated|raised|high) (?:intracranial pressure|\bICP\b)|intracranial "
            r"hypertension|papill?edema",
            True,
            negated=False,
        ),
    ),
    "other_implant_contraindication": (
        Says(
            r"no (?:other |known |absolute |relative )?(?:contraindications?|contra-indications?) "
            r"(?:to|for) (?:\w+\s+){0,3}?(?:implant\w*|pump|placement|surgery|the procedure)",
            False,
        ),
    ),
    "other_programmable_implant_conflict": (
        Says(
            r"no (?:other )?(?:implanted|implantable) (?:programmable )?(?:devices?|"
            r"stimulators?|pumps?)",
            False,
        ),
        Says(
            r"programmable (?:VP |ventriculoperitoneal |CSF )?(?:shunt|valve)",
            True,
            negated=False,
        ),
    ),
    "drug_allergy": (
        Says(
            r"\bNKDA\b|no known (?:drug )?allergies|(?:allergies|allergy)\s*:\s*(?:none|NKDA|"
            r"no known)",
            False,
        ),
        Says(
            r"(?:allerg(?:y|ies|ic)|hypersensitivity|anaphylaxis)\s*(?:to|:)?\s*(?:\w+\s+){0,3}?"
            r"(?:morphine|hydromorphone|dilaudid|baclofen|ziconotide|prialt|fentanyl|sufentanil|"
            r"bupivacaine|clonidine|infumorph)",
            True,
            negated=False,
        ),
    ),
    "spinal_anomaly": (
        Says(
            r"spinal (?:anomaly|anomalies|malformation|deformity|dysraphism)|spina bifida|"
            r"tethered cord|severe (?:scoliosis|kyphosis|kyphoscoliosis)|(?:congenital|"
            r"vertebral) (?:anomaly|anomalies)|\bsyrinx\b|chiari",
            True,
            negated=False,
            allow=("historical",),
        ),
    ),
    # --- the trial ---
    # Whether a trial was done at all: a trial report's account of the trial itself, or a note
    # that says none was done (then no trial result can be asked for). A planned or scheduled
    # trial is hypothetical and suggests nothing.
    "trial_performed": (
        Says(
            r"(?:trial|bolus|test dose|screening)\b[^.;]{0,40}?\b(?:was |were )?(?:performed|"
            r"done|completed|given|administered|injected|carried out)\b|underwent (?:an? )?"
            r"(?:\w+\s+){0,3}?(?:trial|bolus)|single[- ]shot (?:\w+\s+){0,3}?(?:bolus|trial)|"
            r"(?:bolus|trial) (?:was )?(?:stopped|discontinued|terminated) early",
            True,
            kinds=("trial",),
            allow=("historical",),
            avoid=r"\bnot\b|\bno\b|\bnever\b|\bplan|\bschedul",
        ),
        Says(
            r"(?:has not|hasn't|did not|never) (?:had|undergone|undergo|have) (?:an? |any )?"
            r"(?:\w+\s+){0,3}?(?:trial|bolus|test dose)|no (?:prior |previous )?(?:\w+\s+)?"
            r"(?:trial|test dose) (?:was |has been |had been )?(?:done|performed|attempted)|"
            r"(?:trial|test dose) (?:was |has )?not (?:been )?(?:done|performed|attempted)|"
            r"without a (?:prior |preceding )?(?:\w+\s+){0,2}?trial",
            False,
            needs=r"intrathecal|\bIT\b|epidural|pump|morphine|baclofen|hydromorphone|ziconotide",
            allow=("historical",),
        ),
    ),
    "trial_pain_relief_percent": (
        Amount(
            rf"{PERCENT}\s+(?:(?:pain\s+)?relief(?!\s+(?:of|in)\s+(?:\w+\s+)?(?:{SPASTIC}))|"
            r"(?:reduction|decrease|improvement)\s+(?:in|of)\s+(?:\w+\s+){0,2}?pain)",
            _percent,
            needs=TRIAL,
            kinds=("trial",),
            allow=("historical",),
        ),
        Amount(
            r"pain (?:relief|reduction|decrease|improvement)\s+(?:of|was|by|=|:)\s*"
            rf"{LEAD_IN}{PERCENT}",
            _percent,
            needs=TRIAL,
            kinds=("trial",),
            allow=("historical",),
        ),
        Computed(
            rf"(?:from|of)\s+(?P<a>{NUMBER}){OUT_OF_TEN}\s+(?:\w+\s+){{0,4}}?(?:to|down to)\s+"
            rf"(?P<b>{NUMBER}){OUT_OF_TEN}",
            _reduction,
            needs=TRIAL,
            kinds=("trial",),
            allow=("historical",),
        ),
        Computed(
            r"(?:baseline|pre-?trial|pre-?bolus|before (?:the )?(?:trial|bolus|injection))\s*"
            rf"(?:pain\s*)?(?:NRS|VAS|pain score|score|pain)?\s*(?:of|was|:|=)?\s*(?P<a>{NUMBER})"
            r"(?:\s*/\s*10)?[^.;]{0,80}?(?:post-?trial|post-?bolus|post-?injection|after (?:the )?"
            r"(?:trial|bolus|injection)|peak effect)\s*(?:pain\s*)?(?:NRS|VAS|pain score|score|"
            rf"pain)?\s*(?:of|was|:|=|decreased to|fell to)?\s*(?P<b>{NUMBER})(?:\s*/\s*10)?",
            _reduction,
            allow=("historical",),
        ),
    ),
    "trial_function_improved": (
        Says(
            r"(?:improved|improvement in|better|increased|gains? in)\s+(?:\w+\s+){0,3}?"
            r"(?:function|functional|functioning|ADLs?|activities of daily living|mobility|"
            r"walking|ambulation|activity (?:level|tolerance)|walking (?:distance|tolerance)|"
            r"sitting (?:tolerance|balance)|transfers)|"
            r"(?:was able to|were able to|could) (?:walk|ambulate|stand|sit|perform|complete|do|"
            r"resume)\s+(?:\w+\s+){0,4}?(?:longer|farther|further|more|again|without)|"
            r"(?:walked|ambulated|stood|sat)\s+(?:\w+\s+){0,2}?(?:longer|farther|further|more)",
            True,
            needs=TRIAL,
            kinds=("trial",),
            allow=("historical",),
        ),
        Says(
            r"no (?:\w+\s+)?(?:functional improvement|improvement in (?:function|ADLs|activity))|"
            r"function (?:was |remained )?unchanged|did not improve (?:function|functionally)",
            False,
            needs=TRIAL,
            kinds=("trial",),
            allow=("historical",),
        ),
    ),
    # LHCC asks for minimal side effects, NIA for tolerable ones: the report's own word decides
    # which, and a sentence that could be read as two grades suggests nothing.
    "trial_side_effects": (
        Says(
            r"no (?:significant |major |notable )?(?:side effects|adverse (?:effects|events|"
            r"reactions))|without (?:any )?(?:side effects|adverse (?:effects|events|reactions))",
            "none",
            needs=TRIAL,
            kinds=("trial",),
            allow=("historical",),
            avoid=r"\bexcept\b|\bother than\b|\bapart from\b|\bbesides\b",
        ),
        Says(
            r"(?:side effects?|adverse (?:effects?|events?))\s+(?:were |was |are )?(?:only )?"
            r"(?:minimal|mild|minor|transient)|(?:nausea|pruritus|itching|sedation|urinary "
            r"retention|headache|dizziness|constipation)\s+(?:was|were)\s+(?:only\s+)?"
            r"(?:mild|minimal|minor|transient)",
            "minimal",
            needs=TRIAL,
            kinds=("trial",),
            allow=("historical",),
        ),
        Says(
            r"(?:side effects?|adverse (?:effects?|events?))\s+(?:were |was |are )?(?:tolerable|"
            r"well tolerated|manageable)|(?:tolerated|tolerates) (?:the )?(?:trial|bolus|"
            r"infusion|procedure|medication|dose)?\s*well",
            "tolerable",
            needs=TRIAL,
            kinds=("trial",),
            allow=("historical",),
            avoid=r"without (?:any )?(?:side effects|adverse)|no (?:significant |major )?"
            r"(?:side effects|adverse)",
        ),
        Says(
            r"(?:intolerable|unacceptable|severe) (?:side effects?|nausea|vomiting|pruritus|itching|"
            r"urinary retention|sedation|respiratory depression)|(?:trial|infusion|bolus) (?:was )?"
            r"(?:stopped|discontinued|terminated|aborted) (?:early )?(?:due to|because of) "
            r"(?:\w+\s+){0,2}?(?:side effects?|nausea|vomiting|sedation|pruritus|retention|"
            r"respiratory depression)",
            "intolerable",
            needs=TRIAL,
            kinds=("trial",),
            allow=("historical",),
        ),
    ),
    "trial_spasm_relief_percent": (
        Amount(
            rf"{PERCENT}\s+(?:reduction|decrease|improvement|relief)\s+(?:in|of)\s+(?:\w+\s+){{0,2}}?"
            r"(?:spasms?|spasticity|tone|muscle tone)",
            _percent,
            needs=TRIAL,
            kinds=("trial",),
            allow=("historical",),
        ),
        Amount(
            r"(?:spasms?|spasticity|tone)\s+(?:\w+\s+){0,3}?(?:reduced|decreased|improved|"
            rf"relieved|fell|dropped|relief)\s+(?:by|of|was|:)?\s*{LEAD_IN}{PERCENT}",
            _percent,
            needs=TRIAL,
            kinds=("trial",),
            allow=("historical",),
        ),
    ),
    # --- spasticity ---
    "spasticity_cause": (
        Says(
            r"multiple sclerosis|\bMS\b(?!\s*(?:contin|IR|ER|\d))",
            "multiple_sclerosis",
            needs=SPASTIC,
            kinds=("spasticity",),
            allow=("historical",),
        ),
        Says(
            r"spinal cord injury|\bSCI\b|(?:traumatic )?(?:paraplegia|tetraplegia|quadriplegia)|"
            r"spinal cord (?:trauma|transection)",
            "spinal_cord_injury",
            needs=SPASTIC,
            kinds=("spasticity",),
            allow=("historical",),
        ),
        Says(
            r"stiff[- ]person syndrome|stiff[- ]man syndrome",
            "stiff_person_syndrome",
            needs=SPASTIC,
            kinds=("spasticity",),
            allow=("historical",),
        ),
        Says(
            r"cerebral palsy|traumatic brain injury|\bTBI\b|anoxic brain injury",
            "other_condition",
            needs=SPASTIC,
            kinds=("spasticity",),
            allow=("historical",),
        ),
    ),
    "spasticity_function_impact": (
        Says(
            r"(?:spasticity|spasms|tone)\b[^.;]{0,60}?\b(?:interferes? with|interfering with|"
            r"limits?|limiting|prevents?|impairs?|affects?)\s+(?:\w+\s+){0,3}?(?:posture|sitting|"
            r"balance|gait|walking|ambulation|transfers?|ADLs?|activities of daily living|daily "
            r"activities|hygiene|care|sleep)",
            True,
            negated=False,
        ),
        Says(
            r"(?:unable to|difficulty|cannot) (?:sit(?:ting)? upright|maintain (?:an )?upright "
            r"posture|transfer|ambulate|walk)[^.;]{0,40}?(?:due to|because of|secondary to) "
            r"(?:\w+\s+)?(?:spasticity|spasms|tone)",
            True,
        ),
    ),
    "spasticity_therapy_weeks": (
        _duration_after(
            SPASM_DRUG,
            needs=SPASTIC,
            kinds=("spasticity",),
            avoid=r"intrathecal|\bITB\b|\bIT\b|"
            r"pump|trial|bolus",
        ),
        _duration_before(
            SPASM_DRUG,
            needs=SPASTIC,
            kinds=("spasticity",),
            avoid=r"intrathecal|\bITB\b|\bIT\b|"
            r"pump|trial|bolus",
        ),
    ),
    "spasticity_therapy_failed": (
        Says(
            rf"(?:failed|failure of|inadequate (?:response|relief) (?:to|with|from)|refractory "
            rf"to|resistant to|unresponsive to|(?:has |have )?not responded to|did not respond "
            rf"to|no response to|intolerant (?:of|to)|intolerable side effects (?:from|with|of)|"
            rf"despite)\s+(?:\w+\s+){{0,3}}?(?:{SPASM_DRUG})",
            True,
            needs=SPASTIC,
            kinds=("spasticity",),
            avoid=r"intrathecal|\bITB\b|\bIT\b|pump|trial|bolus",
        ),
        Says(
            rf"(?:{SPASM_DRUG})[^.;]{{0,50}}?(?:ineffective|not effective|(?:provided|gave) "
            r"(?:little|no|minimal|inadequate) (?:relief|benefit)|caused (?:excessive|"
            r"intolerable) (?:sedation|weakness|drowsiness))",
            True,
            needs=SPASTIC,
            kinds=("spasticity",),
            avoid=r"intrathecal|\bITB\b|\bIT\b|pump|trial|bolus",
        ),
    ),
    # --- replacing a pump ---
    "pump_malfunction": (
        Says(
            r"pump (?:malfunction|failure|dysfunction|stall|error)|(?:motor|rotor) (?:stall|"
            r"failure)|(?:pump|device) (?:is )?(?:malfunctioning|failing|not (?:functioning|"
            r"working))",
            True,
            negated=False,
            allow=("historical",),
        ),
        Says(
            r"pump (?:is )?(?:functioning|working|operating) (?:normally|properly|appropriately|"
            r"as (?:expected|designed))",
            False,
        ),
    ),
    "pump_battery_depleted": (
        Says(
            r"(?:elective replacement indicator(?:\s*\(ERI\))?|\bERI\b|end of (?:service|life)|"
            r"\bEOS\b)\s*"
            r"(?:has been |was |is )?(?:reached|triggered|alarm(?:ing)?|active|met)|battery (?:is "
            r"|has )?(?:depleted|exhausted|at (?:end of life|ERI)|near(?:ing)? (?:depletion|end of "
            r"(?:life|service))|low)|low battery (?:alarm|warning)|(?:reached|at) (?:its |the )?"
            r"(?:elective replacement indicator|\bERI\b|end of (?:battery )?(?:life|service))",
            True,
        ),
        Says(
            r"battery (?:status|life|level)?\s*(?:is )?(?:adequate|good|normal|OK|sufficient)|"
            r"(?:estimated )?battery (?:life|longevity) (?:remaining )?(?:of |is )?(?:\d+(?:\.\d+)?"
            r"|\w+) years",
            False,
        ),
    ),
    "pump_programmable": (
        Says(
            r"(?<!non-)(?<!non )programmable (?:intrathecal )?(?:pump|device|infusion system)|"
            r"synchromed|prometra|(?:pump|device) is programmable",
            True,
            avoid=r"non-?programmable",
        ),
        Says(
            r"non-?programmable (?:[\w-]+\s+)?(?:pump|device)|(?:fixed[- ]rate|constant[- ]flow) "
            r"(?:\w+\s+)?pump|codman 3000|isomed",
            False,
        ),
    ),
    "pump_analysis_report_received": (
        Says(
            r"(?:pump )?(?:analysis|interrogation) (?:report|printout|summary)|pump (?:was )?"
            r"interrogated|interrogation of the (?:\w+\s+)?pump",
            True,
            negated=False,
            allow=("historical",),
        ),
    ),
    # --- external criteria ---
    # --- the drug, for LHCC's route of spasticity requests ---
    "intrathecal_baclofen": (
        Says(
            r"intrathecal baclofen|\bITB\b|baclofen (?:pump|trial|bolus|screening)|"
            r"(?:pump|trial|bolus|screening) (?:\w+\s+){0,2}?(?:of|with) baclofen",
            True,
            allow=("historical", "hypothetical"),
        ),
    ),
    "external_review_met": (
        Says(
            r"(?:InterQual|\bMCG\b|external) (?:criteria|review)[^.;]{0,30}?(?<!not )\bmet\b",
            True,
        ),
        Says(r"(?:InterQual|\bMCG\b|external) (?:criteria|review)[^.;]{0,30}?not met", False),
    ),
    "washington_hta_met": (
        Says(
            r"(?:Washington|\bWA\b|\bHCA\b)[^.;]{0,40}?(?:health technology assessment|\bHTA\b)"
            r"[^.;]{0,40}?(?<!not )\bmet\b",
            True,
        ),
        Says(
            r"(?:Washington|\bWA\b|\bHCA\b)[^.;]{0,40}?(?:health technology assessment|\bHTA\b)"
            r"[^.;]{0,40}?not met",
            False,
        ),
    ),
}

# Facts no single sentence states: the reviewer judges them from the whole record.
NOT_SUGGESTED = {
    "conservative_care_active_and_inactive": (
        "needs the therapy plan, its active and passive parts and a six-week follow-up read "
        "together"
    ),
    "washington_medicaid_member": (
        "the member's coverage: the plan's eligibility record says it, not a clinical note"
    ),
    "medical_director_review_met": (
        "the plan's medical director's own finding on a request the policy does not address, "
        "recorded from that review, never from the provider's documents"
    ),
}
