"""The whole benchmark, run by ``bench/run``: seed each scale, serve with gunicorn, drive, report.

Expects the environment ``bench/run`` prepares: DATABASE_URL (a throwaway PostgreSQL),
DJANGO_SETTINGS_MODULE=bench.settings, EVIDENCE_DIR, STATIC_ROOT and LETTER_SIGNING_PKCS12 in a
temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from . import driver, report
from . import profile as request_profile

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)


def gunicorn_start(port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        str(Path(PYTHON).parent / "gunicorn"),
        "reviewapp.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "120",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
    ]
    process = subprocess.Popen(command, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}")
        time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"gunicorn did not answer within 30 s; see {log}")


def gunicorn_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def postgres_version() -> str:
    try:
        import django

        django.setup()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        connection.close()
    except Exception as exc:  # the report matters more than this detail
        return f"database version unknown ({exc.__class__.__name__})"
    return f"PostgreSQL {version}"


def document_reading(*, quick: bool) -> dict:
    """bench/documents.py in its own process (its own SQLite database and worker): its JSON."""
    env = {**os.environ, "BENCH_FAX_PAGES": os.environ.get("BENCH_FAX_PAGES", "5")}
    if quick:
        env.setdefault("BENCH_UPLOADS", "6")
    done = subprocess.run(
        [PYTHON, "bench/documents.py"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    print(done.stdout, flush=True)
    found = [line for line in done.stdout.splitlines() if line.startswith("results: ")]
    if done.returncode or not found:
        return {"error": f"bench/documents.py exited {done.returncode}: {done.stderr[-400:]}"}
    return json.loads((ROOT / found[-1].removeprefix("results: ")).read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1000,10000,100000")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--work", type=Path, required=True, help="temporary directory")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--quick", action="store_true", help="fewer requests per scenario")
    args = parser.parse_args(argv)
    scales = sorted(int(s.replace("_", "")) for s in args.scales.split(","))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")

    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")
    manage("criteria", "load")
    manage("letters", "demo-key")
    database = postgres_version()
    runs: dict[str, dict] = {}
    server = None
    memory: dict[str, float] = {}
    try:
        for scale in scales:
            plan_path = args.work / f"plan-{scale}.json"
            print(f"== seeding to {scale:,} cases ==", flush=True)
            manage("bench_seed", "--cases", str(scale), "--plan", str(plan_path))
            plan = json.loads(plan_path.read_text())
            if server is None:
                server = gunicorn_start(args.port, args.workers, args.work / "gunicorn.log")
            final = scale == scales[-1]
            config = (driver.QUICK if args.quick else driver.FULL) if final else driver.SCALING
            print(
                f"== driving at {scale:,} cases ({'full' if final else 'scaling'}) ==", flush=True
            )
            out = asyncio.run(driver.run(f"http://127.0.0.1:{args.port}", plan, config))
            runs[str(scale)] = {
                "plan_counts": plan["counts"],
                "seed_seconds": plan.get("seed_seconds"),
                "deep_page": plan["queue"]["deep_page"],
                "results": out["results"],
            }
        memory = driver.worker_peak_memory(server.pid) if server else {}
    finally:
        if server is not None:
            gunicorn_stop(server)

    print("== where the time goes (in-process profile) ==", flush=True)
    final_plan = json.loads((args.work / f"plan-{scales[-1]}.json").read_text())
    try:
        breakdown = request_profile.profile(final_plan, requests=10 if args.quick else 30)
    except Exception as exc:  # the report matters more than this section
        breakdown = {"error": f"{type(exc).__name__}: {exc}"}
    print("== document reading (bench/documents.py) ==", flush=True)
    documents = document_reading(quick=args.quick)

    final_results = runs[str(scales[-1])]["results"]
    data = {
        "stamp": stamp,
        "environment": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgres": database,
            "workers": args.workers,
            "machine": platform.platform(),
        },
        "final_scale": scales[-1],
        "budgets": [b.__dict__ for b in report.BUDGETS],
        "verdicts": report.verdicts(final_results),
        "queries": report.query_constancy({s: runs[str(s)]["results"] for s in scales}),
        "profile": breakdown if "rows" in breakdown else None,
        "profile_error": breakdown.get("error"),
        "documents": documents,
        "document_verdicts": report.document_verdicts(documents),
        "scaling": report.scaling_table({s: runs[str(s)]["results"] for s in scales}),
        "worker_peak_memory_mb": memory,
        "runs": runs,
    }
    json_path, md_path = report.write(args.out, stamp, data)
    print(md_path.read_text())
    print(f"results: {json_path} and {md_path}")
    errors_at_32 = sum(r["errors"] for r in final_results if r["clients"] == 32)
    return 1 if errors_at_32 else 0


if __name__ == "__main__":
    sys.exit(main())
