"""Writes on datasets."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from datasets.models import Dataset, MetadataValue


@transaction.atomic
def dataset_create(
    *,
    owner: AbstractBaseUser | None,
    dataset_id: str,
    metas: dict[str, dict[str, Any]] | None = None,
    visibility: str = Dataset.Visibility.RESTRICTED,
) -> Dataset:
    """Create a dataset with its metadata, given as ``{template: {name: value}}``."""
    dataset = Dataset(owner=owner, dataset_id=dataset_id, visibility=visibility)
    dataset.full_clean()
    dataset.save()
    rows = [
        MetadataValue(dataset=dataset, template=template, name=name, value=value)
        for template, values in (metas or {}).items()
        for name, value in values.items()
    ]
    MetadataValue.objects.bulk_create(rows)
    return dataset
