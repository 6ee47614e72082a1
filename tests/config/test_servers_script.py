"""config/servers.py against a second, throw-away pair of servers on free ports."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
import redis as redis_lib

from tests.conftest import free_port

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT_DIR / "config" / "servers.py"


@pytest.fixture
def private_services():
    """Run the script with its own folder and ports; stop whatever it started afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="services-test-", dir="/tmp"))
    folder.chmod(0o755)  # PostgreSQL runs as `postgres` when we are root; it must get in.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SERVICES_FAST")}
    env |= {"SERVICES_DIR": str(folder), "PRIVATE_PG_PORT": str(free_port()), "PRIVATE_REDIS_PORT": str(free_port())}

    def services(command: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(SCRIPT), command],
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=180,
        )

    services.env = env
    services.folder = folder
    yield services
    services("stop")
    shutil.rmtree(folder, ignore_errors=True)


def pg_connect(env):
    return psycopg.connect(host="127.0.0.1", port=env["PRIVATE_PG_PORT"], user="postgres", dbname="opendata")


def test_start_stop_start_keeps_the_data(private_services):
    env = private_services.env
    first = private_services("start")
    assert first.returncode == 0, first.stderr
    assert "PostgreSQL started" in first.stdout
    assert "created database opendata" in first.stdout

    with pg_connect(env) as conn:
        conn.execute("CREATE TABLE kept (value text)")
        conn.execute("INSERT INTO kept VALUES ('survives restarts')")
        assert conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'").fetchone()[0] == 1
    redis = redis_lib.Redis(host="127.0.0.1", port=int(env["PRIVATE_REDIS_PORT"]))
    redis.set("kept", "queued job ids")

    again = private_services("start")
    assert again.returncode == 0, again.stderr
    assert "PostgreSQL already running" in again.stdout
    assert "Redis already running" in again.stdout

    stopped = private_services("stop")
    assert stopped.returncode == 0, stopped.stderr
    assert "PostgreSQL stopped" in stopped.stdout and "Redis stopped" in stopped.stdout
    status = private_services("status")
    assert status.returncode == 1
    assert "PostgreSQL: stopped" in status.stdout and "Redis: stopped" in status.stdout
    assert private_services("stop").returncode == 0  # stopping twice is fine

    restarted = private_services("start")
    assert restarted.returncode == 0, restarted.stderr
    assert "created database" not in restarted.stdout
    with pg_connect(env) as conn:
        assert conn.execute("SELECT value FROM kept").fetchone()[0] == "survives restarts"
    assert redis_lib.Redis(host="127.0.0.1", port=int(env["PRIVATE_REDIS_PORT"])).get("kept") == b"queued job ids"
    status = private_services("status")
    assert status.returncode == 0
    assert f"PostgreSQL: running on 127.0.0.1:{env['PRIVATE_PG_PORT']}" in status.stdout


def test_ports_taken_by_other_servers_are_reported_not_reused(private_services):
    assert private_services("start").returncode == 0
    other_folder = Path(tempfile.mkdtemp(prefix="services-other-", dir="/tmp"))
    other_folder.chmod(0o755)
    try:
        clash = private_services("start", SERVICES_DIR=str(other_folder))
        assert clash.returncode == 1
        assert (
            f"127.0.0.1:{private_services.env['PRIVATE_PG_PORT']} is taken by a server not started from" in clash.stderr
        )
        assert "PRIVATE_PG_PORT" in clash.stderr
        redis_clash = private_services("start", SERVICES_DIR=str(other_folder), DATABASE_URL="postgres://elsewhere/x")
        assert redis_clash.returncode == 1
        assert "already answers as a Redis not started from" in redis_clash.stderr
        # The first pair is untouched and still answers.
        assert private_services("status").returncode == 0
    finally:
        shutil.rmtree(other_folder, ignore_errors=True)


def test_configured_urls_mean_no_private_servers(private_services):
    result = private_services("start", DATABASE_URL="postgres://db.example/x", REDIS_URL="redis://cache.example/0")
    assert result.returncode == 0, result.stderr
    assert "DATABASE_URL is set" in result.stdout
    assert "REDIS_URL is set" in result.stdout
    assert not (private_services.folder / "postgres").exists()
    assert not (private_services.folder / "redis").exists()


def test_unknown_command_prints_usage(private_services):
    result = private_services("restart-everything")
    assert result.returncode == 2
    assert "Usage" in result.stderr
