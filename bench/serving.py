"""What the serving benchmarks (soak.py, server_modes.py) share: a throw-away database, the app's processes started
with a production-like environment, and a plain HTTP client (``http.client``) that times each request.

Every benchmark here runs against a database of its own, created on the PostgreSQL server that ``DATABASE_URL``
names (the private one of ``make services`` by default), migrated, and dropped at the end; uploads go to a
temporary media folder removed at the end; RQ uses ``BENCH_REDIS_URL`` (default: Redis database 12 of the private
Redis), emptied before and after. Process logs are kept under ``var/bench/serving-logs/`` for a post-mortem.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from data import CACHE_DIR, PROJECT_DIR

VENV_BIN = PROJECT_DIR / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if VENV_BIN.is_dir() else sys.executable
GUNICORN = str(VENV_BIN / "gunicorn")
UVICORN = str(VENV_BIN / "uvicorn")
LOG_DIR = CACHE_DIR / "serving-logs"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:55432/opendata"
DEFAULT_REDIS_URL = "redis://127.0.0.1:56379/12"
# Many readers from one address: the anonymous and user throttles would answer most of them with 429.
THROTTLE = "100000000/minute"
READY_SECONDS = 120
GRACE_SECONDS = 15
ENSURE_SUPERUSER = """
import os
from django.contrib.auth import get_user_model
user, _ = get_user_model().objects.get_or_create(username=os.environ["BENCH_USERNAME"])
user.is_active = user.is_staff = user.is_superuser = True
user.set_password(os.environ["BENCH_PASSWORD"])
user.save()
"""


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)


def flush_redis() -> None:
    """Empty the benchmark's Redis database: no stale job, worker registration or throttle count."""
    import redis

    redis.Redis.from_url(redis_url()).flushdb()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the throw-away database and media folder -------------------------------------------------------


def database_url_named(name: str) -> str:
    """``DATABASE_URL`` (or the private server's default) with its database name replaced by ``name``."""
    base = urlsplit(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    return urlunsplit(base._replace(path=f"/{name}"))


def admin_sql(template: str, database: str) -> None:
    """Run ``template`` with ``{}`` standing for the ``database`` identifier, outside a transaction, on the server's
    ``postgres`` database (CREATE and DROP DATABASE cannot run in one)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(database_url_named("postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL(template).format(sql.Identifier(database)))  # type: ignore[arg-type]


@dataclass
class Workspace:
    """A throw-away database, media folder and Redis database, and the environment every child process gets."""

    label: str
    database: str = ""
    media: Path = field(default_factory=Path)

    @property
    def database_url(self) -> str:
        return database_url_named(self.database)

    def env(self, **overrides: str) -> dict[str, str]:
        """Production-like settings (DEBUG off, no HTTPS redirect, throttles out of the readers' way)."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("WEB_")}
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "REDIS_URL": redis_url(),
                "MEDIA_ROOT": str(self.media),
                "DEBUG": "false",
                "HTTPS": "false",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "API_THROTTLE_ANON": THROTTLE,
                "API_THROTTLE_USER": THROTTLE,
                "WEB_ACCESS_LOG": "",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(overrides)
        return env

    def manage(self, *args: str, timeout: float = 300, **env: str) -> str:
        """``manage.py <args>`` against the workspace; its output (a failure stops the benchmark)."""
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=PROJECT_DIR,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise SystemExit(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def shell(self, code: str, **env: str) -> str:
        """Run ``code`` in ``manage.py shell -c`` (values go through the environment, never the command line)."""
        return self.manage("shell", "-c", code, **env)


@contextmanager
def workspace(label: str) -> Iterator[Workspace]:
    """Create and migrate ``bench_<label>_<pid>``, a media folder and an empty Redis database; remove them after."""
    space = Workspace(label, database=f"bench_{label}_{os.getpid()}")
    space.media = Path(tempfile.mkdtemp(prefix=f"bench-{label}-media-"))
    admin_sql("CREATE DATABASE {}", space.database)
    try:
        flush_redis()
        started = time.perf_counter()
        space.manage("migrate", "--noinput")
        print(f"  (throw-away database {space.database} migrated in {time.perf_counter() - started:.1f} s)")
        yield space
    finally:
        admin_sql("DROP DATABASE IF EXISTS {} WITH (FORCE)", space.database)
        shutil.rmtree(space.media, ignore_errors=True)
        flush_redis()
        print(f"  cleanup: database {space.database} dropped, media folder removed, Redis database emptied")


# --- processes --------------------------------------------------------------------------------------


class Processes:
    """Children started in their own process group (a server and its workers, a worker and its work horse),
    each logging to ``LOG_DIR/<label>-<name>.log``; ``stop_all`` ends whatever is still running."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def log_path(self, name: str) -> Path:
        return LOG_DIR / f"{self.label}-{name}.log"

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        with self.log_path(name).open("wb") as log:
            process = subprocess.Popen(args, cwd=PROJECT_DIR, env=env, stdout=log, stderr=log, start_new_session=True)
        self.running[name] = process
        return process

    def manage(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        return self.start(name, [PYTHON, "manage.py", *args], env)

    def kill(self, name: str) -> None:
        """SIGKILL ``name`` and every process below it, as when its machine dies. The descendants are killed by pid,
        not only through the process group: an RQ work horse leaves it (``os.setpgrp``)."""
        process = self.running.pop(name)
        for pid in [*descendants(process.pid), process.pid]:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()

    def stop(self, name: str) -> None:
        """SIGTERM the group of ``name`` (all stop at once), then SIGKILL whatever outlives the grace period,
        work horses included (they leave the group)."""
        process = self.running.pop(name, None)
        if process is None or process.poll() is not None:
            return
        below = descendants(process.pid)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for pid in below:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)

    def check_alive(self) -> None:
        for name, process in self.running.items():
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with code {process.returncode}; log: {self.log_path(name)}")


def wait_health(port: int, processes: Processes, want_ok: bool = True) -> None:
    """Wait until ``/health`` answers: ``status: ok`` when ``want_ok`` (the database, Redis and a worker are up), else
    any answer (a 503 says no worker listens, which a server alone does not need)."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        processes.check_alive()
        answer = get(port, "/health", timeout=5)
        if want_ok and answer.status == 200 and json.loads(answer.body).get("status") == "ok":
            return
        if not want_ok and answer.status in (200, 503):
            return
        time.sleep(0.2)
    raise SystemExit(f"the server on port {port} was not ready after {READY_SECONDS} s; logs under {LOG_DIR}")


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from /proc/<pid>/task/*/children."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        for child in children:
            found += [child, *descendants(child)]
    return found


def peak_rss_mb(pid: int) -> float:
    """The largest peak resident set size (VmHWM) among ``pid`` and its descendants, in MB."""
    peak = 0
    for each in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{each}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except (OSError, ValueError):
            continue
    return peak / 1024


# --- HTTP -------------------------------------------------------------------------------------------


@dataclass
class Answer:
    """One request: status (0 when the connection failed), body, when it started and ended (monotonic)."""

    status: int
    body: bytes
    started: float
    ended: float
    error: str | None = None

    @property
    def milliseconds(self) -> float:
        return (self.ended - self.started) * 1000


def connection(port: int, timeout: float, receive_buffer: int | None = None) -> http.client.HTTPConnection:
    """A connection to the local server; ``receive_buffer`` shrinks the socket's receive window (a slow client
    whose kernel does not absorb the server's output)."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    if receive_buffer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.settimeout(timeout)
        sock.connect(("127.0.0.1", port))
        client.sock = sock
    return client


def get(port: int, path: str, timeout: float = 120) -> Answer:
    """GET ``path``, whole body in memory; a failed connection is status 0 with the error's text."""
    started = time.monotonic()
    client = connection(port, timeout)
    try:
        client.request("GET", path)
        response = client.getresponse()
        return Answer(response.status, response.read(), started, time.monotonic())
    except (OSError, http.client.HTTPException) as error:
        return Answer(0, b"", started, time.monotonic(), f"{type(error).__name__}: {error}")
    finally:
        client.close()


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (0.0 for no value)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]
