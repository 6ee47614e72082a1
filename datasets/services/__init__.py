"""Every write on the dataset domain goes through a function of this package."""

from datasets.services.apikeys import apikey_create, apikey_delete, apikey_update
from datasets.services.datasets import dataset_create, dataset_delete, dataset_rename
from datasets.services.history import change_restore, recording_change
from datasets.services.metadata import metadata_bulk_set, metadata_reset, metadata_set

__all__ = [
    "apikey_create",
    "apikey_delete",
    "apikey_update",
    "change_restore",
    "dataset_create",
    "dataset_delete",
    "dataset_rename",
    "metadata_bulk_set",
    "metadata_reset",
    "metadata_set",
    "recording_change",
]
