"""Whole-file check of a large CSV (``POST .../resources/{uid}/check`` as a job), against csv.reader in the same run.

Stores the cached 10-column CSV as an uploaded file, makes it the one resource of a new dataset,
and asks for its check through the service the API view calls: the file is larger than
``RESOURCE_CHECK_SYNC_MAX_BYTES``, so a job is queued, then run by an in-process RQ SimpleWorker on
the benchmarks' own Redis database (``_setup.py``). The check is measured twice: as the dataset
stands (one pass, types inferred) and with a ``type`` field specification on one field (a second
pass converts the declared field, as the publish's load would). Baseline: iterating the same file
with csv.reader. Prints seconds, rows/s and the ratio to the baseline of each (wall clock, and the
process's CPU time, steadier on a busy machine), and checks that the dataset was left unpublished
and idle. The dataset, its file and the jobs are deleted after.

Usage: python bench/resource_check.py [ROWS]   (default 1,000,000)
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _setup import setup_django
from data import csv_file
from targets import NOT_JUDGED, Target, print_targets, verdict

setup_django()

import django_rq  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402

from datasets.models import Dataset, File, PublishedVersion  # noqa: E402
from datasets.services import dataset_create  # noqa: E402
from datasets.services.files import file_discard, file_store  # noqa: E402
from datasets.services.processing import field_specification_add, resource_add  # noqa: E402
from datasets.services.resource_check import resource_check_request  # noqa: E402
from jobs.models import Job  # noqa: E402
from jobs.workers import SimpleWorker  # noqa: E402

USERNAME = "bench-check"
DECLARED = {"name": "type", "args": {"field": "count", "type": "double"}}
TARGET_ROWS, TARGET_SECONDS = 1_000_000, 2.0  # the whole-file check of the 1M-row file: <= 2 s


@dataclass
class Timing:
    """Wall-clock and CPU seconds of one measurement, and the rows it handled."""

    wall: float
    cpu: float
    rows: int

    def rate(self, seconds: float) -> float:
        return self.rows / seconds


@contextmanager
def timing(into: list[float]) -> Iterator[None]:
    """Append the block's wall-clock then CPU seconds to ``into``."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into += [time.perf_counter() - wall, time.process_time() - cpu]


def csv_reader_baseline(path: Path) -> Timing:
    """Iterating every row of the file with csv.reader (the data rows counted)."""
    seconds: list[float] = []
    with timing(seconds), path.open(newline="", encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.reader(handle)) - 1
    return Timing(*seconds, rows)


def timed_check(dataset: Dataset, user) -> tuple[Timing, Job]:
    """From the check request to its job's end (queued, then drained by one in-process SimpleWorker)."""
    queue, seconds = django_rq.get_queue("default"), []
    with timing(seconds):
        outcome = resource_check_request(dataset=dataset, resource=dataset.resources.get(), user=user)
        if outcome.job is None:
            raise SystemExit("the check answered in the request: the file is below RESOURCE_CHECK_SYNC_MAX_BYTES")
        SimpleWorker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")
    job = Job.objects.get(pk=outcome.job.pk)
    if job.state != Job.State.DONE:
        raise SystemExit(f"check job ended {job.state}: {job.error}")
    return Timing(*seconds, job.result["records"]), job


def report(label: str, measured: Timing, job: Job, baseline: Timing) -> None:
    result = job.result
    wall, cpu = measured.rate(measured.wall), measured.rate(measured.cpu)
    passes = "+".join(phase["name"] for phase in job.progresses)
    print(f"  check, {label}: {measured.wall:.2f} s -> {wall:,.0f} rows/s (CPU {measured.cpu:.2f} s; passes {passes})")
    ratio_wall, ratio_cpu = wall / baseline.rate(baseline.wall), cpu / baseline.rate(baseline.cpu)
    print(f"    ratio to csv.reader: {ratio_wall:.2f} (CPU time: {ratio_cpu:.2f})")
    errors, encoding = result["record_error_count"], result["encoding"]
    print(f"    records {result['records']:,}, record errors {errors}, encoding {encoding}")
    print("    types: " + ", ".join(f"{field['name']}:{field['type']}" for field in result["fields"]))


def check_target(measured: Timing, baseline: Timing) -> Target:
    """The whole-file check (types inferred, one pass) against its target, which is set at TARGET_ROWS rows."""
    judged = measured.rows == TARGET_ROWS
    return Target(
        f"whole-file check, {measured.rows:,} rows x 10 columns",
        f"{measured.wall:.2f} s",
        f"<= {TARGET_SECONDS:g} s" if judged else f"(set at {TARGET_ROWS:,} rows)",
        f"csv.reader {baseline.wall:.2f} s",
        f"{measured.wall / baseline.wall:.2f}",
        verdict(measured.wall <= TARGET_SECONDS) if judged else NOT_JUDGED,
    )


def unchanged(dataset: Dataset) -> str:
    """'yes' when the checks left the dataset idle, unpublished and without a version."""
    dataset.refresh_from_db()
    versions = PublishedVersion.objects.filter(dataset=dataset).count()
    clean = (dataset.status, dataset.is_published, versions) == (Dataset.Status.IDLE, False, 0)
    return "yes" if clean else f"NO: status {dataset.status}, published {dataset.is_published}, {versions} versions"


def cleanup(dataset: Dataset | None, file: File | None) -> None:
    if dataset is not None:
        Job.objects.filter(dataset=dataset).delete()
        dataset.delete()
    if file is not None:
        file.delete()
        file_discard(file)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    path = csv_file(rows)
    print(f"whole-file resource check of a {rows:,}-row, 10-column CSV ({path.stat().st_size / 1e6:.0f} MB), as a job")
    django_rq.get_connection("default").flushdb()
    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    dataset = file = None
    try:
        with path.open("rb") as stream:
            file = file_store(owner=user, stream=stream, filename=path.name)
        dataset = dataset_create(owner=user)
        resource_add(dataset=dataset, body={"url": file.url, "type": "csvfile"}, user=user)
        baseline = csv_reader_baseline(path)
        inferred = timed_check(dataset, user)
        field_specification_add(dataset=dataset, body=DECLARED, user=user)
        declared = timed_check(dataset, user)
        rate, cpu = baseline.rate(baseline.wall), baseline.cpu
        print(f"  baseline csv.reader iterate only: {baseline.wall:.2f} s -> {rate:,.0f} rows/s (CPU {cpu:.2f} s)")
        report("types inferred (one pass)", *inferred, baseline)
        report("one declared type (second, conversion pass)", *declared, baseline)
        print(f"  dataset left idle, unpublished, without a version: {unchanged(dataset)}")
        print_targets([check_target(inferred[0], baseline)])
    finally:
        cleanup(dataset, file)


if __name__ == "__main__":
    main()
