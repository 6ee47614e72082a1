"""Server modes for the same app: gunicorn sync workers, gunicorn gthread (the production configuration) and
uvicorn (ASGI, ``config.asgi``), under the same load, and with a slow client downloading a long CSV export.

Against a throw-away database (``serving.workspace``) holding one domain-visible dataset of ``MODES_ROWS``
rows (default 1,000,000; its table filled by PostgreSQL, ``tests/generated_tables.py``, then indexed as a
publish would), each mode is started with 2 workers and the production-like environment and measured in
turn:

1. load: ``MODES_CLIENTS`` (16) concurrent clients asking a records page (``limit=20&order_by=n``) for
   ``MODES_LOAD_SECONDS`` (20) — with ``wrk`` when installed (a Lua script counts the 5xx), else a threaded
   ``http.client`` loop;
2. slow clients: ``MODES_SLOW_CLIENTS`` (2, one per server process) full CSV exports read at a throttled rate
   (the size / ``MODES_SLOW_SECONDS``, 90 s by default, through a 32 kB receive window so the kernel does not
   absorb the output), while the same clients keep asking records pages. A sync worker is killed at gunicorn's
   30 s ``timeout`` when its writes stay blocked that long: the kernel's socket buffers (several MB on
   loopback) take the end of the export, so the export must still be more than those buffers away from its
   end after 30 s (at 1M rows, 17.8 MB, 45 s was not enough in a measured run, hence 90 s); and while both
   sync workers stream, nothing else is served. gthread workers keep their heartbeat in the main loop;
   uvicorn runs Django's synchronous views on one thread per worker and consumes a streamed response whole
   in memory before sending it.

The modes differ only in what their command says: sync is ``gunicorn -c config/gunicorn.conf.py
--worker-class sync`` (the command line wins over the file), gthread the file itself (2 workers x 8 threads),
uvicorn ``uvicorn config.asgi:application --workers 2``. Prints each mode's requests/s, p50/p99 and 5xx, the
export's outcome (whole or cut, seconds, time to its first byte) and the workers' peak RSS, then a table.

Usage: python bench/server_modes.py   (env: MODES_ROWS, MODES_CLIENTS, MODES_LOAD_SECONDS, MODES_SLOW_SECONDS,
MODES_SLOW_CLIENTS, MODES_ONLY (a part of the mode names to measure only those);
BENCH_REDIS_URL; DATABASE_URL names the PostgreSQL server)
"""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from data import CACHE_DIR
from explore import parse_wrk
from serving import (
    GUNICORN,
    LOG_DIR,
    UVICORN,
    Processes,
    Workspace,
    connection,
    free_port,
    get,
    peak_rss_mb,
    percentile,
    wait_health,
    workspace,
)

ROWS = int(os.environ.get("MODES_ROWS", "1000000"))
CLIENTS = int(os.environ.get("MODES_CLIENTS", "16"))
LOAD_SECONDS = int(os.environ.get("MODES_LOAD_SECONDS", "20"))
SLOW_SECONDS = int(os.environ.get("MODES_SLOW_SECONDS", "90"))
ONLY = os.environ.get("MODES_ONLY", "")  # measure only the modes whose name contains this
# As many slow clients as server processes: what a sync worker cannot serve beside them shows.
SLOW_CLIENTS = int(os.environ.get("MODES_SLOW_CLIENTS", "2"))
DATASET_ID = "server-modes"
EXPLORE = f"/api/explore/v2.1/catalog/datasets/{DATASET_ID}"
RECORDS_PATH = f"{EXPLORE}/records?limit=20&order_by=n"
EXPORT_PATH = f"{EXPLORE}/exports/csv?order_by=n"
RECEIVE_WINDOW = 32 * 1024
SLOW_CHUNK = 16 * 1024
WARM_UP_REQUESTS = 20
EXPORT_TIMEOUT = 300
WRK_SCRIPT = CACHE_DIR / "count-5xx.lua"
# wrk runs one Lua state per thread: each counts its 5xx, and done() adds them up.
COUNT_5XX_LUA = """
count5xx = 0
local threads = {}
setup = function(thread) table.insert(threads, thread) end
response = function(status, headers, body)
  if status >= 500 then count5xx = count5xx + 1 end
end
done = function(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("count5xx") end
  io.write(string.format("5xx: %d\\n", total))
end
"""
SETUP_DATASET = """
import os
from django.contrib.auth import get_user_model
from django.db import connection
from datasets.models import Dataset
from datasets.services.datasets import dataset_create
from datasets.store.indexes import finish_table
from tests.generated_tables import FIELDS, publish_generated
owner = get_user_model().objects.create_user(username="bench-modes")
dataset = dataset_create(owner=owner, dataset_id=os.environ["BENCH_DATASET_ID"], visibility=Dataset.Visibility.DOMAIN)
version = publish_generated(dataset, int(os.environ["BENCH_ROWS"]))
with connection.cursor() as cursor:
    finish_table(cursor.cursor, version.table_name, FIELDS)
"""


def modes(port: int) -> dict[str, list[str]]:
    """The command of each mode, all with 2 workers (WEB_WORKERS in the environment, --workers for uvicorn)."""
    gunicorn = [GUNICORN, "-c", "config/gunicorn.conf.py"]
    return {
        # --threads 1 too: gunicorn silently runs gthread workers for a sync worker class with more threads.
        "gunicorn sync (2 workers)": [*gunicorn, "--worker-class", "sync", "--threads", "1", "config.wsgi"],
        "gunicorn gthread (2 x 8 threads)": [*gunicorn, "config.wsgi"],
        "uvicorn ASGI (2 workers)": [
            UVICORN,
            "config.asgi:application",
            "--workers",
            "2",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
    }


# --- load -------------------------------------------------------------------------------------------


@dataclass
class Load:
    rps: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    requests: int = 0
    server_errors: int = 0
    other_errors: int = 0


def wrk_load(port: int, seconds: int) -> Load:
    """``wrk -t2 -c<CLIENTS> --latency`` on the records page, 5xx counted by the Lua script."""
    WRK_SCRIPT.parent.mkdir(parents=True, exist_ok=True)
    WRK_SCRIPT.write_text(COUNT_5XX_LUA)
    # A 30 s timeout (wrk's is 2 s): a slow answer counts in the latency, not as a socket error.
    args = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout", "30s", "--latency", "-s", str(WRK_SCRIPT)]
    done = subprocess.run([*args, f"http://127.0.0.1:{port}{RECORDS_PATH}"], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    figures = parse_wrk(done.stdout)
    server_errors = int(done.stdout.rsplit("5xx: ", 1)[1].split()[0]) if "5xx: " in done.stdout else 0
    requests = int(done.stdout.split(" requests in ")[0].split()[-1])
    other = int(figures["non_2xx"]) - server_errors + int(figures["socket_errors"])
    return Load(figures["rps"], figures["p50"], figures["p99"], requests, server_errors, other)


def python_load(port: int, seconds: int) -> Load:
    """The same load from ``CLIENTS`` threads of ``http.client`` (when wrk is not installed)."""
    answers: list = []
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            answers.append(get(port, RECORDS_PATH, timeout=60))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    times = [answer.milliseconds for answer in answers]
    errors = sum(1 for answer in answers if answer.status >= 500)
    other = sum(1 for answer in answers if answer.status != 200 and answer.status < 500)
    return Load(len(answers) / elapsed, percentile(times, 0.5), percentile(times, 0.99), len(answers), errors, other)


def load(port: int, seconds: int) -> Load:
    return wrk_load(port, seconds) if shutil.which("wrk") else python_load(port, seconds)


# --- the export -------------------------------------------------------------------------------------


@dataclass
class Export:
    """A CSV export download: bytes, lines, whether it ended whole, seconds, time to its first byte."""

    status: int = 0
    size: int = 0
    lines: int = 0
    complete_last_line: bool = False
    seconds: float = 0.0
    first_byte: float = 0.0
    error: str | None = None

    @property
    def whole(self) -> bool:
        return self.status == 200 and self.error is None and self.complete_last_line and self.lines == ROWS + 1


def download(port: int, rate: float | None = None) -> Export:
    """GET the export; with ``rate`` (bytes/s), read it at that pace through a small receive window."""
    result = Export()
    started = time.monotonic()
    client = connection(port, EXPORT_TIMEOUT, RECEIVE_WINDOW if rate else None)
    last = b""
    try:
        client.request("GET", EXPORT_PATH)
        response = client.getresponse()
        result.status = response.status
        while chunk := response.read(SLOW_CHUNK if rate else 1 << 20):
            if not result.size:
                result.first_byte = time.monotonic() - started
            result.size += len(chunk)
            result.lines += chunk.count(b"\n")
            last = chunk
            if rate:
                time.sleep(max(0.0, started + result.size / rate - time.monotonic()))
    except (OSError, http.client.HTTPException) as error:
        result.error = f"{type(error).__name__}: {str(error)[:120]}"
    finally:
        client.close()
    result.seconds = time.monotonic() - started
    result.complete_last_line = last.endswith(b"\n")
    return result


# --- one mode ---------------------------------------------------------------------------------------


@dataclass
class ModeResult:
    name: str
    load: Load = field(default_factory=Load)
    fast: Export = field(default_factory=Export)
    slow: list[Export] = field(default_factory=list)
    during_slow: Load = field(default_factory=Load)
    peak_mb: float = 0.0


def slow_export_under_load(port: int, size: int) -> tuple[list[Export], Load]:
    """``SLOW_CLIENTS`` throttled exports in threads while the records load runs a little longer than they last."""
    outcome: list[Export] = []
    readers = [
        threading.Thread(target=lambda: outcome.append(download(port, rate=size / SLOW_SECONDS)))
        for _ in range(SLOW_CLIENTS)
    ]
    for reader in readers:
        reader.start()
    during = load(port, SLOW_SECONDS + 5)
    for reader in readers:
        reader.join(EXPORT_TIMEOUT)
    missing = [Export(error="the download did not end")] * (SLOW_CLIENTS - len(outcome))
    return outcome + missing, during


def measure(space: Workspace, name: str, command: list[str], port: int) -> ModeResult:
    processes = Processes(f"modes-{name.split()[1]}")
    env = space.env(PORT=str(port), WEB_WORKERS="2", WEB_THREADS="8", WEB_ACCESS_LOG="")
    result = ModeResult(name)
    try:
        server = processes.start("server", command, env)
        wait_health(port, processes, want_ok=False)
        for _ in range(WARM_UP_REQUESTS):
            get(port, RECORDS_PATH)
        result.fast = download(port)
        print(f"  {name}: full-speed export {result.fast.seconds:.1f} s, {result.fast.size / 1e6:.1f} MB", flush=True)
        result.load = load(port, LOAD_SECONDS)
        print_load("load", result.load)
        result.slow, result.during_slow = slow_export_under_load(port, result.fast.size or 1)
        print_load("records during the slow export", result.during_slow)
        for export in result.slow:
            print(f"    slow export: {describe(export)}", flush=True)
        result.peak_mb = peak_rss_mb(server.pid)
    finally:
        processes.stop_all()
    return result


# --- report -----------------------------------------------------------------------------------------


def print_load(title: str, figures: Load) -> None:
    print(
        f"    {title}: {figures.rps:,.1f} req/s, p50 {figures.p50:.1f} ms, p99 {figures.p99:.1f} ms, "
        f"{figures.requests:,} requests, 5xx {figures.server_errors}, other errors {figures.other_errors}",
        flush=True,
    )


def describe(export: Export) -> str:
    verdict = "WHOLE" if export.whole else "CUT"
    ending = f", {export.error}" if export.error else ""
    return (
        f"{verdict}: {export.lines - 1:,} of {ROWS:,} rows, {export.size / 1e6:.1f} MB in {export.seconds:.1f} s, "
        f"first byte after {export.first_byte:.1f} s{ending}"
    )


def table(results: list[ModeResult]) -> None:
    print()
    header = f"{'mode':34} {'req/s':>8} {'p99 ms':>8} {'5xx':>5} | {'slow export':>11} {'ttfb s':>7} " + (
        f"{'req/s':>8} {'p99 ms':>8} {'5xx':>5} | {'peak MB':>7}"
    )
    print(f"{'':34} {'records, ' + str(CLIENTS) + ' clients':^24} | {'slow client + records load':^45} |")
    print(header)
    for r in results:
        whole = sum(export.whole for export in r.slow)
        slow = f"{whole}/{len(r.slow)} whole"
        first_byte = max((export.first_byte for export in r.slow), default=0.0)
        print(
            f"{r.name:34} {r.load.rps:8.1f} {r.load.p99:8.1f} {r.load.server_errors:5d} | {slow:>11} "
            f"{first_byte:7.1f} {r.during_slow.rps:8.1f} {r.during_slow.p99:8.1f} "
            f"{r.during_slow.server_errors:5d} | {r.peak_mb:7.0f}"
        )
    gthread = next((r for r in results if "gthread" in r.name), None)
    if gthread is None:
        return
    for r in results:
        if r is not gthread and r.load.rps:
            print(f"  ratio gthread / {r.name.split(' (')[0]} req/s: {gthread.load.rps / r.load.rps:.2f}")


def main() -> int:
    client = "wrk" if shutil.which("wrk") else "a threaded http.client loop (wrk is not installed)"
    print(f"server modes: {CLIENTS} clients for {LOAD_SECONDS} s with {client}; a {ROWS:,}-row CSV export read over")
    print(f"  {SLOW_SECONDS} s by each of {SLOW_CLIENTS} slow clients under the same load", flush=True)
    results = []
    try:
        with workspace("modes") as space:
            started = time.perf_counter()
            space.shell(SETUP_DATASET, BENCH_DATASET_ID=DATASET_ID, BENCH_ROWS=str(ROWS))
            print(f"  (dataset of {ROWS:,} generated rows in {time.perf_counter() - started:.1f} s)", flush=True)
            for name in modes(0):
                if ONLY and ONLY not in name:
                    continue
                port = free_port()
                results.append(measure(space, name, modes(port)[name], port))
    finally:
        print(f"  process logs under {LOG_DIR}")
    table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
