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
