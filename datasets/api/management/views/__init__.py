from datasets.api.management.views.apikeys import ApiKeyDetailView, ApiKeyListView
from datasets.api.management.views.catalogues import (
    ExtractorListView,
    FieldSpecificationCatalogueView,
    GuessExtractorParamsView,
    GuessExtractorsView,
    ProcessorCatalogueView,
)
from datasets.api.management.views.datasets import DatasetDetailView, DatasetListView, DatasetStatusView
from datasets.api.management.views.files import FileDetailView, FileDownloadView, FileListView
from datasets.api.management.views.history import ChangeListView, RestoreChangeView
from datasets.api.management.views.metadata import MetadataDetailView, MetadataListView
from datasets.api.management.views.processing import (
    FieldSpecificationDetailView,
    FieldSpecificationListView,
    GuessProcessorParamsView,
    ProcessorDetailView,
    ProcessorListView,
)
from datasets.api.management.views.publishing import AbortView, PublishView, RecordErrorsView, UnpublishView
from datasets.api.management.views.resources import (
    ResourceCheckView,
    ResourceDetailView,
    ResourceDownloadView,
    ResourceListView,
    ResourcePreviewView,
    UnsavedResourcePreviewView,
)
from datasets.api.management.views.root import ManagementRootView
from datasets.api.management.views.schedules import ScheduleDetailView, ScheduleListView
from datasets.api.management.views.security import (
    AccessPolicyView,
    DefaultRulesetView,
    GroupRulesetDetailView,
    GroupRulesetListView,
    UserRulesetDetailView,
    UserRulesetListView,
)
from datasets.api.management.views.templates import MetadataTemplateDetailView, MetadataTemplateListView

__all__ = [
    "ScheduleDetailView",
    "ScheduleListView",
    "AccessPolicyView",
    "DefaultRulesetView",
    "GroupRulesetDetailView",
    "GroupRulesetListView",
    "UserRulesetDetailView",
    "UserRulesetListView",
    "AbortView",
    "PublishView",
    "RecordErrorsView",
    "UnpublishView",
    "ApiKeyDetailView",
    "ApiKeyListView",
    "ChangeListView",
    "DatasetDetailView",
    "DatasetListView",
    "DatasetStatusView",
    "ExtractorListView",
    "FieldSpecificationCatalogueView",
    "FieldSpecificationDetailView",
    "FieldSpecificationListView",
    "FileDetailView",
    "FileDownloadView",
    "FileListView",
    "GuessExtractorParamsView",
    "GuessExtractorsView",
    "GuessProcessorParamsView",
    "ManagementRootView",
    "MetadataDetailView",
    "MetadataListView",
    "MetadataTemplateDetailView",
    "MetadataTemplateListView",
    "ProcessorCatalogueView",
    "ProcessorDetailView",
    "ProcessorListView",
    "ResourceCheckView",
    "ResourceDetailView",
    "ResourceDownloadView",
    "ResourceListView",
    "ResourcePreviewView",
    "RestoreChangeView",
    "UnsavedResourcePreviewView",
]
