"""End to end across machines: evidence in an S3 bucket, the reading queued on Redis (RQ) and
done by a separate worker process, facts accepted, the evidence downloaded with its hash
checked, a signed letter stored in and served from the bucket.

``bin/test`` starts a real ``redis-server`` and moto's S3-compatible server, and runs this file on
PostgreSQL with ``EVIDENCE_STORAGE=s3`` and ``TASKS_BACKEND=rq`` (so the settings are what a
plan with several app servers and workers would run). Elsewhere it is skipped.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from reviewapp.cases.models import CaseFact, Evidence
from reviewapp.documents.models import DocumentReading, ReadingStatus, Suggestion
from tests.factories import CaseFactory, meeting_case
from tests.reviewapp.documents.corpus.build import render_pdf, scan_images

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.distributed,
    pytest.mark.skipif(
        settings.EVIDENCE_STORAGE != "s3"
        or settings.TASKS_BACKEND != "rq"
        or connection.vendor != "postgresql",
        reason="needs EVIDENCE_STORAGE=s3, TASKS_BACKEND=rq and PostgreSQL (bin/test sets them)",
    ),
]

FAX = """# CLINIC NOTE
Mr. Rory Vance is a 63-year-old man with failed back surgery syndrome.
He rates his pain 8/10 today. There are no signs of active infection.
"""


@pytest.fixture(autouse=True)
def library():
    """A transactional test empties the tables after it; the next one loads the library again
    (the migrations' rows come back through serialized rollback)."""
    from criteria.models import Policy
    from criteria.selectors import library_cache_clear
    from criteria.services import library_load

    if not Policy.objects.exists():
        library_load()
        library_cache_clear()


@pytest.fixture
def bucket():
    import boto3

    options = settings.STORAGES["evidence"]["OPTIONS"]
    s3 = boto3.client(
        "s3", endpoint_url=options["endpoint_url"], region_name=options["region_name"]
    )
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if options["bucket_name"] not in existing:
        s3.create_bucket(Bucket=options["bucket_name"])
    return s3, options["bucket_name"]


def _worker_environment() -> dict[str, str]:
    """The worker is another process: it reaches the same test database, bucket and queue."""
    db = connection.settings_dict
    environment = dict(os.environ)
    environment["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    environment["DJANGO_SETTINGS_MODULE"] = "reviewapp.settings_test"
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return environment


def run_worker() -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "rqworker",
            "--burst",
            "--job-class",
            "django_tasks_rq.Job",
            "documents",
        ],
        cwd=ROOT,
        env=_worker_environment(),
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upload_to_s3_read_by_an_rq_worker_accept_and_download(nurse, bucket):
    s3, name = bucket
    case = CaseFactory(by=nurse)
    scan = scan_images(render_pdf([FAX]), "distributed")[0]
    path = Path(settings.VAR_DIR) / "distributed-fax.png"
    scan.save(path, "PNG", dpi=(200, 200))
    data = path.read_bytes()
    client = Client()
    client.force_login(nurse)

    response = client.post(
        f"/cases/{case.pk}/evidence/",
        {"files": [SimpleUploadedFile("fax.png", data)], "doc_type": "office_note"},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(case=case)
    stored = s3.get_object(Bucket=name, Key=evidence.file.name)["Body"].read()
    assert stored == data, "the original is in the bucket, unchanged"
    reading = DocumentReading.objects.get(evidence=evidence)
    assert reading.status == ReadingStatus.QUEUED  # the upload did not wait for the reading

    worker = run_worker()
    assert worker.returncode == 0, worker.stderr[-2000:]
    reading.refresh_from_db()
    assert reading.status == ReadingStatus.DONE, reading.message
    assert reading.ocr_pages == 1
    found = {(s.fact.name, s.value) for s in Suggestion.objects.filter(case=case)}
    assert {("age_years", 63), ("pain_nrs", 8), ("active_infection", False)} <= found

    suggestion = Suggestion.objects.get(case=case, fact__name="pain_nrs")
    accepted = client.post(f"/cases/{case.pk}/suggestions/{suggestion.pk}/accept/")
    assert accepted.status_code == 302
    assert CaseFact.objects.get(case=case, fact__name="pain_nrs").origin_detail == "fax.png p. 1"

    download = client.get(f"/cases/{case.pk}/evidence/{evidence.pk}/file/?download=1")
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == evidence.sha256
    # Changed behind the application's back, the file is no longer served.
    s3.put_object(Bucket=name, Key=evidence.file.name, Body=data + b"tampered")
    refused = client.get(f"/cases/{case.pk}/evidence/{evidence.pk}/file/")
    assert refused.status_code == 500
    assert b"does not match the SHA-256" in refused.content


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_signed_letter_is_stored_in_and_served_from_the_bucket(nurse, bucket):
    from reviewapp.decisions import services as decisions
    from reviewapp.letters import services as letters

    s3, name = bucket
    letters.signing_key_ensure()
    case = meeting_case(by=nurse)
    determination = decisions.case_approve_by_nurse(case=case, by=nurse)
    digest = letters.letter_digest(letters.letter_render_html(determination=determination))
    client = Client()
    client.force_login(nurse)
    response = client.post(
        f"/letters/determinations/{determination.pk}/sign/", {"digest": digest, "confirm": "on"}
    )
    assert response.status_code == 302, response.content[:500]
    determination.refresh_from_db()
    stored = s3.get_object(Bucket=name, Key=determination.letter_pdf.name)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == determination.letter_sha256
    download = client.get(f"/letters/determinations/{determination.pk}/letter.pdf")
    assert download.status_code == 200 and download.content == stored
