"""Soak: concurrent readers of a large dataset while it is republished, and a worker SIGKILLed mid-load.

Runs the production stack against a throw-away database (``serving.workspace``): gunicorn with
``config/gunicorn.conf.py`` (2 gthread workers), two ``rqworker default`` and the reconciler
(``jobs_reconcile --loop 15``, which drops retired records tables after ``RETIRED_TABLE_GRACE_SECONDS``, set
to ``SOAK_RETIRED_GRACE_SECONDS``, 20 s by default, so drops happen under load). The cached 10-column CSV of
``SOAK_ROWS`` rows (bench/data.py, generated under var/bench/ when missing) is uploaded through the management
API and is the resource of the main dataset; an ``add_field`` processor gives every row a ``version`` column
(``v0``, ``v1``, …) changed before each publish, so an answer shows which version it came from. A second
dataset, there to be killed in, reads a CSV of a fifth of the rows the same way.

Both datasets are published once, then ``SOAK_READERS`` threads (default 12: two in three ask records pages, one
in six the ``version`` facet, one in six full CSV exports) read the main one without pause: first a baseline
phase of ``SOAK_BASELINE_SECONDS`` (20) with no publish, then while the main dataset is republished
``SOAK_REPUBLISHES`` times (5). During the first republish, the worker that is not running it takes a publish
of the second dataset and is SIGKILLed (with its work horse) mid-load: that job must end in error through the
reconciler (after ``WORKER_DEAD_AFTER``, 90 s, ``SOAK_WORKER_DEAD_AFTER`` to change it) while the second dataset
keeps serving its previous version, and the republish sequence goes on in the remaining worker.

Prints the answers per kind, 5xx (goal 0), truncated exports (goal 0: rows = the version's record count and
a complete last line), answers mixing versions (goal 0) and reads going back to an older version, the
records latency p50/p99 during publishes and around swaps against the baseline phase, and the ratio.
The HTTP clients are the standard library's (http.client in threads).

Usage: python bench/soak.py   (env: SOAK_ROWS, SOAK_READERS, SOAK_REPUBLISHES, SOAK_BASELINE_SECONDS,
SOAK_RETIRED_GRACE_SECONDS, SOAK_WORKER_DEAD_AFTER; BENCH_REDIS_URL; DATABASE_URL names the PostgreSQL server)
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import time
from base64 import b64encode
from dataclasses import dataclass, field
from pathlib import Path

from data import csv_file
from publish import TERMINAL_STATES, Api, ApiError
from serving import (
    ENSURE_SUPERUSER,
    GUNICORN,
    LOG_DIR,
    Answer,
    Processes,
    Workspace,
    descendants,
    free_port,
    get,
    percentile,
    wait_health,
    workspace,
)
from soak_readers import EXPLORE, MAIN, READ_PATHS, Observation, Readers, records_check, version_number

ROWS = int(os.environ.get("SOAK_ROWS", "1000000"))
READERS = int(os.environ.get("SOAK_READERS", "12"))
REPUBLISHES = int(os.environ.get("SOAK_REPUBLISHES", "5"))
BASELINE_SECONDS = float(os.environ.get("SOAK_BASELINE_SECONDS", "20"))
SECOND_ROWS = max(100_000, ROWS // 5)
RETIRED_GRACE_SECONDS = int(os.environ.get("SOAK_RETIRED_GRACE_SECONDS", "20"))
# The production default (90 s) unless SOAK_WORKER_DEAD_AFTER says otherwise; passed to the processes so the wait
# for the killed job matches it.
WORKER_DEAD_AFTER = int(os.environ.get("SOAK_WORKER_DEAD_AFTER", "90"))
RECONCILE_SECONDS = 15
SECOND = "soak-second"
POLL_SECONDS = 0.2
KILL_POLL_SECONDS = 0.05
# Seconds either side of an observed swap window: the job is polled, so its edges are known to a poll.
SWAP_MARGIN = POLL_SECONDS + 0.05
JOB_WAIT_SECONDS = 900


# --- the management side ----------------------------------------------------------------------------


@dataclass
class Publish:
    """One publish job as the benchmark saw it (monotonic times): asked, swap phase first seen, ended."""

    label: str
    job_uid: str
    asked: float
    swap_seen: float | None = None
    ended: float | None = None
    job: dict = field(default_factory=dict)

    def window(self) -> tuple[float, float]:
        return self.asked, self.ended or time.monotonic()

    def swap_window(self) -> tuple[float, float] | None:
        if self.ended is None or self.job.get("state") != "done":
            return None
        return (self.swap_seen or self.ended) - SWAP_MARGIN, self.ended + SWAP_MARGIN


def phase_done(job: dict, name: str) -> int:
    return next((phase["done"] for phase in job.get("progresses", []) if phase["name"] == name), 0)


def ask_publish(api: Api, uid: str, label: str) -> Publish:
    asked = time.monotonic()
    job = api.call("PUT", f"/datasets/{uid}/publish")
    return Publish(label, job["job_uid"], asked)


def poll(api: Api, publish: Publish) -> dict:
    """One look at the job; notes when its index phase is over (the swap comes next) and when it ended."""
    job = api.call("GET", f"/jobs/{publish.job_uid}")
    now = time.monotonic()
    if publish.swap_seen is None and phase_done(job, "index"):
        publish.swap_seen = now
    if job["state"] in TERMINAL_STATES and publish.ended is None:
        publish.ended, publish.job = now, job
    return job


def wait_publish(api: Api, publish: Publish, processes: Processes) -> dict:
    deadline = time.monotonic() + JOB_WAIT_SECONDS
    while publish.ended is None:
        processes.check_alive()
        if time.monotonic() > deadline:
            raise SystemExit(f"{publish.label}: job {publish.job_uid} not finished after {JOB_WAIT_SECONDS} s")
        poll(api, publish)
        time.sleep(POLL_SECONDS)
    return publish.job


def create_dataset(api: Api, dataset_id: str, file_id: str) -> tuple[str, str]:
    """A domain-visible dataset with the CSV as resource and an ``add_field`` processor writing ``version``;
    its dataset_uid and the processor's uid."""
    body = {"dataset_id": dataset_id, "visibility": "domain", "metas": {"default": {"title": f"Soak: {dataset_id}"}}}
    uid = api.call("POST", "/datasets/", body)["dataset_uid"]
    api.call("POST", f"/datasets/{uid}/resources/", {"url": f"odsfile://{file_id}", "type": "csvfile"})
    processor = {"name": "add_field", "args": {"field": "version", "value": "v0"}}
    return uid, api.call("POST", f"/datasets/{uid}/processors/", processor)["processor_uid"]


def set_version(api: Api, uid: str, processor_uid: str, version: int) -> None:
    processor = {"name": "add_field", "args": {"field": "version", "value": f"v{version}"}}
    api.call("PUT", f"/datasets/{uid}/processors/{processor_uid}", processor)


# --- the worker killed mid-load ----------------------------------------------------------------------


@dataclass
class KilledPublish:
    """The second dataset's publish, in the worker that is SIGKILLed during its load phase."""

    uid: str
    publish: Publish | None = None
    worker: str | None = None
    rows_at_kill: int | None = None
    killed_at: float | None = None
    serving_after_kill: str = ""
    serving_after_error: str = ""
    failed_after: float | None = None
    error_key: str | None = None
    status_after: str | None = None
    tables_after: list[str] = field(default_factory=list)
    problem: str | None = None


def idle_worker(processes: Processes, workers: list[str]) -> str | None:
    """The worker without a work horse (the other one is running the main publish)."""
    idle = [name for name in workers if name in processes.running and not descendants(processes.running[name].pid)]
    return idle[0] if len(idle) == 1 else None


def serving_of(port: int, dataset_id: str) -> str:
    """What ``dataset_id`` serves: ``v<n>, <total_count> rows`` or the failure."""
    answer = get(port, f"{EXPLORE}/{dataset_id}/records?limit=5")
    if answer.status != 200:
        return f"status {answer.status} {answer.error or answer.body[:200]!r}"
    version, count, problem = records_check(answer.body)
    return problem or f"{version}, {count:,} rows"


def kill_mid_load(run: Run, killed: KilledPublish, main_publish: Publish) -> None:
    """While the main publish runs, publish the second dataset in the idle worker and SIGKILL that worker
    (and its work horse) once the load has written its first batch; then follow the job to its end."""
    api, processes = run.api, run.processes
    while run.busy_worker_wait(main_publish):
        time.sleep(KILL_POLL_SECONDS)
    killed.worker = idle_worker(processes, run.workers)
    if killed.worker is None:
        killed.problem = "could not tell which worker runs the main publish"
        return
    killed.publish = ask_publish(api, killed.uid, "killed publish")
    while killed.killed_at is None:
        job = poll(api, killed.publish)
        if killed.publish.ended is not None or phase_done(job, "index"):
            killed.problem = f"the load phase was over before the kill (job {job['state']})"
            return
        if job["state"] == "running" and phase_done(job, "load") > 0:
            processes.kill(killed.worker)
            killed.killed_at, killed.rows_at_kill = time.monotonic(), phase_done(job, "load")
        time.sleep(KILL_POLL_SECONDS)
    killed.serving_after_kill = serving_of(run.port, SECOND)
    follow_killed_job(run, killed)


def follow_killed_job(run: Run, killed: KilledPublish) -> None:
    """Poll the killed job until the reconciler ends it (bounded), then look at the second dataset."""
    assert killed.publish is not None and killed.killed_at is not None
    deadline = killed.killed_at + WORKER_DEAD_AFTER + 3 * RECONCILE_SECONDS + 30
    while killed.publish.ended is None and time.monotonic() < deadline:
        poll(run.api, killed.publish)
        time.sleep(1)
    if killed.publish.ended is None:
        killed.problem = (
            f"job still {killed.publish.job.get('state', 'running')} {deadline - killed.killed_at:.0f} s after the kill"
        )
        return
    job = killed.publish.job
    killed.failed_after = killed.publish.ended - killed.killed_at
    killed.error_key = (job.get("error") or {}).get("error_key")
    killed.status_after = run.api.call("GET", f"/datasets/{killed.uid}/status")["name"]
    killed.serving_after_error = serving_of(run.port, SECOND)
    killed.tables_after = records_tables(run.space, killed.uid)


def records_tables(space: Workspace, uid: str) -> list[str]:
    import psycopg

    with psycopg.connect(space.database_url) as db:
        rows = db.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'records' AND tablename LIKE %s ORDER BY 1",
            [f"{uid}\\_v%"],
        ).fetchall()
    return [row[0] for row in rows]


# --- the run ----------------------------------------------------------------------------------------


@dataclass
class Run:
    space: Workspace
    processes: Processes
    port: int
    api: Api
    workers: list[str]
    publishes: list[Publish] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    baseline: tuple[float, float] = (0.0, 0.0)

    def busy_worker_wait(self, publish: Publish) -> bool:
        """True while the main publish has not reached a worker yet."""
        job = poll(self.api, publish)
        return job["state"] == "waiting"

    def record(self, publish: Publish, version: int) -> None:
        job = publish.job
        if job.get("state") != "done":
            raise SystemExit(f"{publish.label} ended {job.get('state')}: {json.dumps(job.get('error'))[:2000]}")
        self.counts[f"v{version}"] = job["result"]["records"]


def start_stack(space: Workspace, processes: Processes) -> int:
    """gunicorn as in production (the config file, 2 workers), two workers and the reconciler."""
    port = free_port()
    size = csv_file(ROWS).stat().st_size
    env = space.env(
        PORT=str(port),
        WEB_WORKERS="2",
        WEB_ACCESS_LOG="",
        RETIRED_TABLE_GRACE_SECONDS=str(RETIRED_GRACE_SECONDS),
        WORKER_DEAD_AFTER=str(WORKER_DEAD_AFTER),
        UPLOAD_MAX_BYTES=str(max(240 * 1024 * 1024, size + (1 << 20))),
    )
    processes.start("web", [GUNICORN, "-c", "config/gunicorn.conf.py", "config.wsgi"], env)
    for name in ("worker-1", "worker-2"):
        processes.manage(name, ["rqworker", "default"], env)
    processes.manage("reconciler", ["jobs_reconcile", "--loop", str(RECONCILE_SECONDS)], env)
    wait_health(port, processes)
    return port


def upload(api: Api, path: Path) -> str:
    started = time.perf_counter()
    file_id = api.upload(path)["file_id"]
    print(f"  (upload of {path.stat().st_size / 1e6:.0f} MB: {time.perf_counter() - started:.1f} s)", flush=True)
    return file_id


def prepare(run: Run, path: Path) -> tuple[tuple[str, str], str]:
    """Upload the CSVs, create both datasets and publish them once (v0), side by side in the two workers.

    The second dataset, only there for its publish to be killed mid-load, reads a fifth of the rows (at least
    100,000): its load lasts long enough to be killed in, and its publishes take less from the main sequence."""
    main = create_dataset(run.api, MAIN, upload(run.api, path))
    second_uid, _ = create_dataset(run.api, SECOND, upload(run.api, csv_file(SECOND_ROWS)))
    started = time.perf_counter()
    first = [ask_publish(run.api, main[0], "v0"), ask_publish(run.api, second_uid, "second v0")]
    for publish in first:
        wait_publish(run.api, publish, run.processes)
    run.record(first[0], 0)
    if first[1].job.get("state") != "done":
        raise SystemExit(f"the second dataset's publish ended {first[1].job.get('state')}")
    print(f"  (both datasets published, v0, in {time.perf_counter() - started:.1f} s)", flush=True)
    return main, second_uid


def republish(run: Run, main: tuple[str, str], killed: KilledPublish) -> threading.Thread:
    """The republish sequence v1..vN; the first one also starts the kill of the other worker in a thread."""
    uid, processor_uid = main
    killer = threading.Thread(target=lambda: None)
    for version in range(1, REPUBLISHES + 1):
        set_version(run.api, uid, processor_uid, version)
        publish = ask_publish(run.api, uid, f"v{version}")
        run.publishes.append(publish)
        if version == 1:
            killer = threading.Thread(target=kill_mid_load, args=(run, killed, publish), daemon=True)
            killer.start()
        wait_publish(run.api, publish, run.processes)
        run.record(publish, version)
        timings = publish.job["result"]["timings"]
        phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
        print(f"  republish v{version}: {publish.ended - publish.asked:.1f} s ({phases})", flush=True)
    return killer


def run_soak(space: Workspace, processes: Processes, path: Path) -> int:
    password = secrets.token_urlsafe(24)
    space.shell(ENSURE_SUPERUSER, BENCH_USERNAME="bench", BENCH_PASSWORD=password)
    port = start_stack(space, processes)
    api = Api(f"http://127.0.0.1:{port}", "Basic " + b64encode(f"bench:{password}".encode()).decode())
    run = Run(space, processes, port, api, ["worker-1", "worker-2"])
    main, second_uid = prepare(run, path)
    killed = KilledPublish(second_uid)
    readers = Readers(port)
    readers.start(READERS)
    started = time.monotonic()
    print(f"  baseline: {READERS} readers, no publish, {BASELINE_SECONDS:.0f} s", flush=True)
    time.sleep(BASELINE_SECONDS)
    run.baseline = (started, time.monotonic())
    killer = threading.Thread(target=lambda: None)
    try:
        killer = republish(run, main, killed)
        time.sleep(2)  # the readers see the last version for a moment
    finally:
        readers.stop()
    main_tables = records_tables(space, main[0])
    killer.join(WORKER_DEAD_AFTER + 4 * RECONCILE_SECONDS + 60)
    report(run, readers, killed, main_tables, time.monotonic() - started)
    return 0


# --- report -----------------------------------------------------------------------------------------


def overlaps(answer: Answer, windows: list[tuple[float, float]]) -> bool:
    return any(answer.started <= end and answer.ended >= start for start, end in windows)


def latency_line(name: str, answers: list[Answer]) -> float:
    milliseconds = [answer.milliseconds for answer in answers]
    p50, p99 = percentile(milliseconds, 0.5), percentile(milliseconds, 0.99)
    print(f"    {name}: {len(answers):,} requests, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    return p99


def report_latency(run: Run, readers: Readers, killed: KilledPublish) -> None:
    """Records latency in the baseline phase, during any publish job, and around the main dataset's swaps."""
    records = [o.answer for o in readers.observations if o.kind == "records" and o.answer.status == 200]
    start, end = run.baseline
    publishes = run.publishes + ([killed.publish] if killed.publish else [])
    swaps = [window for window in (p.swap_window() for p in run.publishes) if window]
    print("  records latency:")
    base = latency_line("baseline (no publish)", [a for a in records if a.started >= start and a.ended <= end])
    during = latency_line("during publish jobs", [a for a in records if overlaps(a, [p.window() for p in publishes])])
    around = latency_line(f"around swaps (±{SWAP_MARGIN:.2f} s)", [a for a in records if overlaps(a, swaps)])
    if base:
        print(
            f"  ratio p99 during publishes / baseline: {during / base:.2f}; "
            f"around swaps / baseline: {around / base:.2f}"
        )


def answer_problems(run: Run, observation: Observation) -> str | None:
    """A problem of the answer, including a count that is not its version's record count."""
    if observation.problem or observation.version is None:
        return observation.problem
    expected = run.counts.get(observation.version)
    if expected is not None and observation.count != expected:
        return f"{observation.count} rows for {observation.version} of {expected:,} records"
    return None


def report_reads(run: Run, readers: Readers) -> None:
    kinds = list(READ_PATHS)
    served = {kind: [o for o in readers.observations if o.kind == kind] for kind in kinds}
    print("  answers: " + ", ".join(f"{kind} {len(served[kind]):,}" for kind in kinds))
    bad_status = [o for o in readers.observations if o.answer.status >= 500]
    other = [o for o in readers.observations if 0 < o.answer.status < 500 and o.answer.status != 200]
    failed = [o for o in readers.observations if o.answer.status == 0]
    print(f"  5xx: {len(bad_status)}  [goal 0]; other non-200: {len(other)}; connection failures: {len(failed)}")
    for observation in (bad_status + other + failed)[:5]:
        print(f"    {observation.kind}: {observation.answer.status} {observation.answer.error or ''}")
    exports = [o for o in served["export"] if o.answer.status == 200]
    truncated = [o for o in exports if o.truncated or (o.count != run.counts.get(o.version or "", o.count))]
    print(
        f"  exports read whole: {len(exports) - len(truncated)} of {len(exports)}; "
        f"truncated: {len(truncated)}  [goal 0]"
    )
    problems = [(o.kind, answer_problems(run, o)) for o in readers.observations if o.answer.status == 200]
    problems = [(kind, text) for kind, text in problems if text]
    print(f"  answers mixing versions or with a wrong count: {len(problems)}  [goal 0]")
    for kind, text in problems[:5]:
        print(f"    {kind}: {text}")
    print(f"  reads going back to an older version (per reader): {len(readers.backwards)}  [goal 0]")
    seen = sorted({o.version for o in readers.observations if o.version}, key=lambda v: version_number(v) or -1)
    print(f"  versions seen by the readers: {', '.join(seen)}")


def report_killed(killed: KilledPublish) -> None:
    print(f"  worker SIGKILLed mid-load ({killed.worker}, publish of {SECOND}):")
    if killed.rows_at_kill is not None:
        print(f"    killed after {killed.rows_at_kill:,} rows loaded")
    if killed.problem:
        print(f"    PROBLEM: {killed.problem}")
        return
    state = killed.publish.job.get("state") if killed.publish else None
    print(
        f"    job ended {state} ({killed.error_key}) {killed.failed_after:.0f} s after the kill; "
        f"dataset status {killed.status_after}"
    )
    print(
        f"    {SECOND} served right after the kill: {killed.serving_after_kill}; "
        f"after the error: {killed.serving_after_error}"
    )
    print(f"    its records tables after the error: {killed.tables_after}")


def report(run: Run, readers: Readers, killed: KilledPublish, main_tables: list[str], seconds: float) -> None:
    print(f"results ({ROWS:,} rows, {READERS} readers, {REPUBLISHES} republishes, {seconds:.0f} s of reads):")
    report_reads(run, readers)
    report_latency(run, readers, killed)
    report_killed(killed)
    print(
        f"  {MAIN} records tables at the end of the republishes: {len(main_tables)} (1 served, the retired ones "
        f"within their {RETIRED_GRACE_SECONDS} s grace)"
    )


def main() -> int:
    path = csv_file(ROWS)
    print(
        f"soak: {READERS} readers of a {ROWS:,}-row dataset republished {REPUBLISHES} times, a worker killed mid-load",
        flush=True,
    )
    processes = Processes("soak")
    try:
        with workspace("soak") as space:
            try:
                return run_soak(space, processes, path)
            except ApiError as error:
                print(f"management API: {error}")
                return 1
            finally:
                processes.stop_all()
    finally:
        print(f"  CSV: {path}; process logs under {LOG_DIR}")


if __name__ == "__main__":
    sys.exit(main())
