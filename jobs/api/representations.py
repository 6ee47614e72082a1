"""The job object of the management API."""

from __future__ import annotations

from typing import Any

from core.api.params import local_iso
from jobs.models import Job
from jobs.redaction import redacted


def job_repr(job: Job) -> dict[str, Any]:
    """``job_uid`` and ``job_id`` carry the same value, for clients of either generation of the API.

    Params, result and error are shown with their URL secrets masked (rows stored before masking existed too).
    """
    return {
        "job_uid": job.job_uid,
        "job_id": job.job_uid,
        "function": job.function,
        "params": redacted(job.params),
        "state": job.state,
        "progresses": job.progresses,
        "result": redacted(job.result),
        "error": redacted(job.error),
        "dataset_uid": job.dataset.dataset_uid if job.dataset else None,
        "user": {"username": job.user.get_username()} if job.user else None,
        "created_at": local_iso(job.created_at),
        "started_at": local_iso(job.started_at),
        "finished_at": local_iso(job.finished_at),
    }
