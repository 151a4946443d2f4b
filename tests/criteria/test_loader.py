"""Loading the library: clear errors naming file, place and problem; nothing half-loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from criteria.library_files import LIBRARY_DIR, LibraryError, read_facts, read_version_file
from criteria.models import Checklist, Node, Policy, PolicyVersion
from criteria.services import library_load

GOOD = """
policy: {key: test-policy, payer: Test Payer, number: TP-1, title: Test pump policy}
version: {label: "2024-01-01", effective_from: 2024-01-01, source_document: test.md}
checklists:
  - key: trial
    indication: non_malignant_pain
    stage: trial
    title: Test trial
    root:
      all:
        - label: A.1
          text: Pain above 6.
          member_reason: Your pain score is not high enough.
          citation: Section A.1
          met_when: pain_nrs > 6
        - label: A.2
          text: No active infection.
          member_reason: You have an infection.
          citation: Section A.2
          met_when: active_infection is false
  - key: permanent
    indication: non_malignant_pain
    stage: permanent
    title: Test permanent
    root:
      all:
        - include: trial
        - label: B.1
          text: Trial relief of 50% or more.
          member_reason: The trial did not help enough.
          citation: Section B.1
          met_when: trial_pain_relief_percent >= 50
"""


@pytest.fixture
def library(tmp_path: Path) -> Path:
    shutil.copy(LIBRARY_DIR / "facts.yaml", tmp_path / "facts.yaml")
    return tmp_path


def write(library: Path, text: str, name: str = "test-policy--2024-01-01.yaml") -> Path:
    path = library / name
    path.write_text(text)
    return path


def refused(reports, name):
    return next(r for r in reports if r.file == name and r.status == "refused")


@pytest.mark.django_db
def test_a_good_file_loads_with_its_tree_and_inclusion(library):
    write(library, GOOD)
    reports = library_load(directory=library)
    assert [(r.file, r.status) for r in reports][-1] == ("test-policy--2024-01-01.yaml", "loaded")
    version = PolicyVersion.objects.get(policy__key="test-policy")
    permanent = Checklist.objects.get(version=version, key="permanent")
    include = Node.objects.get(checklist=permanent, kind="include")
    assert include.included.key == "trial"
    # The trial's criteria are stored once, with the trial checklist, not copied.
    assert Node.objects.filter(checklist=permanent, kind="criterion").count() == 1
    assert library_load(directory=library)[-1].status == "unchanged"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "place", "problem"),
    [
        (("pain_nrs > 6", "pain_score > 6"), "criterion A.1", "unknown fact 'pain_score'"),
        (("pain_nrs > 6", "pain_nrs > lots"), "criterion A.1", "is not a number"),
        (("include: trial", "include: trail"), "checklist permanent", "unknown checklist 'trail'"),
        (("stage: trial", "stage: pilot"), "checklist trial", "unknown stage 'pilot'"),
        (("label: B.1", "label: A.1"), "checklist permanent", "'A.1' appears twice"),
        (("          citation: Section A.2\n", ""), "criterion A.2", "'citation' is required"),
        (("effective_from: 2024-01-01", "effective_from: 2024-13-01"), "version", "not a date"),
        (
            ("met_when: active_infection is false", "met_when: active_infection > 1"),
            "criterion A.2",
            "needs a number or date fact",
        ),
        (
            ("    title: Test trial", "    title: Test trial\n    colour: red"),
            "checklist trial",
            "unknown field 'colour'",
        ),
        (
            ("      all:\n        - label: A.1", "      all:\n      - label: A.1\n  bad: ["),
            "line",
            "not valid YAML",
        ),
    ],
)
def test_a_bad_file_is_refused_with_file_place_and_problem_and_loads_nothing(
    library, change, place, problem
):
    old, new = change
    assert old in GOOD
    write(library, GOOD.replace(old, new, 1))
    report = refused(library_load(directory=library), "test-policy--2024-01-01.yaml")
    assert report.message.startswith("test-policy--2024-01-01.yaml: ")
    assert place in report.message
    assert problem in report.message
    assert not PolicyVersion.objects.filter(policy__key="test-policy").exists()
    assert not Policy.objects.filter(key="test-policy").exists()


@pytest.mark.django_db
def test_a_changed_published_version_is_refused_and_the_old_one_stays(library):
    write(library, GOOD)
    library_load(directory=library)
    write(library, GOOD.replace("Pain above 6.", "Pain above 5."))
    report = refused(library_load(directory=library), "test-policy--2024-01-01.yaml")
    assert "already published and cannot change" in report.message
    node = Node.objects.get(checklist__version__policy__key="test-policy", label="A.1")
    assert node.text == "Pain above 6."


@pytest.mark.django_db
def test_a_failure_late_in_a_file_leaves_nothing_of_it(library, monkeypatch):
    """Even an error raised while writing rows (not while reading) rolls the file back."""
    from criteria import services

    write(library, GOOD)
    calls = {"n": 0}
    real = services._nodes_create

    def explode(row, checklist, rows):
        calls["n"] += 1
        if calls["n"] == 2:
            raise LibraryError("test-policy--2024-01-01.yaml", "checklist permanent", "disk full")
        return real(row, checklist, rows)

    monkeypatch.setattr(services, "_nodes_create", explode)
    report = refused(library_load(directory=library), "test-policy--2024-01-01.yaml")
    assert "disk full" in report.message
    assert not Checklist.objects.filter(version__policy__key="test-policy").exists()


@pytest.mark.django_db
def test_one_bad_file_does_not_stop_the_others(library):
    write(library, GOOD.replace("pain_nrs > 6", "pain_score > 6"))
    write(library, GOOD.replace("test-policy", "other-policy"), "other-policy--2024.yaml")
    statuses = {r.file: r.status for r in library_load(directory=library)}
    assert statuses["test-policy--2024-01-01.yaml"] == "refused"
    assert statuses["other-policy--2024.yaml"] == "loaded"


def test_the_fact_dictionary_rejects_duplicates_and_bad_types(tmp_path):
    path = tmp_path / "facts.yaml"
    path.write_text(
        "facts:\n  - {name: a, type: integer, label: A}\n  - {name: a, type: integer, label: A}\n"
    )
    with pytest.raises(LibraryError, match="defined twice"):
        read_facts(path)
    path.write_text("facts:\n  - {name: a, type: colour, label: A}\n")
    with pytest.raises(LibraryError, match="unknown type 'colour'"):
        read_facts(path)


def test_every_library_file_reads_cleanly():
    facts = read_facts()
    files = sorted(p.name for p in LIBRARY_DIR.glob("*--*.yaml"))
    assert files, "the library is empty"
    for name in files:
        read_version_file(LIBRARY_DIR / name, facts)


@pytest.mark.django_db
def test_the_lines_of_business_a_payer_offers_load_and_follow_every_change(library):
    write(library, GOOD)
    (library / "policies.yaml").write_text(
        "policies:\n  test-policy:\n    lines_of_business: [medicaid]\n"
    )
    reports = library_load(directory=library)
    assert ("policies.yaml", "loaded") in [(r.file, r.status) for r in reports]
    assert Policy.objects.get(key="test-policy").lines_of_business == ["medicaid"]
    # Not a version: a change is taken as it is (the version file is untouched).
    (library / "policies.yaml").write_text(
        "policies:\n  test-policy:\n    lines_of_business: [medicaid, commercial]\n"
    )
    library_load(directory=library)
    assert Policy.objects.get(key="test-policy").lines_of_business == ["medicaid", "commercial"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("policies:\n  test-policy:\n    lines_of_business: [dental]\n", "not dental"),
        ("policies:\n  test-policy:\n    lines_of_business: []\n", "use one or more"),
        ("policies:\n  unknown-policy:\n    lines_of_business: [medicaid]\n", "unknown-policy"),
        ("policies:\n  test-policy:\n    lines: [medicaid]\n", "lines"),
    ],
)
def test_a_bad_policies_file_is_refused_and_changes_nothing(library, text, problem):
    write(library, GOOD)
    (library / "policies.yaml").write_text(text)
    report = refused(library_load(directory=library), "policies.yaml")
    assert problem in report.message
    assert Policy.objects.get(key="test-policy").lines_of_business == []
