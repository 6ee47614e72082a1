"""End-to-end publish of a large CSV through the HTTP API and one real RQ worker, against psql \\copy in the same run.

Starts the web app (runserver) and one ``rqworker default`` as subprocesses on a Redis database
of the benchmark's own, uploads a cached CSV with ``POST /files``, creates a dataset with that file
as its resource, publishes it and polls the job until it ends. Prints the end-to-end seconds, the
job's per-phase timings, the load phase's rows/s and its ratio to ``psql \\copy`` of the same file
into an equivalent typed table, and the worker's peak RSS (the worker process and its forked work
horse, from /proc VmHWM). ``--republish`` then publishes the same dataset again, nothing changed
(same bytes, same configuration), and prints that second publish's phases and end-to-end seconds.
The run ends with a targets table: each figure, its target, the baseline measured in this run and
the ratio. The benchmark dataset is unpublished and deleted after, its records tables dropped.

Inputs (``bench/data.py``): the 10-column CSV of ``--rows`` rows (1,000,000 by default; 5,000,000
with ``--five-million``), or with ``--transport`` the 19-column, 340,000-row CSV shaped like public
transport statistics (``NA`` for missing values; ``--transport-rows N`` for a smaller one).

Usage: python bench/publish.py [--rows N | --five-million | --transport [--transport-rows N]] [--republish]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data import CACHE_DIR, MISSING, PROJECT_DIR, TRANSPORT_COLUMNS, TRANSPORT_ROWS, csv_file, transport_csv_file
from serving import ENSURE_SUPERUSER, descendants
from targets import NOT_JUDGED, Target, print_targets, verdict

PYTHON = str(PROJECT_DIR / ".venv" / "bin" / "python") if (PROJECT_DIR / ".venv").is_dir() else sys.executable
REDIS_URL = "redis://127.0.0.1:56379/13"
PSQL = ["psql", "-h", "127.0.0.1", "-p", "55432", "-U", "postgres", "-d", "opendata", "-v", "ON_ERROR_STOP=1"]
API = "/api/management/v2"
USERNAME = "bench"
KEY_PERMISSIONS = ["create_dataset", "edit_dataset", "publish_dataset", "manage_dataset"]
DEFAULT_UPLOAD_MAX_BYTES = 240 * 1024 * 1024
LOG_DIR = CACHE_DIR / "publish-logs"
RSS_FILE = CACHE_DIR / "publish-peak-rss.json"
POLL_SECONDS = 0.2
RSS_SAMPLE_SECONDS = 0.1
READY_SECONDS = 120
JOB_WAIT_SECONDS = 3600
GRACE_SECONDS = 10
CHUNK_BYTES = 1024 * 1024
TERMINAL_STATES = {"done", "error", "aborted"}
PHASES = ("extract", "load", "index", "swap")
BASELINE_TABLE = "bench_publish_scratch.copy_baseline"
BASELINE_COLUMNS = (
    "id bigint, count bigint, price double precision, name text, day date, category text, "
    "latitude double precision, longitude double precision, comment text, active boolean"
)
TRANSPORT_BASELINE_COLUMNS = ", ".join(f"{name} {type_}" for name, type_ in TRANSPORT_COLUMNS.items())
ONE_MILLION, FIVE_MILLION = 1_000_000, 5_000_000
# Seconds end to end (PUT publish -> job done) targeted for the 10-column CSV, by row count.
END_TO_END_TARGETS = {ONE_MILLION: 8.0, FIVE_MILLION: 45.0}
TRANSPORT_TARGET_SECONDS = 4.0
LOAD_RATIO_TARGET = 0.5
RSS_TARGET_MB = 300.0
RSS_FLAT_RATIO = 1.10  # "the same at 5M as at 1M rows": within 10 %
# A republish skips the inference pass when its extract phase takes at most this share of the first publish's.
SKIPPED_EXTRACT_SHARE = 0.10
DROP_RETIRED = """
import os
from datasets.models import RetiredTable
from datasets.services.retired_tables import drop_one
for retired in RetiredTable.objects.filter(dataset_uid=os.environ["BENCH_DATASET_UID"]):
    drop_one(retired)
"""
DISCARD_FILE = """
import os
from datasets.models import File
from datasets.services.files import file_discard
for file in File.objects.filter(file_id=os.environ["BENCH_FILE_ID"]):
    file.delete()
    file_discard(file)
"""


def parse_args() -> argparse.Namespace:
    """The input (``--rows N``, ``--five-million`` or ``--transport``) and whether to publish it twice."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--rows", type=int, help="rows of the 10-column CSV (default 1,000,000)")
    size.add_argument("--five-million", action="store_true", help="publish 5,000,000 rows of the 10-column CSV")
    size.add_argument("--transport", action="store_true", help="publish the 19-column transport-statistics CSV")
    parser.add_argument(
        "--transport-rows",
        type=int,
        help=f"rows of the transport CSV (default {TRANSPORT_ROWS:,}; implies --transport)",
    )
    parser.add_argument("--republish", action="store_true", help="then publish the same dataset again, unchanged")
    args = parser.parse_args()
    if args.transport_rows is not None:
        if args.rows is not None or args.five_million:
            parser.error("--transport-rows goes with --transport, not with --rows or --five-million")
        args.transport = True
    return args


@dataclass
class Input:
    """What one run publishes: the CSV, its shape, and how its \\copy baseline reads it."""

    label: str
    path: Path
    rows: int
    columns: int
    baseline_columns: str
    null: str | None = None  # COPY's NULL option: the text that stands for a missing value
    target_seconds: float | None = None  # the end-to-end target at this size, if any
    target_note: str = ""  # at which size the end-to-end target applies

    @property
    def full_text_columns(self) -> str:
        """The baseline's columns plus the tsvector the platform stores beside its rows: ``to_tsvector`` with the
        search configuration (``datasets.store.tables.SEARCH_CONFIG``, created by the migrations) over the text
        columns, generated by PostgreSQL as the records tables' ``fts`` column is."""
        pairs = [column.split(None, 1) for column in self.baseline_columns.split(",")]
        document = " || ' ' || ".join(f"coalesce({name}, '')" for name, type_ in pairs if type_ == "text")
        vector = f"to_tsvector('public.ods_search', {document})"
        return f"{self.baseline_columns}, fts tsvector GENERATED ALWAYS AS ({vector}) STORED"

    @property
    def title(self) -> str:
        shape = f"{self.rows:,} rows x {self.columns} columns"
        return shape if self.label == "10-column" else f"{shape} ({self.label})"


def chosen_input(args: argparse.Namespace) -> Input:
    """The CSV the arguments ask for, generated and cached on first use."""
    if args.transport:
        rows = args.transport_rows or TRANSPORT_ROWS
        return Input(
            label="transport statistics",
            path=transport_csv_file(rows),
            rows=rows,
            columns=len(TRANSPORT_COLUMNS),
            baseline_columns=TRANSPORT_BASELINE_COLUMNS,
            null=MISSING,
            target_seconds=TRANSPORT_TARGET_SECONDS if rows == TRANSPORT_ROWS else None,
            target_note=f"{TRANSPORT_ROWS:,} rows",
        )
    rows = FIVE_MILLION if args.five_million else args.rows or ONE_MILLION
    return Input(
        label="10-column",
        path=csv_file(rows),
        rows=rows,
        columns=10,
        baseline_columns=BASELINE_COLUMNS,
        target_seconds=END_TO_END_TARGETS.get(rows),
        target_note="1,000,000 and 5,000,000 rows",
    )


# --- processes ---------------------------------------------------------------------------------


def child_env(**overrides: str) -> dict[str, str]:
    """The environment of every child: the benchmark's Redis database and the default (private) PostgreSQL."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(REDIS_URL=REDIS_URL, PYTHONUNBUFFERED="1", **overrides)
    return env


def manage_shell(code: str, **env: str) -> None:
    """Run ``code`` in ``manage.py shell -c`` (values go through the environment, never the command line)."""
    args = [PYTHON, "manage.py", "shell", "-c", code]
    done = subprocess.run(args, cwd=PROJECT_DIR, env=child_env(**env), capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise SystemExit(f"manage.py shell failed:\n{done.stderr[-3000:]}")


def flush_bench_redis() -> None:
    """Empty the benchmark's Redis database: no stale job, no stale worker registration."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start ``manage.py <args>`` in its own session, its output appended to ``LOG_DIR/<name>.log``."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = (LOG_DIR / f"{name}.log").open("ab")
    log.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(args)}\n".encode())
    log.flush()
    try:
        return subprocess.Popen(
            [PYTHON, "manage.py", *args], cwd=PROJECT_DIR, env=env, stdout=log, stderr=log, start_new_session=True
        )
    finally:
        log.close()


def stop(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM the child's process group, then SIGKILL it if it outlives the grace period."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def log_tail(name: str, lines: int = 40) -> str:
    path = LOG_DIR / f"{name}.log"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"


def wait_ready(base: str, processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """Wait until /health says ok: the web app answers and the worker is registered."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with code {process.returncode}:\n{log_tail(name)}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                if json.load(response).get("status") == "ok":
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"web app or worker not ready after {READY_SECONDS} s; logs under {LOG_DIR}")


# --- peak RSS ----------------------------------------------------------------------------------


def vm_hwm_kb(pid: int) -> int:
    """The peak resident set size of ``pid`` in kB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class PeakRss(threading.Thread):
    """Samples VmHWM of a process and of its descendants until stopped; keeps the max of each side."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.stopping = threading.Event()
        self.main_kb = 0
        self.children_kb = 0

    def sample(self) -> None:
        self.main_kb = max(self.main_kb, vm_hwm_kb(self.pid))
        for child in descendants(self.pid):
            self.children_kb = max(self.children_kb, vm_hwm_kb(child))

    def run(self) -> None:
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(RSS_SAMPLE_SECONDS)

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        self.sample()

    @property
    def peak_mb(self) -> float:
        return max(self.main_kb, self.children_kb) / 1024


# --- HTTP --------------------------------------------------------------------------------------


class ApiError(Exception):
    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path} -> {status}: {body[:2000]}")
        self.status = status


class Api:
    """The management API through urllib, with one Authorization header."""

    def __init__(self, base: str, authorization: str) -> None:
        self.base = base + API
        self.authorization = authorization

    def call(self, method: str, path: str, body: Any = None, timeout: float = 60) -> Any:
        """Send ``body`` as JSON; the decoded JSON answer (None when empty). Raises ApiError on 4xx/5xx."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": self.authorization, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        return self.send(urllib.request.Request(self.base + path, data=data, headers=headers, method=method), timeout)

    def send(self, request: urllib.request.Request, timeout: float) -> Any:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            path = request.full_url.removeprefix(self.base)
            raise ApiError(request.get_method(), path, error.code, error.read().decode(errors="replace")) from None
        return json.loads(raw) if raw else None

    def upload(self, path: Path) -> dict[str, Any]:
        """``POST /files/`` with a multipart body streamed from disk (never held in memory)."""
        boundary = f"bench-{secrets.token_hex(16)}"
        chunks, length = multipart_body(path, boundary)
        headers = {
            "Authorization": self.authorization,
            "Accept": "application/json",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(length),
        }
        return self.send(urllib.request.Request(self.base + "/files/", data=chunks, headers=headers), timeout=900)


def multipart_body(path: Path, boundary: str) -> tuple[Iterator[bytes], int]:
    """The chunks of a one-part multipart body (field ``file``) and its exact length."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        yield head
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk
        yield tail

    return chunks(), len(head) + path.stat().st_size + len(tail)


def basic_auth(username: str, password: str) -> str:
    return "Basic " + b64encode(f"{username}:{password}".encode()).decode()


def wait_job(api: Api, job_uid: str, worker: subprocess.Popen[bytes], timeout: float = JOB_WAIT_SECONDS) -> dict:
    """Poll the job every POLL_SECONDS until it is done, failed or aborted."""
    deadline = time.monotonic() + timeout
    while True:
        job = api.call("GET", f"/jobs/{job_uid}")
        if job["state"] in TERMINAL_STATES:
            return job
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited with code {worker.returncode} during job {job_uid}")
        if time.monotonic() > deadline:
            raise SystemExit(f"job {job_uid} still {job['state']} after {timeout:.0f} s")
        time.sleep(POLL_SECONDS)


# --- the benchmark dataset -----------------------------------------------------------------------


def create_dataset(api: Api, file_id: str) -> str:
    """A new dataset whose one resource is the uploaded file; returns its dataset_uid."""
    dataset_id = f"bench-publish-{secrets.token_hex(4)}"
    metas = {"default": {"title": "Benchmark: publish a large CSV"}}
    dataset = api.call("POST", "/datasets/", {"dataset_id": dataset_id, "metas": metas})
    resource = {"url": f"odsfile://{file_id}", "type": "csvfile"}
    api.call("POST", f"/datasets/{dataset['dataset_uid']}/resources/", resource)
    return dataset["dataset_uid"]


def remove_dataset(api: Api, dataset_uid: str, worker: subprocess.Popen[bytes] | None) -> None:
    """Stop a running publish, unpublish (its records tables are retired), then delete the dataset."""
    alive = worker if worker is not None and worker.poll() is None else None
    if api.call("GET", f"/datasets/{dataset_uid}/status")["name"] == "processing":
        api.call("PUT", f"/datasets/{dataset_uid}/abort_processing")
    for job in api.call("GET", f"/jobs/?dataset_uid={dataset_uid}"):
        if job["state"] not in TERMINAL_STATES and alive is not None:
            wait_job(api, job["job_uid"], alive, timeout=300)
    if alive is not None and api.call("GET", f"/datasets/{dataset_uid}/status")["published"]:
        job = api.call("PUT", f"/datasets/{dataset_uid}/unpublish")
        job = wait_job(api, job["job_uid"], alive, timeout=300)
        if job["state"] != "done":
            print(f"  unpublish ended {job['state']}: {job['error']}")
    api.call("DELETE", f"/datasets/{dataset_uid}")


def leftover_tables(dataset_uid: str) -> list[str]:
    """Records tables of the dataset still in PostgreSQL (none after a clean unpublish)."""
    query = f"SELECT tablename FROM pg_tables WHERE schemaname = 'records' AND tablename ~ '^{dataset_uid}_v[0-9]+$'"
    out = subprocess.run([*PSQL, "-At", "-c", query], capture_output=True, text=True, check=True).stdout
    return out.split()


# --- baseline ----------------------------------------------------------------------------------


def psql(command: str) -> str:
    """Run one psql command; its output (a failure stops the benchmark with psql's message)."""
    done = subprocess.run([*PSQL, "-c", command], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"psql -c {command!r} failed: {done.stderr.strip()}")
    return done.stdout


def copy_baseline(source: Input, *, full_text: bool = False) -> tuple[float, int]:
    """Seconds of ``psql \\copy`` of the CSV into an equivalent typed table, and the rows it reported;
    ``full_text``: the table also generates the full-text column the platform stores."""
    schema = BASELINE_TABLE.split(".")[0]
    psql(f"CREATE SCHEMA IF NOT EXISTS {schema}; DROP TABLE IF EXISTS {BASELINE_TABLE}")
    psql(f"CREATE TABLE {BASELINE_TABLE} ({source.full_text_columns if full_text else source.baseline_columns})")
    null = "" if source.null is None else f", NULL '{source.null}'"
    try:
        started = time.perf_counter()
        out = psql(f"\\copy {BASELINE_TABLE} FROM '{source.path}' WITH (FORMAT csv, HEADER true{null})")
        seconds = time.perf_counter() - started
    finally:
        # The checkpoint writes the baseline's dirty pages now rather than during the publish.
        psql(f"DROP TABLE IF EXISTS {BASELINE_TABLE}; DROP SCHEMA IF EXISTS {schema}; CHECKPOINT")
    match = re.search(r"COPY (\d+)", out)
    if match is None:
        raise SystemExit(f"psql \\copy said no row count: {out!r}")
    return seconds, int(match.group(1))


# --- report ------------------------------------------------------------------------------------


@dataclass
class Baseline:
    """``psql \\copy`` of the same file into an equivalent typed table, in the same run."""

    seconds: float
    rows: int
    full_text_rate: float = 0.0  # rows/s of \copy into the same table with the generated full-text column

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


@dataclass
class Publish:
    """One publish as measured: seconds from ``PUT .../publish`` to the job's end, and the job."""

    seconds: float
    job: dict

    @property
    def result(self) -> dict:
        return self.job["result"] or {}

    @property
    def timings(self) -> dict[str, float]:
        return self.result.get("timings", {})

    @property
    def load_rate(self) -> float:
        load = self.timings.get("load")
        return self.result.get("records", 0) / load if load else 0.0


def remember_rss(rows: int, peak_mb: float) -> dict[str, float]:
    """Store this run's worker peak RSS by row count; returns every size's latest figure."""
    known = json.loads(RSS_FILE.read_text()) if RSS_FILE.exists() else {}
    known[str(rows)] = round(peak_mb, 1)
    RSS_FILE.write_text(json.dumps(known, indent=1, sort_keys=True))
    return known


def report_publish(heading: str, publish: Publish, baseline: Baseline) -> None:
    """The figures of one publish, each next to the \\copy baseline of the same file."""
    result, timings = publish.result, publish.timings
    print(f"  {heading}:")
    print(f"    rows published: {result.get('records', 0):,} (record errors: {result.get('record_errors')}, ", end="")
    print(f"table {result.get('table')})")
    print(f"    end to end (PUT publish -> job done): {publish.seconds:.2f} s", end="")
    print(f" ({publish.seconds / baseline.seconds:.2f} x \\copy's {baseline.seconds:.2f} s)")
    phases = "  ".join(f"{name} {timings[name]:.2f} s" for name in PHASES if name in timings)
    print(f"    job phases: {phases}")
    print(f"    load phase: {publish.load_rate:,.0f} rows/s ({publish.load_rate / baseline.rate:.2f} x \\copy", end="")
    if baseline.full_text_rate:
        print(f", {publish.load_rate / baseline.full_text_rate:.2f} x \\copy with the full-text column", end="")
    print(")")


def report_rss(source: Input, rss: PeakRss) -> dict[str, float]:
    """The worker's peak RSS during the first publish; for the 10-column CSV, the latest figure of every size."""
    main_mb, horse_mb = rss.main_kb / 1024, rss.children_kb / 1024
    print(f"  worker peak RSS: {rss.peak_mb:.0f} MB (work horse {horse_mb:.0f} MB, worker process {main_mb:.0f} MB)")
    if source.label != "10-column":
        return {}
    known = remember_rss(source.rows, rss.peak_mb)
    by_rows = ", ".join(f"{int(n):,} rows {mb:.0f} MB" for n, mb in sorted(known.items(), key=lambda kv: int(kv[0])))
    print(f"  worker peak RSS of the 10-column CSV, latest run of each size: {by_rows}")
    return known


def load_target(publish: Publish, baseline: Baseline) -> Target:
    ratio = publish.load_rate / baseline.rate
    return Target(
        "load phase",
        f"{publish.load_rate:,.0f} rows/s",
        f">= {LOAD_RATIO_TARGET:.2f} x \\copy",
        f"\\copy {baseline.rate:,.0f} rows/s",
        f"{ratio:.2f}",
        verdict(ratio >= LOAD_RATIO_TARGET),
    )


def full_text_load(publish: Publish, baseline: Baseline) -> Target:
    """The load against \\copy into a table that also generates the stored full-text column (no target)."""
    ratio = publish.load_rate / baseline.full_text_rate if baseline.full_text_rate else 0.0
    return Target(
        "load phase, against \\copy with the full-text column",
        f"{publish.load_rate:,.0f} rows/s",
        "(informative)",
        f"\\copy {baseline.full_text_rate:,.0f} rows/s",
        f"{ratio:.2f}",
        "-",
    )


def end_to_end_target(source: Input, publish: Publish, baseline: Baseline) -> Target:
    goal = source.target_seconds
    return Target(
        f"end to end, {source.title}",
        f"{publish.seconds:.2f} s",
        f"<= {goal:g} s" if goal is not None else f"(set at {source.target_note})",
        f"\\copy {baseline.seconds:.2f} s",
        f"{publish.seconds / baseline.seconds:.2f}",
        verdict(publish.seconds <= goal) if goal is not None else NOT_JUDGED,
    )


def rss_target(source: Input, rss: PeakRss, known: dict[str, float]) -> Target:
    """<= 300 MB, and at 5M rows the same as the latest 1M-row run (the baseline of this line)."""
    one_million = known.get(str(ONE_MILLION))
    if source.rows == FIVE_MILLION and one_million:
        ratio = rss.peak_mb / one_million
        return Target(
            "worker peak RSS, 5M rows",
            f"{rss.peak_mb:.0f} MB",
            f"<= {RSS_TARGET_MB:.0f} MB, <= {RSS_FLAT_RATIO:.2f} x 1M",
            f"latest 1M run {one_million:.0f} MB",
            f"{ratio:.2f}",
            verdict(rss.peak_mb <= RSS_TARGET_MB and ratio <= RSS_FLAT_RATIO),
        )
    note = "" if source.rows == FIVE_MILLION else " (flat to 5M: --five-million)"
    return Target(
        f"worker peak RSS, {source.rows:,} rows",
        f"{rss.peak_mb:.0f} MB",
        f"<= {RSS_TARGET_MB:.0f} MB{note}",
        "-",
        "-",
        verdict(rss.peak_mb <= RSS_TARGET_MB),
    )


def republish_targets(first: Publish, second: Publish, baseline: Baseline) -> list[Target]:
    """The inference pass skipped (extract near 0 against the first publish's), and the republish's seconds."""
    before, after = first.timings.get("extract", 0.0), second.timings.get("extract", 0.0)
    share = after / before if before else 0.0
    return [
        Target(
            "republish, extract phase",
            f"{after:.2f} s",
            f"~0: <= {SKIPPED_EXTRACT_SHARE:.2f} x first",
            f"first publish {before:.2f} s",
            f"{share:.2f}",
            verdict(share <= SKIPPED_EXTRACT_SHARE),
        ),
        Target(
            "republish, end to end",
            f"{second.seconds:.2f} s",
            f"(none; first publish {first.seconds:.2f} s)",
            f"\\copy {baseline.seconds:.2f} s",
            f"{second.seconds / baseline.seconds:.2f}",
            "-",
        ),
    ]


# --- main --------------------------------------------------------------------------------------


@dataclass
class Stack:
    """The benchmark's running app: web server, worker, API clients, and what it created to clean up."""

    worker: subprocess.Popen[bytes] | None = None
    web: subprocess.Popen[bytes] | None = None
    basic: Api | None = None
    api: Api | None = None
    key_uid: str | None = None
    file_id: str | None = None
    dataset_uid: str | None = None


@contextmanager
def bench_stack(path: Path, label: str) -> Iterator[Stack]:
    """Start the web server and one worker, log in with a fresh API key, upload ``path``; undo it all on exit."""
    password = secrets.token_urlsafe(24)
    manage_shell(ENSURE_SUPERUSER, BENCH_USERNAME=USERNAME, BENCH_PASSWORD=password)
    flush_bench_redis()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    upload_max = max(DEFAULT_UPLOAD_MAX_BYTES, path.stat().st_size + CHUNK_BYTES)
    stack = Stack()
    try:
        web_env = child_env(DEBUG="true", UPLOAD_MAX_BYTES=str(upload_max))
        stack.web = start("web", ["runserver", f"127.0.0.1:{port}", "--noreload"], web_env)
        stack.worker = start("worker", ["rqworker", "default"], child_env(DEBUG="false"))
        wait_ready(base, {"web": stack.web, "worker": stack.worker})
        stack.basic = Api(base, basic_auth(USERNAME, password))
        key = stack.basic.call("POST", "/apikeys/", {"label": label, "permissions": KEY_PERMISSIONS})
        stack.key_uid = key["apikey_uid"]
        stack.api = Api(base, f"Apikey {key['key']}")
        started = time.perf_counter()
        stack.file_id = stack.api.upload(path)["file_id"]
        print(f"  (upload of {path.stat().st_size / 1e6:.0f} MB: {time.perf_counter() - started:.1f} s)")
        yield stack
    finally:
        cleanup(stack.api, stack.basic, stack.worker, stack.dataset_uid, stack.key_uid)
        stop(stack.web)
        stop(stack.worker)
        if stack.file_id:
            manage_shell(DISCARD_FILE, BENCH_FILE_ID=stack.file_id)


def timed_publish(api: Api, worker: subprocess.Popen[bytes], dataset_uid: str) -> Publish:
    """``PUT .../publish`` and wait for the job's end."""
    started = time.perf_counter()
    job = api.call("PUT", f"/datasets/{dataset_uid}/publish")
    job = wait_job(api, job["job_uid"], worker)
    return Publish(time.perf_counter() - started, job)


def failed(heading: str, publish: Publish) -> bool:
    """Say why a publish did not end done (then the benchmark stops); False when it did."""
    job = publish.job
    if job["state"] == "done":
        return False
    print(f"{heading} ended {job['state']} after {publish.seconds:.2f} s")
    print(f"  job error: {json.dumps(job['error'], indent=1)}")
    print(f"  progresses: {json.dumps(job['progresses'])}")
    print(f"  worker log tail ({LOG_DIR / 'worker.log'}):\n{log_tail('worker')}")
    return True


def measure(stack: Stack, source: Input, baseline: Baseline, republish: bool) -> list[Target] | None:
    """Publish the uploaded file (twice with ``republish``) and report; the targets, None when a publish failed."""
    api, worker, file_id = stack.api, stack.worker, stack.file_id
    assert api is not None and worker is not None and file_id is not None  # bench_stack set them up
    dataset_uid = stack.dataset_uid = create_dataset(api, file_id)
    rss = PeakRss(worker.pid)
    rss.start()
    first = timed_publish(api, worker, dataset_uid)
    rss.stop()
    if failed("publish", first):
        return None
    report_publish("publish", first, baseline)
    known = report_rss(source, rss)
    targets = [load_target(first, baseline), full_text_load(first, baseline)]
    targets.append(end_to_end_target(source, first, baseline))
    if source.label == "10-column":
        targets.append(rss_target(source, rss, known))
    if not republish:
        return targets
    second = timed_publish(api, worker, dataset_uid)
    if failed("republish", second):
        return None
    report_publish("republish of the same file, nothing changed", second, baseline)
    return targets + republish_targets(first, second, baseline)


def run(source: Input, republish: bool) -> int:
    """Measure the \\copy baseline, start the app and the worker, publish, report, and clean up whatever was made."""
    size = source.path.stat().st_size / 1e6
    print(f"publish of a CSV of {source.title}, {size:.0f} MB, through the API and one RQ worker", flush=True)
    baseline = Baseline(*copy_baseline(source))
    print(f"  baseline psql \\copy, typed table: {baseline.seconds:.2f} s -> {baseline.rate:,.0f} rows/s", end="")
    print(f" ({baseline.rows:,} rows)", flush=True)
    full_text = Baseline(*copy_baseline(source, full_text=True))
    print("  psql \\copy into the same table with its generated full-text column (as stored for search): ", end="")
    print(f"{full_text.seconds:.2f} s -> {full_text.rate:,.0f} rows/s", flush=True)
    baseline.full_text_rate = full_text.rate
    try:
        with bench_stack(source.path, "bench/publish.py") as stack:
            targets = measure(stack, source, baseline, republish)
    finally:
        print(f"  CSV cache: {source.path} (all cached inputs under {CACHE_DIR}); process logs under {LOG_DIR}")
    if targets is None:
        return 1
    print_targets(targets)
    return 0


def cleanup(api: Api | None, basic: Api | None, worker, dataset_uid: str | None, key_uid: str | None) -> None:
    """Unpublish and delete the benchmark dataset, then its API key; say what could not be removed."""
    if api is not None and dataset_uid is not None:
        try:
            remove_dataset(api, dataset_uid, worker)
        except (ApiError, OSError, SystemExit) as error:
            print(f"  cleanup: could not remove dataset {dataset_uid}: {error}")
        try:
            # The unpublish retired the tables (dropped by the reconciler after a grace period): drop them now.
            manage_shell(DROP_RETIRED, BENCH_DATASET_UID=dataset_uid)
        except SystemExit as error:
            print(f"  cleanup: could not drop the retired tables of {dataset_uid}: {error}")
        left = leftover_tables(dataset_uid)
        print(f"  cleanup: dataset {dataset_uid} deleted; records tables left: {left or 'none'}")
    if basic is not None and key_uid is not None:
        try:
            basic.call("DELETE", f"/apikeys/{key_uid}")
        except (ApiError, OSError) as error:
            print(f"  cleanup: could not delete API key {key_uid}: {error}")


def main() -> int:
    args = parse_args()
    return run(chosen_input(args), args.republish)


if __name__ == "__main__":
    sys.exit(main())
