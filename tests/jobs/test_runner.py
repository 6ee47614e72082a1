import logging

import pytest

from core.errors import ManagementAPIError
from jobs.models import Job
from jobs.runner import run_job


class DatasetTooBig(ManagementAPIError):
    error_key = "DatasetTooBigException"
    raw_message = "Dataset has {count} records, more than {limit}"


@pytest.fixture
def job(db):
    return Job.objects.create(function="ping", params={"message": "hi"})


def test_body_result_is_stored_and_job_done(job):
    seen_states = []

    def body(running_job):
        seen_states.append(Job.objects.get(pk=running_job.pk).state)
        return {"echo": running_job.params["message"]}

    run_job(job.pk, body)
    job.refresh_from_db()
    assert seen_states == [Job.State.RUNNING]
    assert (job.state, job.result, job.error) == (Job.State.DONE, {"echo": "hi"}, None)
    assert job.started_at <= job.finished_at


def test_domain_error_stores_its_own_envelope(job):
    def body(running_job):
        raise DatasetTooBig(count=12, limit=10)

    run_job(job.pk, body)
    job.refresh_from_db()
    assert job.state == Job.State.ERROR
    assert job.error == {
        "status_code": 400,
        "error_key": "DatasetTooBigException",
        "message": "Dataset has 12 records, more than 10",
        "raw_message": "Dataset has {count} records, more than {limit}",
        "raw_params": {"count": 12, "limit": 10},
    }
    assert job.finished_at is not None


def test_unexpected_error_is_logged_stored_generically_and_reraised(job, caplog):
    def body(running_job):
        raise KeyError("secret internals")

    with caplog.at_level(logging.ERROR, logger="jobs.runner"), pytest.raises(KeyError):
        run_job(job.pk, body)
    job.refresh_from_db()
    assert job.state == Job.State.ERROR
    assert job.error["error_key"] == "InternalErrorException"
    assert job.error["status_code"] == 500
    assert "secret internals" not in job.error["message"]
    assert job.job_uid in job.error["message"]
    assert "secret internals" in caplog.text


def test_a_job_delivered_twice_runs_once(job):
    calls = []
    run_job(job.pk, lambda running_job: calls.append(1) or {})
    run_job(job.pk, lambda running_job: calls.append(2) or {})
    assert calls == [1]


def test_an_aborted_job_is_not_run(job):
    job.abort()
    calls = []
    run_job(job.pk, lambda running_job: calls.append(1) or {})
    assert calls == []
    assert Job.objects.get(pk=job.pk).state == Job.State.ABORTED


def test_a_missing_row_is_skipped(db):
    calls = []
    assert run_job(987654, lambda running_job: calls.append(1) or {}) is None
    assert calls == []
