"""RQ entry points. Each takes the Job row's id only and runs the body registered for its kind.

RQ stores the dotted name of the function to call with each queued job (``jobs.tasks.publish``), and a
worker resolves that name when it picks the job up. One generic entry point, ``run``, runs any registered
kind (``jobs.registry``) through ``run_job``: it reads the kind from the row, never from the name.

Which name is enqueued: the kinds that existed before the registry keep the names they were always
enqueued under (``ENTRY_POINTS``), now aliases of ``run``, and ``jobs.services`` keeps enqueuing those names.
Jobs queued under them before a deploy still run after it, and during a rolling deploy a job enqueued by a
new web process still runs on a worker that has not restarted yet (that worker knows these names, not
``run``). Kinds registered later are enqueued as ``jobs.tasks.run``.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from jobs.models import Job
from jobs.registry import job_kind
from jobs.runner import run_job


def registered_body(job: Job) -> dict[str, Any]:
    """Run the body registered for ``job.function``; an unregistered one fails the job (``KeyError``)."""
    return job_kind(job.function).body(job)


def run(job_id: int) -> None:
    """The generic entry point: run the job row ``job_id`` with the body registered for its kind."""
    run_job(job_id, registered_body)


# The names RQ has always been given for these kinds (see the module docstring): all run the same way.
ENTRY_POINTS = ("ping", "publish", "unpublish", "scheduled_publish", "resource_check")
ping = publish = unpublish = scheduled_publish = resource_check = run


def entry_point(function: str) -> str:
    """The dotted name RQ is given for a job of ``function``."""
    return f"jobs.tasks.{function}" if function in ENTRY_POINTS else "jobs.tasks.run"


def ping_body(job: Job) -> dict[str, Any]:
    """The trivial job (``manage.py job_ping``): answer the message back with where it ran, which proves
    that a worker picks jobs up."""
    return {"pong": job.params.get("message", ""), "host": socket.gethostname(), "pid": os.getpid()}
