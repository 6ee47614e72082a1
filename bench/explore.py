"""Explore API records query against Datasette on the same 1M rows, with wrk; and a full CSV export against psql.

Publishes the cached 10-column CSV the way bench/publish.py does (runserver + one RQ worker, API key),
opens the dataset to the whole domain, loads the same CSV into SQLite with ``sqlite-utils insert --csv``
(type detection on; cached in var/bench/explore.db) with the same index on the filtered column as our
records table has, then serves ours with gunicorn (2 workers) and Datasette, and drives both with
``wrk -t2 -c16 -d15s --latency`` on the same filtered query, twice: (1) a page of 10 with the filtered
count; (2) the same page with one facet (``active``) — Datasette answers it in one request
(``_facet=active``), ours in two (``/records`` and ``/facets``, which is how the Explore API splits
them), so our pages/s is half our req/s. Prints req/s (or pages/s), p50 and p99 of each and the ratio
ours / Datasette next to the targets. Then times a full CSV export
(``/exports/csv``, skipped when it answers 404) against ``psql \\copy (select ...) to stdout``.
Subprocesses are stopped and the benchmark dataset unpublished and deleted at the end.

Usage: python bench/explore.py [--rows N]   (default 1,000,000 rows)
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from data import CACHE_DIR, PROJECT_DIR, csv_file
from publish import (
    LOG_DIR,
    PSQL,
    Api,
    bench_stack,
    child_env,
    create_dataset,
    descendants,
    free_port,
    manage_shell,
    stop,
    vm_hwm_kb,
    wait_job,
)
from targets import verdict

VENV_BIN = PROJECT_DIR / ".venv" / "bin"
SQLITE_DB = CACHE_DIR / "explore.db"
SQLITE_TABLE = "records"
FILTER_COLUMN = "category"
# Statements on the benchmark's own SQLite copy; every name in them is a constant of this file.
SQLITE_INDEX = f"idx_{SQLITE_TABLE}_{FILTER_COLUMN}"
SQLITE_COUNT = f"SELECT count(*) FROM [{SQLITE_TABLE}]"
SQLITE_CREATE_INDEX = f"CREATE INDEX IF NOT EXISTS [{SQLITE_INDEX}] ON [{SQLITE_TABLE}] ([{FILTER_COLUMN}])"
SQLITE_DROP_INDEX = f"DROP INDEX IF EXISTS [{SQLITE_INDEX}]"
FILTER_VALUE = "category 07"
FACET_COLUMN = "active"
# wrk runs this Lua script for the "page with one facet" case: each connection asks for the records page,
# then the facet counts, in turn (two requests make one page, as a catalog page would ask them).
ALTERNATE_LUA = """
local paths = {%s, %s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% 2) + 1])
end
"""
WRK = ["wrk", "-t2", "-c16", "-d15s", "--latency"]
THROTTLE = "10000000/minute"
WARM_UP_REQUESTS = 20
READY_SECONDS = 60
TARGET_RATIO = 1.5
TARGET_P99_MS = 60.0
TARGET_EXPORT_RATIO = 0.5
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
SET_DOMAIN_VISIBILITY = """
import os
from datasets.models import Dataset
Dataset.objects.filter(dataset_uid=os.environ["BENCH_DATASET_UID"]).update(visibility=Dataset.Visibility.DOMAIN)
"""


def parse_args() -> argparse.Namespace:
    """``--rows N`` (default 1,000,000)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the CSV (default 1,000,000)")
    return parser.parse_args()


# --- SQLite side -------------------------------------------------------------------------------


def sqlite_rows(path: Path) -> int:
    """Rows of the SQLite table (-1 when the database or the table is missing)."""
    if not path.exists():
        return -1
    with sqlite3.connect(path) as db:
        try:
            return db.execute(SQLITE_COUNT).fetchone()[0]
        except sqlite3.OperationalError:
            return -1


def build_sqlite(csv_path: Path, rows: int) -> Path:
    """The cached SQLite copy of the CSV, built with ``sqlite-utils insert --csv`` (types detected) when missing."""
    if sqlite_rows(SQLITE_DB) == rows:
        print(f"  (SQLite copy cached: {SQLITE_DB})", flush=True)
        return SQLITE_DB
    building = SQLITE_DB.with_name("explore-build.db")
    building.unlink(missing_ok=True)
    started = time.perf_counter()
    # sqlite-utils 4 detects types by default (its --detect-types flag is gone; --no-detect-types turns it off).
    args = [str(VENV_BIN / "sqlite-utils"), "insert", str(building), SQLITE_TABLE, str(csv_path), "--csv"]
    subprocess.run(args, check=True, capture_output=True)
    building.rename(SQLITE_DB)
    print(f"  (sqlite-utils insert --csv of {rows:,} rows: {time.perf_counter() - started:.1f} s)", flush=True)
    return SQLITE_DB


def our_indexes(table: str, column: str) -> list[str]:
    """Definitions of the indexes of ``records.<table>`` led by ``column``."""
    query = f"SELECT indexdef FROM pg_indexes WHERE schemaname = 'records' AND tablename = '{table}'"
    out = subprocess.run([*PSQL, "-At", "-c", query], capture_output=True, text=True, check=True).stdout
    # The column first, possibly followed by record_id (field indexes end with it to serve ordered pages).
    pattern = re.compile(rf'\((?:"{column}"|{column})(?:, record_id)?\)$')
    return [line for line in out.splitlines() if pattern.search(line.strip())]


def mirror_index(path: Path, indexed: bool) -> None:
    """Give the SQLite table an index on the filtered column exactly when ours has one; then ANALYZE both ways."""
    with sqlite3.connect(path) as db:
        db.execute(SQLITE_CREATE_INDEX if indexed else SQLITE_DROP_INDEX)
        db.execute("ANALYZE")


# --- servers -----------------------------------------------------------------------------------


def start_command(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start any command in its own session, its output appended to ``LOG_DIR/<name>.log``."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with (LOG_DIR / f"{name}.log").open("ab") as log:
        log.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(args)}\n".encode())
        log.flush()
        return subprocess.Popen(args, cwd=PROJECT_DIR, env=env, stdout=log, stderr=log, start_new_session=True)


def start_gunicorn(port: int) -> subprocess.Popen[bytes]:
    """Our app as it runs in production: gunicorn, 2 sync workers, DEBUG off, throttles out of the way."""
    env = child_env(
        DEBUG="false",
        HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1",
        API_THROTTLE_ANON=THROTTLE,
        API_THROTTLE_USER=THROTTLE,
    )
    args = [str(VENV_BIN / "gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"]
    return start_command("gunicorn", args, env)


def start_datasette(path: Path, port: int) -> subprocess.Popen[bytes]:
    """Datasette on the SQLite copy, facet suggestions off."""
    args = [str(VENV_BIN / "datasette"), "serve", str(path), "-p", str(port)]
    args += ["--setting", "suggest_facets", "off", "--setting", "default_facet_size", "10"]
    return start_command("datasette", args, child_env())


def summary_of(facet_results) -> list[tuple[str, int]] | str:
    """Datasette's facet values and counts (its facet_results shape changed between 0.x versions), or why
    there are none: past its facet time limit (``facet_time_limit_ms``) Datasette answers without the facet."""
    results = facet_results.get("results", facet_results) if isinstance(facet_results, dict) else facet_results
    facet = results.get(FACET_COLUMN) if isinstance(results, dict) else (results or [None])[0]
    if facet is None:
        timed_out = facet_results.get("timed_out", []) if isinstance(facet_results, dict) else []
        return f"none ({'timed out: ' + ', '.join(timed_out) if timed_out else 'not computed'})"
    return [(item["value"], item["count"]) for item in facet["results"]]


def get_json(url: str) -> dict:
    """GET ``url`` and decode its JSON answer."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def wait_url(name: str, url: str, process: subprocess.Popen[bytes]) -> None:
    """Wait until ``url`` answers 200 (the server ``process`` must stay alive meanwhile)."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with code {process.returncode}; log: {LOG_DIR / f'{name}.log'}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"{name} not ready after {READY_SECONDS} s; log: {LOG_DIR / f'{name}.log'}")


def warm_up(url: str) -> None:
    """A few sequential requests: connections, caches and the query plan are warm before wrk starts."""
    for _ in range(WARM_UP_REQUESTS):
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()


# --- wrk ---------------------------------------------------------------------------------------


def milliseconds(value: str) -> float:
    """A wrk duration such as ``812.00us``, ``4.31ms`` or ``1.02s`` in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise SystemExit(f"unexpected wrk duration {value!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(out: str) -> dict[str, float]:
    """req/s, p50 and p99 (ms), and the non-2xx/3xx and socket error counts from ``wrk --latency`` output."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    if not (rate and p50 and p99):
        raise SystemExit(f"could not read wrk's output:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:\s+connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(rate.group(1)),
        "p50": milliseconds(p50.group(1)),
        "p99": milliseconds(p99.group(1)),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def run_wrk(url: str, script: Path | None = None) -> dict[str, float]:
    """One wrk run against ``url`` (or the paths a Lua ``script`` asks for, on ``url``'s server)."""
    done = subprocess.run([*WRK, *(["-s", str(script)] if script else []), url], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse_wrk(done.stdout)


# --- CSV export --------------------------------------------------------------------------------


def time_export(url: str) -> tuple[float, int] | None:
    """Seconds and bytes of a full streamed download of ``url``; None when it answers 404."""
    started = time.perf_counter()
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=600) as response:
            while chunk := response.read(1024 * 1024):
                size += len(chunk)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise SystemExit(f"GET {url} -> {error.code}: {error.read()[:500]!r}") from None
    return time.perf_counter() - started, size


def field_columns(table: str) -> list[str]:
    """The columns of ``records.<table>`` that an export shows: every field, not record_id nor the fts vector."""
    query = (
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'records' "
        f"AND table_name = '{table}' AND column_name NOT IN ('record_id', 'fts') ORDER BY ordinal_position"
    )
    out = subprocess.run([*PSQL, "-At", "-c", query], capture_output=True, text=True, check=True).stdout
    return out.split()


def time_psql_copy(table: str) -> float:
    """Seconds of ``psql \\copy (select <fields> from records.<table>) to stdout with csv header`` to /dev/null."""
    columns = ", ".join(f'"{name}"' for name in field_columns(table))
    command = f'\\copy (select {columns} from records."{table}") to stdout with csv header'
    started = time.perf_counter()
    with open("/dev/null", "wb") as sink:
        subprocess.run([*PSQL, "-c", command], stdout=sink, check=True)
    return time.perf_counter() - started


# --- report ------------------------------------------------------------------------------------


def print_load(name: str, figures: dict[str, float]) -> None:
    """One line of wrk figures, flagging failed responses (which would make the figures meaningless)."""
    line = f"  {name}: {figures['rps']:,.1f} req/s, p50 {figures['p50']:.2f} ms, p99 {figures['p99']:.2f} ms"
    if figures["non_2xx"] or figures["socket_errors"]:
        line += f"  [INVALID: {figures['non_2xx']} non-2xx/3xx, {figures['socket_errors']} socket errors]"
    print(line, flush=True)


def report_load(title: str, ours: dict[str, float], theirs: dict[str, float], ours_per_page: int = 1) -> None:
    """Both sides, the ratio of pages per second and the targets."""
    print(f"  {title}")
    print_load("ours (Explore API, gunicorn -w 2)", ours)
    print_load("Datasette (table JSON)", theirs)
    pages = ours["rps"] / ours_per_page
    if ours_per_page > 1:
        print(f"  ours: {ours_per_page} requests per page -> {pages:,.1f} pages/s")
    ratio = pages / theirs["rps"]
    print(
        f"  ratio ours / Datasette pages/s: {ratio:.2f}  [target >= {TARGET_RATIO}: {verdict(ratio >= TARGET_RATIO)}]"
    )
    p99_ok = verdict(ours["p99"] <= TARGET_P99_MS)
    print(f"  ours p99 per request: {ours['p99']:.2f} ms  [target <= {TARGET_P99_MS:.0f} ms: {p99_ok}]")


def report_export(export: tuple[float, int] | None, copy_seconds: float, rows: int) -> None:
    """The export figures, or why they are missing."""
    if export is None:
        print("  CSV export: /exports/csv answered 404 (not there yet): skipped")
        return
    seconds, size = export
    print(f"  CSV export (ours, full, streamed): {seconds:.2f} s, {size / 1e6:.0f} MB -> {rows / seconds:,.0f} rows/s")
    baseline = f"{copy_seconds:.2f} s -> {rows / copy_seconds:,.0f} rows/s"
    print(f"  baseline psql \\copy (select <fields>) to stdout csv: {baseline}")
    ratio = copy_seconds / seconds
    met = verdict(ratio >= TARGET_EXPORT_RATIO)
    print(f"  ratio ours / psql rows/s: {ratio:.2f}  [target >= {TARGET_EXPORT_RATIO}: {met}]")


# --- main --------------------------------------------------------------------------------------


def benchmark(dataset_id: str, table: str, rows: int, sqlite_db: Path) -> None:
    """Index mirror, both servers, wrk on each, then the CSV export."""
    indexes = our_indexes(table, FILTER_COLUMN)
    mirror_index(sqlite_db, bool(indexes))
    print(f"  index on {FILTER_COLUMN}: ours {indexes or 'none'}; SQLite {'the same' if indexes else 'none either'}")
    gunicorn = datasette = None
    try:
        ours_port, theirs_port = free_port(), free_port()
        gunicorn = start_gunicorn(ours_port)
        datasette = start_datasette(sqlite_db, theirs_port)
        ours_base, theirs_base = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{theirs_port}"
        wait_url("gunicorn", f"{ours_base}/health", gunicorn)
        wait_url("datasette", f"{theirs_base}/-/versions.json", datasette)
        where = urllib.parse.quote(f'{FILTER_COLUMN}="{FILTER_VALUE}"', safe="")
        ours_url = f"{ours_base}/api/explore/v2.1/catalog/datasets/{dataset_id}/records?where={where}&limit=10"
        value = urllib.parse.quote_plus(FILTER_VALUE)
        theirs_url = f"{theirs_base}/{sqlite_db.stem}/{SQLITE_TABLE}.json?{FILTER_COLUMN}={value}&_size=10"
        ours_page, theirs_page = get_json(ours_url), get_json(theirs_url)
        print(f"  ours:      {ours_url.removeprefix(ours_base)} -> total_count {ours_page['total_count']:,}")
        # Datasette 0.65 names the filtered count filtered_table_rows_count; 1.0 alphas filtered_count.
        theirs_count = theirs_page.get("filtered_table_rows_count", theirs_page.get("filtered_count"))
        print(f"  Datasette: {theirs_url.removeprefix(theirs_base)} -> filtered count {theirs_count:,}")
        warm_up(ours_url)
        warm_up(theirs_url)
        print(f"  wrk: {' '.join(WRK[1:])}", flush=True)
        report_load("page of 10 with its count:", run_wrk(ours_url), run_wrk(theirs_url))
        facets_url = ours_url.replace("/records?", "/facets?").replace("&limit=10", f"&facet={FACET_COLUMN}")
        facet_page = get_json(facets_url)["facets"][0]["facets"]
        theirs_facet_url = f"{theirs_url}&_facet={FACET_COLUMN}"
        their_facet = get_json(theirs_facet_url)["facet_results"]
        print(f"  ours facet {FACET_COLUMN}: {[(f['value'], f['count']) for f in facet_page]}")
        print(f"  Datasette facet {FACET_COLUMN}: {summary_of(their_facet)}")
        warm_up(facets_url)
        warm_up(theirs_facet_url)
        script = CACHE_DIR / "page-with-facet.lua"
        paths = [json.dumps(url.removeprefix(ours_base)) for url in (ours_url, facets_url)]
        script.write_text(ALTERNATE_LUA % tuple(paths))
        report_load(
            f"page of 10 with its count and one facet ({FACET_COLUMN}):",
            run_wrk(ours_base + "/", script),
            run_wrk(theirs_facet_url),
            ours_per_page=2,
        )
        stop(datasette)
        # Through gunicorn: the throttle counts live in Redis, so runserver's default rates would refuse it now.
        workers_before = max(vm_hwm_kb(pid) for pid in descendants(gunicorn.pid)) / 1024
        export = time_export(f"{ours_base}/api/explore/v2.1/catalog/datasets/{dataset_id}/exports/csv")
        report_export(export, time_psql_copy(table) if export else 0.0, rows)
        workers_after = max(vm_hwm_kb(pid) for pid in descendants(gunicorn.pid)) / 1024
        print(f"  gunicorn worker peak RSS: {workers_before:.0f} MB before the export, {workers_after:.0f} MB after")
    finally:
        stop(gunicorn)
        stop(datasette)


def publish(api: Api, file_id: str, worker: subprocess.Popen[bytes]) -> tuple[str, dict]:
    """Create and publish the benchmark dataset; its dataset_uid and the finished job."""
    dataset_uid = create_dataset(api, file_id)
    # The filtered column is a facet, as a publisher would declare it: it gets its btree index here,
    # and mirror_index gives SQLite the same one, so both sides answer from an index.
    facet = {"name": "annotate", "args": {"field": FILTER_COLUMN, "annotation": "facet"}}
    api.call("POST", f"/datasets/{dataset_uid}/fields_specifications/", facet)
    started = time.perf_counter()
    job = api.call("PUT", f"/datasets/{dataset_uid}/publish")
    job = wait_job(api, job["job_uid"], worker)
    print(f"  (publish: {time.perf_counter() - started:.1f} s, job {job['state']})", flush=True)
    return dataset_uid, job


def run(rows: int, path: Path) -> int:
    """Publish as bench/publish.py does, benchmark, and clean up whatever was made."""
    print(f"Explore records query vs Datasette on {rows:,} rows; full CSV export vs psql", flush=True)
    sqlite_db = build_sqlite(path, rows)
    code = 1
    try:
        with bench_stack(path, "bench/explore.py") as stack:
            stack.dataset_uid, job = publish(stack.api, stack.file_id, stack.worker)
            if job["state"] != "done":
                print(f"publish ended {job['state']}: {json.dumps(job['error'])}")
                return code
            manage_shell(SET_DOMAIN_VISIBILITY, BENCH_DATASET_UID=stack.dataset_uid)
            dataset_id = stack.api.call("GET", f"/datasets/{stack.dataset_uid}")["dataset_id"]
            benchmark(dataset_id, job["result"]["table"], rows, sqlite_db)
            code = 0
    finally:
        print(f"  SQLite copy: {sqlite_db}; process logs under {LOG_DIR}")
    return code


def main() -> int:
    args = parse_args()
    return run(args.rows, csv_file(args.rows))


if __name__ == "__main__":
    sys.exit(main())
