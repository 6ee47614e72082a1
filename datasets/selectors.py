"""Reads of datasets scoped by who asks."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from datasets.models import Dataset, DatasetQuerySet


def datasets_in_catalog(*, user: AbstractBaseUser | AnonymousUser) -> DatasetQuerySet:
    """The published datasets the catalog lists for ``user``, with the version they show.

    Everyone sees published datasets open to the whole domain; staff also see restricted ones.
    """
    published = Dataset.objects.filter(current_version__isnull=False)
    queryset = published if user.is_staff else Dataset.objects.public()
    return queryset.select_related("current_version")
