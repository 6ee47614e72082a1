"""RQ entry points. Each takes the Job row's id only and runs its body through ``run_job``."""

from __future__ import annotations

import os
import socket
from typing import Any

from jobs.models import Job
from jobs.runner import run_job


def ping_body(job: Job) -> dict[str, Any]:
    """Answer the message back with where it ran: proves that a worker picks jobs up."""
    return {"pong": job.params.get("message", ""), "host": socket.gethostname(), "pid": os.getpid()}


def ping(job_id: int) -> None:
    """The trivial job, run end to end through the real queue by ``manage.py job_ping``."""
    run_job(job_id, ping_body)


def publish(job_id: int) -> None:
    """Publish a dataset: its resources through the pipeline into a new records table, then swap."""
    from datasets.services.publish_job import publish_body

    run_job(job_id, publish_body)


def unpublish(job_id: int) -> None:
    """Unpublish a dataset: drop its records and take it out of the catalog, keeping its configuration."""
    from datasets.services.publish_job import unpublish_body

    run_job(job_id, unpublish_body)


def scheduled_publish(job_id: int) -> None:
    """A schedule's run: republish the data with the last published configuration if a source changed."""
    from datasets.services.scheduled_run import scheduled_publish_body

    run_job(job_id, scheduled_publish_body)


def resource_check(job_id: int) -> None:
    """Check a large resource: the whole file through the dataset's pipeline, nothing published."""
    from datasets.services.resource_check import resource_check_body

    run_job(job_id, resource_check_body)
