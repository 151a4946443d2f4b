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


# --- editions ---------------------------------------------------------------------------------

EDITION_2 = GOOD.replace(
    'version: {label: "2024-01-01", effective_from: 2024-01-01, source_document: test.md}',
    'version: {label: "2024-01-01", effective_from: 2024-01-01, source_document: test.md,\n'
    '          edition: 2, edition_changes: "A.1 reads the score as at least 6."}',
).replace("pain_nrs > 6", "pain_nrs >= 6")


@pytest.mark.django_db
def test_a_new_edition_is_added_beside_the_published_one(library):
    from criteria import selectors

    write(library, GOOD)
    library_load(directory=library)
    first = Checklist.objects.get(version__policy__key="test-policy", key="trial")
    write(library, EDITION_2)
    reports = library_load(directory=library)
    assert (reports[-1].status, reports[-1].message) == ("loaded", "edition 2")
    version = PolicyVersion.objects.get(policy__key="test-policy")
    assert version.edition == 2
    assert [e.number for e in version.editions.all()] == [1, 2]
    assert version.editions.get(number=2).changes == "A.1 reads the score as at least 6."
    # Edition 1 is untouched, so cases pinned to it keep their rows; new cases get edition 2.
    first.refresh_from_db()
    assert Node.objects.get(checklist=first, label="A.1").met_when == "pain_nrs > 6"
    current = selectors.checklist_get(
        version=version, indication="non_malignant_pain", stage="trial"
    )
    assert current.edition.number == 2 and current.pk != first.pk
    assert Node.objects.get(checklist=current, label="A.1").met_when == "pain_nrs >= 6"
    assert selectors.newer_checklist(first) == current
    assert selectors.newer_checklist(current) is None
    assert library_load(directory=library)[-1].status == "unchanged"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # Our encoding may change in a later edition...
        (EDITION_2.replace("Pain above 6.", "Pain of 6 or more."), ""),
        # ...but not under the same edition number,
        (EDITION_2.replace("edition: 2", "edition: 1"), "already published and cannot change"),
        # nor what the payer's document says about itself (that is a new version),
        (
            EDITION_2.replace("effective_from: 2024-01-01", "effective_from: 2024-02-01"),
            "version.effective_from: differs from the loaded edition",
        ),
        (
            EDITION_2.replace("source_document: test.md", "source_document: other.md"),
            "version.source_document: differs from the loaded edition",
        ),
        # and a later edition says what it changed.
        (
            EDITION_2.replace(', edition_changes: "A.1 reads the score as at least 6."', ""),
            "a later edition says what it changed",
        ),
    ],
)
def test_what_a_new_edition_may_change(library, text, problem):
    write(library, GOOD)
    library_load(directory=library)
    write(library, text)
    report = library_load(directory=library)[-1]
    if problem:
        assert report.status == "refused" and problem in report.message
        assert PolicyVersion.objects.get(policy__key="test-policy").edition == 1
    else:
        assert report.status == "loaded"


@pytest.mark.django_db
def test_an_older_edition_than_the_loaded_one_is_refused(library):
    write(library, EDITION_2.replace("edition: 2", "edition: 3"))
    library_load(directory=library)
    write(library, EDITION_2)
    report = refused(library_load(directory=library), "test-policy--2024-01-01.yaml")
    assert "edition 2 is older than the loaded edition 3" in report.message


@pytest.mark.django_db
def test_superseded_editions_load_first_and_may_read_retired_facts(library):
    retired = GOOD.replace("pain_nrs > 6", "trial_side_effects_tolerable is true")
    (library / "superseded").mkdir()
    write(library, retired, "superseded/test-policy--2024-01-01--edition-1.yaml")
    write(library, EDITION_2)
    reports = {r.file: r for r in library_load(directory=library)}
    assert reports["superseded/test-policy--2024-01-01--edition-1.yaml"].status == "loaded"
    assert reports["test-policy--2024-01-01.yaml"].message == "edition 2"
    # A current file may not read a retired fact.
    write(library, retired.replace("test-policy", "third-policy"), "third-policy--2024.yaml")
    report = refused(library_load(directory=library), "third-policy--2024.yaml")
    assert "'trial_side_effects_tolerable' is a retired fact; use trial_side_effects" in (
        report.message
    )


ROUTES = """
policy: {key: test-policy, payer: Test Payer, number: TP-1, title: Test pump policy}
version: {label: "2024-01-01", effective_from: 2024-01-01, source_document: test.md}
checklists:
  - key: spasticity
    indication: spasticity
    stage: trial
    title: Spasticity
    routes:
      - when: intrathecal_baclofen is true
        outcome: external
        external: Baclofen policy
        reason: Baclofen goes elsewhere.
        citation: Section 1
"""


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("outcome: external", "outcome: elsewhere"), "'outcome' is one of"),
        (("        external: Baclofen policy\n", ""), "names its 'external'"),
        (("        citation: Section 1\n", ""), "'citation' is required"),
        (
            (
                "        citation: Section 1\n",
                "        citation: Section 1\n      - outcome: not_addressed\n        reason: r\n        citation: c\n",
            ),
            "sends every request the same way",
        ),
        (("    routes:", "    external: X\n    routes:"), "no 'root' and no 'routes'"),
    ],
)
def test_routes_are_checked(tmp_path, change, problem):
    path = tmp_path / "test-policy--2024.yaml"
    old, new = change
    assert old in ROUTES
    path.write_text(ROUTES.replace(old, new, 1))
    with pytest.raises(LibraryError, match=problem):
        read_version_file(path, read_facts())


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("August 2026", "2026-08-31"),
        ("february 2024", "2024-02-29"),
        ("December 2025", "2025-12-31"),
        ("2026-03-15", "2026-03-15"),
        ("", None),
    ],
)
def test_the_review_due_date_is_the_last_day_the_statement_allows(text, due):
    from criteria.library_files import review_due_date

    result = review_due_date(text)
    assert (result.isoformat() if result else None) == due


def test_an_unreadable_review_statement_is_refused():
    from criteria.library_files import review_due_date

    with pytest.raises(LibraryError, match="not a month and year or a date"):
        review_due_date("next summer", "x.yaml")


def test_retired_facts_name_current_successors(tmp_path):
    path = tmp_path / "facts.yaml"
    path.write_text(
        "facts:\n  - {name: a, type: boolean, label: A, retired: true, replaced_by: [b]}\n"
    )
    with pytest.raises(LibraryError, match="not a current fact"):
        read_facts(path)
    path.write_text(
        "facts:\n  - {name: a, type: boolean, label: A, replaced_by: [b]}\n"
        "  - {name: b, type: boolean, label: B}\n"
    )
    with pytest.raises(LibraryError, match="only a retired fact is replaced"):
        read_facts(path)


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
