from datasets.api.management.views.apikeys import ApiKeyDetailView, ApiKeyListView
from datasets.api.management.views.datasets import DatasetDetailView, DatasetListView, DatasetStatusView
from datasets.api.management.views.history import ChangeListView, RestoreChangeView
from datasets.api.management.views.metadata import MetadataDetailView, MetadataListView
from datasets.api.management.views.root import ManagementRootView
from datasets.api.management.views.templates import MetadataTemplateDetailView, MetadataTemplateListView

__all__ = [
    "ApiKeyDetailView",
    "ApiKeyListView",
    "ChangeListView",
    "DatasetDetailView",
    "DatasetListView",
    "DatasetStatusView",
    "ManagementRootView",
    "MetadataDetailView",
    "MetadataListView",
    "MetadataTemplateDetailView",
    "MetadataTemplateListView",
    "RestoreChangeView",
]
