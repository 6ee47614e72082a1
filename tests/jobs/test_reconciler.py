"""The reconciler: jobs whose worker died end in error, lost enqueues are sent again."""

from datetime import timedelta

import django_rq
import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from rq.job import JobStatus

from datasets.models import Dataset
from jobs.management.commands.jobs_reconcile import Command
from jobs.models import Job
from jobs.reconciler import reconcile_jobs
from jobs.services import job_enqueue, job_send_to_queue

pytestmark = pytest.mark.django_db(transaction=True)


def running_publish(dataset: Dataset) -> Job:
    """A publish job as a worker leaves it when it starts: claimed, running, dataset processing."""
    job = job_enqueue(function="publish", dataset=dataset)
    job.start()
    job.mark_running()
    Dataset.objects.filter(pk=dataset.pk).update(status="processing")
    return job


def test_a_job_the_queue_reports_failed_is_closed_and_its_dataset_recovers(public_dataset, redis):
    job = running_publish(public_dataset)
    rq = django_rq.get_queue("default").fetch_job(str(job.rq_job_id))
    rq.set_status(JobStatus.FAILED)  # what RQ records when a work horse is SIGKILLed

    outcome = reconcile_jobs()

    assert outcome["failed"] == [job.job_uid]
    job.refresh_from_db()
    assert (job.state, job.error["error_key"]) == ("error", "WorkerDiedException")
    assert "the queue reports it failed" in job.error["message"]
    dataset = Dataset.objects.get(pk=public_dataset.pk)
    assert dataset.status == "error"
    assert "stopped before finishing" in dataset.status_error["message"]
    assert dataset.current_version_id == public_dataset.current_version_id


def test_a_job_whose_heartbeat_stopped_is_closed(public_dataset, redis, settings):
    job = running_publish(public_dataset)
    rq = django_rq.get_queue("default").fetch_job(str(job.rq_job_id))
    rq.set_status(JobStatus.STARTED)
    rq.heartbeat(timezone.now() - timedelta(minutes=5), ttl=600)
    settings.WORKER_DEAD_AFTER = 90
    assert reconcile_jobs()["failed"] == [job.job_uid]
    assert "no heartbeat for" in Job.objects.get(pk=job.pk).error["message"]


def test_a_live_job_is_left_alone(public_dataset, redis):
    job = running_publish(public_dataset)
    rq = django_rq.get_queue("default").fetch_job(str(job.rq_job_id))
    rq.set_status(JobStatus.STARTED)
    rq.heartbeat(timezone.now(), ttl=600)
    assert reconcile_jobs() == {"failed": [], "requeued": []}
    assert Job.objects.get(pk=job.pk).state == "running"
    assert Dataset.objects.get(pk=public_dataset.pk).status == "processing"


def test_a_job_past_its_timeout_is_closed(public_dataset, redis, settings):
    job = running_publish(public_dataset)
    settings.JOB_TIMEOUT = 10
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(minutes=5))
    assert reconcile_jobs()["failed"] == [job.job_uid]
    assert "job timeout exceeded" in Job.objects.get(pk=job.pk).error["message"]


def test_a_waiting_job_never_enqueued_is_sent_again(public_dataset, redis):
    job = Job.objects.create(function="ping", params={"message": "lost"})
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert django_rq.get_queue("default").count == 0
    assert reconcile_jobs()["requeued"] == [job.job_uid]
    assert django_rq.get_queue("default").job_ids == [str(job.rq_job_id)]
    assert reconcile_jobs()["requeued"] == []  # now the queue knows it


def test_a_waiting_job_the_queue_failed_before_it_started_is_closed_and_its_dataset_leaves_queued(
    public_dataset, redis
):
    job = job_enqueue(function="publish", dataset=public_dataset)
    Dataset.objects.filter(pk=public_dataset.pk).update(status="queued")
    rq = django_rq.get_queue("default").fetch_job(str(job.rq_job_id))
    rq.set_status(JobStatus.FAILED)  # a worker that failed before claiming the job (no database, say)

    outcome = reconcile_jobs()

    assert outcome == {"failed": [job.job_uid], "requeued": []}
    job.refresh_from_db()
    assert (job.state, job.error["error_key"]) == ("error", "WorkerDiedException")
    assert "the queue reports it failed before it started" in job.error["message"]
    dataset = Dataset.objects.get(pk=public_dataset.pk)
    assert dataset.status == "error"
    assert dataset.current_version_id == public_dataset.current_version_id


def test_a_waiting_job_still_queued_is_left_alone(public_dataset, redis):
    job = job_enqueue(function="publish", dataset=public_dataset)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert reconcile_jobs() == {"failed": [], "requeued": []}
    assert Job.objects.get(pk=job.pk).state == "waiting"


def test_a_recent_waiting_job_is_left_to_its_own_enqueue(redis):
    job = Job.objects.create(function="ping")
    assert reconcile_jobs()["requeued"] == []
    job_send_to_queue(job)
    assert django_rq.get_queue("default").count == 1


def test_the_command_reports_what_it_did(public_dataset, redis, capsys):
    job = Job.objects.create(function="ping")
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    call_command("jobs_reconcile")
    assert f"requeued ['{job.job_uid}']" in capsys.readouterr().out


def test_the_loop_survives_a_database_outage(monkeypatch, caplog):
    def outage():
        raise OperationalError("connection refused")

    monkeypatch.setattr("jobs.management.commands.jobs_reconcile.reconcile_jobs", outage)
    Command().run_once(keep_going=True)
    assert "database unreachable" in caplog.text
    with pytest.raises(OperationalError):
        Command().run_once(keep_going=False)
