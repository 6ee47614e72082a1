import re

import pytest
from django.db import IntegrityError, transaction

from jobs.models import Job


@pytest.fixture
def job(db):
    return Job.objects.create(function="ping", params={"message": "hi"})


def test_new_job_is_waiting_with_a_public_uid(job):
    assert re.fullmatch(r"jo_[a-z0-9]{10}", job.job_uid)
    assert job.state == Job.State.WAITING
    assert job.is_active
    assert job.rq_job_id is not None


def test_start_claims_a_waiting_job_once(job):
    assert job.start() is True
    assert job.started_at is not None
    other_copy = Job.objects.get(pk=job.pk)
    other_copy.state = Job.State.WAITING  # a stale in-memory copy held by a second worker
    assert other_copy.start() is False
    assert Job.objects.get(pk=job.pk).state == Job.State.STARTED


def test_finish_stores_result_and_end_time(job):
    job.start()
    job.mark_running()
    assert job.finish({"records": 3}) is True
    stored = Job.objects.get(pk=job.pk)
    assert (stored.state, stored.result) == (Job.State.DONE, {"records": 3})
    assert stored.finished_at >= stored.started_at


def test_an_ended_job_cannot_be_moved_again(job):
    job.start()
    job.finish({"records": 3})
    assert job.fail({"error_key": "X"}) is False
    assert job.abort() is False
    assert job.set_progresses([{"name": "load", "done": 1, "total": 2, "unit": "rows"}]) is False
    stored = Job.objects.get(pk=job.pk)
    assert (stored.state, stored.error, stored.progresses) == (Job.State.DONE, None, [])


def test_progress_is_written_while_active(job):
    job.start()
    progresses = [{"name": "load", "done": 10, "total": 20, "unit": "rows"}]
    assert job.set_progresses(progresses) is True
    assert Job.objects.get(pk=job.pk).progresses == progresses


def test_abort_ends_a_waiting_job_so_no_worker_starts_it(job):
    assert job.abort() is True
    assert Job.objects.get(pk=job.pk).start() is False
    assert Job.objects.get(pk=job.pk).state == Job.State.ABORTED


def test_database_allows_one_active_job_per_dataset(public_dataset):
    first = Job.objects.create(function="ping", dataset=public_dataset)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(function="ping", dataset=public_dataset)
    first.start()
    first.finish({})
    second = Job.objects.create(function="ping", dataset=public_dataset)
    assert second.is_active
    assert Job.objects.filter(dataset=public_dataset).count() == 2


def test_jobs_without_dataset_are_not_limited(db):
    Job.objects.create(function="ping")
    Job.objects.create(function="ping")
    assert Job.objects.filter(state=Job.State.WAITING).count() == 2
