"""The specimens a compliance officer reviews: every line of business x outcome x language, the
extension notices and the large-print denials, signed, built once per test session through the
real services (``manage.py letters specimens``), each read back with pypdf and checked for every
element its variant requires, and checked by pdfsig."""

from __future__ import annotations

import io
import math
import re
import subprocess

import pytest
from django.core.management import call_command
from django.test import override_settings

from reviewapp.cases.models import Case
from reviewapp.letters import services
from reviewapp.letters.content.taglines import ENGLISH_TAGLINE, TAGLINES
from reviewapp.letters.models import StateNoticeSettings
from reviewapp.letters.specimens import LANGUAGES, LINES, OUTCOMES, specimen_names

from .conftest import KEY_PASSPHRASE, ORGANISATION, PDFSIG, page_texts

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def specimens(django_db_setup, django_db_blocker, tmp_path_factory, signing_key) -> dict:
    """Every specimen, made once: {file name: PDF bytes}."""
    out = tmp_path_factory.mktemp("specimens")
    with (
        django_db_blocker.unblock(),
        override_settings(
            LETTER_SIGNING_PKCS12=signing_key,
            LETTER_SIGNING_PASSPHRASE=KEY_PASSPHRASE,
            ORGANISATION_NAME=ORGANISATION,
        ),
    ):
        cases_before = Case.objects.count()
        call_command("letters", "specimens", "--out", str(out), stdout=io.StringIO())
        assert Case.objects.count() == cases_before  # the synthetic cases were rolled back
    return {path.name: path.read_bytes() for path in sorted(out.glob("*.pdf"))}


def text_of(data: bytes) -> str:
    return " ".join(page_texts(data))


def variants(outcomes=OUTCOMES, languages=LANGUAGES):
    return [(lob, o, lang) for lob in LINES for o in outcomes for lang in languages]


def test_the_command_writes_every_specimen_by_the_contracted_names(specimens):
    assert sorted(specimens) == sorted(specimen_names())
    assert len(specimens) == 3 * 4 * 2 + 3 * 2 + 3 + 3 * 2 * 2  # + appeal decisions
    assert "medicaid-approved_by_exception-es.pdf" in specimens
    assert "commercial-extension-en.pdf" in specimens
    assert "medicare_advantage-denied-en-large.pdf" in specimens
    assert "medicaid-appeal-upheld-es.pdf" in specimens
    assert "commercial-appeal-overturned-en.pdf" in specimens


def test_every_specimen_is_signed_by_the_organisation_and_intact(specimens, settings, tmp_path):
    settings.LETTER_SIGNING_PASSPHRASE = KEY_PASSPHRASE
    for name, data in specimens.items():
        check = services.letter_verify(data=data).check
        assert check.signed and check.intact and check.trusted, (name, check.problems)
    if not PDFSIG.exists():
        pytest.skip("pdfsig (poppler-utils) is not installed; bin/setup --test installs it")
    for name, data in specimens.items():
        path = tmp_path / name
        path.write_bytes(data)
        out = subprocess.run(
            [str(PDFSIG), str(path)], capture_output=True, text=True, timeout=60, check=False
        ).stdout
        assert "Signature is Valid." in out and "Total document signed" in out, name


SUMMARY = {
    "en": ("What we decided", "Approved", "Not approved"),
    "es": ("Lo que decidimos", "Aprobado", "No aprobado"),
}
HEADLINE = {
    ("approved", "en"): "We approved the request",
    ("approved_by_exception", "en"): "We approved the request as an exception",
    ("partially_approved", "en"): "We approved part of the request",
    ("denied", "en"): "We did not approve the request",
    ("approved", "es"): "Aprobamos la solicitud",
    ("approved_by_exception", "es"): "Aprobamos la solicitud como una excepción",
    ("partially_approved", "es"): "Aprobamos parte de la solicitud",
    ("denied", "es"): "No aprobamos la solicitud",
}


@pytest.mark.parametrize(("lob", "outcome", "lang"), variants())
def test_page_one_says_what_was_decided_for_each_code(specimens, lob, outcome, lang):
    first = page_texts(specimens[f"{lob}-{outcome}-{lang}.pdf"])[0]
    title, approved, denied = SUMMARY[lang]
    assert f"{title}: {HEADLINE[outcome, lang]}" in first
    for code in ("62322", "62323"):
        assert code in first
    decisions = {
        "approved": (2, 0),
        "approved_by_exception": (2, 0),
        "partially_approved": (1, 1),
        "denied": (0, 2),
    }
    approvals, denials = decisions[outcome]
    assert first.count(f"1 {denied}") == denials
    assert first.count(f"1 {approved}") == approvals
    # The member's mailing address and the provider's, on page 1.
    assert "Specimen Street" in first and "Baton Rouge, LA 70801" in first
    assert "200 Clinic Way" in first and "225-555-0123" in first


FOOTER = {
    "en": ("Case reference UM-", "Page {} of {}"),
    "es": ("Referencia del caso UM-", "Página {} de {}"),
}


@pytest.mark.parametrize("name", specimen_names())
def test_every_page_has_the_case_reference_and_page_x_of_y_in_the_letters_language(specimens, name):
    # Page 1 too: the reference is set at the top of the letter, not where the facts table falls.
    lang = name.removesuffix(".pdf").removesuffix("-large").rsplit("-", 1)[1]
    reference, page_x_of_y = FOOTER[lang]
    pages = page_texts(specimens[name])
    for number, text in enumerate(pages, start=1):
        assert reference in text, number
        assert page_x_of_y.format(number, len(pages)) in text, number


AUTHORIZATION = {
    "en": ("Authorization number PA-", "Valid from", "Valid through", "Who provides the service"),
    "es": ("Número de autorización PA-", "Válida desde", "Válida hasta", "Quién da el servicio"),
}


@pytest.mark.parametrize(("lob", "outcome", "lang"), variants())
def test_approvals_carry_the_authorization_and_denials_none(specimens, lob, outcome, lang):
    text = text_of(specimens[f"{lob}-{outcome}-{lang}.pdf"])
    if outcome == "denied":
        assert "PA-" not in text
        return
    for phrase in AUTHORIZATION[lang]:
        assert phrase in text, phrase
    assert "Dr. Pat Example, Example Pain Clinic (NPI 1234567893)" in text
    block = text[text.index(AUTHORIZATION[lang][0]) :]
    block = block[: block.index(AUTHORIZATION[lang][3])]
    assert "62322" in block
    assert ("62323" in block) is (outcome != "partially_approved")  # only what was approved


RIGHTS = {
    ("medicaid", "en"): [
        "Your rights: Medicaid",
        "within 60 days of the date of this letter",
        "Fast appeal",
        "Keep your services during the appeal",
        "within 10 days",
        "you may have to pay",
        "State fair hearing",
        "within 120 days",
        "Louisiana Division of Administrative Law",
        "P.O. Box 4189, Baton Rouge, LA 70821-4189",
        "225-342-5800",
        "This is called a grievance",
    ],
    ("medicaid", "es"): [
        "Sus derechos: Medicaid",
        "dentro de los 60 días",
        "Apelación rápida",
        "Siga recibiendo sus servicios durante la apelación",
        "dentro de los 10 días",
        "tenga que pagar",
        "Audiencia imparcial del estado",
        "dentro de los 120 días",
        "Louisiana Division of Administrative Law",
        "225-342-5800",
        "queja formal",
    ],
    ("medicare_advantage", "en"): [
        "Notice of denial of medical coverage",
        "Your rights: Medicare Advantage",
        "A doctor, Dr. Dana Specimen, MD, reviewed your request",
        "reconsideration",
        "within 65 days",
        "Standard reconsideration",
        "Fast reconsideration",
        "within 72 hours",
        "If a doctor asks for you",
        "works for Medicare",
        "1-800-MEDICARE (1-800-633-4227)",
        "1-877-486-2048",
        "Senior Health Insurance Information Program",
        "If you also have Medicaid",
    ],
    ("medicare_advantage", "es"): [
        "Aviso de denegación de cobertura médica",
        "Sus derechos: Medicare Advantage",
        "Un médico, Dr. Dana Specimen, MD, revisó su solicitud",
        "reconsideración",
        "dentro de los 65 días",
        "Reconsideración rápida",
        "1-800-MEDICARE",
        "1-877-486-2048",
    ],
    ("commercial", "en"): [
        "Your rights: your health plan",
        "within 180 days",
        "A doctor who had no part",
        "Urgent appeal",
        "External review",
        "within 4 months",
        "section 502(a)",
        "ERISA",
        "free explanation of the medical judgment",
        "Louisiana Department of Insurance",
    ],
    ("commercial", "es"): [
        "Sus derechos: su plan de salud",
        "dentro de los 180 días",
        "Apelación urgente",
        "Revisión externa",
        "dentro de los 4 meses",
        "sección 502(a)",
        "ERISA",
    ],
}
OTHERS = {
    "medicaid": ["reconsideration", "502(a)", "reconsideración"],
    "medicare_advantage": ["fair hearing", "502(a)", "audiencia imparcial"],
    "commercial": ["fair hearing", "reconsideration", "audiencia imparcial", "reconsideración"],
}


@pytest.mark.parametrize(
    ("lob", "outcome", "lang"), variants(outcomes=("partially_approved", "denied"))
)
def test_adverse_letters_carry_every_element_of_their_line_of_business(
    specimens, lob, outcome, lang
):
    text = text_of(specimens[f"{lob}-{outcome}-{lang}.pdf"])
    for phrase in RIGHTS[lob, lang]:
        assert phrase in text, phrase
    for phrase in OTHERS[lob]:
        assert phrase not in text, phrase
    # The peer-to-peer offer to the provider, and the free copy of the criteria.
    assert ("peer-to-peer" if lang == "en" else "conversación entre médicos") in text
    assert ("free copy of the policy and the criteria" if lang == "en" else "copia gratis") in text


def test_a_denial_names_the_members_own_values_and_what_would_complete_the_request(specimens):
    text = text_of(specimens["commercial-denied-en.pdf"])
    assert (
        "Your records give your pain a score of 5 out of 10; the policy asks for more than 6 out of 10."
        in text
    )
    assert "What could change this decision" in text and "requirements: 2.c.vi" in text
    spanish = text_of(specimens["commercial-denied-es.pdf"])
    assert (
        "Sus registros dan a su dolor un puntaje de 5 de 10; la póliza pide más de 6 de 10."
        in spanish
    )


@pytest.mark.parametrize(("lob", "outcome", "lang"), variants())
def test_the_internal_rationale_never_prints(specimens, lob, outcome, lang):
    assert "internal note" not in text_of(specimens[f"{lob}-{outcome}-{lang}.pdf"])


def _tagline_marks(code: str) -> str:
    tagline = ENGLISH_TAGLINE if code == "en" else TAGLINES[code]
    return tagline.text.split("{phone}")[0][:10]


@pytest.mark.parametrize("name", specimen_names())
def test_every_letter_carries_the_nondiscrimination_notice_and_the_states_taglines(specimens, name):
    text = text_of(specimens[name])
    lang = "es" if "-es" in name else "en"
    assert ("We do not discriminate" if lang == "en" else "No discriminamos") in text
    assert "1-800-368-1019" in text and "ocrportal.hhs.gov" in text
    languages = StateNoticeSettings.objects.get(state="LA").tagline_languages
    expected = [code for code in languages if code != lang] + (["en"] if lang == "es" else [])
    assert len(expected) == 15
    # pypdf reads right-to-left and complex scripts in visual order: check the Latin, Cyrillic,
    # CJK and Hangul taglines by their words, and every tagline by its line count.
    for code in expected:
        if TAGLINES.get(code) is None or TAGLINES[code].script in (
            "latin",
            "cjk-tc",
            "cjk-kr",
            "cjk-jp",
        ):
            mark = _tagline_marks(code)
            assert "".join(mark.split()) in "".join(text.split()), (code, mark)
    assert text.count("1-800-555-0100 (TTY: 711)") + text.count("711)TTY: 1-800-555-0100") >= 15


def test_every_tagline_script_is_embedded(specimens):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(specimens["medicaid-denied-en.pdf"]))
    fonts = set()
    for page in reader.pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert {
        "Letter-Sans",
        "Letter-cjk-tc",
        "Letter-cjk-kr",
        "Letter-cjk-jp",
        "Letter-arabic",
        "Letter-lao",
        "Letter-thai",
        "Letter-devanagari",
    } <= fonts, fonts


EXTENSION = {
    "en": ("We need more time to decide", "We will decide by", "as fast as your health needs"),
    "es": (
        "Necesitamos más tiempo para decidir",
        "Decidiremos a más tardar el",
        "tan rápido como lo necesite su salud",
    ),
}
COMPLAINT = {
    ("medicaid", "en"): "This is called a grievance",
    ("medicare_advantage", "en"): "fast grievance. We will answer it within 24 hours",
    ("commercial", "en"): "The time we have to decide stops until we get it",
    ("medicaid", "es"): "queja formal",
    ("medicare_advantage", "es"): "queja formal rápida",
    ("commercial", "es"): "se detiene hasta que lo recibamos",
}


@pytest.mark.parametrize(("lob", "lang"), [(lob, lang) for lob in LINES for lang in LANGUAGES])
def test_the_extension_notice_says_why_until_when_what_and_how_to_complain(specimens, lob, lang):
    pages = page_texts(specimens[f"{lob}-extension-{lang}.pdf"])
    text = " ".join(pages)
    for phrase in EXTENSION[lang]:
        assert phrase in text, phrase
    assert EXTENSION[lang][1] in pages[0]
    assert COMPLAINT[lob, lang] in text
    # What was asked for, in the member's words and language (2.a: the pain score is missing).
    assert "2.a:" in text
    assert ("Severe, intractable pain" if lang == "en" else "Dolor intenso") in text


@pytest.mark.parametrize("lob", LINES)
def test_the_large_print_letter_is_set_in_18_points(specimens, lob):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(specimens[f"{lob}-denied-en-large.pdf"]))
    sizes = set()

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            sizes.add(round(font_size * math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3]), 1))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    assert sizes and min(sizes) >= 18.0, sorted(sizes)
    regular = page_texts(specimens[f"{lob}-denied-en.pdf"])
    assert len(reader.pages) > len(regular)


@pytest.mark.parametrize(("lob", "outcome"), [(lob, o) for lob in LINES for o in OUTCOMES])
def test_the_spanish_letter_is_complete(specimens, lob, outcome):
    text = text_of(specimens[f"{lob}-{outcome}-es.pdf"])
    for english in (
        "What we decided",
        "The requirements we checked",
        "Your right to a free copy",
        "Why it is not met",
        "Words used in this letter",
        "Electronically signed",
        "The records do not show",
    ):
        assert english not in text, english
    assert "Los requisitos que revisamos" in text and "Firmado electrónicamente" in text


# --- appeal decisions (reviewapp.appeals.specimens) ---------------------------------------------

APPEAL_HEADLINE = {
    ("upheld", "en"): "What we decided: We did not change our decision",
    ("overturned", "en"): "What we decided: We changed our decision: the request is approved",
    ("upheld", "es"): "Lo que decidimos: No cambiamos nuestra decisión",
    (
        "overturned",
        "es",
    ): "Lo que decidimos: Cambiamos nuestra decisión: la solicitud está aprobada",
}
# The title each line of business gives the notice (42 CFR 422.580; 438.408(d)-(e)).
APPEAL_TITLE = {
    ("medicaid", "en"): "Notice of appeal resolution",
    ("medicare_advantage", "en"): "Notice of our reconsideration decision",
    ("medicaid", "es"): "Aviso de la resolución de su apelación",
    ("medicare_advantage", "es"): "Aviso de nuestra decisión de reconsideración",
    ("commercial", "en"): "Notice of our decision on your appeal",
    ("commercial", "es"): "Aviso de nuestra decisión sobre su apelación",
}
APPEAL_NEXT_LEVEL = {
    ("medicaid", "en"): [
        "ask for a state fair hearing",
        "within 120 days",
    ],
    ("medicaid", "es"): ["audiencia imparcial estatal", "dentro de los 120 días"],
    ("medicare_advantage", "en"): [
        "independent review entity",
        "You do not need to ask for this",
        "Administrative Law Judge",
    ],
    ("medicare_advantage", "es"): [
        "entidad de revisión independiente",
        "Juez de Derecho Administrativo",
    ],
    ("commercial", "en"): ["External review", "within 4 months", "section 502(a)"],
    ("commercial", "es"): ["revisión externa", "dentro de los 4 meses", "sección 502(a)"],
}


def appeal_variants():
    return [(lob, o, lang) for lob in LINES for o in ("upheld", "overturned") for lang in LANGUAGES]


@pytest.mark.parametrize(("lob", "outcome", "lang"), appeal_variants())
def test_appeal_decisions_say_the_result_on_page_one_and_the_next_level(
    specimens, lob, outcome, lang
):
    name = f"{lob}-appeal-{outcome}-{lang}.pdf"
    pages = page_texts(specimens[name])
    assert APPEAL_HEADLINE[outcome, lang] in pages[0], pages[0][:300]
    assert APPEAL_TITLE[lob, lang] in pages[0]
    text = " ".join(pages)
    # Page 1's footer names the case (the facts table with the appeal's reference may fall to
    # page 2 behind the summary, as in a determination letter).
    assert re.search(r"UM-\d{4}-\d{6}", pages[0][-80:]), pages[0][-80:]
    assert re.search(r"APL-\d{4}-\d{6}", text)
    assert "Dr. Robin Specimen" in text and "Physical Medicine and Rehabilitation" in text
    assert "internal note" not in text
    if outcome == "overturned":
        assert AUTHORIZATION[lang][0] in text
        for phrase in APPEAL_NEXT_LEVEL[lob, lang]:
            assert phrase not in text, phrase
    else:
        assert "PA-" not in text
        for phrase in APPEAL_NEXT_LEVEL[lob, lang]:
            assert phrase in text, phrase
