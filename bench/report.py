"""Budgets, and the results written as JSON and a short markdown table."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

# Issue 20's targets: p95 at one client (the latency of a request on an otherwise idle server),
# except the letter, whose budget is the median; judged at the largest scale. The scaling table
# shows these scenarios at every scale.
SCALED = (
    "queue_first",
    "queue_deep",
    "queue_filtered",
    "queue_search",
    "case_checklist",
    "answer_save",
    "fact_save",
    "apply_proposal_save",
    "dashboard",
    "director_queue",
    "productivity",
    "metrics_page",
    "public_metrics",
)


@dataclass(frozen=True)
class Budget:
    """A target of issue 20: an absolute bound (``ms`` on ``stat``), a bound on the ratio of the
    p95 to the floor's p95 of the same run (``floor_ratio``), or both."""

    scenario: str
    stat: str  # "p95_ms" or "p50_ms"
    ms: float | None
    label: str
    floor_ratio: float | None = None


BUDGETS = [
    Budget("case_checklist", "p95_ms", 60, "case checklist page (20 criteria, 20 documents)", 3),
    Budget("answer_save", "p95_ms", 30, "criterion answer save (htmx)", 2),
    Budget("fact_save", "p95_ms", 30, "fact save (htmx, re-proposes)", 2),
    Budget("apply_proposal_save", "p95_ms", 30, "apply-proposal save (htmx)", 2),
    Budget("queue_first", "p95_ms", 60, "work queue, first page", 3),
    Budget("queue_deep", "p95_ms", 60, "work queue, deep page", 3),
    Budget("queue_filtered", "p95_ms", 60, "work queue, filtered", 3),
    Budget("queue_search", "p95_ms", 60, "work queue, searched", 3),
    Budget("director_queue", "p95_ms", 60, "medical director's queue", 3),
    Budget("dashboard", "p95_ms", 60, "UM manager's dashboard", 3),
    Budget("metrics_page", "p95_ms", 60, "CMS-0057-F metrics page (manager)", 3),
    Budget("fhir_submit", "p95_ms", 150, "FHIR $submit with a 1 MB PDF (new case)"),
    Budget("fhir_inquire", "p95_ms", None, "FHIR $inquire (decision as it stands)", 3),
    Budget("letter_sign", "p50_ms", 600, "letter render + sign (median)"),
    Budget("evidence_upload", "p95_ms", 150, "1 MB PDF upload"),
]
# Reported in the tables, with no target of their own in issue 20.
UNBUDGETED = ("productivity", "public_metrics", "letter_preview", "apply_reset")


def _find(results: list[dict], scenario: str, clients: int) -> dict | None:
    return next((r for r in results if r["scenario"] == scenario and r["clients"] == clients), None)


def verdicts(results: list[dict]) -> list[dict]:
    """Each budget against the one-client measurement at the largest scale: the absolute part,
    the ratio to the floor's p95 (shown for every row), and errors at 32 clients."""
    floor = _find(results, "floor", 1)
    floor_p95 = floor["p95_ms"] if floor else None
    rows = []
    for budget in BUDGETS:
        measured = _find(results, budget.scenario, 1)
        value = measured[budget.stat] if measured else None
        parts = []
        if budget.ms is not None:
            parts.append(f"{budget.stat.split('_')[0]} <= {budget.ms:g} ms")
        if budget.floor_ratio is not None:
            parts.append(f"p95 <= {budget.floor_ratio:g}x floor")
        row: dict = {
            "scenario": budget.scenario,
            "label": budget.label,
            "budget": " and ".join(parts),
            "measured_ms": value,
            "floor_ratio": None,
            "ms_met": None,
            "floor_ratio_met": None,
        }
        if budget.ms is not None:
            row["ms_met"] = value is not None and value <= budget.ms
        if measured and floor_p95 and measured["p95_ms"] is not None:
            row["floor_ratio"] = round(measured["p95_ms"] / floor_p95, 2)
        if budget.floor_ratio is not None:
            row["floor_ratio_met"] = (
                row["floor_ratio"] is not None and row["floor_ratio"] <= budget.floor_ratio
            )
        at32 = _find(results, budget.scenario, 32)
        row["errors_at_32"] = at32["errors"] if at32 is not None else None
        row["met"] = (
            measured is not None
            and row["ms_met"] is not False
            and row["floor_ratio_met"] is not False
            and not row["errors_at_32"]
        )
        rows.append(row)
    return rows


def errors_at_32(results: list[dict]) -> dict:
    """The target "zero errors at 32 clients", per scenario."""
    per = {r["scenario"]: r["errors"] for r in results if r["clients"] == 32}
    return {
        "per_scenario": per,
        "failing": sorted(name for name, errors in per.items() if errors),
        "met": bool(per) and not any(per.values()),
    }


def query_constancy(runs: dict[int, list[dict]]) -> dict:
    """The target "queries per request constant from the smallest to the largest scale": the
    median query count of each scenario (1 client) at every scale; any growth is missed."""
    scales = sorted(runs)
    rows = []
    names = sorted({r["scenario"] for s in scales for r in runs[s] if r["clients"] == 1})
    for name in names:
        counts = {}
        for scale in scales:
            found = _find(runs[scale], name, 1)
            counts[str(scale)] = found["queries_median"] if found else None
        present = [c for c in counts.values() if c is not None]
        grew = len(present) > 1 and any(b > a for a, b in itertools.pairwise(present))
        rows.append({"scenario": name, "queries": counts, "constant": not grew})
    grown = [r["scenario"] for r in rows if not r["constant"]]
    return {
        "scales": scales,
        "rows": rows,
        "grown": grown,
        # One scale cannot show constancy: no verdict then.
        "met": (not grown) if len(scales) > 1 else None,
    }


TEXT_PAGES_PER_SECOND = 50.0
OCR_PAGES_PER_SECOND = 1.0  # per worker: bench/documents.py reads in one process
UPLOAD_WHILE_READING_RATIO = 1.5  # our reading of "upload latency unchanged while workers read"


def documents_verdicts(results: dict) -> list[dict]:
    """bench/documents.py's numbers against issue 20's document-reading targets."""
    text = results.get("text_pages_per_second")
    ocr = results.get("ocr_pages_per_second")
    idle = (results.get("upload_1mb_idle_ms") or {}).get("p95")
    busy = (results.get("upload_1mb_while_reading_ms") or {}).get("p95")
    ratio = round(busy / idle, 2) if busy is not None and idle else None
    return [
        {
            "label": "text-layer pages",
            "target": f">= {TEXT_PAGES_PER_SECOND:g} pages/s",
            "measured": f"{_fmt(text)} pages/s",
            "met": text is not None and text >= TEXT_PAGES_PER_SECOND,
        },
        {
            "label": "OCR pages, one worker",
            "target": f">= {OCR_PAGES_PER_SECOND:g} page/s",
            "measured": f"{_fmt(ocr, 2)} pages/s",
            "met": ocr is not None and ocr >= OCR_PAGES_PER_SECOND,
        },
        {
            "label": "1 MB upload p95 while the worker reads",
            "target": f"<= {UPLOAD_WHILE_READING_RATIO:g}x idle p95",
            "measured": f"{_fmt(busy)} ms vs {_fmt(idle)} ms idle ({_fmt(ratio, 2)}x)",
            "met": ratio is not None and ratio <= UPLOAD_WHILE_READING_RATIO,
        },
    ]


def scaling_table(runs: dict[int, list[dict]]) -> list[dict]:
    """p95 (and queries) of each page at each scale, one client."""
    scales = sorted(runs)
    rows = []
    for scenario in ("floor", *SCALED):
        row: dict = {"scenario": scenario}
        for scale in scales:
            found = _find(runs[scale], scenario, 1)
            row[str(scale)] = (
                {
                    "p50_ms": found["p50_ms"],
                    "p95_ms": found["p95_ms"],
                    "queries": found["queries_median"],
                }
                if found
                else None
            )
        first, last = row.get(str(scales[0])), row.get(str(scales[-1]))
        if len(scales) > 1 and first and last and first["p95_ms"]:
            row["growth_p95"] = round(last["p95_ms"] / first["p95_ms"], 2)
        rows.append(row)
    return rows


def write(out_dir: Path, stamp: str, data: dict) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{stamp}.json"
    md_path = out_dir / f"{stamp}.md"
    json_path.write_text(json.dumps(data, indent=1))
    md_path.write_text(markdown(data))
    return json_path, md_path


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _part(met: bool | None) -> str:
    return "-" if met is None else ("met" if met else "**missed**")


def profile_markdown(profile: dict | None) -> list[str]:
    """Where a request's time goes (bench/profile.py), per-request mean ms of each part."""
    if not profile:
        return []
    if profile.get("error"):
        return ["", "## Profile", "", f"The profile did not run: {profile['error']}."]
    parts = profile["parts"]
    lines = [
        "",
        "## Where the time goes (in-process profile)",
        "",
        f"{profile['requests']} requests per scenario through Django's test client against the "
        "same database (no network, no gunicorn), signed in as the nurse; mean ms per request. "
        "The parts overlap where one calls another (the workspace evaluates the criteria and "
        "queries; templates include the queries they run), so they are not a sum; 'other' is "
        "the total less SQL and less the templates' own time (without their queries), floored "
        "at 0. '-' marks a part whose function was not found.",
        "",
        "| scenario | total | SQL | queries | " + " | ".join(p for p in parts) + " | other |",
        "|---|---|---|---|" + "---|" * (len(parts) + 1),
    ]
    for row in profile["rows"]:
        if row.get("error"):
            lines.append(f"| {row['scenario']} | not profiled: {row['error']} |")
            continue
        lines.append(
            f"| {row['scenario']} | {_fmt(row['total_ms'])} | {_fmt(row['sql_ms'])} | "
            f"{_fmt(row['queries'], 0)} | "
            + " | ".join(_fmt(row["parts_ms"].get(p)) for p in parts)
            + f" | {_fmt(row['other_ms'])} |"
        )
    return lines


def documents_markdown(documents: dict | None) -> list[str]:
    """Document reading (bench/documents.py) against issue 20's targets."""
    if not documents:
        return []
    if documents.get("error"):
        return ["", "## Document reading", "", f"Not measured: {documents['error']}."]
    lines = [
        "",
        "## Document reading",
        "",
        "| what | target | measured | verdict |",
        "|---|---|---|---|",
    ]
    for row in documents.get("verdicts", []):
        lines.append(
            f"| {row['label']} | {row['target']} | {row['measured']} | {_part(row['met'])} |"
        )
    lines += [
        "",
        "Upload latency 'unchanged while workers read' is read here as: the p95 of a 1 MB upload "
        "while the worker reads a scanned fax is at most 1.5x the p95 with the worker idle. "
        f"Time to first suggestion: {_fmt(documents.get('time_to_first_suggestion_s'), 2)} s; whole fax "
        f"read: {_fmt(documents.get('fax_read_s'), 2)} s; document worker peak memory "
        f"(VmHWM): {_fmt(documents.get('worker_peak_mb'))} MB.",
    ]
    return lines


def markdown(data: dict) -> str:
    env = data["environment"]
    final = data["final_scale"]
    results = data["runs"][str(final)]["results"]
    lines = [
        f"# Benchmark {data['stamp']}",
        "",
        f"{env['cpus']} CPUs, Python {env['python']}, {env['postgres']}, gunicorn "
        f"{env['workers']} sync workers on 127.0.0.1; {final:,} cases "
        f"({data['runs'][str(final)]['plan_counts'].get('cases.Answer', 0):,} answers). "
        "Latency budgets are judged at 1 client; under load, latency is queueing "
        "(clients / throughput).",
        "",
        "## Targets (issue 20)",
        "",
        "Judged at 1 client at the largest scale; the ratio is the p95 over the floor's p95 "
        "(a signed-in page that renders nothing) of the same run, shown for every row.",
        "",
        "| what | target | measured | x floor p95 | absolute | ratio | errors at 32 | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for v in data["verdicts"]:
        lines.append(
            f"| {v['label']} | {v['budget']} | {_fmt(v['measured_ms'])} ms | "
            f"{_fmt(v.get('floor_ratio'), 2)} | {_part(v.get('ms_met'))} | "
            f"{_part(v.get('floor_ratio_met'))} | {_fmt(v.get('errors_at_32'))} | "
            f"{'met' if v['met'] else '**missed**'} |"
        )
    errors = data.get("errors_at_32")
    if errors:
        lines += [
            "",
            "Zero errors at 32 clients: "
            + (
                "**met**"
                if errors["met"]
                else f"**missed** ({', '.join(errors['failing']) or 'no 32-client level ran'})"
            )
            + ".",
        ]
    constancy = data.get("query_constancy")
    if constancy:
        if constancy["met"] is None:
            verdict = "no verdict (one scale only)"
        elif constancy["met"]:
            verdict = "**met** (every scenario's median query count is the same at every scale)"
        else:
            verdict = f"**missed**, grew: {', '.join(constancy['grown'])}"
        lines += ["", f"Queries per request constant across scales: {verdict}."]
    lines += profile_markdown(data.get("profile"))
    lines += documents_markdown(data.get("documents"))
    lines += [
        "",
        f"## Every scenario at {final:,} cases",
        "",
        "| scenario | clients | requests | p50 ms | p95 ms | p99 ms | req/s | errors | "
        "queries | server p50 ms | worker peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['scenario']} | {r['clients']} | {r['requests']} | {_fmt(r['p50_ms'])} | "
            f"{_fmt(r['p95_ms'])} | {_fmt(r['p99_ms'])} | {_fmt(r['throughput_rps'])} | "
            f"{r['errors']} | {_fmt(r['queries_median'], 0)} | {_fmt(r['server_p50_ms'])} | "
            f"{_fmt(r['worker_maxrss_mb'])} |"
        )
    scales = sorted(int(s) for s in data["runs"])
    if len(scales) > 1:
        lines += [
            "",
            "## Scaling (1 client, p95 ms / queries)",
            "",
            "| page | " + " | ".join(f"{s:,} cases" for s in scales) + " | growth |",
            "|---|" + "---|" * (len(scales) + 1),
        ]
        for row in data["scaling"]:
            cells = []
            for s in scales:
                cell = row.get(str(s))
                cells.append(
                    f"{_fmt(cell['p95_ms'])} / {_fmt(cell['queries'], 0)}" if cell else "-"
                )
            lines.append(
                f"| {row['scenario']} | "
                + " | ".join(cells)
                + f" | {_fmt(row.get('growth_p95'), 2)}x |"
            )
    memory = data.get("worker_peak_memory_mb")
    if memory:
        lines += [
            "",
            f"Worker peak memory (VmHWM): {', '.join(f'{v} MB' for v in memory.values())}.",
        ]
    seeding = ", ".join(
        f"{int(s):,}: {run['seed_seconds']} s"
        for s, run in sorted(data["runs"].items(), key=lambda i: int(i[0]))
    )
    lines += ["", f"Seeding time (cumulative database, per step): {seeding}.", ""]
    return "\n".join(lines)
