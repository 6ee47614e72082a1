"""The ``make run`` server under load: the development server's thread per request must not exhaust PostgreSQL."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from unittest import mock

import django_rq
import pytest

from datasets.models import Dataset
from datasets.services.datasets import dataset_create
from jobs.models import Job
from jobs.services import job_enqueue
from tests.generated_tables import publish_generated
from tests.serving.conftest import database_connections

pytestmark = [pytest.mark.serving, pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]
READERS = 8
SECONDS = float(os.environ.get("SERVING_READ_SECONDS", "120"))
# Each reader's request holds one connection, two while it exports (the export reads on its own); then the
# worker and the reconciler: far under PostgreSQL's 100, where one kept per request thread ran out.
CONNECTION_BOUND = 2 * READERS + 4
PATHS = [
    "/api/explore/v2.1/catalog/datasets/counted/records?limit=10&where=n%3E{n}",
    "/api/explore/v2.1/catalog/datasets/counted/facets?facet=label&where=n%3C{n}",
    "/api/explore/v2.1/catalog/datasets/counted/exports/csv?where=n%3C{n}",
    "/api/explore/v2.1/catalog/datasets/counted",
]


def read_in_a_loop(server, stop: threading.Event, statuses: Counter, lock: threading.Lock, first: int) -> None:
    count = first
    while not stop.is_set():
        path = PATHS[count % len(PATHS)].format(n=count % 500)  # varied queries: no cache answers them all
        status, _body = server.get(path)
        with lock:
            statuses[status] += 1
        count += 1


def test_eight_readers_for_two_minutes_get_no_error_and_connections_stay_bounded(development_server, alice):
    dataset = dataset_create(owner=alice, dataset_id="counted", visibility=Dataset.Visibility.DOMAIN)
    publish_generated(dataset, 20_000)
    statuses, lock, stop = Counter(), threading.Lock(), threading.Event()
    readers = [
        threading.Thread(target=read_in_a_loop, args=(development_server, stop, statuses, lock, n), daemon=True)
        for n in range(READERS)
    ]
    for reader in readers:
        reader.start()
    peak, deadline = 0, time.monotonic() + SECONDS
    try:
        while time.monotonic() < deadline:
            peak = max(peak, database_connections())
            time.sleep(0.5)
    finally:
        stop.set()
        for reader in readers:
            reader.join(30)
    served = sum(statuses.values())
    assert {status for status in statuses if status >= 500} == set(), statuses
    assert statuses[200] == served and served > READERS * 10
    assert peak <= CONNECTION_BOUND, f"{peak} connections at the peak"


def test_a_job_whose_queue_entry_failed_before_it_started_ends_in_error(development_server, alice, redis):
    dataset = dataset_create(owner=alice, dataset_id="stuck")
    with mock.patch("jobs.services.job_send_to_queue"):
        job = job_enqueue(function="publish", dataset=dataset)
    Dataset.objects.filter(pk=dataset.pk).update(status="queued")
    # The worker takes the entry and it fails before the job's body claims the row (as when the worker cannot
    # reach the database): the row stays waiting, the dataset queued, until the reconciler sees it.
    django_rq.get_queue("default").enqueue("json.loads", "not json", job_id=str(job.rq_job_id))
    deadline = time.monotonic() + 40  # the make run reconciler passes every 15 s
    while time.monotonic() < deadline and Job.objects.get(pk=job.pk).state == Job.State.WAITING:
        time.sleep(0.5)
    job.refresh_from_db()
    assert (job.state, job.error["error_key"]) == ("error", "WorkerDiedException")
    assert Dataset.objects.get(pk=dataset.pk).status == "error"
