"""The rules of a dataset's human id (``dataset_id``): its form, its uniqueness, when it may change.

Creation and renames apply them (``datasets.services.datasets``), and so does restoring an old id from the
history (``datasets.services.history``), which therefore needs them without the services that record changes.
"""

from __future__ import annotations

import re

from datasets.errors import DatasetIdAlreadyExistsError, DatasetIdChangeForbiddenError, InvalidDatasetIdError
from datasets.models import Dataset

DATASET_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
MAX_DATASET_ID_LENGTH = 100


def check_dataset_id_format(dataset_id: str) -> None:
    if not isinstance(dataset_id, str) or not DATASET_ID_PATTERN.fullmatch(dataset_id):
        raise InvalidDatasetIdError(dataset_id=dataset_id)


def dataset_id_taken(dataset_id: str, *, exclude_pk: int | None = None) -> bool:
    return Dataset.objects.filter(dataset_id=dataset_id).exclude(pk=exclude_pk).exists()  # type: ignore[misc]  # pk=None excludes nothing


def unique_dataset_id(base: str) -> str:
    """``base``, or ``base-2``, ``base-3``… whichever is free first."""
    candidate, number = base, 1
    while dataset_id_taken(candidate):
        number += 1
        suffix = f"-{number}"
        candidate = base[: MAX_DATASET_ID_LENGTH - len(suffix)] + suffix
    return candidate


def check_dataset_id_change(dataset: Dataset, new_id: str) -> None:
    """Refuse a rename of a published dataset, a malformed id, or an id in use."""
    if dataset.is_published:
        raise DatasetIdChangeForbiddenError(dataset_uid=dataset.dataset_uid)
    check_dataset_id_format(new_id)
    if dataset_id_taken(new_id, exclude_pk=dataset.pk):
        raise DatasetIdAlreadyExistsError(dataset_id=new_id)
