"""Every ``manage.py`` command the README shows works from a fresh checkout.

The checkout's files are copied to an empty directory (no .env, no var/, no database), bin/dev-env
writes the development .env as bin/setup does, and each command runs there as a newcomer would
type it, in the README's order, with no DEBUG, SECRET_KEY or DATABASE_URL in the environment.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# Commands the README names that need more than a checkout; each is run by its own test.
ELSEWHERE = {
    "bench_seed": "needs the benchmark's settings; tests/bench/test_smoke.py runs it",
    "rqworker": "needs a Redis server and TASKS_BACKEND=rq; bin/test's end-to-end run starts both"
    " and tests/reviewapp/documents/test_distributed.py runs it",
    (
        "letters",
        "specimens",
    ): "33 signed letters; tests/reviewapp/letters/test_specimens.py runs it",
}
# Commands that run until stopped: here they work what is waiting, then exit.
UNTIL_STOPPED = {"db_worker": ["--batch"]}
# What must run first, in this order (the database, the demo data with its signed letter, that
# letter written out), whatever order the README mentions them in.
FIRST = (["migrate"], ["demo"], ["letters", "write-signed"])

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="uses its own SQLite checkout; run once, with the SQLite suite",
)


def readme_commands() -> list[list[str]]:
    """The manage.py commands of the README: shell blocks (with continuations) and inline code."""
    text = README.read_text()
    found: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            if "manage.py " in line:
                found.append(line.split("manage.py ", 1)[1].split("#", 1)[0])
    for inline in re.findall(r"`manage\.py ([^`]+)`", text):
        found.append(inline)
    commands = []
    for raw in found:
        # "[--json]" marks an option: run the command both with and without it.
        options = re.findall(r"\[([^\]]+)\]", raw)
        base = shlex.split(re.sub(r"\[[^\]]+\]", "", raw))
        for args in [base, *([*base, *shlex.split(o)] for o in options)]:
            if (
                args
                and args not in commands
                and args[0] not in ELSEWHERE
                and tuple(args[:2]) not in ELSEWHERE
            ):
                commands.append(args)

    def order(args: list[str]) -> int:
        return next((i for i, prefix in enumerate(FIRST) if args[: len(prefix)] == prefix), 9)

    return sorted(commands, key=order)


def test_the_readme_names_the_commands_this_test_runs():
    names = {args[0] for args in readme_commands()}
    assert {"migrate", "demo", "criteria", "letters", "collectstatic", "check"} <= names


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout to know which files a fresh clone has")
    files = subprocess.run(
        [git, "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    fresh = tmp_path_factory.mktemp("fresh-checkout")
    for name in files:
        source = ROOT / name
        if source.is_file():
            (fresh / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, fresh / name)
    assert not (fresh / ".env").exists() and not (fresh / "var").exists()
    subprocess.run([fresh / "bin" / "dev-env"], cwd=fresh, check=True, capture_output=True)
    return fresh


def newcomer_env(checkout: Path) -> dict[str, str]:
    """The environment of a newcomer's shell: nothing of this test run's settings."""
    drop = (
        "DJANGO_SETTINGS_MODULE",
        "DEBUG",
        "SECRET_KEY",
        "DATABASE_URL",
        "EVIDENCE_DIR",
        "TASKS_BACKEND",
    )
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = str(checkout)
    return env


def test_every_readme_command_runs_from_a_fresh_checkout(checkout):
    (checkout / "facts.json").write_text(
        json.dumps({"age_years": 52, "pain_nrs": 8, "active_infection": False})
    )
    # The documents `evidence suggest` reads: a text-layer note and a one-page scanned fax.
    from tests.reviewapp.documents.corpus.build import render_pdf, scan_images

    (checkout / "note.pdf").write_bytes(render_pdf(["Pain is rated 8/10 today."]))
    fax = render_pdf(["No signs of active infection. Pain 7/10."])
    scan_images(fax, "readme", fax=True)[0].save(checkout / "fax.tif", dpi=(200, 200))
    ran: dict[str, str] = {}
    for args in readme_commands():
        result = subprocess.run(
            [sys.executable, "manage.py", *args, *UNTIL_STOPPED.get(args[0], [])],
            cwd=checkout,
            env=newcomer_env(checkout),
            input="yes\n",  # collectstatic asks before it overwrites
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"manage.py {shlex.join(args)}\n{result.stderr[-3000:]}"
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        ran[shlex.join(args)] = result.stdout
    assert (checkout / "var" / "db.sqlite3").exists()  # the newcomer's own database
    assert (checkout / "letter.pdf").read_bytes().startswith(b"%PDF")  # `letters render`
    assert any(r.startswith("criteria evaluate") for r in ran)
    assert "letters verify letter.pdf --json" in ran
    read = json.loads(ran["evidence suggest --json note.pdf fax.tif"])["documents"]
    assert [(d["file"], d["ocr"]) for d in read] == [("note.pdf", False), ("fax.tif", True)]
    assert {"fact": "pain_nrs", "value": 8} in [
        {k: s[k] for k in ("fact", "value")} for s in read[0]["suggestions"]
    ]
