from datasets.models.apikey import ApiKey
from datasets.models.attachment import AlternativeExport, Attachment
from datasets.models.change import Change
from datasets.models.dataset import Dataset, DatasetQuerySet
from datasets.models.metadata import MetadataValue
from datasets.models.processing import FieldSpecification, Processor
from datasets.models.resource import File, Resource
from datasets.models.retired_table import RetiredTable
from datasets.models.schedule import Schedule
from datasets.models.security import Ruleset
from datasets.models.version import PublishedVersion

__all__ = [
    "AlternativeExport",
    "Attachment",
    "ApiKey",
    "Change",
    "Dataset",
    "DatasetQuerySet",
    "FieldSpecification",
    "File",
    "MetadataValue",
    "Processor",
    "PublishedVersion",
    "Resource",
    "RetiredTable",
    "Ruleset",
    "Schedule",
]
