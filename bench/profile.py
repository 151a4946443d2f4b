"""Where a request's time goes: the case page and the saves, profiled in-process.

Run by ``bench/run`` after the web scenarios, against the same database (``bench.settings``): a
Django test client signed in as the benchmark nurse sends each request ``REQUESTS`` times. For
each, the report gets the mean time and SQL time without a profiler (SQL measured around every
statement with ``connection.execute_wrapper``), then the share of the request spent in each part
under cProfile. The parts nest (the workspace's reads include their SQL); cProfile slows Python
code more than it slows waiting on PostgreSQL, so the SQL share reads low beside the SQL ms.
A part whose function is not found (renamed) is reported as missing, never guessed.
"""

from __future__ import annotations

import cProfile
import pstats
import re
import time
from collections.abc import Callable

REQUESTS = 30
REVISION = re.compile(rb'name="revision" value="(\d+)"')

# (label, file suffix, function names): cumulative time of the functions. Of several names only
# one runs in a request (a view, a service), so they are added; of one name the outermost call
# is taken (cProfile gives a recursive function's cumulative time once, at its outermost call).
VIEWS = ("detail", "answer_save", "fact_save", "proposal_apply")
SERVICES = ("answer_record", "fact_record", "proposal_apply")
PARTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("view", "reviewapp/cases/views/checklist.py", VIEWS),
    ("case workspace (reads)", "reviewapp/cases/selectors.py", ("case_workspace",)),
    ("writes (services)", "reviewapp/cases/services.py", SERVICES),
    ("templates", "django/template/base.py", ("render",)),
    ("rules engine", "criteria/engine.py", ("evaluate",)),
    ("SQL", "django/db/backends/utils.py", ("_execute",)),
]


def _cumulative(stats: pstats.Stats, suffix: str, names: tuple[str, ...]) -> float | None:
    """Seconds in the named functions of the file (see ``PARTS``), or None if none ran."""
    found = [
        cumulative
        for (filename, _line, function), (
            _cc,
            _nc,
            _tt,
            cumulative,
            _callers,
        ) in stats.stats.items()  # type: ignore[attr-defined]
        if filename.endswith(suffix) and function in names
    ]
    if not found:
        return None
    return sum(found) if len(names) > 1 else max(found)


def _requests(plan: dict) -> dict[str, tuple[Callable | None, Callable]]:
    """One request of each kind, keeping the revisions the server returns."""
    from reviewapp.cases.models import Answer, CaseFact

    answer_case = plan["answer_cases"][0]
    node = sorted(int(n) for n in answer_case["criteria"])[0]
    state = {
        "answer": Answer.objects.filter(case_id=answer_case["case"], criterion_id=node)
        .values_list("revision", flat=True)
        .first()
        or 0,
        "toggle": 0,
    }
    fact_case = dict(plan["fact_cases"][0])
    fact = CaseFact.objects.filter(case_id=fact_case["case"], fact__name=fact_case["fact"]).first()
    fact_case["revision"], fact_case["value"] = (fact.revision, fact.value) if fact else (0, "")
    applies = plan.get("apply_cases") or []
    apply = dict(applies[-1]) if applies else None
    htmx = {"HTTP_HX_REQUEST": "true"}

    def revision(response, default: int) -> int:
        found = REVISION.search(response.content)
        return int(found.group(1)) if found else default

    def case_page(client):
        return client.get(f"/cases/{plan['checklist_case']}/")

    def answer_save(client):
        status = ("not_documented", "not_applicable")[state["toggle"]]
        state["toggle"] = 1 - state["toggle"]
        response = client.post(
            f"/cases/{answer_case['case']}/criteria/{node}/answer/",
            {
                "revision": state["answer"],
                "status": status,
                "note": "Profile",
                "override_reason": "Profile.",
            },
            **htmx,
        )
        state["answer"] = revision(response, state["answer"])
        return response

    def fact_save(client):
        value = "false" if fact_case["value"] in ("true", True) else "true"
        response = client.post(
            f"/cases/{fact_case['case']}/facts/{fact_case['fact']}/",
            {"revision": fact_case["revision"], "value": value},
            **htmx,
        )
        fact_case["revision"], fact_case["value"] = revision(response, fact_case["revision"]), value
        return response

    def apply_reset(client):
        """Not measured: an answer that differs from the facts' proposal, to apply it again."""
        apply["revision"] = (  # as it stands (the answer scenario may share the criterion)
            Answer.objects.filter(case_id=apply["case"], criterion_id=apply["node"])
            .values_list("revision", flat=True)
            .first()
            or 0
        )
        url = f"/cases/{apply['case']}/criteria/{apply['node']}/answer/"
        data = {"revision": apply["revision"], "status": "not_documented"}
        reset = client.post(url, {**data, "note": "", "override_reason": ""}, **htmx)
        apply["revision"] = revision(reset, apply["revision"])

    def apply_proposal_save(client):
        url = f"/cases/{apply['case']}/criteria/{apply['node']}/apply/"
        response = client.post(url, {"revision": apply["revision"]}, **htmx)
        apply["revision"] = revision(response, apply["revision"])
        return response

    kinds: dict[str, tuple[Callable | None, Callable]] = {
        "case_checklist": (None, case_page),
        "answer_save": (None, answer_save),
        "fact_save": (None, fact_save),
    }
    if apply:
        kinds["apply_proposal_save"] = (apply_reset, apply_proposal_save)
    return kinds


def profile(plan: dict, *, requests: int = REQUESTS, user: str = "nurse") -> dict:
    """The breakdown of each request kind (see the module's docstring)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=user))
    rows = []
    for scenario, (prepare, send) in _requests(plan).items():
        for _ in range(3):  # warm the caches, as a running server has them
            if prepare:
                prepare(client)
            send(client)
        sql = {"ms": 0.0, "queries": 0.0}

        def timed(execute, statement, params, many, context, sql=sql):
            start = time.perf_counter()
            try:
                return execute(statement, params, many, context)
            finally:
                sql["ms"] += (time.perf_counter() - start) * 1000
                sql["queries"] += 1

        elapsed = 0.0
        for _ in range(requests):
            if prepare:
                prepare(client)
            started = time.perf_counter()
            with connection.execute_wrapper(timed):
                response = send(client)
            elapsed += time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{scenario}: HTTP {response.status_code}")
        profiler = cProfile.Profile()
        for _ in range(requests):
            if prepare:
                prepare(client)
            profiler.enable()
            send(client)
            profiler.disable()
        stats = pstats.Stats(profiler)
        total = _cumulative(stats, "django/test/client.py", ("request",)) or 0.0
        shares = {}
        for label, suffix, names in PARTS:
            part = _cumulative(stats, suffix, names)
            shares[label] = 100.0 * part / total if part is not None and total else None
        rows.append(
            {
                "scenario": scenario,
                "total_ms": round(elapsed * 1000 / requests, 2),
                "sql_ms": round(sql["ms"] / requests, 2),
                "queries": sql["queries"] / requests,
                "shares": {k: (round(v, 1) if v is not None else None) for k, v in shares.items()},
            }
        )
    return {"requests": requests, "parts": [label for label, _, _ in PARTS], "rows": rows}
