"""Writes on jobs: create the row, then hand its id to the queue once the transaction commits."""

from __future__ import annotations

import logging
from typing import Any

import django_rq
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.db import models, transaction
from redis.exceptions import RedisError

from jobs.models import Job
from jobs.registry import job_functions
from jobs.tasks import entry_point

logger = logging.getLogger(__name__)


def job_send_to_queue(job: Job) -> None:
    """Put the job's id on its RQ queue under the RQ id chosen when the row was created.

    Redis being unreachable is logged, not raised: the row stays ``waiting`` in PostgreSQL
    and can be enqueued again from there.
    """
    try:
        queue = django_rq.get_queue(job.queue_name)
        queue.enqueue(entry_point(job.function), job.pk, job_id=str(job.rq_job_id), job_timeout=settings.JOB_TIMEOUT)
    except RedisError as error:
        logger.error("job %s stays waiting: could not reach Redis to enqueue it (%s)", job.job_uid, error)


@transaction.atomic
def job_enqueue(
    *,
    function: str,
    params: dict[str, Any] | None = None,
    user: AbstractBaseUser | None = None,
    dataset: models.Model | None = None,
) -> Job:
    """Create a waiting job and enqueue it after the surrounding transaction commits.

    ``function`` is a kind some app registered (``jobs.registry``); ``dataset``, the row of the ``Job.dataset``
    foreign key. Enqueueing after commit means a worker never looks for a row it cannot see yet, and a
    rolled-back request leaves nothing in the queue.
    """
    known = job_functions()
    if function not in known:
        raise ValueError(f"unknown job function {function!r}; known: {', '.join(known)}")
    # The foreign key's model is an app's (jobs imports none): the type checker knows it, this module does not.
    job = Job(function=function, params=params or {}, user=user, dataset=dataset)  # type: ignore[misc]
    # Uniqueness (random uids, one active job per dataset) is the database's to enforce: its
    # constraints hold under concurrency, where a SELECT before the INSERT would not.
    job.full_clean(validate_unique=False, validate_constraints=False)
    job.save()
    transaction.on_commit(lambda: job_send_to_queue(job))
    return job


def job_ping_request(*, message: str = "ping", user: User | None = None) -> Job:
    """Enqueue the trivial job that echoes ``message`` back from a worker."""
    return job_enqueue(function="ping", params={"message": message}, user=user)
