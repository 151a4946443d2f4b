"""Budgets, and the results written as JSON and a short markdown table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# Issue 20's targets: p95 at one client (the latency of a request on an otherwise idle server),
# except the letter, whose target is the median; judged at the largest scale. A target is an
# absolute ceiling in ms, a ceiling as a multiple of the floor's p95 in the same run, or both.
PAGES = (
    "queue_first",
    "queue_deep",
    "queue_filtered",
    "queue_search",
    "case_checklist",
    "director_queue",
    "dashboard",
    "productivity",
    "metrics_page",
    "public_metrics",
)


SAVES = ("answer_save", "fact_save", "apply_proposal_save")


@dataclass(frozen=True)
class Budget:
    scenario: str
    stat: str  # "p95_ms" or "p50_ms"
    ms: float | None  # absolute ceiling, or None
    floor_ratio: float | None  # ceiling as a multiple of the floor's p95, or None
    label: str


BUDGETS = [
    Budget("case_checklist", "p95_ms", 60, 3, "case checklist page (20 criteria, 20 documents)"),
    Budget("answer_save", "p95_ms", 30, 2, "criterion answer save (htmx)"),
    Budget("fact_save", "p95_ms", 30, 2, "fact save (htmx, re-proposes)"),
    Budget("apply_proposal_save", "p95_ms", 30, 2, "apply the facts' proposal (htmx)"),
    Budget("queue_first", "p95_ms", None, 3, "work queue, first page"),
    Budget("queue_deep", "p95_ms", None, 3, "work queue, deep page"),
    Budget("queue_filtered", "p95_ms", None, 3, "work queue, filtered"),
    Budget("queue_search", "p95_ms", None, 3, "work queue, searched"),
    Budget("director_queue", "p95_ms", None, 3, "director queue"),
    Budget("dashboard", "p95_ms", None, 3, "UM manager's dashboard"),
    Budget("metrics_page", "p95_ms", None, 3, "CMS-0057-F metrics page (manager)"),
    Budget("fhir_submit", "p95_ms", 150, None, "FHIR Claim/$submit with a 1 MB PDF"),
    Budget("fhir_inquire", "p95_ms", None, 3, "FHIR Claim/$inquire"),
    Budget("letter_sign", "p50_ms", 600, None, "letter render + sign (median)"),
    # Ours, beyond the list: kept so that they do not drift.
    Budget("evidence_upload", "p95_ms", 150, None, "1 MB PDF upload (our budget)"),
    Budget("productivity", "p95_ms", 80, None, "productivity, 12 weeks (our budget)"),
    Budget("public_metrics", "p95_ms", 40, None, "public CMS-0057-F page (our budget)"),
]
# Document reading (bench/documents.py, run by bench/run after the web scenarios).
DOCUMENT_TARGETS = [
    ("text_pages_per_second", ">=", 50, "text-layer pages read per second"),
    ("ocr_pages_per_second", ">=", 1, "OCR pages per second, one worker"),
    # "Upload latency unchanged while workers read", read as: p95 while reading <= 1.5x idle.
    ("upload_while_reading_ratio", "<=", 1.5, "1 MB upload p95 while a worker reads / idle"),
]


def _find(results: list[dict], scenario: str, clients: int) -> dict | None:
    return next((r for r in results if r["scenario"] == scenario and r["clients"] == clients), None)


def _target(budget: Budget) -> str:
    parts = []
    if budget.ms is not None:
        parts.append(f"{budget.stat.split('_')[0]} <= {budget.ms:g} ms")
    if budget.floor_ratio is not None:
        parts.append(f"<= {budget.floor_ratio:g}x floor")
    return " and ".join(parts)


def verdicts(results: list[dict]) -> list[dict]:
    """Each target against the one-client measurement, with the ratio to the floor's p95 for
    every row, and the errors at 32 clients (a target is met only with none)."""
    floor = _find(results, "floor", 1)
    floor_p95 = floor["p95_ms"] if floor else None
    rows = []
    for budget in BUDGETS:
        measured = _find(results, budget.scenario, 1)
        if measured is None:  # a scenario that did not run is a target not met, never left out
            rows.append(
                {
                    "scenario": budget.scenario,
                    "label": budget.label,
                    "budget": _target(budget),
                    "measured_ms": None,
                    "p95_ms": None,
                    "floor_ratio": None,
                    "absolute_met": False,
                    "floor_ratio_met": False,
                    "errors_at_32": None,
                    "met": False,
                    "not_measured": True,
                }
            )
            continue
        value = measured[budget.stat]
        ratio = round(measured["p95_ms"] / floor_p95, 2) if floor_p95 and value else None
        absolute_met = budget.ms is None or (value is not None and value <= budget.ms)
        ratio_met = budget.floor_ratio is None or (
            ratio is not None and ratio <= budget.floor_ratio
        )
        at32 = _find(results, budget.scenario, 32)
        errors = (at32["errors"] if at32 else 0) + measured["errors"]
        rows.append(
            {
                "scenario": budget.scenario,
                "label": budget.label,
                "budget": _target(budget),
                "measured_ms": value,
                "p95_ms": measured["p95_ms"],
                "floor_ratio": ratio,
                "absolute_met": absolute_met,
                "floor_ratio_met": ratio_met,
                "errors_at_32": at32["errors"] if at32 else None,
                "met": absolute_met and ratio_met and not errors,
            }
        )
    return rows


def query_constancy(runs: dict[int, list[dict]]) -> dict:
    """Queries per request (median, one client) of each scenario at every scale: constant, or
    the scenarios whose count changed from the smallest scale to the largest."""
    scales = sorted(runs)
    counts: dict[str, dict[str, float | None]] = {}
    for scale in scales:
        for result in runs[scale]:
            if result["clients"] == 1:
                counts.setdefault(result["scenario"], {})[str(scale)] = result["queries_median"]
    changed = {
        scenario: by_scale
        for scenario, by_scale in counts.items()
        if len({v for v in by_scale.values() if v is not None}) > 1
    }
    return {"scales": scales, "counts": counts, "changed": changed, "met": not changed}


def document_verdicts(documents: dict | None) -> list[dict]:
    if not documents or "error" in documents:
        return []
    idle = (documents.get("upload_1mb_idle_ms") or {}).get("p95")
    busy = (documents.get("upload_1mb_while_reading_ms") or {}).get("p95")
    values = dict(documents)
    values["upload_while_reading_ratio"] = round(busy / idle, 2) if idle and busy else None
    rows = []
    for key, op, target, label in DOCUMENT_TARGETS:
        value = values.get(key)
        met = value is not None and (value >= target if op == ">=" else value <= target)
        rows.append(
            {"key": key, "label": label, "target": f"{op} {target:g}", "value": value, "met": met}
        )
    return rows


def scaling_table(runs: dict[int, list[dict]]) -> list[dict]:
    """p95 (and queries) of each page at each scale, one client."""
    scales = sorted(runs)
    rows = []
    for scenario in ("floor", *PAGES, *SAVES):
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
        "| what | target | measured | x floor p95 | errors at 32 | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for v in data["verdicts"]:
        if v.get("not_measured"):
            lines.append(
                f"| {v['label']} | {v['budget']} | - | - | - | **missed** (not measured) |"
            )
            continue
        missed = [
            part
            for part, ok in (("absolute", v["absolute_met"]), ("x floor", v["floor_ratio_met"]))
            if not ok
        ]
        if v.get("errors_at_32"):
            missed.append("errors")
        lines.append(
            f"| {v['label']} | {v['budget']} | {_fmt(v['measured_ms'])} ms | "
            f"{_fmt(v.get('floor_ratio'), 2)} | {_fmt(v.get('errors_at_32'))} | "
            f"{'met' if v['met'] else '**missed** (' + ', '.join(missed) + ')'} |"
        )
    errors_32 = sum(r["errors"] for r in results if r["clients"] == 32)
    constancy = data.get("queries") or {}
    lines += [
        "",
        f"- Zero errors at 32 clients: {'met' if not errors_32 else f'**missed** ({errors_32})'}.",
    ]
    if constancy:
        changed = constancy.get("changed") or {}
        lines.append(
            "- Queries per request constant from "
            f"{constancy['scales'][0]:,} to {constancy['scales'][-1]:,} cases: "
            + (
                "met."
                if not changed
                else "**missed**: "
                + "; ".join(f"{name} {counts}" for name, counts in changed.items())
            )
        )
    memory = data.get("worker_peak_memory_mb")
    if memory:
        lines.append(
            f"- Web worker peak memory (VmHWM): {', '.join(f'{v} MB' for v in memory.values())}."
        )
    documents = data.get("documents")
    if documents:
        lines += ["", "## Document reading (bench/documents.py)", ""]
        if "error" in documents:
            lines.append(f"Not measured: {documents['error']}")
        else:
            lines += ["| what | target | measured | verdict |", "|---|---|---|---|"]
            for d in data.get("document_verdicts", []):
                lines.append(
                    f"| {d['label']} | {d['target']} | {_fmt(d['value'], 2)} | "
                    f"{'met' if d['met'] else '**missed**'} |"
                )
            idle = documents.get("upload_1mb_idle_ms") or {}
            busy = documents.get("upload_1mb_while_reading_ms") or {}
            lines += [
                "",
                f"A {documents.get('fax_pages')}-page scanned fax: first suggestion after "
                f"{documents.get('time_to_first_suggestion_s')} s, read in "
                f"{documents.get('fax_read_s')} s ({documents.get('fax_pages_per_second')} pages/s "
                "end to end, one worker). 1 MB upload p50/p95: idle "
                f"{idle.get('p50')}/{idle.get('p95')} ms, while the worker reads "
                f"{busy.get('p50')}/{busy.get('p95')} ms. Worker peak memory (VmHWM): "
                f"{documents.get('worker_peak_memory_mb', '-')} MB (the reader's child process, "
                "which holds the page images, is limited to DOCUMENTS_READER_MEMORY_MB).",
            ]
    if data.get("profile_error"):
        lines += ["", f"The in-process profile failed: {data['profile_error']}"]
    profile = data.get("profile")
    if profile:
        lines += [
            "",
            "## Where the time goes (in-process profile, same database)",
            "",
            "Mean ms per request without the profiler (total and SQL, with the query count), "
            "then each part's share of the request under cProfile (parts nest: the workspace "
            "includes its SQL; cProfile slows Python more than waiting on PostgreSQL, so SQL "
            "shares read low).",
            "",
            "| request | total ms | SQL ms | queries | " + " | ".join(profile["parts"]) + " |",
            "|---|---|---|---|" + "---|" * len(profile["parts"]),
        ]
        for row in profile["rows"]:
            lines.append(
                f"| {row['scenario']} | {_fmt(row['total_ms'])} | {_fmt(row['sql_ms'])} | "
                f"{_fmt(row['queries'], 0)} | "
                + " | ".join(
                    f"{row['shares'][part]:.0f}%" if row["shares"].get(part) is not None else "-"
                    for part in profile["parts"]
                )
                + " |"
            )
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
    seeding = ", ".join(
        f"{int(s):,}: {run['seed_seconds']} s"
        for s, run in sorted(data["runs"].items(), key=lambda i: int(i[0]))
    )
    lines += ["", f"Seeding time (cumulative database, per step): {seeding}.", ""]
    return "\n".join(lines)
