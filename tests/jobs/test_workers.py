"""Real worker processes: a SIGKILLed publish, two workers at once, concurrent publish requests."""

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import django_rq
import psycopg
import pytest
from django.db import connection
from rq.job import Job as RQJob

from datasets.models import Dataset, PublishedVersion
from datasets.services.files import file_store
from jobs.models import Job
from jobs.reconciler import reconcile_jobs
from tests.conftest import assert_status, basic_client, redis_url_for_tests

PROJECT_DIR = Path(__file__).resolve().parents[2]
BASE = "/api/management/v2"
pytestmark = pytest.mark.django_db(transaction=True)


def big_csv(rows: int) -> bytes:
    return b"name,year,score\n" + b"".join(b"row %d,%d,%d.5\n" % (n, 1900 + n % 120, n) for n in range(rows))


def worker_env(settings) -> dict:
    db = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url_for_tests(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PUBLISH_BATCH_ROWS": "2000",
    }


def start_worker(settings, *args: str) -> subprocess.Popen:
    command = [sys.executable, "manage.py", "rqworker", "default", *args]
    return subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=worker_env(settings),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def dataset_with_rows(api, alice, dataset_id: str, rows: int) -> str:
    file = file_store(owner=alice, stream=io.BytesIO(big_csv(rows)), filename=f"{dataset_id}.csv")
    uid = assert_status(api.post(f"{BASE}/datasets/", {"dataset_id": dataset_id}, format="json"), 201)["dataset_uid"]
    body = {"url": file.url, "type": "csvfile"}
    assert_status(api.post(f"{BASE}/datasets/{uid}/resources/", body, format="json"), 201)
    return uid


def records_tables(uid: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'records' AND tablename LIKE %s", [f"{uid}_%"]
        )
        return sorted(row[0] for row in cursor.fetchall())


class Reader(threading.Thread):
    """Counts the served records of a dataset in a loop, on a connection of its own, as the public would."""

    def __init__(self, uid: str) -> None:
        super().__init__(daemon=True)
        self.uid, self.counts, self.stop = uid, [], threading.Event()
        params = connection.get_connection_params()
        self.conn = psycopg.connect(**params, autocommit=True)

    def run(self) -> None:
        while not self.stop.is_set():
            table = self.conn.execute(
                "SELECT v.table_name FROM datasets_dataset d JOIN datasets_publishedversion v "
                "ON v.id = d.current_version_id WHERE d.dataset_uid = %s",
                [self.uid],
            ).fetchone()[0]
            query = psycopg.sql.SQL("SELECT count(*) FROM records.{}").format(psycopg.sql.Identifier(table))
            self.counts.append(self.conn.execute(query).fetchone()[0])
            time.sleep(0.01)


def wait_for(predicate, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.02)


def horse_of(worker: subprocess.Popen) -> int:
    """The pid of the work horse a forking RQ worker runs its job in."""
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(worker.pid)], capture_output=True, text=True)
    return int(children.stdout.split()[0])


def kill_whole_worker(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)


def kill_work_horse(worker: subprocess.Popen) -> None:
    """Only the horse dies; the worker process notices and reports the job failed to RQ."""
    os.kill(horse_of(worker), signal.SIGKILL)
    time.sleep(1.5)


@pytest.mark.parametrize("kill", [kill_whole_worker, kill_work_horse], ids=["whole worker", "work horse"])
def test_a_sigkilled_worker_leaves_the_previous_version_served_and_ends_in_error(
    chief_api, alice, redis, run_worker, settings, kill
):
    uid = dataset_with_rows(chief_api, alice, "kill-me", 2_000)
    assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 202)
    run_worker()
    first = Dataset.objects.get(dataset_uid=uid).current_version
    assert first.record_count == 2_000

    resource = Dataset.objects.get(dataset_uid=uid).resources.get()
    bigger = file_store(owner=alice, stream=io.BytesIO(big_csv(400_000)), filename="bigger.csv")
    body = {"url": bigger.url, "type": "csvfile"}
    assert_status(chief_api.put(f"{BASE}/datasets/{uid}/resources/{resource.resource_uid}", body, format="json"), 200)
    job = assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 202)

    reader = Reader(uid)
    reader.start()
    worker = start_worker(settings)
    try:

        def loading():
            progresses = Job.objects.get(job_uid=job["job_uid"]).progresses
            return any(phase["name"] == "load" and phase["done"] > 0 for phase in progresses)

        wait_for(loading, 60, "the publish never reached its load phase")
        kill(worker)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)

    settings.WORKER_DEAD_AFTER = 1
    time.sleep(1.5)
    assert reconcile_jobs()["failed"] == [job["job_uid"]]
    time.sleep(0.2)
    reader.stop.set()
    reader.join(5)

    assert reader.counts and set(reader.counts) == {2_000}
    failed = Job.objects.get(job_uid=job["job_uid"])
    assert (failed.state, failed.error["error_key"]) == ("error", "WorkerDiedException")
    dataset = Dataset.objects.get(dataset_uid=uid)
    assert (dataset.status, dataset.current_version_id) == ("error", first.pk)
    assert records_tables(uid) == [first.table_name]


def test_two_workers_publish_two_datasets_at_once(chief_api, alice, redis, settings):
    uids = [dataset_with_rows(chief_api, alice, f"parallel-{n}", 60_000) for n in range(2)]
    jobs = [assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 202) for uid in uids]
    workers = [start_worker(settings, "--burst") for _ in range(2)]
    for worker in workers:
        output, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0, output.decode()[-2000:]

    for uid, job in zip(uids, jobs, strict=True):
        stored = Job.objects.get(job_uid=job["job_uid"])
        assert stored.state == "done", stored.error
        assert Dataset.objects.get(dataset_uid=uid).current_version.record_count == 60_000
    rq_jobs = [RQJob.fetch(str(Job.objects.get(job_uid=job["job_uid"]).rq_job_id), connection=redis) for job in jobs]
    assert rq_jobs[0].worker_name != rq_jobs[1].worker_name


def test_concurrent_publish_requests_start_one_job(chief_api, alice, redis):
    uid = dataset_with_rows(chief_api, alice, "racy", 10)
    barrier, statuses = threading.Barrier(4), []

    def request():
        client = basic_client("chief", "chief-password-1")
        barrier.wait()
        statuses.append(client.put(f"{BASE}/datasets/{uid}/publish").status_code)
        connection.close()

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [202, 400, 400, 400]
    assert Job.objects.filter(dataset__dataset_uid=uid).count() == 1
    assert django_rq.get_queue("default").count == 1
    assert PublishedVersion.objects.count() == 0
