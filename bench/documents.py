"""Reading documents: how fast, and whether it slows the web server.

    .venv/bin/python bench/documents.py            # about two minutes on 2 cores
    BENCH_FAX_PAGES=5 .venv/bin/python bench/documents.py   # a quick look
    (BENCH_TEXT_PAGES, BENCH_OCR_PAGES, BENCH_UPLOADS: the other sizes; the CI smoke test
    runs it with a few pages of each)

Measures, on this machine:
- **text pages per second**: a 40-page text-layer PDF through the reader and the extractor;
- **OCR pages per second**: a 6-page scanned PDF (200 dpi scans, rendered at 300 dpi for OCR);
- **time to first suggestion** for a 20-page scanned fax, end to end as in the demo: uploaded
  through the case's upload view, queued in the database queue, read by a separate
  ``manage.py db_worker`` process; and the time until the whole fax is read;
- **upload latency** of a 1 MB PDF (p50 / p95) with the worker idle, and while it is reading the
  fax: the upload must not wait for the reading;
- the worker's **peak memory** (VmHWM).

``bench/run`` runs it after the web scenarios (with a 5-page fax; ``BENCH_FAX_PAGES`` changes it)
and puts its figures, against issue 20's targets, in the same report.

Everything runs in a throwaway directory (SQLite in WAL mode, evidence on disk); the worker it
starts is stopped at the end. Results go to ``bench/results/documents-<timestamp>.json`` and the
table to standard output.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-documents-"))
ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "reviewapp.settings",
    "DEBUG": "false",
    "SECRET_KEY": "bench-documents-not-a-secret-0123456789-abcdefghijklmnop",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "ALLOWED_HOSTS": "testserver,127.0.0.1",
    "DATABASE_URL": f"sqlite:///{WORK / 'bench.sqlite3'}",
    "EVIDENCE_DIR": str(WORK / "evidence"),
    "EVIDENCE_STORAGE": "filesystem",
    "TASKS_BACKEND": "database",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(ENVIRONMENT)

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from bench.driver import pdf_template, unique_pdf  # noqa: E402
from tests.reviewapp.documents.corpus.build import load, render_pdf, scan_images  # noqa: E402

FAX_PAGES = int(os.environ.get("BENCH_FAX_PAGES", "20"))
TEXT_PAGES = int(os.environ.get("BENCH_TEXT_PAGES", "40"))
OCR_PAGES = int(os.environ.get("BENCH_OCR_PAGES", "6"))
UPLOADS = int(os.environ.get("BENCH_UPLOADS", "15"))


def corpus_pages() -> list[str]:
    return [page for document in load() for page in document.pages]


def scanned_pdf(pages: list[str], path: Path) -> Path:
    images = scan_images(render_pdf(pages), path.name)
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=200)
    return path


def reader_rate(path: Path) -> tuple[int, float]:
    from reviewapp.documents.services import document_pages

    start = time.perf_counter()
    pages = sum(1 for _ in document_pages(path, content_type="application/pdf"))
    return pages, time.perf_counter() - start


def peak_memory_mb(pid: int) -> float | None:
    """The process's peak resident memory (VmHWM), in MB; None where /proc does not say."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def upload(client: Client, case_pk: int, name: str, data: bytes) -> float:
    start = time.perf_counter()
    response = client.post(
        f"/cases/{case_pk}/evidence/",
        {"files": [SimpleUploadedFile(name, data)], "doc_type": "office_note"},
    )
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 302, response.status_code
    return elapsed


def main() -> None:
    from criteria.services import library_load
    from reviewapp.accounts.roles import Role
    from reviewapp.accounts.services import staff_upsert
    from reviewapp.documents.models import DocumentReading, ReadingStatus, Suggestion
    from tests.factories import CaseFactory

    pages = corpus_pages()
    results: dict = {"machine": {"cpus": os.cpu_count()}, "work": str(WORK)}

    text_pdf = WORK / "text.pdf"
    text_pdf.write_bytes(render_pdf((pages * 3)[:TEXT_PAGES]))
    count, seconds = reader_rate(text_pdf)
    results["text_pages_per_second"] = round(count / seconds, 1)
    print(f"text layer: {count} pages in {seconds:.2f} s = {count / seconds:.1f} pages/s")

    scan = scanned_pdf(pages[:OCR_PAGES], WORK / "scan.pdf")
    count, seconds = reader_rate(scan)
    results["ocr_pages_per_second"] = round(count / seconds, 2)
    print(f"OCR: {count} pages in {seconds:.2f} s = {count / seconds:.2f} pages/s")

    call_command("migrate", verbosity=0)
    library_load()
    nurse = staff_upsert(
        username="bench-nurse",
        password="bench-password-123",  # noqa: S106 (a throwaway bench account)
        role=Role.NURSE,
        display_name="Bench Nurse",
        credentials="RN",
    )
    client = Client()
    client.force_login(nurse)
    case = CaseFactory(by=nurse)
    template = pdf_template()
    worker = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--queue-name",
            "documents,default",
            "--interval",
            "0.1",
            "--no-startup-delay",
            "--no-reload",
            "-v",
            "0",
        ],
        cwd=ROOT,
        env={**os.environ, **ENVIRONMENT},
    )
    try:
        upload(client, case.pk, "warm-up.pdf", unique_pdf(template, 999_999))  # not counted
        idle = [
            upload(client, case.pk, f"idle-{i}.pdf", unique_pdf(template, i))
            for i in range(UPLOADS)
        ]
        while DocumentReading.objects.exclude(status=ReadingStatus.DONE).exists():
            time.sleep(0.2)  # the idle uploads' own readings, before the fax

        fax = scanned_pdf((pages * 2)[:FAX_PAGES], WORK / "fax.pdf").read_bytes()
        start = time.perf_counter()
        fax_upload_ms = upload(client, case.pk, "fax.pdf", fax)
        reading = DocumentReading.objects.get(evidence__original_name="fax.pdf")
        busy = []
        first = None
        number = 1000
        while True:
            reading.refresh_from_db()
            if first is None and Suggestion.objects.filter(evidence=reading.evidence).exists():
                first = time.perf_counter() - start
            if reading.status in (ReadingStatus.DONE, ReadingStatus.REFUSED, ReadingStatus.FAILED):
                break
            if reading.status == ReadingStatus.READING and len(busy) < UPLOADS:
                busy.append(
                    upload(client, case.pk, f"busy-{number}.pdf", unique_pdf(template, number))
                )
                number += 1
                time.sleep(0.3)
            else:
                time.sleep(0.1)
        total = time.perf_counter() - start
    finally:
        results["worker_peak_memory_mb"] = peak_memory_mb(worker.pid)
        worker.terminate()
        worker.wait(30)
    assert reading.status == ReadingStatus.DONE, reading.message
    results.update(
        {
            "fax_pages": FAX_PAGES,
            "fax_upload_ms": round(fax_upload_ms, 1),
            "time_to_first_suggestion_s": round(first or total, 2),
            "fax_read_s": round(total, 2),
            "fax_pages_per_second": round(FAX_PAGES / total, 2),
            "fax_suggestions": Suggestion.objects.filter(evidence=reading.evidence).count(),
            "upload_1mb_idle_ms": {
                "p50": round(statistics.median(idle), 1),
                "p95": round(percentile(idle, 0.95), 1),
                "n": len(idle),
            },
            "upload_1mb_while_reading_ms": {
                "p50": round(statistics.median(busy), 1) if busy else None,
                "p95": round(percentile(busy, 0.95), 1) if busy else None,
                "n": len(busy),
            },
        }
    )
    print(
        f"{FAX_PAGES}-page scanned fax: upload {fax_upload_ms:.0f} ms, first suggestion after "
        f"{results['time_to_first_suggestion_s']} s, read in {total:.1f} s "
        f"({FAX_PAGES / total:.2f} pages/s, worker process, end to end)"
    )
    print(
        f"1 MB upload, worker idle:    p50 {results['upload_1mb_idle_ms']['p50']} ms, "
        f"p95 {results['upload_1mb_idle_ms']['p95']} ms (n={len(idle)})"
    )
    print(
        f"1 MB upload, worker reading: p50 {results['upload_1mb_while_reading_ms']['p50']} ms, "
        f"p95 {results['upload_1mb_while_reading_ms']['p95']} ms (n={len(busy)})"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"documents-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"results: {path.relative_to(ROOT)}")
    print(f"worker peak memory: {results['worker_peak_memory_mb']} MB")


if __name__ == "__main__":
    main()
