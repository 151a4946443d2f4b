"""Browser journeys: Playwright drives Debian's headless Chromium against pytest-django's
``live_server``, which runs the test settings (DEBUG off, the production CSP, axes off).

- One browser for the package, a fresh context (cookies) per test. Playwright runs for this
  package only (its fixtures are package-scoped here, not session-scoped as the plugin has them):
  its sync API keeps an asyncio event loop running in the main thread, which Django's ORM
  refuses without ``DJANGO_ALLOW_ASYNC_UNSAFE`` and which breaks any later ``asyncio.run``. So
  the loop and that variable exist only while these tests run.
- ``live_server`` makes every test transactional: the tables are flushed after each test, and
  with them what the migrations seeded (roles, turnaround rules, appeal-rights texts) and the
  policy library loaded in ``tests/conftest.py``. Serialized rollback restores both before each
  test, from a snapshot taken when the package starts.
- Screenshots of each journey's key pages (and of any failure) go to
  ``test-artifacts/screenshots/`` (git-ignored), which CI keeps as artefacts.
- axe-core comes from the npm registry (``bin/setup --test`` installs it into ``.cache/npm``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.db import DEFAULT_DB_ALIAS, connections
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from criteria.models import Policy
from criteria.selectors import library_cache_clear
from criteria.services import library_load
from reviewapp.decisions.models import Determination
from reviewapp.letters import services as letter_services
from reviewapp.letters import signing
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_JS = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__test__/axe.min.js"  # served by page.route, so the page's CSP ('self') allows it
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
_shots: list[Path] = []


def pytest_configure(config) -> None:
    # pytest-playwright 0.10 defines a session fixture as a method; pytest 9 warns on every run.
    config.addinivalue_line(
        "filterwarnings", "ignore:Session-scoped fixtures defined as instance methods"
    )


@pytest.fixture(scope="package")
def _orm_beside_playwright() -> Iterator[None]:
    """The tests use the ORM in the thread where Playwright's loop runs; on purpose, and only
    while this package runs (a subprocess started by a later test must not inherit it)."""
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    yield
    if previous is None:
        os.environ.pop(ASYNC_UNSAFE, None)
    else:
        os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(scope="package")
def playwright(_orm_beside_playwright, _pw_api_request_contexts) -> Iterator[Playwright]:
    pw = sync_playwright().start()
    if _pw_api_request_contexts:
        _pw_api_request_contexts.instrument(pw)
    yield pw
    pw.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(pytestconfig) -> dict:
    """Debian's Chromium (``bin/setup --test`` installs it); never a downloaded browser.
    ``--headed`` and ``--slowmo`` (pytest-playwright's options) still work, to watch a run."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run bin/setup --test (apt-get install chromium)")
    headed = pytestconfig.getoption("--headed")
    return {
        "executable_path": str(CHROMIUM),
        "headless": not headed,
        "args": [arg for arg in CHROMIUM_ARGS if not (headed and arg == "--headless")],
        "slow_mo": pytestconfig.getoption("--slowmo") or 0,
    }


@pytest.fixture(scope="package")
def browser(playwright: Playwright, browser_type_launch_args: dict) -> Iterator[Browser]:
    browser = playwright.chromium.launch(**browser_type_launch_args)
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def browser_context_args(live_server) -> dict:
    return {
        "base_url": live_server.url,
        "viewport": {"width": 1366, "height": 900},
        "locale": "en-US",
        "timezone_id": "America/Chicago",
        "accept_downloads": True,
        # Bootstrap turns its transitions off for reduced motion: axe then reads the colours a
        # control settles on, not a hover fading in (a contrast check caught one mid-transition).
        "reduced_motion": "reduce",
    }


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("browser-letter-key") / "letter-signing.p12"
    signing.signing_key_create(path=path, organisation="Browser Test Health Plan")
    return path


@pytest.fixture(scope="package", autouse=True)
def _database_snapshot(django_db_setup, django_db_blocker, playwright) -> Iterator[None]:
    """What every journey starts from: the migrations' rows and the policy library.

    Serialized rollback restores this before each test. Django keeps its snapshot on the
    connection object, and while an event loop runs in this thread Django hands out other
    connection objects (per context, not per thread), without the snapshot taken when the
    database was created; so it is taken again here, in that context, library included.
    """
    with django_db_blocker.unblock():
        connection = connections[DEFAULT_DB_ALIAS]
        assert Group.objects.exists() and Policy.objects.exists(), (
            "the test database was emptied before the browser tests started"
        )
        connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    yield
    # This context's connections: closed before the loop stops (PostgreSQL drops the test
    # database at the end of the run only when no connection is left open).
    connections.close_all()


@pytest.fixture(autouse=True)
def _browser_test_database(django_db_serialized_rollback, live_server, settings, signing_key):
    """The library and signing key every journey needs, in a database the live server shares."""
    assert Group.objects.exists(), "serialized rollback did not restore the migrations' rows"
    if not Policy.objects.exists():  # restored with the snapshot; loaded here if ever it is not
        reports = library_load()
        assert not [r for r in reports if r.status == "refused"], reports
    library_cache_clear()
    settings.LETTER_SIGNING_PKCS12 = signing_key
    settings.LETTER_SIGNING_PASSPHRASE = ""
    yield
    library_cache_clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report


@pytest.fixture(autouse=True)
def _page_defaults(page: Page, request, _screenshot_dir: Path) -> Iterator[None]:
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    # axe-core, served as if it were one of the site's own scripts, so the CSP stays in force.
    page.context.route(
        f"**{AXE_URL}",
        lambda route: route.fulfill(path=str(AXE_JS), content_type="application/javascript"),
    )
    yield
    if getattr(request.node, "browser_call_failed", False):
        path = _screenshot_dir / f"FAILED-{request.node.name}.png"
        page.screenshot(path=str(path), full_page=True)
        _shots.append(path)


# --- helpers the journeys share ---------------------------------------------------------------


def sign_in(page: Page, user: User, next_path: str = "/") -> None:
    """Through the real sign-in form, as a person would."""
    page.goto(f"/accounts/login/?next={next_path}")
    page.locator("#id_username").fill(user.get_username())
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture(scope="session")
def _screenshot_dir() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture
def screenshot(_screenshot_dir: Path) -> Callable[[Page, str, str], Path]:
    """``screenshot(page, journey, step)`` -> test-artifacts/screenshots/<journey>-<step>.png"""

    def take(page: Page, journey: str, step: str) -> Path:
        path = _screenshot_dir / f"{journey}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        _shots.append(path)
        return path

    return take


def mark_page(page: Page) -> None:
    """Leave a marker on ``window``: it survives htmx swaps and disappears on any reload."""
    page.evaluate("window.__stillTheSamePage = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__stillTheSamePage === true"), "the page was reloaded"


def keep_element(page: Page, selector: str) -> None:
    """Mark one element: an htmx swap that replaces it (not only its content) loses the mark."""
    page.locator(selector).evaluate("element => { element.__keptAcrossSwaps = true }")


def kept_element(page: Page, selector: str) -> bool:
    return page.locator(selector).evaluate("element => element.__keptAcrossSwaps === true")


def focused_row(page: Page) -> str | None:
    """The label of the checklist row that holds the keyboard focus, if any."""
    return page.evaluate(
        "() => document.activeElement?.closest('li.criterion-row')?.dataset.label ?? null"
    )


def off_the_event_loop(function, /, **kwargs):
    """Call ``function`` in a worker thread: pyHanko runs asyncio itself, which it cannot do in
    this thread while Playwright's event loop is running here."""

    def call():
        try:
            return function(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def download_signed_letter(page: Page, determination: Determination, tmp_path: Path) -> bytes:
    """Download the letter from its page and check it is the signed PDF on record."""
    with page.expect_download() as info:
        page.get_by_test_id("letter-download").click()
    download = info.value
    assert download.suggested_filename == (
        f"{determination.case.reference}-determination-{determination.pk}.pdf"
    )
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and b"/ByteRange" in data
    determination.refresh_from_db()
    assert hashlib.sha256(data).hexdigest() == determination.letter_sha256
    verification = off_the_event_loop(letter_services.letter_verify, data=data)
    assert verification.verified, verification.as_dict()
    assert verification.determination == determination
    return data


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core on the current page with its CSP in force (axe is served same-origin)."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run bin/setup --test (npm install axe-core)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
            }));
        }"""
    )
    return result


def assert_accessible(page: Page, name: str) -> None:
    """No serious or critical axe violations; the others are printed for the log."""
    violations = axe_violations(page)
    minor = [v for v in violations if v["impact"] not in ("serious", "critical")]
    blocking = [v for v in violations if v["impact"] in ("serious", "critical")]
    for v in minor:
        print(f"axe [{name}] {v['impact']}: {v['id']} ({v['help']}), {len(v['nodes'])} node(s)")
    assert not blocking, f"axe on {name} ({page.url}):\n" + json.dumps(blocking, indent=2)


def pytest_terminal_summary(terminalreporter) -> None:
    if _shots:
        terminalreporter.write_line(
            f"browser tests: {len(_shots)} screenshot{'s' if len(_shots) != 1 else ''} in "
            f"{SCREENSHOTS.relative_to(ROOT)}/"
        )
