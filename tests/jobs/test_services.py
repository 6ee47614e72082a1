import django_rq
import pytest
from django.db import transaction
from rq.job import Job as RQJob

from jobs.models import Job
from jobs.services import job_enqueue, job_ping_request


def test_unknown_function_is_refused_and_nothing_stored(db, redis):
    with pytest.raises(ValueError, match="unknown job function 'nope'"):
        job_enqueue(function="nope")
    assert Job.objects.count() == 0
    assert django_rq.get_queue("default").count == 0


def test_job_reaches_the_queue_only_after_commit(db, redis, django_capture_on_commit_callbacks):
    queue = django_rq.get_queue("default")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_ping_request(message="hello")
        assert queue.count == 0
    assert len(callbacks) == 1
    callbacks[0]()
    assert queue.job_ids == [str(job.rq_job_id)]
    rq_job = RQJob.fetch(str(job.rq_job_id), connection=redis)
    assert rq_job.func_name == "jobs.tasks.ping"
    assert rq_job.args == (job.pk,)


def test_rolled_back_request_leaves_no_job_anywhere(db, redis, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        job_ping_request()
        raise RuntimeError("request failed after creating the job")
    assert callbacks == []
    assert Job.objects.count() == 0
    assert django_rq.get_queue("default").count == 0


def test_redis_down_at_commit_keeps_the_job_waiting(db, settings, django_capture_on_commit_callbacks, caplog):
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0", "SOCKET_TIMEOUT": 1}}
    with django_capture_on_commit_callbacks(execute=True):
        job = job_ping_request()
    assert Job.objects.get(pk=job.pk).state == Job.State.WAITING
    assert f"job {job.job_uid} stays waiting: could not reach Redis" in caplog.text
