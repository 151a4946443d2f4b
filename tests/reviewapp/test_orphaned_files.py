"""A stored file never outlives a transaction that failed, and a file left by a process killed
between writing it and committing its row is found and removed by the sweeper."""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.utils import timezone

from reviewapp.accounts.models import SecurityEvent
from reviewapp.cases import services
from reviewapp.cases.models import Case, Evidence
from reviewapp.core.storage import orphans_find, private_storage
from reviewapp.decisions import services as decisions
from reviewapp.decisions.models import Determination
from tests.factories import CaseFactory, meeting_case, pdf_bytes, upload

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def library(request):
    """A transactional test (the worker is another process: it sees only committed rows) runs
    after the others and empties the tables after it; the library is loaded again if an earlier
    one did (the migrations' rows come back through serialized rollback)."""
    if request.node.get_closest_marker("django_db").kwargs.get("transaction"):
        from criteria.models import Policy
        from criteria.selectors import library_cache_clear
        from criteria.services import library_load

        if not Policy.objects.exists():
            library_load()
        library_cache_clear()


def files_under(folder: str) -> set[str]:
    storage = private_storage()
    try:
        return {f"{folder}/{name}" for name in storage.listdir(folder)[1]}
    except FileNotFoundError:
        return set()


def upload_one(case, by, name="note.pdf"):
    return services.evidence_upload(
        case=case,
        by=by,
        files=[upload(name, pdf_bytes(1, text=name))],
        doc_type="office_note",
        document_date=None,
        source="",
    )


@pytest.mark.django_db
def test_an_upload_whose_transaction_fails_leaves_no_file(nurse, monkeypatch):
    case = CaseFactory(by=nurse)
    before = files_under(f"cases/{case.pk}")
    kept = upload_one(case, nurse, "kept.pdf")[0].evidence

    def broken(**kwargs):
        raise RuntimeError("the timeline could not be written")

    monkeypatch.setattr(services, "event_record", broken)
    with pytest.raises(RuntimeError):
        upload_one(case, nurse, "lost.pdf")
    assert files_under(f"cases/{case.pk}") == before | {kept.file.name}
    assert Evidence.objects.filter(case=case).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_upload_whose_commit_fails_leaves_no_file(nurse):
    """The database is gone at the moment of commit: the row is lost, so is the file."""
    case = CaseFactory(by=nurse)
    before = files_under(f"cases/{case.pk}")  # (an earlier test's, rolled back, may share the id)
    wrapper = connections["default"]

    def database_gone():
        raise OperationalError("server closed the connection unexpectedly")

    wrapper.commit = database_gone  # this connection only, for this upload
    try:
        with pytest.raises(OperationalError):
            upload_one(case, nurse)
    finally:
        del wrapper.commit
    assert files_under(f"cases/{case.pk}") == before
    assert not Evidence.objects.filter(case=case).exists()


def _environment() -> dict[str, str]:
    """The worker is another process on the same test database and storage."""
    db = connection.settings_dict
    environment = dict(os.environ)
    if connection.vendor == "sqlite":
        environment["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        environment["DATABASE_URL"] = (
            f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    environment["DJANGO_SETTINGS_MODULE"] = "reviewapp.settings_test"
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return environment


def kill_after_the_file_is_written(action: str, subject_id: int, user_id: int) -> str:
    """Run the chaos worker, wait until it has written its file, SIGKILL it; the file's name."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reviewapp.chaos_worker",
            action,
            str(subject_id),
            str(user_id),
        ],
        cwd=ROOT,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for text in worker.stdout:
            lines.put(text)
        lines.put("")  # the worker ended by itself

    threading.Thread(target=read, daemon=True).start()
    try:
        line = lines.get(timeout=180)
    except queue.Empty:
        line = ""
    if worker.poll() is None:
        os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    assert line.startswith("STORED "), (line, worker.stderr.read()[-3000:])
    assert worker.returncode == -signal.SIGKILL
    return line.split(" ", 1)[1].strip()


def sweep(*args: str) -> dict:
    out = StringIO()
    call_command("storage", "sweep", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_killed_mid_upload_and_mid_sign_leave_nothing_after_the_sweep(nurse):
    from reviewapp.letters import services as letters

    letters.signing_key_ensure()
    case = meeting_case(by=nurse)
    folders = ["--under", f"cases/{case.pk}", "--under", f"letters/{case.pk}"]
    on_record = {e.file.name for e in Evidence.objects.filter(case=case)}
    # A clean slate: on SQLite an earlier test's case (rolled back) may have had this id.
    for folder in (f"cases/{case.pk}", f"letters/{case.pk}"):
        for name in files_under(folder) - on_record:
            private_storage().delete(name)
    assert on_record and files_under(f"cases/{case.pk}") == on_record

    evidence_file = kill_after_the_file_is_written("upload", case.pk, nurse.pk)
    determination = decisions.case_approve_by_nurse(case=case, by=nurse)
    letter_file = kill_after_the_file_is_written("sign", determination.pk, nurse.pk)

    # Both files were written and their rows never committed: orphans.
    storage = private_storage()
    assert storage.exists(evidence_file) and storage.exists(letter_file)
    assert evidence_file.startswith(f"cases/{case.pk}/")
    assert letter_file.startswith(f"letters/{case.pk}/")
    assert Evidence.objects.filter(case=case).count() == len(on_record)
    determination.refresh_from_db()
    assert not determination.signed_at and not determination.letter_pdf
    assert Case.objects.get(pk=case.pk).status == "decided"

    # Within the grace period they are left alone (an upload may still be under way).
    found = sweep(*folders)
    assert found["orphans"] == [] and set(found["recent"]) == {evidence_file, letter_file}
    # A dry run (the default) reports them and removes nothing.
    found = sweep(*folders, "--grace-minutes", "0")
    assert found["dry_run"] and set(found["orphans"]) == {evidence_file, letter_file}
    assert storage.exists(evidence_file) and storage.exists(letter_file)
    assert not SecurityEvent.objects.filter(kind="files_swept").exists()

    removed = sweep(*folders, "--grace-minutes", "0", "--delete")
    assert set(removed["removed"]) == {evidence_file, letter_file}
    assert not storage.exists(evidence_file) and not storage.exists(letter_file)
    # Nothing orphaned remains; every file a row names is still there.
    after = orphans_find(grace=dt.timedelta(0), under=[f"cases/{case.pk}", f"letters/{case.pk}"])
    assert after.orphans == [] and after.recent == []
    assert files_under(f"cases/{case.pk}") == on_record
    event = SecurityEvent.objects.get(kind="files_swept")
    assert set(event.after["removed"]) == {evidence_file, letter_file}
    assert event.summary == "Orphaned files removed from the private storage: 2"

    # The letter can still be signed: the killed attempt left nothing in the way.
    html = letters.letter_render_html(determination=determination)
    letters.letter_sign(
        determination=determination, by=nurse, preview_digest=letters.letter_digest(html)
    )
    determination = Determination.objects.get(pk=determination.pk)
    assert determination.signed_at and storage.exists(determination.letter_pdf.name)
    assert timezone.now() - determination.signed_at < dt.timedelta(minutes=5)
