"""What a worker does for an unpublish job: the records table is retired (dropped after a grace period by
housekeeping, so requests already reading it finish), the configuration stays."""

from __future__ import annotations

from typing import Any, cast

from django.db import connection, transaction

from datasets.models import Dataset
from datasets.services.retired_tables import retire_table
from datasets.status import status_move
from datasets.store import advisory_lock_key
from datasets.tasks.outcome import with_dataset_outcome
from jobs.models import Job

S = Dataset.Status


def unpublish(dataset: Dataset) -> dict[str, Any]:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [advisory_lock_key(dataset.dataset_uid)])
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        old = dataset.current_version
        Dataset.objects.filter(pk=dataset.pk).update(current_version=None, is_published=False)
        status_move(dataset, S.IDLE, origins=(S.DELETING,))
        if old is not None:
            retire_table(dataset.dataset_uid, old.table_name)
    return {"retired": old.table_name if old else None}


def unpublish_body(job: Job) -> dict[str, Any]:
    """The unpublish job: queued -> deleting -> idle, with the records table dropped."""
    dataset = Dataset.objects.get(pk=cast(int, job.dataset_id))
    status_move(dataset, S.DELETING, origins=(S.QUEUED,))
    return with_dataset_outcome(job, lambda: unpublish(dataset))
