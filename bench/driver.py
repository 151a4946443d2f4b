"""The benchmark driver: concurrent signed-in clients (asyncio + httpx) against a running server.

Each virtual client is a staff member's browser: its own cookies, signed in once through the
sign-in form, sending the CSRF token and ``HX-Request`` as htmx does. A scenario runs closed-loop
at a given concurrency: every client sends its next request as soon as the last one is answered,
until the scenario's request count or its time limit is reached, whichever comes first.

Saves track what the server returns: the answer and fact forms carry a revision that changes
after each save, read back from each response, so a correctly driven run has no 409s. Letters are
signed the way a reviewer signs them: the preview (which carries the letter's digest), then the
sign form; each signature uses up one decided case.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PASSWORD = "demo-review-2026"  # noqa: S105 - the demo accounts' published password
REVISION = re.compile(rb'name="revision" value="(\d+)"')
DIGEST = re.compile(rb'name="digest"[^>]*value="([0-9a-f]{64})"')
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CLAIM_RESPONSE_ID = re.compile(rb'"resourceType":"ClaimResponse","id":"([^"]+)"')


@dataclass
class Sample:
    ms: float
    status: int
    ok: bool
    queries: int | None = None
    server_ms: float | None = None
    maxrss_kb: int | None = None
    pid: int | None = None
    error: str = ""


@dataclass
class Level:
    """How much load: clients at once, requests in all, and a time limit."""

    clients: int
    requests: int
    seconds: float


@dataclass
class Config:
    levels: list[Level]
    warmup: int  # requests per scenario before measuring, at ``warmup_clients``
    warmup_clients: int
    scenarios: list[str]
    # Letters are slow (render + sign): their own, smaller counts per level.
    letter_requests: dict[int, int] = field(default_factory=dict)
    upload_requests: dict[int, int] = field(default_factory=dict)
    user: str = "nurse"
    manager_user: str = "manager"  # the operations pages (MANAGER_SCENARIOS)
    director_user: str = "director"  # the director's queue (DIRECTOR_SCENARIOS)
    password: str = PASSWORD
    timeout: float = 120.0


ALL_SCENARIOS = [
    "floor",
    "queue_first",
    "queue_deep",
    "queue_filtered",
    "queue_search",
    "case_checklist",
    "answer_save",
    "fact_save",
    "apply_proposal_save",  # records apply_reset (the answer it resets first) and the apply
    "director_queue",
    "evidence_upload",
    "letter_sign",  # records letter_preview and letter_sign
    "fhir_submit",  # the API: a request Bundle with a 1 MB PDF, as an EHR sends it
    "fhir_inquire",  # the API: Claim/$inquire on a submitted request
    "dashboard",
    "productivity",
    "metrics_page",
    "public_metrics",
]
SCALING_SCENARIOS = [
    "floor",
    "queue_first",
    "queue_deep",
    "queue_filtered",
    "queue_search",
    "case_checklist",
    "answer_save",
    "fact_save",
    "apply_proposal_save",
    "director_queue",
    "dashboard",
    "productivity",
    "metrics_page",
    "public_metrics",
]
# Who sends each scenario's requests: the nurse (the default), a UM manager, or a visitor who
# is not signed in (the public metrics page).
MANAGER_SCENARIOS = frozenset({"dashboard", "productivity", "metrics_page"})
DIRECTOR_SCENARIOS = frozenset({"director_queue"})
PUBLIC_SCENARIOS = frozenset({"public_metrics"})

FULL = Config(
    levels=[Level(1, 150, 30), Level(8, 400, 40), Level(32, 800, 60)],
    warmup=16,
    warmup_clients=4,
    scenarios=ALL_SCENARIOS,
    letter_requests={1: 12, 8: 24, 32: 48},
    upload_requests={1: 60, 8: 120, 32: 160},
)
QUICK = Config(
    levels=[Level(1, 30, 20), Level(8, 80, 20), Level(32, 128, 30)],
    warmup=8,
    warmup_clients=4,
    scenarios=ALL_SCENARIOS,
    letter_requests={1: 2, 8: 8, 32: 32},
    upload_requests={1: 10, 8: 16, 32: 32},
)
SCALING = Config(
    levels=[Level(1, 150, 30)], warmup=16, warmup_clients=4, scenarios=SCALING_SCENARIOS
)
SMOKE = Config(
    levels=[Level(1, 2, 20)],
    warmup=0,
    warmup_clients=1,
    scenarios=ALL_SCENARIOS,
    letter_requests={1: 1},
    upload_requests={1: 2},
)


# --- one signed-in client ----------------------------------------------------------------------


class Client:
    def __init__(self, base_url: str, timeout: float, index: int) -> None:
        self.index = index  # the client's own case in the save scenarios
        self.http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout, follow_redirects=False, http2=False
        )

    async def sign_in(self, user: str, password: str) -> None:
        page = await self.http.get("/accounts/login/")
        page.raise_for_status()
        token = CSRF_INPUT.search(page.content)
        if token is None:
            raise RuntimeError("the sign-in page has no CSRF token")
        response = await self.http.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": user,
                "password": password,
                "next": "/bench/floor/",
            },
        )
        if response.status_code != 302 or "sessionid" not in self.http.cookies:
            raise RuntimeError(f"signing in as {user} failed ({response.status_code})")

    def _headers(self, htmx: bool) -> dict[str, str]:
        headers = {"X-CSRFToken": self.http.cookies.get("csrftoken", "")}
        if htmx:
            headers["HX-Request"] = "true"
        return headers

    async def get(self, url: str, *, htmx: bool = False) -> tuple[httpx.Response, float]:
        start = time.perf_counter()
        response = await self.http.get(url, headers=self._headers(htmx))
        return response, (time.perf_counter() - start) * 1000

    async def post(
        self, url: str, data: dict, *, files=None, htmx: bool = True
    ) -> tuple[httpx.Response, float]:
        start = time.perf_counter()
        response = await self.http.post(url, data=data, files=files, headers=self._headers(htmx))
        return response, (time.perf_counter() - start) * 1000

    async def close(self) -> None:
        await self.http.aclose()


def _sample(response: httpx.Response, ms: float, expect: int, error: str = "") -> Sample:
    headers = response.headers
    ok = response.status_code == expect and not error
    return Sample(
        ms=ms,
        status=response.status_code,
        ok=ok,
        queries=int(headers["X-Bench-Queries"]) if "X-Bench-Queries" in headers else None,
        server_ms=float(headers["X-Bench-Server-Ms"]) if "X-Bench-Server-Ms" in headers else None,
        maxrss_kb=int(headers["X-Bench-Maxrss-Kb"]) if "X-Bench-Maxrss-Kb" in headers else None,
        pid=int(headers["X-Bench-Pid"]) if "X-Bench-Pid" in headers else None,
        error=error or ("" if ok else f"HTTP {response.status_code}, expected {expect}"),
    )


# --- scenarios ---------------------------------------------------------------------------------

Record = Callable[[str, Sample], None]
Step = Callable[[Client, int, Record], Awaitable[bool]]  # False: nothing left to do


class Scenarios:
    """The requests each scenario sends, and the state they carry (revisions, pools)."""

    def __init__(self, plan: dict) -> None:
        self.plan = plan
        self.answer_revisions = {
            (c["case"], int(node)): rev
            for c in plan["answer_cases"]
            for node, rev in c["criteria"].items()
        }
        self.answer_cycles = {
            c["case"]: itertools.cycle(sorted(int(n) for n in c["criteria"]))
            for c in plan["answer_cases"]
        }
        self.answer_toggle: dict[tuple[int, int], int] = {}
        self.facts = {c["case"]: dict(c) for c in plan["fact_cases"]}
        self.uploads = itertools.count()
        self.letters = list(plan["letters"])
        self.search_terms = itertools.cycle(
            [
                t
                for pair in zip(
                    plan["search"]["references"], plan["search"]["member_ids"], strict=False
                )
                for t in pair
            ]
        )
        self.pdf = pdf_template()
        fhir = plan.get("fhir") or {}
        self.fhir_template = fhir.get("bundle_template", "")
        self.fhir_references = list(fhir.get("references", []))
        self.fhir_inquiries = itertools.count()
        self.fhir_submits = itertools.count()
        self.fhir_token = ""

    async def fhir_authorize(self, client: Client) -> None:
        """One bearer token for every virtual client (client credentials, as an EHR gets it)."""
        fhir = self.plan.get("fhir")
        if not fhir or self.fhir_token:
            return
        response = await client.http.post(
            "/o/token/",
            data={"grant_type": "client_credentials"},
            auth=(fhir["client_id"], fhir["client_secret"]),
        )
        response.raise_for_status()
        self.fhir_token = response.json()["access_token"]

    def _fhir_headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.fhir_token}",
            "Content-Type": "application/fhir+json",
        }

    def step(self, name: str) -> Step:
        return getattr(self, name)

    async def _page(self, client: Client, url: str, record: Record, name: str) -> bool:
        response, ms = await client.get(url)
        record(name, _sample(response, ms, 200))
        return True

    async def floor(self, client: Client, n: int, record: Record) -> bool:
        return await self._page(client, "/bench/floor/", record, "floor")

    async def queue_first(self, client: Client, n: int, record: Record) -> bool:
        return await self._page(client, "/cases/?tab=all", record, "queue_first")

    async def queue_deep(self, client: Client, n: int, record: Record) -> bool:
        page = self.plan["queue"]["deep_page"]
        return await self._page(client, f"/cases/?tab=all&page={page}", record, "queue_deep")

    async def queue_filtered(self, client: Client, n: int, record: Record) -> bool:
        f = self.plan["queue"]["filter"]
        url = f"/cases/?tab=all&status={f['status']}&policy={f['policy']}&priority={f['priority']}"
        return await self._page(client, url, record, "queue_filtered")

    async def queue_search(self, client: Client, n: int, record: Record) -> bool:
        term = next(self.search_terms)
        return await self._page(client, f"/cases/?q={term}", record, "queue_search")

    async def case_checklist(self, client: Client, n: int, record: Record) -> bool:
        url = f"/cases/{self.plan['checklist_case']}/"
        return await self._page(client, url, record, "case_checklist")

    async def dashboard(self, client: Client, n: int, record: Record) -> bool:
        """The UM manager's dashboard: open inventory, the clock, workload."""
        return await self._page(client, "/operations/", record, "dashboard")

    async def productivity(self, client: Client, n: int, record: Record) -> bool:
        """Productivity per reviewer and week, the last 12 weeks, with its charts."""
        return await self._page(
            client, "/operations/productivity/?weeks=12", record, "productivity"
        )

    async def metrics_page(self, client: Client, n: int, record: Record) -> bool:
        """The manager's CMS-0057-F page of last year, computed on every request."""
        year = self.plan["metrics"]["year"]
        return await self._page(client, f"/operations/metrics/?year={year}", record, "metrics_page")

    async def public_metrics(self, client: Client, n: int, record: Record) -> bool:
        """The public CMS-0057-F page, no sign-in (cached for an hour after the first request)."""
        year = self.plan["metrics"]["year"]
        url = f"/public/prior-authorization-metrics/?year={year}"
        return await self._page(client, url, record, "public_metrics")

    async def answer_save(self, client: Client, n: int, record: Record) -> bool:
        """Alternate a criterion of the client's own case between not documented and not
        applicable (with a reason), sending the revision last seen."""
        cases = self.plan["answer_cases"]
        case = cases[client.index % len(cases)]["case"]
        node = next(self.answer_cycles[case])
        key = (case, node)
        toggle = self.answer_toggle.get(key, 0)
        self.answer_toggle[key] = 1 - toggle
        data = {
            "revision": str(self.answer_revisions[key]),
            "status": ("not_documented", "not_applicable")[toggle],
            "note": f"Benchmark save {n}",
            "override_reason": "Benchmark: reviewer's judgement.",
        }
        response, ms = await client.post(f"/cases/{case}/criteria/{node}/answer/", data)
        found = REVISION.search(response.content)
        if found:
            self.answer_revisions[key] = int(found.group(1))
        record("answer_save", _sample(response, ms, 200))
        return True

    async def apply_proposal_save(self, client: Client, n: int, record: Record) -> bool:
        """Apply the facts' proposal to a criterion of the client's own case: first (recorded
        apart, as ``apply_reset``) its answer is set to not documented, which differs from what
        the facts propose, then the apply is measured."""
        targets = self.plan.get("apply_cases") or []
        if not targets:
            return False
        target = targets[client.index % len(targets)]
        key = (target["case"], int(target["node"]))
        data = {
            "revision": str(self.answer_revisions[key]),
            "status": "not_documented",
            "note": "",
            "override_reason": "",
        }
        url = f"/cases/{key[0]}/criteria/{key[1]}/"
        response, ms = await client.post(f"{url}answer/", data)
        found = REVISION.search(response.content)
        if found:
            self.answer_revisions[key] = int(found.group(1))
        record("apply_reset", _sample(response, ms, 200))
        data = {"revision": str(self.answer_revisions[key])}
        response, ms = await client.post(f"{url}apply/", data)
        found = REVISION.search(response.content)
        if found:
            self.answer_revisions[key] = int(found.group(1))
        error = "" if b"proposal" in response.content else "no proposal applied"
        record(
            "apply_proposal_save",
            _sample(response, ms, 200, error if response.status_code == 200 else ""),
        )
        return True

    async def director_queue(self, client: Client, n: int, record: Record) -> bool:
        """The medical director's queue of referred cases, first page."""
        return await self._page(client, "/director/", record, "director_queue")

    async def fact_save(self, client: Client, n: int, record: Record) -> bool:
        """Flip a yes/no fact of the client's own case; the criterion it decides is re-proposed."""
        cases = self.plan["fact_cases"]
        state = self.facts[cases[client.index % len(cases)]["case"]]
        value = "false" if state["value"] == "true" else "true"
        data = {"revision": str(state["revision"]), "value": value}
        response, ms = await client.post(f"/cases/{state['case']}/facts/{state['fact']}/", data)
        found = REVISION.search(response.content)
        if found:
            state["revision"] = int(found.group(1))
        if response.status_code == 200:
            state["value"] = value
        record("fact_save", _sample(response, ms, 200))
        return True

    async def evidence_upload(self, client: Client, n: int, record: Record) -> bool:
        """A 1 MB PDF, different bytes every time, to the next case of the upload pool."""
        number = next(self.uploads)
        cases = self.plan["upload_cases"]
        case = cases[number % len(cases)]
        files = {
            "files": (f"bench-{number:06d}.pdf", unique_pdf(self.pdf, number), "application/pdf")
        }
        data = {"doc_type": "office_note", "source": "Benchmark upload"}
        response, ms = await client.post(f"/cases/{case}/evidence/", data, files=files)
        error = "" if b"uploaded" in response.content else "the upload was not stored"
        record(
            "evidence_upload",
            _sample(response, ms, 200, error if response.status_code == 200 else ""),
        )
        return True

    async def letter_sign(self, client: Client, n: int, record: Record) -> bool:
        """Preview a decided case's letter, then sign it (render PDF/A, PAdES, store, close)."""
        if not self.letters:
            return False
        determination = self.letters.pop(0)
        url = f"/letters/determinations/{determination}/"
        response, ms = await client.get(url)
        digest = DIGEST.search(response.content)
        record(
            "letter_preview",
            _sample(
                response, ms, 200, "" if digest or response.status_code != 200 else "no sign form"
            ),
        )
        if not digest:
            return True
        data = {"digest": digest.group(1).decode(), "confirm": "on"}
        response, ms = await client.post(f"{url}sign/", data, htmx=False)
        record("letter_sign", _sample(response, ms, 302))
        return True

    async def fhir_submit(self, client: Client, n: int, record: Record) -> bool:
        """Claim/$submit: a new case through intake, the 1 MB PDF stored as evidence."""
        number = next(self.fhir_submits)
        pdf = base64.b64encode(unique_pdf(self.pdf, 10_000_000 + number)).decode("ascii")
        body = self.fhir_template.replace("@@PDF@@", pdf).replace(
            "@@CLAIM@@", f"BENCH-{time.time_ns()}-{number}"
        )
        start = time.perf_counter()
        response = await client.http.post(
            "/fhir/r4/Claim/$submit", content=body.encode(), headers=self._fhir_headers()
        )
        ms = (time.perf_counter() - start) * 1000
        error = ""
        if response.status_code == 200:
            found = CLAIM_RESPONSE_ID.search(response.content)
            if found and b'"A4"' in response.content:
                self.fhir_references.append(found.group(1).decode())
            else:
                error = "no pended ClaimResponse in the answer"
        record("fhir_submit", _sample(response, ms, 200, error))
        return True

    async def fhir_inquire(self, client: Client, n: int, record: Record) -> bool:
        """Claim/$inquire by case reference: the decision as it stands."""
        if not self.fhir_references:
            return False
        references = self.fhir_references
        reference = references[next(self.fhir_inquiries) % len(references)]
        body = json.dumps(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [
                    {
                        "resource": {
                            "resourceType": "Claim",
                            "identifier": [{"value": reference}],
                            "status": "active",
                            "use": "preauthorization",
                        }
                    }
                ],
            }
        )
        start = time.perf_counter()
        response = await client.http.post(
            "/fhir/r4/Claim/$inquire", content=body.encode(), headers=self._fhir_headers()
        )
        ms = (time.perf_counter() - start) * 1000
        error = "" if reference.encode() in response.content else "not the case inquired"
        record(
            "fhir_inquire", _sample(response, ms, 200, error if response.status_code == 200 else "")
        )
        return True


# --- the 1 MB PDF ------------------------------------------------------------------------------

UNIQUE = b"BENCH-UNIQUE-000000000000"


def pdf_template(size: int = 1024 * 1024) -> bytes:
    """A valid one-page PDF of about ``size`` bytes: the page's content stream is padded with
    PDF comments, and carries a marker that ``unique_pdf`` replaces with a number."""
    padding_line = b"% " + b"clinical record scan padding " * 3 + b"\n"
    body = b"BT /F1 12 Tf 72 720 Td (Benchmark upload " + UNIQUE + b") Tj ET\n"
    body += padding_line * max(0, (size - 1200) // len(padding_line))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def unique_pdf(template: bytes, number: int) -> bytes:
    marker = f"BENCH-UNIQUE-{number:012d}".encode()
    return template.replace(UNIQUE, marker, 1)


# --- running -----------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    clients: int
    samples: list[Sample]
    seconds: float

    def summary(self) -> dict:
        ms = sorted(s.ms for s in self.samples)
        ok = [s for s in self.samples if s.ok]
        queries = [s.queries for s in self.samples if s.queries is not None]
        server = sorted(s.server_ms for s in self.samples if s.server_ms is not None)
        rss = [s.maxrss_kb for s in self.samples if s.maxrss_kb is not None]
        errors = [s for s in self.samples if not s.ok]
        return {
            "scenario": self.scenario,
            "clients": self.clients,
            "requests": len(self.samples),
            "errors": len(errors),
            "error_examples": sorted({s.error for s in errors})[:5],
            "seconds": round(self.seconds, 3),
            "throughput_rps": round(len(ok) / self.seconds, 2) if self.seconds else None,
            "p50_ms": percentile(ms, 50),
            "p95_ms": percentile(ms, 95),
            "p99_ms": percentile(ms, 99),
            "max_ms": round(ms[-1], 2) if ms else None,
            "server_p50_ms": percentile(server, 50),
            "server_p95_ms": percentile(server, 95),
            "queries_median": statistics.median(queries) if queries else None,
            "queries_max": max(queries) if queries else None,
            "worker_maxrss_mb": round(max(rss) / 1024, 1) if rss else None,
        }


def percentile(values: list[float], pct: float) -> float | None:
    """Linear interpolation between closest ranks (values sorted)."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    rank = (len(values) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(values) - 1)
    return round(values[low] + (values[high] - values[low]) * (rank - low), 2)


async def _run_level(
    scenarios: Scenarios, name: str, clients: list[Client], requests: int, seconds: float
) -> dict[str, Result]:
    step = scenarios.step(name)
    results: dict[str, list[Sample]] = {}
    remaining = requests
    counter = itertools.count()
    deadline = time.monotonic() + seconds

    def record(label: str, sample: Sample) -> None:
        results.setdefault(label, []).append(sample)

    async def worker(client: Client) -> None:
        nonlocal remaining
        while remaining > 0 and time.monotonic() < deadline:
            remaining -= 1
            try:
                more = await step(client, next(counter), record)
            except httpx.HTTPError as exc:
                record(
                    name, Sample(ms=0.0, status=0, ok=False, error=f"{type(exc).__name__}: {exc}")
                )
                more = True
            if not more:
                break

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    elapsed = time.perf_counter() - start
    return {
        label: Result(label, len(clients), samples, elapsed) for label, samples in results.items()
    }


async def run(
    base_url: str, plan: dict, config: Config, say: Callable[[str], None] = print
) -> dict:
    """Run every scenario of ``config`` at every level; the summaries, by scenario and level."""
    scenarios = Scenarios(plan)
    most = max(max(level.clients for level in config.levels), config.warmup_clients)
    clients = [Client(base_url, config.timeout, index) for index in range(most)]
    pools = {"nurse": clients}
    if MANAGER_SCENARIOS & set(config.scenarios):
        pools["manager"] = [Client(base_url, config.timeout, index) for index in range(most)]
    if DIRECTOR_SCENARIOS & set(config.scenarios):
        pools["director"] = [Client(base_url, config.timeout, index) for index in range(most)]
    if PUBLIC_SCENARIOS & set(config.scenarios):
        pools["public"] = [Client(base_url, config.timeout, index) for index in range(most)]
    try:
        for pool, user in (
            ("nurse", config.user),
            ("manager", config.manager_user),
            ("director", config.director_user),
        ):
            for batch in range(0, len(pools.get(pool, [])), 8):
                await asyncio.gather(
                    *(c.sign_in(user, config.password) for c in pools[pool][batch : batch + 8])
                )
        out: list[dict] = []
        if any(name.startswith("fhir_") for name in config.scenarios):
            await scenarios.fhir_authorize(clients[0])
        for name in config.scenarios:
            clients = pools[
                "manager"
                if name in MANAGER_SCENARIOS
                else "director"
                if name in DIRECTOR_SCENARIOS
                else "public"
                if name in PUBLIC_SCENARIOS
                else "nurse"
            ]
            if config.warmup:
                count = config.warmup
                if name == "letter_sign":
                    count = min(config.warmup, config.warmup_clients * 2)
                await _run_level(scenarios, name, clients[: config.warmup_clients], count, 60)
            for level in config.levels:
                requests = level.requests
                if name == "letter_sign":
                    requests = config.letter_requests.get(level.clients, requests)
                elif name in ("evidence_upload", "fhir_submit"):
                    requests = config.upload_requests.get(level.clients, requests)
                results = await _run_level(
                    scenarios, name, clients[: level.clients], requests, level.seconds
                )
                for result in results.values():
                    summary = result.summary()
                    out.append(summary)
                    say(
                        f"{summary['scenario']:<16} c={summary['clients']:<3} "
                        f"n={summary['requests']:<4} p50={summary['p50_ms']} "
                        f"p95={summary['p95_ms']} rps={summary['throughput_rps']} "
                        f"err={summary['errors']} q={summary['queries_median']}"
                    )
        return {"results": out}
    finally:
        await asyncio.gather(*(c.close() for pool in pools.values() for c in pool))


def worker_peak_memory(master_pid: int) -> dict[str, float]:
    """VmHWM (peak resident memory) of each child of a gunicorn master, in MB."""
    peaks = {}
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    if not children.exists():
        return peaks
    for pid in children.read_text().split():
        status = Path(f"/proc/{pid}/status")
        if not status.exists():
            continue
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks[pid] = round(int(line.split()[1]) / 1024, 1)
    return peaks
