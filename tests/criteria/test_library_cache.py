"""The library caches follow the library revision stored in the database, across processes.

Each app server caches engine objects; a version or fact loaded through another server must reach
it. The revision is read at most every LIBRARY_REVISION_CHECK_SECONDS.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db.models import F

from criteria import selectors
from criteria.library_files import LIBRARY_DIR
from criteria.models import Fact, LibraryRevision
from criteria.services import library_load

ROOT = Path(__file__).resolve().parents[2]

NEW_FACT = """
  - name: zz_test_new_measure
    type: integer
    label: A measure added after the servers started
    min: 0
    max: 10
"""

NEW_VERSION = """
policy: {key: zz-test-policy, payer: Test Payer, number: ZZ-1, title: Test policy}
version: {label: "2024-01-01", effective_from: 2024-01-01, source_document: test.md}
checklists:
  - key: trial
    indication: non_malignant_pain
    stage: trial
    title: Test trial
    root:
      all:
        - label: Z.1
          text: The new measure is above 5.
          member_reason: The new measure is not high enough.
          citation: Section Z.1
          met_when: zz_test_new_measure > 5
"""


@pytest.mark.django_db
def test_a_load_moves_the_revision_on_only_when_something_changed(tmp_path):
    shutil.copy(LIBRARY_DIR / "facts.yaml", tmp_path / "facts.yaml")
    before = selectors.library_revision()
    library_load(directory=tmp_path)  # the same facts as loaded already
    assert selectors.library_revision() == before
    (tmp_path / "facts.yaml").write_text((LIBRARY_DIR / "facts.yaml").read_text() + NEW_FACT)
    library_load(directory=tmp_path)
    assert selectors.library_revision() == before + 1
    (tmp_path / "zz-test-policy--2024-01-01.yaml").write_text(NEW_VERSION)
    library_load(directory=tmp_path)
    assert selectors.library_revision() == before + 2


@pytest.mark.django_db
def test_the_cache_checks_the_revision_on_a_timer(settings, monkeypatch, django_assert_num_queries):
    settings.LIBRARY_REVISION_CHECK_SECONDS = 1.0
    clock = [100.0]
    monkeypatch.setattr(selectors.time, "monotonic", lambda: clock[0])
    selectors.library_cache_clear()
    with django_assert_num_queries(2):  # the revision, the dictionary
        assert "zz_test_new_measure" not in selectors.fact_dictionary()
    # Another server adds a fact and moves the revision on.
    Fact.objects.create(name="zz_test_new_measure", type="integer", label="New", position=999)
    LibraryRevision.objects.filter(pk=1).update(number=F("number") + 1)
    clock[0] = 100.9
    with django_assert_num_queries(0):  # within the interval: no query, not seen yet
        assert "zz_test_new_measure" not in selectors.fact_dictionary()
    clock[0] = 101.1
    with django_assert_num_queries(2):  # the revision moved on: the dictionary is read again
        assert "zz_test_new_measure" in selectors.fact_dictionary()
    clock[0] = 102.2
    with django_assert_num_queries(1):  # the revision is the same: the cache stays
        assert "zz_test_new_measure" in selectors.fact_dictionary()


WORKER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import django
    django.setup()
    from django.core.management import call_command
    from criteria import selectors
    from criteria.services import library_load, policy_evaluate

    call_command("migrate", verbosity=0)
    assert all(r.status != "refused" for r in library_load(directory=Path(sys.argv[1])))
    selectors.fact_dictionary()  # the caches are warm ...
    print("warm", flush=True)
    sys.stdin.readline()  # ... while another process loads a new fact and a new version
    evaluation = policy_evaluate(
        policy_key="zz-test-policy", on="2025-01-01", indication="non_malignant_pain",
        stage="trial", raw_facts={"zz_test_new_measure": 7},
    )
    print(json.dumps({
        "fact": "zz_test_new_measure" in selectors.fact_dictionary(),
        "outcome": evaluation.result.outcome.value,
    }), flush=True)
    """
)


def test_a_version_loaded_in_one_process_reaches_another_process_cache(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    shutil.copy(LIBRARY_DIR / "facts.yaml", first / "facts.yaml")
    (second / "facts.yaml").write_text((LIBRARY_DIR / "facts.yaml").read_text() + NEW_FACT)
    (second / "zz-test-policy--2024-01-01.yaml").write_text(NEW_VERSION)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reviewapp.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "false",
        "SECRET_KEY": "cache-test-" + "x" * 50,
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
        "LIBRARY_REVISION_CHECK_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(first)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout.readline().strip() == "warm", worker.stderr.read()
        loader = subprocess.run(
            [sys.executable, "manage.py", "criteria", "load", "--directory", str(second)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert loader.returncode == 0, loader.stderr
        out, err = worker.communicate("go\n", timeout=120)
    finally:
        worker.kill()
    assert worker.returncode == 0, err
    assert json.loads(out) == {"fact": True, "outcome": "meets"}
