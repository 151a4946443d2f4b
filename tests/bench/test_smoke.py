"""The benchmark harness still works: tiny seeded data, one client, every scenario a few times.

Timings are not asserted (CI machines vary); only that every scenario ran and nothing failed. The
server is a single-threaded WSGI server in this process, on the test's own database connection
(so it sees the test's uncommitted rows, on SQLite and PostgreSQL alike), with the benchmark's
URLs (the floor view) and metrics middleware switched on the way ``bench.settings`` does.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIServer
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, connections

from bench import driver, profile, seed
from bench import report as bench_report

ROOT = Path(__file__).resolve().parents[2]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class SharedConnectionServer(threading.Thread):
    """Serves the app on 127.0.0.1 (an ephemeral port) using the test thread's connection."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.connection = connections["default"]
        self.ready = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        connections["default"] = self.connection
        try:
            self.httpd = WSGIServer(("127.0.0.1", 0), QuietHandler, ipv6=False)
            self.httpd.set_app(WSGIHandler())  # built now: the overridden settings apply
            self.port = self.httpd.server_address[1]
        except BaseException as exc:
            self.error = exc
            raise
        finally:
            self.ready.set()
        self.httpd.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.join(timeout=10)


@pytest.fixture
def bench_server(settings, tmp_path):
    from reviewapp.letters.services import signing_key_ensure

    settings.ROOT_URLCONF = "bench.urls"
    settings.MIDDLEWARE = ["bench.middleware.BenchMetricsMiddleware", *settings.MIDDLEWARE]
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.LETTER_SIGNING_PKCS12 = tmp_path / "letter-signing.p12"
    signing_key_ensure()
    # Requests run inside the test's transaction: keep Django from closing the shared connection
    # at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    connection = connections["default"]
    connection.inc_thread_sharing()
    server = SharedConnectionServer()
    server.start()
    server.ready.wait(10)
    try:
        if server.error:
            raise server.error
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()
        connection.dec_thread_sharing()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_every_scenario_runs_without_errors(bench_server):
    report = seed.seed(cases=30, reserve=seed.SMOKE_RESERVE, checklist_documents=3)
    assert report.counts["cases.Case"] == 30
    assert report.counts["cases.Answer"] > 0
    plan = seed.bench_plan()
    assert plan["checklist_documents"] == 3 and plan["letters"] and plan["answer_cases"]
    assert plan["fhir"]["references"] and "@@PDF@@" in plan["fhir"]["bundle_template"]

    out = asyncio.run(driver.run(bench_server, plan, driver.SMOKE, say=lambda _: None))

    ran = {r["scenario"]: r for r in out["results"]}
    expected = {*driver.SMOKE.scenarios, "letter_preview", "apply_reset"}
    assert set(ran) == expected
    failures = {name: r["error_examples"] for name, r in ran.items() if r["errors"]}
    assert not failures
    assert all(r["requests"] >= 1 for r in ran.values())
    assert all(r["queries_median"] is not None for r in ran.values())  # the middleware answered
    assert ran["fhir_submit"]["requests"] >= 1 and ran["fhir_inquire"]["requests"] >= 1
    # The operations pages ran as a UM manager (the dashboard) and without signing in (the
    # public metrics), and saw the seeded decisions.
    assert {"dashboard", "productivity", "metrics_page", "public_metrics"} <= set(ran)
    assert plan["metrics"]["year"] >= 2025
    # The facts' proposal was applied (after its reset), and the director read the queue.
    assert plan["apply_cases"] and ran["apply_proposal_save"]["requests"] >= 1
    assert ran["director_queue"]["queries_median"] >= 1
    from reviewapp.cases.models import Answer, AnswerOrigin

    target = plan["apply_cases"][0]
    applied = Answer.objects.get(case_id=target["case"], criterion_id=target["node"])
    assert applied.origin == AnswerOrigin.PROPOSAL  # the last step applied it, not just reset it

    # Where the time goes: the in-process profile of the case page and the saves.
    breakdown = profile.profile(plan, requests=2)
    rows = {row["scenario"]: row for row in breakdown["rows"]}
    assert set(rows) == {"case_checklist", "answer_save", "fact_save", "apply_proposal_save"}
    assert all(row["queries"] > 0 and row["total_ms"] > 0 for row in rows.values())
    assert rows["case_checklist"]["shares"]["case workspace (reads)"] is not None
    assert rows["answer_save"]["shares"]["writes (services)"] is not None

    # The report states each target with its verdict and ratio to the floor.
    data = {
        "stamp": "smoke",
        "environment": {"cpus": 2, "python": "3", "postgres": "-", "workers": 1, "machine": ""},
        "final_scale": 30,
        "verdicts": bench_report.verdicts(out["results"]),
        "queries": bench_report.query_constancy({30: out["results"]}),
        "profile": breakdown,
        "runs": {
            "30": {"plan_counts": plan["counts"], "seed_seconds": 0, "results": out["results"]}
        },
    }
    verdicts = {v["scenario"]: v for v in data["verdicts"]}
    assert verdicts["case_checklist"]["budget"] == "p95 <= 60 ms and <= 3x floor"
    assert verdicts["apply_proposal_save"]["floor_ratio"] is not None
    text = bench_report.markdown(data)
    assert "apply the facts' proposal" in text and "Where the time goes" in text


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="bench/documents.py always reads into its own SQLite database: once per CI run",
)
def test_document_reading_is_measured():
    """bench/documents.py on a few pages: text layer, OCR, a scanned fax read by a worker
    process while uploads go on (its own throwaway database and worker)."""
    env = {
        **os.environ,
        "BENCH_TEXT_PAGES": "4",
        "BENCH_OCR_PAGES": "1",
        "BENCH_FAX_PAGES": "2",
        "BENCH_UPLOADS": "2",
    }
    done = subprocess.run(
        [sys.executable, "bench/documents.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    path = next(line for line in done.stdout.splitlines() if line.startswith("results: "))
    results = json.loads((ROOT / path.removeprefix("results: ")).read_text())
    assert results["text_pages_per_second"] > 0 and results["ocr_pages_per_second"] > 0
    assert results["fax_pages"] == 2 and results["fax_read_s"] > 0
    assert results["upload_1mb_idle_ms"]["n"] == 2
    verdicts = {v["key"]: v for v in bench_report.document_verdicts(results)}
    assert verdicts["text_pages_per_second"]["target"] == ">= 50"
    assert verdicts["ocr_pages_per_second"]["value"] == results["ocr_pages_per_second"]


def test_report_judges_both_parts_of_a_target():
    """Made-up results: a ratio to the floor on every row, a two-part target missed on one part,
    errors at 32 clients, and a query count that changes between scales."""

    def result(scenario, clients, p95, queries=10, errors=0):
        return {
            "scenario": scenario,
            "clients": clients,
            "p95_ms": p95,
            "p50_ms": p95,
            "errors": errors,
            "queries_median": queries,
        }

    final = [
        result("floor", 1, 10.0),
        result("case_checklist", 1, 29.0),  # 2.9x the floor and under 60 ms: met
        result("answer_save", 1, 25.0),  # under 30 ms, but 2.5x the floor: missed
        result("fact_save", 1, 18.0),
        result("fact_save", 32, 300.0, errors=2),  # errors at 32 clients: missed
        result("fhir_submit", 1, 140.0),  # an absolute target; its ratio shown all the same
    ]
    rows = {v["scenario"]: v for v in bench_report.verdicts(final)}
    assert rows["case_checklist"]["met"] and rows["case_checklist"]["floor_ratio"] == 2.9
    assert rows["answer_save"]["absolute_met"] and not rows["answer_save"]["floor_ratio_met"]
    assert not rows["answer_save"]["met"]
    assert rows["fact_save"]["floor_ratio_met"] and not rows["fact_save"]["met"]
    assert rows["fhir_submit"]["met"] and rows["fhir_submit"]["floor_ratio"] == 14.0
    constancy = bench_report.query_constancy(
        {
            1000: [result("queue_first", 1, 5.0, queries=8)],
            10000: [result("queue_first", 1, 5.0, queries=9)],
        }
    )
    assert not constancy["met"] and set(constancy["changed"]) == {"queue_first"}
    # A target whose scenario did not run is reported, as missed.
    assert rows["director_queue"]["not_measured"] and not rows["director_queue"]["met"]
