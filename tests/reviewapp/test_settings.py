"""Settings: refuse unsafe start-up, pass Django's checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def _start(env_overrides: dict[str, str], *remove: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in remove}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "reviewapp.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_to_start_with_debug_off_and_no_secret_key():
    result = _start({"DEBUG": "false", "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_starts_with_debug_off_and_a_secret_key():
    result = _start({"DEBUG": "false", "SECRET_KEY": "x" * 60})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_malformed_variable_is_named():
    result = _start({"DEBUG": "false", "SECRET_KEY": "x" * 60, "EVIDENCE_MAX_UPLOAD_MB": "lots"})
    assert result.returncode != 0
    assert "EVIDENCE_MAX_UPLOAD_MB" in result.stderr


@pytest.mark.django_db
def test_manage_check_is_clean(capsys):
    call_command("check", fail_level="WARNING")
    assert "no issues" in capsys.readouterr().out


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
