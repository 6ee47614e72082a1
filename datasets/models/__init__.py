from datasets.models.dataset import Dataset, DatasetQuerySet
from datasets.models.metadata import MetadataValue

__all__ = ["Dataset", "DatasetQuerySet", "MetadataValue"]
