"""The one wrapper every job body runs in: claim the row, run, record the outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from core.errors import ManagementAPIError
from jobs.models import Job

logger = logging.getLogger(__name__)

JobBody = Callable[[Job], dict[str, Any]]


class JobAborted(Exception):
    """Raised by a job body that stopped because an abort was requested; the job ends ``aborted``."""


class JobInternalError(ManagementAPIError):
    """What a job records when its body fails on something unexpected; details go to the log."""

    status_code = 500
    error_key = "InternalErrorException"
    raw_message = "Internal error while running job {job_uid}"


def run_job(job_id: int, body: JobBody) -> Job | None:
    """Run ``body(job)`` for the job row ``job_id`` and store what came of it.

    1. Claim the row (waiting -> started). A job another worker claimed, or one aborted or
       ended meanwhile, is left alone: RQ may deliver a job twice, PostgreSQL decides.
    2. Mark it running and call the body, which returns the job's result.
    3. Store the result (done). ``JobAborted`` ends it ``aborted``. A ``ManagementAPIError`` is
       an expected failure: its envelope is stored as it is. Anything else stores a generic
       envelope, is logged with its traceback and re-raised so RQ keeps it in its failed registry.
    """
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        logger.warning("job row %s does not exist; nothing to run", job_id)
        return None
    if not job.start():
        logger.info("job %s is %s, not waiting; not running it again", job.job_uid, job.state)
        return job
    job.mark_running()
    try:
        result = body(job)
    except JobAborted:
        job.abort()
        return job
    except ManagementAPIError as error:
        job.fail(error.as_dict())
        return job
    except Exception:
        logger.exception("job %s (%s) failed", job.job_uid, job.function)
        job.fail(JobInternalError(job_uid=job.job_uid).as_dict())
        raise
    job.finish(result)
    return job
