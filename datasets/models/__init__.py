from datasets.models.apikey import ApiKey
from datasets.models.change import Change
from datasets.models.dataset import Dataset, DatasetQuerySet
from datasets.models.metadata import MetadataValue

__all__ = ["ApiKey", "Change", "Dataset", "DatasetQuerySet", "MetadataValue"]
