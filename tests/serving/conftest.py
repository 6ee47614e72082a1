"""Servers started the way they run for real: the production server (gunicorn with ``config/gunicorn.conf.py``)
and the ``make run`` server (``config/devserver.py``: development server, worker and reconciler), against the
test database and Redis. ``make test-serving`` runs these tests; they take minutes, so ``make test`` leaves them.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from django.db import connection

from tests.conftest import free_port, redis_url_for_tests

PROJECT_DIR = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def server_environment(settings, **extra: str) -> dict[str, str]:
    """The environment of a server process: the test database and Redis, production-like settings."""
    db = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url_for_tests(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "WEB_ACCESS_LOG": "",
        # The readers are many requests from one address: the anonymous throttle would answer most with 429.
        "API_THROTTLE_ANON": "1000000/minute",
        **extra,
    }


class Server:
    """A server process on ``port``, in its own process group; ``get`` is one plain HTTP request."""

    def __init__(self, process: subprocess.Popen, port: int, log: IO[bytes]) -> None:
        self.process, self.port, self.log = process, port, log

    def connection(self, timeout: float = 60) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def get(self, path: str) -> tuple[int, bytes]:
        client = self.connection()
        try:
            client.request("GET", path)
            response = client.getresponse()
            return response.status, response.read()
        finally:
            client.close()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                if self.get("/health")[0] in (200, 503):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the server did not answer within {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(40)  # the make run server stops its children in turn, 10 s grace each
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def close(self) -> None:
        self.stop()
        self.log.close()

    def output(self) -> str:
        self.stop()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-5000:]


def start_server(command: list[str], env: dict[str, str], port: int) -> Server:
    # A file, not a pipe: nobody reads a pipe while the test runs, and a full one would block the server's logging.
    log = tempfile.TemporaryFile()  # noqa: SIM115  (closed by Server.stop, after the process)
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, start_new_session=True, stdout=log, stderr=log)
    server = Server(process, port, log)
    server.wait_ready()
    return server


@pytest.fixture
def production_server(transactional_db, settings) -> Iterator[Server]:
    """gunicorn with the project's configuration file, 2 workers, as the README deploys it."""
    port = free_port()
    env = server_environment(settings, PORT=str(port), WEB_WORKERS="2")
    server = start_server([str(GUNICORN), "-c", "config/gunicorn.conf.py", "config.wsgi"], env, port)
    yield server
    server.close()


@pytest.fixture
def development_server(transactional_db, settings) -> Iterator[Server]:
    """What ``make run`` starts (``config/devserver.py``): the development server, a worker and the reconciler."""
    port = free_port()
    # The load tests' readers may all export at once: a 503 TooManyExports would be that bound working, which
    # tests/datasets/api covers; here every reader must be served.
    env = server_environment(settings, PORT=str(port), DEBUG="true", EXPLORE_MAX_EXPORTS_IN_FLIGHT="8")
    server = start_server([sys.executable, "config/devserver.py"], env, port)
    yield server
    server.close()


def database_connections() -> int:
    """Connections to the test database other than this process's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]
