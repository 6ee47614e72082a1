"""Every write on the dataset domain goes through a function of this package."""

from datasets.services.datasets import dataset_create

__all__ = ["dataset_create"]
