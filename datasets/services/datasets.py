"""Writes on datasets: create, rename, delete."""

from __future__ import annotations

import functools
import re
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, connection, transaction
from django.utils.text import slugify

from datasets.errors import (
    DatasetIdAlreadyExistsError,
    DatasetIdChangeForbiddenError,
    DatasetIdMandatoryError,
    InvalidDatasetIdError,
)
from datasets.models import Dataset, MetadataValue
from datasets.services.history import acting_user, recording_change
from datasets.services.metadata import now_iso, validated_metas

# Matched whole (fullmatch): with re.match, "$" would also accept a trailing newline.
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


def initial_dataset_id(*, dataset_id: str | None, metas: dict[str, dict[str, Any]], uid: str, strict: bool) -> str:
    """The id a new dataset gets: the given one (de-duplicated unless strict), else from its title, else its uid."""
    if dataset_id is None or dataset_id == "":
        if strict:
            raise DatasetIdMandatoryError()
        title = metas.get("default", {}).get("title")
        base = slugify(title or "")[:MAX_DATASET_ID_LENGTH].strip("-_") if isinstance(title, str) else ""
        return unique_dataset_id(base) if base else uid
    check_dataset_id_format(dataset_id)
    if strict:
        if dataset_id_taken(dataset_id):
            raise DatasetIdAlreadyExistsError(dataset_id=dataset_id)
        return dataset_id
    return unique_dataset_id(dataset_id)


@transaction.atomic
def dataset_create(
    *,
    owner: User | AnonymousUser | None,
    dataset_id: str | None = None,
    metas: dict[str, dict[str, Any]] | None = None,
    visibility: str = Dataset.Visibility.RESTRICTED,
    strict: bool = False,
) -> Dataset:
    """Create a dataset with its metadata (``{template: {name: value}}``), recording the creation as a change."""
    clean_metas = validated_metas(metas or {})
    # The reference's create sets default.modified to the creation time unless the body gives one.
    clean_metas.setdefault("default", {}).setdefault("modified", now_iso())
    dataset = Dataset(owner=acting_user(owner), visibility=visibility)
    dataset.dataset_id = initial_dataset_id(
        dataset_id=dataset_id, metas=clean_metas, uid=dataset.dataset_uid, strict=strict
    )
    dataset.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            dataset.save()
    except IntegrityError:
        # Another request took the id between our check and our insert.
        raise DatasetIdAlreadyExistsError(dataset_id=dataset.dataset_id) from None
    with recording_change(dataset=dataset, user=owner, sections=("dataset", "metadata"), creating=True):
        MetadataValue.objects.bulk_create(
            MetadataValue(dataset=dataset, template=template, name=name, value=value)
            for template, values in clean_metas.items()
            for name, value in values.items()
        )
    return dataset


def check_dataset_id_change(dataset: Dataset, new_id: str) -> None:
    """Refuse a rename of a published dataset, a malformed id, or an id in use."""
    if dataset.is_published:
        raise DatasetIdChangeForbiddenError(dataset_uid=dataset.dataset_uid)
    check_dataset_id_format(new_id)
    if dataset_id_taken(new_id, exclude_pk=dataset.pk):
        raise DatasetIdAlreadyExistsError(dataset_id=new_id)


@transaction.atomic
def dataset_rename(*, dataset: Dataset, dataset_id: str, user: User | AnonymousUser | None) -> Dataset:
    """Change the human identifier of an unpublished dataset."""
    if dataset_id == dataset.dataset_id:
        return dataset
    check_dataset_id_change(dataset, dataset_id)
    with recording_change(dataset=dataset, user=user, sections=("dataset",)):
        dataset.dataset_id = dataset_id
        try:
            with transaction.atomic():
                dataset.save(update_fields=["dataset_id"])
        except IntegrityError:
            raise DatasetIdAlreadyExistsError(dataset_id=dataset_id) from None
    return dataset


@transaction.atomic
def dataset_delete(*, dataset: Dataset) -> None:
    """Delete the dataset with its configuration, history and records; refused while a job works on it."""
    # Imported here: the publishing modules import this package's services.
    from datasets.services.records_tables import drop_in_own_cursor
    from datasets.status import ACTION_ORIGINS, require_status
    from datasets.store import dataset_tables

    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    require_status(dataset, ACTION_ORIGINS)
    with connection.cursor() as cursor:
        tables = dataset_tables(cursor.cursor, dataset.dataset_uid)
    dataset.delete()
    for table in tables:
        transaction.on_commit(functools.partial(drop_in_own_cursor, table))
