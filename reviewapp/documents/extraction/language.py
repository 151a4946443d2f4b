"""How clinical notes say things: sentences and table rows, numbers in words, durations, and the
context around a finding (negated, hedged, about a relative, in the past, hypothetical).

The context rules follow the idea of NegEx / ConText (Chapman et al.): trigger phrases before or
after a finding, within the same clause, stopped by terms such as "but" or "however". They are
our own, small and explicit, so a reader can see why a sentence was or was not read as a fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

# --- segmentation -------------------------------------------------------------------------------

SECTION_NAMES = {
    "family": r"family (?:medical )?history|fhx|fh",
    "history": r"past (?:medical |surgical )?history|pmhx?|psh|past history",
    "social": r"social history|shx",
    "allergies": r"allergies|allergy|drug allergies",
    "medications": r"(?:current |home )?medications|meds|current meds",
    "plan": r"plan|recommendations?|assessment and plan|assessment/plan|a/p",
    "assessment": r"assessment|impression|diagnos[ie]s|summary|conclusions?|findings",
    "hpi": r"history of present illness|hpi|interval history|subjective",
    "exam": r"(?:physical )?exam(?:ination)?|objective|review of systems|ros",
}
_SECTION_RE = {
    name: re.compile(rf"^(?:{pattern})$", re.I) for name, pattern in SECTION_NAMES.items()
}
_HEADER_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z /&()'-]{1,60}?)\s*:\s*$")
_INLINE_HEADER = re.compile(r"^\s*([A-Za-z][A-Za-z /&()'-]{1,40}?)\s*:\s+(\S.*)$")
_CAPS_LINE = re.compile(r"^[A-Z][A-Z0-9 /&(),.'-]{2,70}$")
DATE = r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4})"
_DATED_ROW = re.compile(rf"^\s*(?P<date>{DATE})\b\s*[|:,-]?\s*(?P<rest>.+)$")
_ABBREVIATIONS = {
    "dr",
    "mr",
    "mrs",
    "ms",
    "st",
    "jr",
    "sr",
    "vs",
    "approx",
    "no",
    "e.g",
    "i.e",
    "etc",
    "y.o",
    "b.i.d",
    "t.i.d",
    "q.i.d",
    "p.r.n",
    "a.m",
    "p.m",
    "mg",
    "fig",
    "inc",
}


@dataclass(frozen=True)
class Unit:
    """A sentence, or a line that stands alone (a table row, a "label: value" line)."""

    text: str
    section: str = ""  # one of SECTION_NAMES, or ""
    kind: str = "sentence"  # "sentence", "line" or "row"
    columns: tuple[str, ...] = ()  # for a dated table row: the header's column names
    date: str = ""  # for a dated table row


def normalise(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\t", "  ")
    for old, new in (("ﬁ", "fi"), ("ﬂ", "fl"), ("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"')):
        text = text.replace(old, new)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = text.replace("≥", ">=").replace("≤", "<=")
    # OCR reads a hyphen at a line end followed by a stray quote mark: "34- 'year-old".
    text = re.sub(r"(\w)-\s+['`]", r"\1-", text)
    # ... and speckles as full stops inside a sentence: "interferes. with", "with.lower".
    text = re.sub(r"(?<=[a-z]{2})\.(?= [a-z])|(?<=[a-z]{2})\.(?=[a-z]{3})", " ", text)
    return re.sub(r"(?<=\S)  (?=[a-z])", " ", text)


def section_of(label: str) -> str | None:
    label = label.strip().lower()
    for name, pattern in _SECTION_RE.items():
        if pattern.match(label):
            return name
    return None


def segment(text: str) -> list[Unit]:
    """Split a page into units: sentences of running text, and lines that stand alone."""
    units: list[Unit] = []
    section = ""
    paragraph: list[str] = []
    columns: tuple[str, ...] = ()

    def flush() -> None:
        if paragraph:
            joined = " ".join(paragraph)
            joined = re.sub(r"(\w)- (\w)", r"\1\2", joined)  # a word hyphenated across lines
            units.extend(Unit(s, section) for s in sentences(joined))
            paragraph.clear()

    lines = [re.sub(r" {3,}", "  ", raw.strip()) for raw in normalise(text).split("\n")]
    # Running text fills the line; a short line without a closing mark ends its own unit (a
    # table row or a form field whose cells came out separated by single spaces).
    full = max((len(line) for line in lines), default=0)
    short = 0.6 * full
    for line in lines:
        if not line:
            flush()
            columns = ()
            continue
        header = _HEADER_LINE.match(line)
        if header or (_CAPS_LINE.match(line) and len(line.split()) <= 8 and not line.endswith(".")):
            flush()
            found = section_of(header.group(1) if header else line.rstrip(":"))
            section = found if found is not None else ("" if header is None else section)
            if header is None and found is None:
                units.append(Unit(line, section, "line"))  # a title: kept for document kinds
            continue
        row = _DATED_ROW.match(line)
        if row:
            flush()
            units.append(Unit(line, section, "row", columns, row.group("date")))
            continue
        inline = _INLINE_HEADER.match(line)
        if inline and section_of(inline.group(1)) is not None:
            flush()
            found = section_of(inline.group(1)) or ""
            content = inline.group(2)
            if len(content.split()) <= 6:
                # "Allergies: NKDA" is a line of its own; the section is only its own.
                units.append(Unit(line, found, "line"))
                continue
            section, line = found, content
        elif inline or "|" in line or "  " in line:
            # "Label: value" and table lines stand alone; a header row names the columns.
            flush()
            cells = [c.strip() for c in re.split(r"\s*\|\s*|\s{2,}", line) if c.strip()]
            if not re.search(r"\d", line) and len(cells) >= 2:
                columns = tuple(cells)
            elif len(line.split()) <= 6 and not re.search(r"\d", line) and not inline:
                columns = tuple(line.split())
            units.append(Unit(line, section, "line"))
            continue
        elif len(line.split()) <= 5 and not re.search(r"[.!?]$", line) and not paragraph:
            # A short line with no sentence end may be a table's header row (single spaces).
            if not re.search(r"\d", line):
                columns = tuple(line.split())
            units.append(Unit(line, section, "line"))
            continue
        paragraph.append(line)
        if (
            full >= 50
            and len(line) < short
            and not re.search(r"[,;:-]$|\b(?:and|or|of|the|a|to)$", line)
        ):
            flush()
    flush()
    return units


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])", text.strip())
    merged: list[str] = []
    for part in parts:
        if merged:
            last_word = merged[-1].rsplit(" ", 1)[-1].rstrip(".").lower()
            if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word):
                merged[-1] = f"{merged[-1]} {part}"
                continue
        merged.append(part)
    return [m.strip() for m in merged if m.strip()]


# --- numbers ----------------------------------------------------------------------------------

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_WORD = "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True))
# A number as written in notes: 8, 8.5, "eight", "twenty-six", "a" (a year), "one and a half".
NUMBER = (
    rf"(?:\d+(?:\.\d+)?(?:\s+1/2)?|(?:(?:{_WORD})(?:[- ](?:{_WORD}))?|an?)"
    rf"(?:\s+and\s+a\s+half)?|half\s+an?|a\s+half)"
)


def number_value(text: str) -> Decimal | None:
    """The value of a NUMBER match ("twenty-six" -> 26, "a" -> 1, "one and a half" -> 1.5)."""
    text = text.strip().lower()
    half = Decimal("0")
    if text in ("half a", "half an", "a half"):
        return Decimal("0.5")
    if text.endswith("and a half"):
        half = Decimal("0.5")
        text = text[: -len("and a half")].strip()
    if text.endswith(" 1/2"):
        half = Decimal("0.5")
        text = text[:-4].strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text) + half
    if text in ("a", "an"):
        return Decimal(1) + half
    total = 0
    for word in re.split(r"[- ]+", text):
        if word in _UNITS:
            total += _UNITS[word]
        elif word in _TENS:
            total += _TENS[word]
        else:
            return None
    return Decimal(total) + half


# --- durations --------------------------------------------------------------------------------

DURATION_UNIT = r"(?:days?|wks?|weeks?|mos?|months?|yrs?|years?)"
# "6 months", "six-month", "6-8 weeks" (the lower bound), "x 12 wks", "1 1/2 years".
DURATION = (
    rf"(?P<num>{NUMBER})(?:\s*(?:-|to)\s*(?P<num2>{NUMBER}))?[\s-]*(?P<unit>{DURATION_UNIT})\b"
)
_APPROXIMATE_BELOW = re.compile(r"\b(?:almost|nearly|under|less than|<|up to)\s*$", re.I)


def duration_in(unit: str, amount: Decimal, target: str) -> Decimal:
    """Convert a duration to ``target`` ("weeks" or "months"). Six months are 26 weeks."""
    unit = unit.lower()
    if unit.startswith("d"):
        weeks = amount / 7
    elif unit.startswith("w"):
        weeks = amount
    elif unit.startswith("m"):
        weeks = amount * 52 / 12
    else:
        weeks = amount * 52
    if target == "weeks":
        return weeks
    return weeks * 12 / 52


def below_marker(before: str) -> bool:
    """'almost six months', 'less than 3 months': the number is an upper bound, not a value."""
    return bool(_APPROXIMATE_BELOW.search(before))


# --- context ----------------------------------------------------------------------------------

TERMINATORS = re.compile(
    r"\b(?:but|however|although|though|yet|except|aside from|apart from|other than|whereas|"
    r"while)\b|;",
    re.I,
)
NEGATION_BEFORE = re.compile(
    r"\b(?:no|not|without|denies|denied|deny|denying|negative for|free of|absence of|absent|"
    r"never|none|nor|neither|ruled out|rules out|resolved|no evidence of|no signs? of|"
    r"no history of|non|unremarkable for|fails to reveal|not demonstrate)\b",
    re.I,
)
# Trigger words that look like negation but are not ("no change", "not only", "gram negative").
PSEUDO_NEGATION = re.compile(
    r"\b(?:no (?:change|increase|decrease|further|longer able)|not only|not necessarily|"
    r"gram[- ]negative|without difficulty|not been ruled out|not ruled out|no improvement)\b",
    re.I,
)
NEGATION_AFTER = re.compile(
    r"^[\s,:|-]*(?:(?:events?|episodes?|noted|seen|found|detected|reported|identified|present)"
    r"\s*[:|-]?\s*)?(?:(?:was|were|is|are|has been|have been|had been)\s+)?(?:(?:considered and|"
    r"evaluated and)\s+)?(?:ruled out|excluded|negative|absent|denied|none|no\b|not (?:seen|"
    r"present|identified|found|noted|appreciated|detected|demonstrated|evident|suspected)|"
    r"resolved)",
    re.I,
)
HEDGE = re.compile(
    r"\b(?:possible|possibly|probable|probably|questionable|suspect|suspected|suspicious for|"
    r"suspicion|concern for|concerning for|may|might|cannot (?:be )?(?:rule[d]? out|"
    r"exclude[d]?)|can ?not (?:rule out|be excluded)|not (?:been )?ruled out|rule out|r/o|"
    r"differential|versus|vs\.?|likely|unlikely|uncertain|unclear|equivocal|indeterminate|"
    r"presumed|borderline|query|question of|cannot exclude|to be determined)\b|\?",
    re.I,
)
FAMILY = re.compile(
    r"\b(?:family (?:medical )?history|family hx|fhx|mother|father|sister|brother|siblings?|"
    r"aunt|uncle|grand(?:mother|father|parents?)|cousin|son|daughter|maternal|paternal|"
    r"parents?|relatives?|niece|nephew|mom|dad)\b",
    re.I,
)
HISTORICAL = re.compile(
    r"\b(?:history of|h/o|hx of|previous(?:ly)?|prior|formerly|in the past|years? ago|"
    r"months? ago|weeks? ago|in (?:19|20)\d\d|last (?:year|month|visit|spring|summer|fall|"
    r"winter)|at (?:her|his|the|their) (?:last|prior|previous) (?:visit|appointment)|"
    r"initially|originally|at baseline|baseline|pre-?(?:trial|operative(?:ly)?|op|implant)|"
    r"before (?:the )?(?:trial|surgery|implant)|prior to (?:the )?(?:trial|surgery|implant)|"
    r"s/p|status post|remote|in remission|childhood|used to|had been|at (?:the time of )?"
    r"diagnosis)\b",
    re.I,
)
LIFETIME_DENIAL = re.compile(
    r"\b(?:no|denies(?: any)?|never had(?: a)?|without(?: a)?)\s+(?:prior\s+|past\s+)?(?:history|h/o|"
    r"hx)\s+of\b",
    re.I,
)
CURRENT = re.compile(
    r"\b(?:today|currently|current|now|presently|at this (?:visit|time)|this visit|ongoing|"
    r"remains|still|at present|at rest today)\b",
    re.I,
)
HYPOTHETICAL = re.compile(
    r"\b(?:if|will|should|plans? to|scheduled|pending|to be|awaiting|recommend(?:ed|s)?|"
    r"consider(?:ed|ing)?|in case|return if|call if|unless|monitor for|watch for|risks?(?: of| for|"
    r" including| such as)?|discussed|educated|educat\w+|counsel(?:l?ed)?|warning signs|signs and "
    r"symptoms of|referred? (?:for|to)|referral|prevent(?:ion)?|prophyla\w+|in order to|goal)\b",
    re.I,
)


@dataclass(frozen=True)
class Context:
    negated: bool = False
    hedged: bool = False
    family: bool = False
    historical: bool = False
    current: bool = False
    hypothetical: bool = False
    reasons: tuple[str, ...] = field(default=())


def _scope_before(text: str, start: int, words: int) -> str:
    """The clause before a finding, cut at the last terminator, at most ``words`` words."""
    before = text[:start]
    cut = 0
    for match in TERMINATORS.finditer(before):
        cut = match.end()
    before = before[cut:]
    return " ".join(before.split()[-words:]) if words else before


def _scope_after(text: str, end: int) -> str:
    after = text[end:]
    match = TERMINATORS.search(after)
    if match:
        after = after[: match.start()]
    sentence_end = re.search(r"[.!?](?:\s|$)", after)
    return after[: sentence_end.start()] if sentence_end else after


def context_of(unit: Unit, start: int, end: int, *, window: int = 8) -> Context:
    """The context of the finding at ``unit.text[start:end]``."""
    text = unit.text
    near = _scope_before(text, start, window)
    clause = _scope_before(text, start, 0)
    after = _scope_after(text, end)
    # "Opioid use: none, opioid-naive": a "none" that answered what came before it.
    near = re.sub(r"\b(?:none|no|negative)\s*,\s*$", " ", near, flags=re.I)
    near_clean = PSEUDO_NEGATION.sub(" ", near)
    # "No history of X" denies X for a lifetime: a negation, not a historical mention.
    near_dated = LIFETIME_DENIAL.sub(" ", near)
    negated = bool(NEGATION_BEFORE.search(near_clean)) or bool(
        NEGATION_AFTER.match(after) and not PSEUDO_NEGATION.search(after[:30])
    )
    # Hedges, history and plans are read near the finding (a long sentence can say "history
    # of back pain" and then something current); a relative named anywhere in the clause counts.
    hedged = bool(HEDGE.search(near) or HEDGE.search(after))
    family = unit.section == "family" or bool(FAMILY.search(clause) or FAMILY.search(after[:40]))
    historical = (
        unit.section == "history"
        or bool(HISTORICAL.search(near_dated))
        or bool(HISTORICAL.search(after[:60]))
    )
    current = bool(CURRENT.search(near) or CURRENT.search(after[:40]))
    hypothetical = bool(HYPOTHETICAL.search(near) or HYPOTHETICAL.search(after[:40]))
    return Context(
        negated=negated,
        hedged=hedged,
        family=family,
        historical=historical and not current,
        current=current,
        hypothetical=hypothetical,
    )
