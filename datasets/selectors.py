"""Reads of datasets scoped by who asks."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch

from datasets.models import Dataset, DatasetQuerySet, MetadataValue


def datasets_in_catalog(*, user: AbstractBaseUser | AnonymousUser) -> DatasetQuerySet:
    """The datasets the catalog lists for ``user``, with their default metadata prefetched.

    Everyone sees datasets open to the whole domain; staff also see restricted ones.
    """
    queryset = Dataset.objects.all() if user.is_staff else Dataset.objects.public()
    default_metadata = MetadataValue.objects.filter(template="default")
    return queryset.prefetch_related(Prefetch("metadata_values", queryset=default_metadata))
