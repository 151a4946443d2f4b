"""What the signed letter says, read back out of the PDF: every criterion with its status, the
failed reasons, the policy, the decider; the variants; the appeal rights per line of business;
readability and the archival format."""

from __future__ import annotations

import io
import math

import pytest
from django.utils import timezone

from criteria import letter_wording
from reviewapp.letters import services
from reviewapp.letters.content.words import NOT_DOCUMENTED_REASON
from tests.factories import CaseFactory

from .conftest import NOT_APPLICABLE, NOT_DOCUMENTED, NOT_MET, decided, page_texts, pdf_text, sign

pytestmark = pytest.mark.django_db

POLICY = (
    "Molina Healthcare MCP-160, Implantable Intrathecal Pain Pump, version 2025-08-13 "
    "(effective August 13, 2025)"
)


def member_reason_en(determination, item) -> str:
    """The plain English member reason a letter prints for a snapshot criterion."""
    policy = determination.policy_snapshot
    return letter_wording.member_wording(
        language="en",
        policy_key=policy["key"],
        version_label=policy["version"],
        label=item["label"],
        text=item["text"],
        reason=item["member_reason"],
    ).member_reason


def signed_text(determination, by) -> str:
    signed = sign(determination, by)
    return pdf_text(services.letter_signed_bytes(determination=signed))


def test_denial_letter_cites_every_criterion_with_its_status_reasons_policy_and_decider(
    denial, director
):
    text = signed_text(denial, director)
    case = denial.case
    expected = {
        NOT_MET: "Not met",
        NOT_DOCUMENTED: "Not documented",
        NOT_APPLICABLE: "Not applicable",
    }
    assert len(denial.criteria_snapshot) >= 8
    for item in denial.criteria_snapshot:
        status = expected.get(item["label"], "Met")
        assert f"Requirement {item['label']}: {status}" in text, item["label"]
        assert " ".join(item["text"].split()) in text
        assert item["citation"] in text
    not_met = next(i for i in denial.criteria_snapshot if i["label"] == NOT_MET)
    plain = member_reason_en(denial, not_met)
    # The English wording prints: a plain rewrite, or the library's own reason where that already
    # reads at grade 8 (the current editions' reasons do).
    assert plain
    assert f"Why it is not met: {plain}" in text
    assert f"Why it is not documented: {NOT_DOCUMENTED_REASON}" in text
    # The member-facing explanation prints; the internal clinical rationale never does.
    assert denial.reasons in text and denial.rationale not in text
    assert "Why not approved: The pain score does not meet the policy's threshold." in text
    assert POLICY in text
    today = timezone.localdate()
    signed_on = f"{today:%B} {today.day}, {today.year}"
    assert f"Electronically signed by Dr. Grace, MD, Medical director, on {signed_on}" in text
    # Letterhead, member and provider blocks, reference and dates.
    assert "Test Valley Health Plan" in text and "1 Test Street, Testville" in text
    assert case.member_name in text and case.member_id in text and "May 17, 1970" in text
    assert "National Provider Identifier (NPI): 1234567893" in text
    assert case.provider_name in text and case.reference in text
    assert "Your coverage Employer or individual health plan" in text
    # The service with its plain description, and the decision on it.
    assert "62322 Injection of medicine into the spinal canal (lower back)" in text
    assert "Not approved" in text
    # The right to a free copy of the criteria, appeal rights, the peer-to-peer offer.
    assert "free copy of the policy and the criteria" in text
    assert "Your rights: your health plan" in text and "180 days" in text
    assert "external review" in text
    assert "peer-to-peer discussion" in text and "1-800-555-0199" in text
    assert "We offered this discussion to Dr. Test Provider" in text


def test_every_page_carries_the_reference_and_page_x_of_y(denial, director):
    signed = sign(denial, director)
    pages = page_texts(services.letter_signed_bytes(determination=signed))
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Case reference {signed.case.reference}" in text, number
        assert f"Page {number} of {len(pages)}" in text, number


def test_approval_lists_every_criterion_met_and_has_no_appeal_block(approval, nurse):
    text = signed_text(approval, nurse)
    assert "We approved the request" in text
    for item in approval.criteria_snapshot:
        assert f"Requirement {item['label']}: Met" in text
    assert "Your rights:" not in text and "peer-to-peer" not in text
    assert "Electronically signed by Nurse Nina, RN, Nurse reviewer" in text
    assert "Approved" in text and "Not approved" not in text


def test_approval_by_exception_shows_the_exception_and_its_rationale(by_exception, director):
    text = signed_text(by_exception, director)
    assert "We approved the request as an exception" in text
    assert f"Requirement {NOT_MET}: Met by exception" in text
    assert (
        "Exception (medical director's exception): Advanced disease: waiting for more therapy "
        "would cause harm." in text
    )
    assert "Met by exception: a doctor on our staff chose to count it as met" in text
    assert "Your rights:" not in text


def test_partial_approval_gives_the_decision_per_code_and_medicaid_appeal_rights(partial, director):
    text = signed_text(partial, director)
    assert "We approved part of the request" in text
    assert "62322 Injection of medicine into the spinal canal (lower back), without imaging" in text
    assert "62323 Injection of medicine into the spinal canal (lower back), with imaging" in text
    assert "Why not approved: Imaging guidance is not needed for this trial." in text
    assert "1 Approved" in text and "1 Not approved" in text
    assert "Your rights: Medicaid" in text
    assert "60 days" in text and "Fast appeal" in text
    assert "within 10 days" in text and "state fair hearing" in text.lower()
    assert "120 days" in text


@pytest.mark.parametrize(
    ("line_of_business", "title", "phrases"),
    [
        ("medicaid", "Your rights: Medicaid", ["60 days", "fair hearing", "120 days"]),
        (
            "medicare_advantage",
            "Your rights: Medicare Advantage",
            ["reconsideration", "65 days", "Fast reconsideration", "72 hours"],
        ),
        ("commercial", "Your rights: your health plan", ["appeal", "180 days", "external review"]),
    ],
)
def test_denial_carries_the_appeal_block_of_its_line_of_business(
    nurse, director, line_of_business, title, phrases
):
    case = CaseFactory(by=nurse, line_of_business=line_of_business)
    denial = decided(
        case,
        director,
        "denied",
        statuses={NOT_MET: "not_met"},
        codes={"62322": ("deny", "")},
        reasons="Pain score below the threshold.",
    )
    text = signed_text(denial, director)
    assert title in text
    for phrase in phrases:
        assert phrase in text, phrase
    others = {"medicaid": "fair hearing", "medicare_advantage": "reconsideration"}
    for other, phrase in others.items():
        if other != line_of_business:
            assert phrase not in text


def test_html_in_reasons_rationale_and_exceptions_is_printed_as_text(nurse, director):
    case = CaseFactory(by=nurse)
    script = '<script>alert("x")</script>'
    determination = decided(
        case,
        director,
        "denied",
        statuses={NOT_MET: "not_met"},
        exceptions={"2.b": f"Body size {script} <b>fine</b>"},
        codes={"62322": ("deny", f"Code {script}")},
        reasons=f"Reason {script} & <img src=x onerror=alert(1)>",
        rationale=f"Rationale <i>{script}</i>",
    )
    html = services.letter_render_html(determination=determination)
    assert "<script>" not in html and "<img" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html
    # Compared without spaces: a line may wrap inside the markup ("</ script>").
    text = squash(signed_text(determination, director))
    assert squash(f"Reason {script} & <img src=x onerror=alert(1)>") in text
    assert "Rationale" not in text  # internal: never printed
    assert squash(f"Body size {script} <b>fine</b>") in text
    assert squash(f"Code {script}") in text


def squash(text: str) -> str:
    return "".join(text.split())


def test_no_bare_acronyms_or_codes_in_the_letters_own_words(denial):
    html = services.letter_render_html(determination=denial)
    assert "National Provider Identifier (NPI)" in html
    assert "prior authorization" in html
    for bare in (" CPT", "HCPCS", " UM ", " P2P", " LOB", " TAT"):
        assert bare not in html


def test_body_text_is_at_least_twelve_points(denial, director):
    from pypdf import PdfReader

    signed = sign(denial, director)
    reader = PdfReader(io.BytesIO(services.letter_signed_bytes(determination=signed)))
    sizes = set()

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
            sizes.add(round(font_size * scale, 1))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    assert sizes and min(sizes) >= 12.0, sorted(sizes)


def test_the_signed_letter_is_pdf_a_3b_with_embedded_fonts(denial, director):
    from pypdf import PdfReader

    signed = sign(denial, director)
    reader = PdfReader(io.BytesIO(services.letter_signed_bytes(determination=signed)))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert "/OutputIntents" in reader.trailer["/Root"]
    # PDF/A wants the Info dictionary and the XMP to name the same producer.
    producer = str(reader.metadata["/Producer"])
    assert f'pdf:Producer="{producer}"' in xmp
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts and all(fonts.values()), fonts
    # The letter's own text is DejaVu Sans; the taglines bring the Noto faces of their scripts.
    # ("Letter Sans" is DejaVu Sans; "Letter <script>" the HarfBuzz subsets of the Noto faces.)
    families = {name.split("+", 1)[-1] for name in fonts}
    assert {"Letter-Sans", "Letter-Sans-Bold"} <= families, families
    assert {"Letter-cjk-tc", "Letter-arabic", "Letter-lao", "Letter-thai"} <= families
