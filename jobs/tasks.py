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
