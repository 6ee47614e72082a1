"""Requests to publish, unpublish or abort: checked and queued at once; a worker does the work."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction

from core.errors import ConflictError
from datasets.errors import DatasetIsDraftError
from datasets.models import Dataset, MetadataValue
from datasets.selectors.datasets import effective_value
from datasets.status import ABORT_ORIGINS, ACTION_ORIGINS, require_status, status_move
from jobs.models import Job
from jobs.services import job_enqueue

S = Dataset.Status


def locked(dataset: Dataset) -> Dataset:
    """The dataset row, locked until the transaction ends, so concurrent requests queue up here."""
    return Dataset.objects.select_for_update().get(pk=dataset.pk)


def queue_action(
    dataset: Dataset,
    function: str,
    user: User | AnonymousUser | None,
    params: dict[str, Any] | None = None,
) -> Job:
    """A job for ``function`` on an idle dataset, which moves to ``queued``; refused while another job runs."""
    dataset = locked(dataset)
    require_status(dataset, ACTION_ORIGINS)
    try:
        with transaction.atomic():
            job = job_enqueue(
                function=function,
                params=params,
                dataset=dataset,
                user=user if user and user.is_authenticated else None,
            )
    except IntegrityError:
        # The database allows one active job per dataset; the status said idle, yet one is active.
        active = Job.objects.filter(dataset=dataset, state__in=Job.ACTIVE_STATES).first()
        detail = f"job {active.job_uid} is still active on this dataset" if active else "another job is active"
        raise ConflictError(detail=detail) from None
    status_move(dataset, S.QUEUED, user=user, origins=ACTION_ORIGINS)
    return job


@transaction.atomic
def dataset_publish_request(*, dataset: Dataset, user: User | AnonymousUser | None) -> Job:
    """Queue a publish: every resource through the pipeline into a new records table, then an atomic swap.

    A draft (``internal.draft`` true) is refused: drafts cannot be published (reference §16).
    """
    if is_draft(dataset):
        raise DatasetIsDraftError(dataset_uid=dataset.dataset_uid)
    return queue_action(dataset, "publish", user)


def is_draft(dataset: Dataset) -> bool:
    row = MetadataValue.objects.filter(dataset=dataset, template="internal", name="draft").first()
    return row is not None and effective_value(row) is True


@transaction.atomic
def dataset_unpublish_request(*, dataset: Dataset, user: User | AnonymousUser | None) -> Job:
    """Queue an unpublish: the records are dropped and the dataset leaves the catalog; its configuration stays."""
    return queue_action(dataset, "unpublish", user)


@transaction.atomic
def dataset_abort_request(*, dataset: Dataset, user: User | AnonymousUser | None) -> Dataset:
    """Ask the running publish to stop at its next batch; the published version stays as it was."""
    dataset = locked(dataset)
    require_status(dataset, ABORT_ORIGINS)
    status_move(dataset, S.ABORTING_PROCESSING, user=user, origins=ABORT_ORIGINS)
    return dataset
