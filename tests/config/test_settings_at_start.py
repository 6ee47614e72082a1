"""Settings are read when the process starts: check them the way an operator meets them."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "HTTPS")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("JOB_TIMEOUT", "1h", "JOB_TIMEOUT='1h' is not an integer"),
        ("DATABASE_URL", "mysql://db/x", "DATABASE_URL='mysql://db/x' must start with"),
        ("REDIS_URL", "http://cache", "REDIS_URL='http://cache' must start with"),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL='CHATTY' must be"),
        ("SCHEDULE_TIME_ZONE", "Mars/Olympus", "SCHEDULE_TIME_ZONE='Mars/Olympus' is not an IANA time zone name"),
        ("SCHEDULE_MIN_INTERVAL", "5", "SCHEDULE_MIN_INTERVAL=5 is below its minimum of 60"),
    ],
)
def test_malformed_variable_stops_the_process_naming_it(variable, value, message):
    result = manage("check", **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_deploy_check_is_clean_with_debug_off_and_a_real_secret_key():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
