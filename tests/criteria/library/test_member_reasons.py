"""Member-facing reasons read at grade 8 or below (Flesch-Kincaid), in every current checklist,
the synthetic external and medical-director items included. textstat is pinned to 0.7.3: later
releases download a pronunciation dictionary at run time and fail offline."""

from __future__ import annotations

import pytest
import textstat

from criteria.library_files import read_facts, read_version_file, version_files

FACTS = read_facts()
REASONS = sorted(
    {
        (path.name, criterion.label, criterion.member_reason)
        for path in version_files()
        for checklist in read_version_file(path, FACTS).checklists
        for criterion in checklist.criteria()
    }
)
MEDICAL_WORDS = ("pump", "trial", "spine", "spinal", "opioid", "infection")


@pytest.mark.parametrize(("file", "label", "reason"), REASONS)
def test_member_reasons_read_at_grade_eight_or_below(file, label, reason):
    grade = textstat.flesch_kincaid_grade(reason)
    assert grade <= 8, f"{file} {label}: grade {grade}: {reason}"


def test_reasons_speak_to_the_member():
    assert REASONS and all(
        "you" in reason.lower() or "your" in reason.lower() for _, _, reason in REASONS
    )
    assert any(word in reason.lower() for _, _, reason in REASONS for word in MEDICAL_WORDS)
