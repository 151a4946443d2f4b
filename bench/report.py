"""Budgets, and the results written as JSON and a short markdown table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# p95 in ms at one client (the latency of a request on an otherwise idle server), except the
# letter, whose budget is the median. Judged at the largest scale.
PAGES = (
    "queue_first",
    "queue_deep",
    "queue_filtered",
    "queue_search",
    "case_checklist",
    "dashboard",
    "productivity",
    "metrics_page",
    "public_metrics",
)


@dataclass(frozen=True)
class Budget:
    scenario: str
    stat: str  # "p95_ms" or "p50_ms"
    ms: float
    label: str


BUDGETS = [
    Budget("queue_first", "p95_ms", 60, "work queue, first page"),
    Budget("queue_deep", "p95_ms", 60, "work queue, deep page"),
    Budget("queue_filtered", "p95_ms", 60, "work queue, filtered"),
    Budget("queue_search", "p95_ms", 60, "work queue, searched"),
    Budget("case_checklist", "p95_ms", 80, "case checklist page (20 criteria, 20 documents)"),
    Budget("answer_save", "p95_ms", 30, "criterion answer save (htmx)"),
    Budget("fact_save", "p95_ms", 50, "fact save (htmx, re-proposes)"),
    Budget("evidence_upload", "p95_ms", 150, "1 MB PDF upload"),
    Budget("letter_sign", "p50_ms", 600, "letter render + sign (median)"),
    Budget("dashboard", "p95_ms", 60, "UM manager's dashboard"),
    Budget("productivity", "p95_ms", 80, "productivity, 12 weeks, with charts"),
    Budget("metrics_page", "p95_ms", 60, "CMS-0057-F metrics page (manager)"),
    Budget("public_metrics", "p95_ms", 40, "public CMS-0057-F page (signed out)"),
    Budget("fhir_submit", "p95_ms", 400, "FHIR $submit with a 1 MB PDF (new case)"),
    Budget("fhir_inquire", "p95_ms", 80, "FHIR $inquire (decision as it stands)"),
]
FLOOR_RATIO = 4.0


def _find(results: list[dict], scenario: str, clients: int) -> dict | None:
    return next((r for r in results if r["scenario"] == scenario and r["clients"] == clients), None)


def verdicts(results: list[dict]) -> list[dict]:
    """Each budget against the one-client measurement; the floor ratio for pages; errors at 32."""
    floor = _find(results, "floor", 1)
    floor_p95 = floor["p95_ms"] if floor else None
    rows = []
    for budget in BUDGETS:
        measured = _find(results, budget.scenario, 1)
        if measured is None:
            continue
        value = measured[budget.stat]
        row = {
            "scenario": budget.scenario,
            "label": budget.label,
            "budget": f"{budget.stat.split('_')[0]} <= {budget.ms:g} ms",
            "measured_ms": value,
            "met": value is not None and value <= budget.ms,
        }
        if floor_p95 and budget.scenario in PAGES:
            ratio = measured["p95_ms"] / floor_p95
            row["floor_ratio"] = round(ratio, 2)
            row["floor_ratio_met"] = ratio <= FLOOR_RATIO
        at32 = _find(results, budget.scenario, 32)
        if at32 is not None:
            row["errors_at_32"] = at32["errors"]
        rows.append(row)
    return rows


def scaling_table(runs: dict[int, list[dict]]) -> list[dict]:
    """p95 (and queries) of each page at each scale, one client."""
    scales = sorted(runs)
    rows = []
    for scenario in ("floor", *PAGES):
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
        "## Budgets",
        "",
        "| what | budget | measured | x floor p95 | errors at 32 | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for v in data["verdicts"]:
        ok = v["met"] and v.get("floor_ratio_met", True) and not v.get("errors_at_32")
        lines.append(
            f"| {v['label']} | {v['budget']} | {_fmt(v['measured_ms'])} ms | "
            f"{_fmt(v.get('floor_ratio'), 2)} | {_fmt(v.get('errors_at_32'))} | "
            f"{'met' if ok else '**missed**'} |"
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
