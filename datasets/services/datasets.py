"""Writes on datasets: create, rename, delete."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, connection, transaction
from django.utils.text import slugify

from datasets.errors import (
    DatasetIdAlreadyExistsError,
    DatasetIdMandatoryError,
)
from datasets.models import Dataset, MetadataValue
from datasets.services.dataset_ids import (
    MAX_DATASET_ID_LENGTH,
    check_dataset_id_change,
    check_dataset_id_format,
    dataset_id_taken,
    unique_dataset_id,
)
from datasets.services.history import acting_user, recording_change
from datasets.services.metadata import now_iso, validated_metas


# Matched whole (fullmatch): with re.match, "$" would also accept a trailing newline.
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
    from datasets.services.retired_tables import retire_table
    from datasets.status import ACTION_ORIGINS, require_status
    from datasets.store import dataset_tables

    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    require_status(dataset, ACTION_ORIGINS)
    with connection.cursor() as cursor:
        tables = dataset_tables(cursor.cursor, dataset.dataset_uid)
    uid = dataset.dataset_uid
    dataset.delete()
    # Requests that resolved the served table just before finish on it; housekeeping drops it later.
    for table in tables:
        retire_table(uid, table)
