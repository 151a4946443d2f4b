"""The benchmark harness still works: tiny seeded data, one client, every scenario a few times.

Timings are not asserted (CI machines vary); only that every scenario ran and nothing failed. The
server is a single-threaded WSGI server in this process, on the test's own database connection
(so it sees the test's uncommitted rows, on SQLite and PostgreSQL alike), with the benchmark's
URLs (the floor view) and metrics middleware switched on the way ``bench.settings`` does.
"""

from __future__ import annotations

import asyncio
import threading
from wsgiref.simple_server import WSGIRequestHandler

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIServer
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections

from bench import driver, seed
from bench import profile as request_profile
from bench import report as bench_report


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
    assert plan["apply_cases"], "no seeded case has a criterion its facts decide"

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
    # The proposal was applied (the driver checks the row says so) after each reset, and the
    # director's queue ran as the medical director.
    assert ran["apply_proposal_save"]["requests"] >= 1 and ran["apply_reset"]["requests"] >= 1
    assert ran["director_queue"]["requests"] >= 1
    from reviewapp.cases.models import Answer, AnswerOrigin

    target = plan["apply_cases"][0]
    answer = Answer.objects.get(case_id=target["case"], criterion_id=target["criterion"])
    assert answer.origin == AnswerOrigin.PROPOSAL

    # The in-process profile of the case page and the saves runs on the same data.
    profiled = request_profile.run(plan, requests=2, warmup=0)
    rows = {row["scenario"]: row for row in profiled["rows"]}
    assert set(rows) == set(request_profile.SCENARIOS)
    assert not [row["error"] for row in rows.values() if row.get("error")]
    assert all(row["requests"] == 2 and row["queries"] > 0 for row in rows.values())
    assert rows["case_checklist"]["parts_ms"]["templates"] > 0
    assert "## Where the time goes" in "\n".join(bench_report.profile_markdown(profiled))


def test_document_reading_measured(tmp_path):
    """A 2-page text PDF and one scanned page through the reader and the extractor, as
    bench/documents.py measures them (no timing asserted: only that numbers came out and the
    pages suggested facts)."""
    from bench import documents

    rates = documents.reading_rates(tmp_path, text_pages=2, ocr_pages=1)
    assert rates["text_pages"] == 2 and rates["text_pages_per_second"] > 0
    assert rates["ocr_pages"] == 1 and rates["ocr_pages_per_second"] > 0
    assert rates["text_findings"] > 0 and rates["ocr_findings"] > 0
    rates["upload_1mb_idle_ms"] = {"p95": 100.0}
    rates["upload_1mb_while_reading_ms"] = {"p95": 160.0}
    verdicts = {v["label"]: v["met"] for v in bench_report.documents_verdicts(rates)}
    assert verdicts["1 MB upload p95 while the worker reads"] is False  # 1.6x the idle p95


def test_report_judges_every_target():
    """Ratios to the floor on every row, both parts of a two-part target, errors at 32 clients,
    and query counts that grow from one scale to the next."""

    def result(scenario, clients, p95, queries=10, errors=0, p50=None):
        return {
            "scenario": scenario,
            "clients": clients,
            "p95_ms": p95,
            "p50_ms": p50 if p50 is not None else p95,
            "errors": errors,
            "queries_median": queries,
        }

    final = [
        result("floor", 1, 10.0),
        result("case_checklist", 1, 29.0),  # 2.9x the floor, under 60 ms: met
        result("answer_save", 1, 25.0),  # under 30 ms but 2.5x the floor: missed
        result("fact_save", 1, 18.0),
        result("fact_save", 32, 300.0, errors=2),  # errors at 32 clients: missed
        result("fhir_submit", 1, 140.0),
    ]
    rows = {v["scenario"]: v for v in bench_report.verdicts(final)}
    assert rows["case_checklist"]["met"] and rows["case_checklist"]["floor_ratio"] == 2.9
    assert rows["answer_save"]["ms_met"] and rows["answer_save"]["floor_ratio_met"] is False
    assert not rows["answer_save"]["met"]
    assert rows["fact_save"]["floor_ratio_met"] and not rows["fact_save"]["met"]
    assert rows["fhir_submit"]["met"] and rows["fhir_submit"]["floor_ratio"] == 14.0
    assert not rows["apply_proposal_save"]["met"]  # not measured is not met
    assert bench_report.errors_at_32(final)["failing"] == ["fact_save"]
    constancy = bench_report.query_constancy(
        {1000: [result("queue_first", 1, 5, queries=8)], 10000: [result("queue_first", 1, 5, 9)]}
    )
    assert constancy["met"] is False and constancy["grown"] == ["queue_first"]
