"""How a dataset job's end shows on its dataset: the status it moves to, and the cleanup after a dead worker.

A publish, an unpublish or a scheduled run moves its dataset out of ``queued`` when it starts; whatever ends
it must move the dataset on. ``with_dataset_outcome`` does it when the body itself ends (aborted -> idle,
failed -> error); ``recover_dataset_after_dead_job`` when the worker died and the reconciler failed the job
(registered as the kinds' ``on_worker_death`` hook, ``datasets.tasks.registration``).
"""

from __future__ import annotations

from typing import Any, cast

from django.db import connection

from datasets.models import Dataset
from datasets.services.retired_tables import retired_table_names
from datasets.status import status_move
from datasets.store import dataset_tables, drop_table
from jobs.models import Job
from jobs.runner import JobAborted

S = Dataset.Status


def failure_envelope(error: BaseException) -> dict[str, Any]:
    """What the dataset status shows for a failed publish: the error's own envelope, or a generic one."""
    as_dict = getattr(error, "as_dict", None)
    envelope = (
        as_dict()
        if callable(as_dict)
        else {
            "message": "Internal error while publishing",
            "raw_message": "Internal error while publishing",
            "raw_params": {},
        }
    )
    return {key: envelope[key] for key in ("message", "raw_message", "raw_params")}


def with_dataset_outcome(job: Job, work) -> dict[str, Any]:
    """Run ``work`` and set the dataset's status from its outcome: aborted -> idle, failed -> error."""
    dataset = Dataset.objects.get(pk=cast(int, job.dataset_id))
    try:
        return work()
    except JobAborted:
        status_move(dataset, S.IDLE, origins=(S.ABORTING_PROCESSING, S.PROCESSING))
        raise
    except BaseException as error:
        status_move(
            dataset,
            S.ERROR,
            error=failure_envelope(error),
            origins=(S.QUEUED, S.PROCESSING, S.DELETING, S.ABORTING_PROCESSING),
        )
        raise


def recover_dataset_after_dead_job(job: Job) -> None:
    """After the reconciler failed ``job``: the dataset goes to ``error`` and its staging tables go away."""
    if not job.dataset_id:
        return
    dataset = Dataset.objects.filter(pk=job.dataset_id).first()
    if dataset is None:
        return
    active = (S.QUEUED, S.PROCESSING, S.DELETING, S.ABORTING_PROCESSING)
    status_move(dataset, S.ERROR, error=failure_envelope_from(job.error or {}), origins=active)
    # The served table stays, and retired ones wait out their grace period (requests may still read them).
    kept = retired_table_names(dataset.dataset_uid)
    if dataset.current_version:
        kept.add(dataset.current_version.table_name)
    with connection.cursor() as cursor:
        for table in dataset_tables(cursor.cursor, dataset.dataset_uid):
            if table not in kept:
                drop_table(cursor.cursor, table)


def failure_envelope_from(envelope: dict[str, Any]) -> dict[str, Any]:
    return {key: envelope.get(key) for key in ("message", "raw_message", "raw_params")}
