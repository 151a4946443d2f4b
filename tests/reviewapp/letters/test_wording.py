"""Every criterion's member wording, in every letter language, is present, current and plain.

The wording a letter prints lives beside the library (criteria/library/letter_wording/<lang>/),
keyed by version and label, recording the library English it was written from: a changed English
reason or statement makes its translation stale, and these tests name it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from criteria import letter_wording
from criteria.codes import catalogue
from criteria.library_files import LIBRARY_DIR
from reviewapp.letters.content import glossary
from reviewapp.letters.content.readability import MAX_GRADE, fk_grade

LOCALE = Path(__file__).resolve().parents[3] / "locale" / "es" / "LC_MESSAGES"


def _criteria(node, out):
    if isinstance(node, dict):
        if "member_reason" in node:
            out.append((str(node["label"]), node["text"], node["member_reason"]))
        for value in node.values():
            _criteria(value, out)
    elif isinstance(node, list):
        for value in node:
            _criteria(value, out)


def _flat(node) -> list[dict]:
    found: list[dict] = []
    if isinstance(node, dict):
        if "member_reason" in node:
            found.append(node)
        for value in node.values():
            found += _flat(value)
    elif isinstance(node, list):
        for value in node:
            found += _flat(value)
    return found


def library_versions() -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    """(policy key, version label, [(label, statement, member reason)]) of every library file."""
    versions = []
    for path in sorted(LIBRARY_DIR.glob("*--*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found: list[tuple[str, str, str]] = []
        _criteria(data, found)
        unique = {label: (label, text, reason) for label, text, reason in found}
        versions.append(
            (data["policy"]["key"], str(data["version"]["label"]), list(unique.values()))
        )
    return versions


@pytest.mark.parametrize("language", letter_wording.LANGUAGES)
def test_every_criterion_has_current_member_wording_in_every_letter_language(language):
    versions = library_versions()
    assert sum(len(criteria) for _, _, criteria in versions) >= 90
    assert letter_wording.wording_problems(language=language, versions=versions) == []


def test_a_changed_english_reason_makes_its_translation_stale():
    key, label, text, reason = "molina-mcp-160", "2.a", None, None
    for policy, version, criteria in library_versions():
        if policy == key and version == "2025-08-13":
            _, text, reason = next(c for c in criteria if c[0] == label)
    assert letter_wording.member_wording(
        language="es",
        policy_key=key,
        version_label="2025-08-13",
        label=label,
        text=text,
        reason=reason,
    ).member_reason.startswith("La póliza pide")
    # A case still on the version's first edition prints the wording written from its English.
    first = yaml.safe_load(
        (LIBRARY_DIR / "superseded" / f"{key}--2025-08-13--edition-1.yaml").read_text("utf-8")
    )
    earlier = next(
        c
        for checklist in first["checklists"]
        for c in _flat(checklist.get("root"))
        if c.get("label") == label
    )
    assert letter_wording.member_wording(
        language="es",
        policy_key=key,
        version_label="2025-08-13",
        label=label,
        text=earlier["text"],
        reason=earlier["member_reason"],
    ).member_reason.startswith("Los registros")
    with pytest.raises(letter_wording.WordingMissing, match="other English"):
        letter_wording.member_wording(
            language="es",
            policy_key=key,
            version_label="2025-08-13",
            label=label,
            text=text,
            reason=reason + " Changed.",
        )
    with pytest.raises(letter_wording.WordingMissing, match="no member wording"):
        letter_wording.member_wording(
            language="es",
            policy_key=key,
            version_label="2025-08-13",
            label="9.z",
            text="",
            reason="",
        )


@pytest.mark.parametrize("language", letter_wording.LANGUAGES)
def test_every_code_and_named_fact_has_current_wording(language):
    codes = {code: entry.description for code, entry in catalogue().items()}
    assert letter_wording.code_problems(language=language, codes=codes) == []
    facts = yaml.safe_load((LIBRARY_DIR / "facts.yaml").read_text(encoding="utf-8"))["facts"]
    labels = {fact["name"]: fact["label"] for fact in facts}
    assert letter_wording.fact_wording_problems(language=language, facts=labels) == []


def test_every_member_reason_a_letter_prints_reads_at_grade_8_or_lower():
    hard = []
    for policy, version, criteria in library_versions():
        for label, text, reason in criteria:
            wording = letter_wording.member_wording(
                language="en",
                policy_key=policy,
                version_label=version,
                label=label,
                text=text,
                reason=reason,
            )
            grade = fk_grade(wording.member_reason)
            if grade > MAX_GRADE:
                hard.append((policy, version, label, grade))
    assert hard == []


def test_every_gloss_reads_at_grade_8_or_lower():
    for term in glossary.TERMS:
        assert fk_grade(term.gloss["en"]) <= MAX_GRADE, term.gloss["en"]
        assert set(term.gloss) == set(term.words) == {"en", "es"}


def test_the_glossary_lists_only_the_terms_a_text_uses():
    found = glossary.glossary_for("A trial of intrathecal baclofen before an appeal.", "en")
    assert [term for term, _ in found] == ["intrathecal", "baclofen", "appeal"]
    assert glossary.glossary_for("Nothing medical here.", "en") == []


def _po_entries() -> list[tuple[str, str]]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n")[1:]:
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        joined = "\n".join(lines)
        msgid = "".join(
            part.strip('"') for part in joined.split("msgid ", 1)[1].split("msgstr")[0].split("\n")
        )
        msgstr = "".join(part.strip('"') for part in joined.split("msgstr ", 1)[1].split("\n"))
        entries.append((msgid, msgstr))
    return entries


def test_every_letter_string_has_its_spanish_translation():
    entries = _po_entries()
    assert len(entries) > 150
    assert [msgid for msgid, msgstr in entries if not msgstr] == []
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text(encoding="utf-8")


def test_the_compiled_catalogue_is_the_catalogue(tmp_path):
    """The committed .mo is what msgfmt makes of the committed .po (no stale translation)."""
    msgfmt = Path("/usr/bin/msgfmt")
    if not msgfmt.exists():
        pytest.skip("msgfmt (gettext) is not installed; bin/setup --test installs it")
    out = tmp_path / "django.mo"
    subprocess.run([str(msgfmt), "--check", "-o", str(out), str(LOCALE / "django.po")], check=True)
    assert out.read_bytes() == (LOCALE / "django.mo").read_bytes()


@pytest.mark.django_db
def test_a_reason_names_the_members_own_recorded_values_against_the_threshold():
    from decimal import Decimal

    from criteria.models import Checklist
    from criteria.selectors import engine_checklist, fact_dictionary

    labels = {name: fact.label for name, fact in fact_dictionary().items()}
    checklist = engine_checklist(
        Checklist.objects.filter(
            version__policy__key="molina-mcp-160",
            version__label="2025-08-13",
            key="non-malignant-permanent",
        )
        .order_by("-edition__number")
        .first()
    )
    trial = checklist.criterion("2.f")
    facts = {"trial_pain_relief_percent": Decimal("30"), "trial_function_improved": True}
    assert letter_wording.recorded_value_phrases(
        language="en", criterion=trial, facts=facts, fact_labels=labels
    ) == ["Your trial lowered your pain by 30%; the policy asks for at least 50%."]
    assert letter_wording.recorded_value_phrases(
        language="es", criterion=trial, facts=facts, fact_labels=labels
    ) == ["Su prueba bajó su dolor un 30%; la póliza pide por lo menos 50%."]
    pain = checklist.criterion("2.a")
    assert letter_wording.recorded_value_phrases(
        language="en", criterion=pain, facts={"pain_nrs": 5}, fact_labels=labels
    ) == [
        "Your records give your pain a score of 5 out of 10; the policy asks for more than 6 out of 10."
    ]
    # A value that passes, or a fact not recorded, is not named.
    assert (
        letter_wording.recorded_value_phrases(
            language="en", criterion=pain, facts={"pain_nrs": 8}, fact_labels=labels
        )
        == []
    )
    assert (
        letter_wording.recorded_value_phrases(
            language="en", criterion=pain, facts={}, fact_labels=labels
        )
        == []
    )


@pytest.mark.parametrize("language", letter_wording.LANGUAGES)
def test_every_criterion_of_an_earlier_edition_keeps_its_wording(language):
    """Cases still on an earlier edition of a version print the wording written from that
    edition's English (letter_wording/<language>/superseded/)."""
    missing = []
    for path in sorted((LIBRARY_DIR / "superseded").glob("*--edition-*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for checklist in data["checklists"]:
            for node in _flat(checklist.get("root")):
                try:
                    letter_wording.member_wording(
                        language=language,
                        policy_key=data["policy"]["key"],
                        version_label=str(data["version"]["label"]),
                        label=str(node["label"]),
                        text=node["text"],
                        reason=node["member_reason"],
                    )
                except letter_wording.WordingMissing as exc:
                    missing.append(str(exc))
    assert missing == []


def test_the_items_the_library_builds_have_wording_in_every_language():
    from criteria.engine import Outcome, Route
    from criteria.library_files import director_review_criterion, external_criterion, read_facts

    facts = read_facts()
    for criterion in (
        external_criterion("InterQual CP: Procedures", facts),
        director_review_criterion(Route(Outcome.NOT_ADDRESSED, reason="No rules."), facts),
    ):
        english = letter_wording.member_wording(
            language="en",
            policy_key="any",
            version_label="any",
            label=criterion.label,
            text=criterion.text,
            reason=criterion.member_reason,
        )
        spanish = letter_wording.member_wording(
            language="es",
            policy_key="any",
            version_label="any",
            label=criterion.label,
            text=criterion.text,
            reason=criterion.member_reason,
        )
        assert english.member_reason == " ".join(criterion.member_reason.split())
        assert spanish.text and spanish.member_reason.startswith(("Su plan", "La póliza"))
        if criterion.label == "EXT":
            assert "(InterQual CP: Procedures)" in spanish.member_reason
