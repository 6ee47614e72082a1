"""Closing jobs whose worker died or that the queue dropped before they started, and re-sending lost enqueues.

PostgreSQL holds the truth about jobs, but only a worker moves a running job forward: when
one is SIGKILLed (or its machine vanishes) nothing else would. ``reconcile_jobs`` runs every
few seconds (``manage.py jobs_reconcile --loop``) and is safe to run from several places:
every move it makes is a conditional UPDATE. After failing a job it calls the ``on_worker_death``
hook its kind registered (``jobs.registry``), which cleans up what the dead worker left behind.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import django_rq
from django.conf import settings
from django.utils import timezone
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from rq.job import JobStatus

from core.errors import ManagementAPIError
from jobs.models import Job
from jobs.registry import job_kind
from jobs.services import job_send_to_queue

logger = logging.getLogger(__name__)

# A waiting job this old that RQ does not know was never enqueued (Redis was down at commit).
LOST_ENQUEUE_AFTER = timedelta(seconds=60)
DEAD_RQ_STATES = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED, JobStatus.FINISHED}


class WorkerDiedError(ManagementAPIError):
    status_code = 500
    error_key = "WorkerDiedException"
    raw_message = "The worker running job {job_uid} stopped before finishing it ({reason}); run the action again"


def rq_job(job: Job) -> RQJob | None:
    try:
        return RQJob.fetch(str(job.rq_job_id), connection=django_rq.get_connection(job.queue_name))
    except NoSuchJobError:
        return None


def heartbeat_age(rq: RQJob) -> timedelta | None:
    beat = rq.last_heartbeat or rq.started_at
    if beat is None:
        return None
    beat = beat if beat.tzinfo else beat.replace(tzinfo=UTC)
    return datetime.now(UTC) - beat


def death_reason(job: Job) -> str | None:
    """Why ``job`` (started or running in PostgreSQL) can no longer finish, or None while it may."""
    if job.started_at and timezone.now() - job.started_at > timedelta(seconds=settings.JOB_TIMEOUT + 60):
        return "job timeout exceeded"
    rq = rq_job(job)
    if rq is None:
        return "the queue no longer knows the job"
    status = rq.get_status(refresh=False)
    if status in DEAD_RQ_STATES:
        return f"the queue reports it {JobStatus(status).value}"
    age = heartbeat_age(rq)
    if status == JobStatus.STARTED and age is not None and age > timedelta(seconds=settings.WORKER_DEAD_AFTER):
        return f"no heartbeat for {int(age.total_seconds())} s"
    return None


def dropped_reason(job: Job) -> str | None:
    """Why a waiting ``job`` will never start: the queue ended its entry before a worker claimed the job (a
    worker that could not reach the database, say). None while it may still start; an entry the queue does not
    know at all is a lost enqueue, sent again by ``requeue_lost_jobs``."""
    rq = rq_job(job)
    if rq is None:
        return None
    status = rq.get_status(refresh=False)
    if status in DEAD_RQ_STATES:
        return f"the queue reports it {JobStatus(status).value} before it started"
    return None


def fail_dead_jobs() -> list[Job]:
    """Fail the jobs that can no longer finish: started or running ones whose worker died, and waiting ones the
    queue dropped before they started (their dataset would otherwise stay ``queued`` for good)."""
    failed = []
    active = Job.objects.filter(state__in=(Job.State.WAITING, Job.State.STARTED, Job.State.RUNNING))
    for job in active.select_related("dataset"):
        reason = dropped_reason(job) if job.state == Job.State.WAITING else death_reason(job)
        if reason and job.fail(WorkerDiedError(job_uid=job.job_uid, reason=reason).as_dict()):
            logger.warning("job %s failed by the reconciler: %s", job.job_uid, reason)
            failed.append(job)
    return failed


def requeue_lost_jobs() -> list[Job]:
    lost = Job.objects.filter(state=Job.State.WAITING, created_at__lt=timezone.now() - LOST_ENQUEUE_AFTER)
    requeued = [job for job in lost if rq_job(job) is None]
    for job in requeued:
        logger.warning("job %s was never enqueued; enqueueing it now", job.job_uid)
        job_send_to_queue(job)
    return requeued


def after_worker_death(job: Job) -> None:
    """Call the dead-job hook registered for ``job``'s kind, if it has one."""
    try:
        hook = job_kind(job.function).on_worker_death
    except KeyError:
        logger.warning("job %s has no registered kind %r: nothing to clean up after it", job.job_uid, job.function)
        return
    if hook is not None:
        hook(job)


def reconcile_jobs() -> dict[str, list[str]]:
    """One pass: fail dead jobs (and let their kinds clean up after them), re-send lost ones."""
    try:
        failed = fail_dead_jobs()
        requeued = requeue_lost_jobs()
    except RedisError as error:
        logger.error("reconciler cannot reach Redis: %s", error)
        return {"failed": [], "requeued": []}
    for job in failed:
        after_worker_death(job)
    return {"failed": [job.job_uid for job in failed], "requeued": [job.job_uid for job in requeued]}
