"""Where the time of the case page and the saves goes, measured in-process (issue 20: "profile the
case page and publish the breakdown").

Run by ``bench/runner.py`` after driving at the final scale, against the same database, with
``bench.settings``: Django's test client, signed in as the benchmark nurse with ``force_login``,
sends ``requests`` of each scenario (the case page, answer save, fact save, apply-proposal save)
and each part is timed around its own calls:

- **SQL**: time inside the database cursor (``connection.execute_wrapper``), and the query count;
- **templates**: the outermost template render (the backend's ``Template.render``; nested renders,
  ``{% include %}`` and partials, count once, inside their parent);
- **criteria engine**: ``criteria.engine.evaluate``;
- **workspace**: ``reviewapp.cases.selectors.case_workspace`` (it evaluates the criteria and runs
  queries: the parts overlap);
- **other**: the total less SQL and less the templates' own time (their rendering without the
  queries they run), i.e. middleware, views, services and the Python between.

Functions are wrapped where they are defined and wherever a module imported them by name, so a
caller's ``from x import f`` is timed too. A function that is not found (renamed) is reported as
``None`` ("-" in the report) rather than failing the run.
"""

from __future__ import annotations

import importlib
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

REVISION = re.compile(rb'name="revision" value="(\d+)"')

# Part name -> (module, attribute path) of the function timed.
PARTS = {
    "templates": ("django.template.backends.django", "Template.render"),
    "criteria engine": ("criteria.engine", "evaluate"),
    "workspace": ("reviewapp.cases.selectors", "case_workspace"),
}


@dataclass
class Timer:
    """Time spent inside one function, counting only the outermost call when it nests."""

    seconds: float = 0.0
    depth: int = 0
    calls: int = 0

    def wrap(self, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            if self.depth:
                return function(*args, **kwargs)
            self.depth += 1
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.depth -= 1
                self.calls += 1

        timed.__wrapped__ = function  # type: ignore[attr-defined]
        return timed


@dataclass
class Totals:
    requests: int = 0
    total: float = 0.0
    sql: float = 0.0
    queries: int = 0
    sql_in_templates: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)


def _resolve(module_name: str, path: str) -> tuple[object, str, Callable] | None:
    try:
        owner: object = importlib.import_module(module_name)
    except ImportError:
        return None
    *outer, name = path.split(".")
    for attribute in outer:
        owner = getattr(owner, attribute, None)
        if owner is None:
            return None
    function = getattr(owner, name, None)
    if not callable(function):
        return None
    return owner, name, function


@contextmanager
def _patched(timers: dict[str, Timer]) -> Iterator[dict[str, bool]]:
    """Wrap each part's function where it is defined and in every module that imported it."""
    found: dict[str, bool] = {}
    undo: list[tuple[object, str, object]] = []
    try:
        for part, (module_name, path) in PARTS.items():
            resolved = _resolve(module_name, path)
            found[part] = resolved is not None
            if resolved is None:
                continue
            owner, name, function = resolved
            timed = timers[part].wrap(function)
            holders = [owner]
            if "." not in path:  # a module-level function: others may hold it by name
                holders += [
                    m
                    for m in list(sys.modules.values())
                    if m is not None and m is not owner and getattr(m, name, None) is function
                ]
            for holder in holders:
                undo.append((holder, name, function))
                setattr(holder, name, timed)
            for module in list(sys.modules.values()):  # imported under another name
                if module is None:
                    continue
                for alias, value in list(vars(module).items()):
                    if value is function and alias != name:
                        undo.append((module, alias, function))
                        setattr(module, alias, timed)
        yield found
    finally:
        for holder, name, function in reversed(undo):
            setattr(holder, name, function)


class _Requests:
    """The requests of each scenario, with the revisions they carry read from the database
    first and then from each response (as the driver does)."""

    def __init__(self, client, plan: dict) -> None:
        from reviewapp.cases.models import Answer, CaseFact

        self.client = client
        self.plan = plan
        answer_case = plan["answer_cases"][-1]
        self.answer_case = answer_case["case"]
        self.answer_node = int(sorted(answer_case["criteria"], key=int)[0])
        self.answer_revision = _answer_revision(Answer, self.answer_case, self.answer_node)
        self.toggle = 0
        fact_case = plan["fact_cases"][-1]
        self.fact_case, self.fact = fact_case["case"], fact_case["fact"]
        row = CaseFact.objects.filter(case_id=self.fact_case, fact__name=self.fact).first()
        self.fact_revision = row.revision if row else 0
        self.fact_value = "true" if row is not None and row.value is True else "false"
        applies = plan.get("apply_cases") or []
        self.apply = dict(applies[-1]) if applies else None
        if self.apply:
            self.apply["revision"] = _answer_revision(
                Answer, self.apply["case"], self.apply["criterion"]
            )

    def _post(self, url: str, data: dict):
        return self.client.post(url, data, HTTP_HX_REQUEST="true")

    def case_checklist(self, measure: Callable) -> None:
        with measure():
            response = self.client.get(f"/cases/{self.plan['checklist_case']}/")
        _expect(response, 200)

    def answer_save(self, measure: Callable) -> None:
        data = {
            "revision": str(self.answer_revision),
            "status": ("not_documented", "not_applicable")[self.toggle],
            "note": "Benchmark profile",
            "override_reason": "Benchmark: reviewer's judgement.",
        }
        self.toggle = 1 - self.toggle
        with measure():
            response = self._post(
                f"/cases/{self.answer_case}/criteria/{self.answer_node}/answer/", data
            )
        _expect(response, 200)
        self.answer_revision = _revision(response, self.answer_revision)

    def fact_save(self, measure: Callable) -> None:
        value = "false" if self.fact_value == "true" else "true"
        data = {"revision": str(self.fact_revision), "value": value}
        with measure():
            response = self._post(f"/cases/{self.fact_case}/facts/{self.fact}/", data)
        _expect(response, 200)
        self.fact_revision = _revision(response, self.fact_revision)
        self.fact_value = value

    def apply_proposal_save(self, measure: Callable) -> None:
        if self.apply is None:
            raise LookupError("no apply case in the plan")
        url = f"/cases/{self.apply['case']}/criteria/{self.apply['criterion']}"
        reset = {
            "revision": str(self.apply["revision"]),
            "status": "not_applicable",
            "note": "Benchmark profile reset",
            "override_reason": "Benchmark: reset before applying the proposal.",
        }
        response = self._post(f"{url}/answer/", reset)  # not measured
        _expect(response, 200)
        self.apply["revision"] = _revision(response, self.apply["revision"])
        with measure():
            response = self._post(f"{url}/apply/", {"revision": str(self.apply["revision"])})
        _expect(response, 200)
        self.apply["revision"] = _revision(response, self.apply["revision"])


def _answer_revision(model, case: int, node: int) -> int:
    answer = model.objects.filter(case_id=case, criterion_id=node).first()
    return answer.revision if answer else 0


def _revision(response, last: int) -> int:
    found = REVISION.search(response.content)
    return int(found.group(1)) if found else last


def _expect(response, status: int) -> None:
    if response.status_code != status:
        raise RuntimeError(f"HTTP {response.status_code} from {response.request['PATH_INFO']}")


SCENARIOS = ("case_checklist", "answer_save", "fact_save", "apply_proposal_save")


class _Measure:
    """One scenario's measurements: SQL through the connection's execute wrapper, the parts
    through their timers, all summed over the measured requests."""

    def __init__(self) -> None:
        self.timers = {part: Timer() for part in PARTS}
        self.totals = Totals()
        self.sql_seconds = 0.0
        self.sql_queries = 0
        self.sql_in_templates = 0.0

    def sql_timer(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - start
            self.sql_seconds += elapsed
            self.sql_queries += 1
            if self.timers["templates"].depth:
                self.sql_in_templates += elapsed

    @contextmanager
    def __call__(self) -> Iterator[None]:
        from django.db import connection

        for timer in self.timers.values():
            timer.seconds, timer.calls = 0.0, 0
        self.sql_seconds, self.sql_queries, self.sql_in_templates = 0.0, 0, 0.0
        start = time.perf_counter()
        with connection.execute_wrapper(self.sql_timer):
            yield
        totals = self.totals
        totals.total += time.perf_counter() - start
        totals.sql += self.sql_seconds
        totals.queries += self.sql_queries
        totals.sql_in_templates += self.sql_in_templates
        for part, timer in self.timers.items():
            totals.parts[part] = totals.parts.get(part, 0.0) + timer.seconds
        totals.requests += 1

    def row(self, scenario: str, found: dict[str, bool]) -> dict:
        totals = self.totals
        n = totals.requests or 1

        def mean(seconds: float) -> float:
            return round(seconds * 1000 / n, 2)

        parts_ms = {p: (mean(totals.parts.get(p, 0.0)) if found.get(p) else None) for p in PARTS}
        total_ms, sql_ms = mean(totals.total), mean(totals.sql)
        # Templates without the queries they run (lazy querysets): those are in SQL already.
        templates_ms = max(0.0, (parts_ms.get("templates") or 0.0) - mean(totals.sql_in_templates))
        return {
            "scenario": scenario,
            "requests": totals.requests,
            "total_ms": total_ms,
            "sql_ms": sql_ms,
            "queries": round(totals.queries / n, 1),
            "sql_in_templates_ms": mean(totals.sql_in_templates),
            "parts_ms": parts_ms,
            "other_ms": round(max(0.0, total_ms - sql_ms - templates_ms), 2),
        }


@contextmanager
def _unmeasured() -> Iterator[None]:
    yield


def run(plan: dict, requests: int = 30, user: str = "nurse", warmup: int = 3) -> dict:
    """Profile each scenario; per-request mean ms of each part (None: the part was not found)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=user))
    source = _Requests(client, plan)
    rows = []
    found: dict[str, bool] = {}
    for scenario in SCENARIOS:
        step = getattr(source, scenario)
        measure = _Measure()
        try:
            for _ in range(warmup):
                step(_unmeasured)
            with _patched(measure.timers) as found:
                for _ in range(requests):
                    step(measure)
        except (LookupError, RuntimeError) as exc:
            rows.append({"scenario": scenario, "error": str(exc)})
            continue
        rows.append(measure.row(scenario, found))
    return {"requests": requests, "parts": list(PARTS), "found": found, "rows": rows}
