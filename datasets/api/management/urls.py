"""Routes of the management API v2; each answers with and without its trailing slash (API decision 9)."""

from django.urls import re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from datasets.api.management import views
from datasets.api.management.views import attachments
from jobs.api.views import JobDetailView, JobListView

app_name = "management"

UID = r"(?P<dataset_uid>[A-Za-z0-9_-]+)"
ITEM = r"(?P<resource_uid>[A-Za-z0-9_-]+)"
STEP = r"(?P<uid>[A-Za-z0-9_-]+)"
FILE = r"(?P<file_id>[A-Za-z0-9_-]+)"
ATTACHMENT = r"(?P<attachment_uid>[A-Za-z0-9_-]+)"
EXPORT = r"(?P<export_uid>[A-Za-z0-9_-]+)"
# Django usernames may hold @ . + - _; group names anything but a slash.
USERNAME = r"(?P<username>[\w.@+-]+)"
GROUP = r"(?P<group_id>[^/]+)"


def route(pattern: str, view, name: str):
    return re_path(rf"^{pattern}/?$", view.as_view(), name=name)


urlpatterns = [
    re_path(r"^$", views.ManagementRootView.as_view(), name="root"),
    re_path(r"^openapi\.json$", SpectacularJSONAPIView.as_view(), name="openapi"),
    re_path(r"^docs/?$", SpectacularSwaggerSplitView.as_view(url_name="management:openapi"), name="docs"),
    route(r"datasets", views.DatasetListView, "dataset-list"),
    route(rf"datasets/{UID}", views.DatasetDetailView, "dataset-detail"),
    route(rf"datasets/{UID}/status", views.DatasetStatusView, "dataset-status"),
    route(rf"datasets/{UID}/changes", views.ChangeListView, "dataset-changes"),
    route(rf"datasets/{UID}/restore_change", views.RestoreChangeView, "dataset-restore-change"),
    route(rf"datasets/{UID}/metadata", views.MetadataListView, "dataset-metadata"),
    route(
        rf"datasets/{UID}/metadata/(?P<template_name>[A-Za-z0-9_-]+)/(?P<name>[A-Za-z0-9_-]+)",
        views.MetadataDetailView,
        "dataset-metadata-detail",
    ),
    route(rf"datasets/{UID}/publish", views.PublishView, "dataset-publish"),
    route(rf"datasets/{UID}/unpublish", views.UnpublishView, "dataset-unpublish"),
    route(rf"datasets/{UID}/abort_processing", views.AbortView, "dataset-abort"),
    route(rf"datasets/{UID}/status/records_errors", views.RecordErrorsView, "dataset-records-errors"),
    route(rf"datasets/{UID}/security/access_policy", views.AccessPolicyView, "security-access-policy"),
    route(rf"datasets/{UID}/security/default", views.DefaultRulesetView, "security-default"),
    route(rf"datasets/{UID}/security/users", views.UserRulesetListView, "security-users"),
    route(rf"datasets/{UID}/security/users/{USERNAME}", views.UserRulesetDetailView, "security-user"),
    route(rf"datasets/{UID}/security/groups", views.GroupRulesetListView, "security-groups"),
    route(rf"datasets/{UID}/security/groups/{GROUP}", views.GroupRulesetDetailView, "security-group"),
    route(rf"datasets/{UID}/schedules", views.ScheduleListView, "schedule-list"),
    route(rf"datasets/{UID}/schedules/(?P<schedule_uid>[A-Za-z0-9_-]+)", views.ScheduleDetailView, "schedule-detail"),
    route(r"jobs", JobListView, "job-list"),
    route(r"jobs/(?P<job_uid>[A-Za-z0-9_-]+)", JobDetailView, "job-detail"),
    route(rf"datasets/{UID}/resources", views.ResourceListView, "resource-list"),
    route(rf"datasets/{UID}/resources/{ITEM}", views.ResourceDetailView, "resource-detail"),
    route(rf"datasets/{UID}/resources/{ITEM}/download", views.ResourceDownloadView, "resource-download"),
    route(rf"datasets/{UID}/resources/{ITEM}/preview", views.ResourcePreviewView, "resource-preview"),
    route(rf"datasets/{UID}/resources/{ITEM}/check", views.ResourceCheckView, "resource-check"),
    route(rf"datasets/{UID}/resource_preview", views.UnsavedResourcePreviewView, "resource-preview-unsaved"),
    route(rf"datasets/{UID}/processors", views.ProcessorListView, "processor-list"),
    route(rf"datasets/{UID}/processors/{STEP}", views.ProcessorDetailView, "processor-detail"),
    route(rf"datasets/{UID}/guess_processor_params", views.GuessProcessorParamsView, "guess-processor-params"),
    route(rf"datasets/{UID}/fields_specifications", views.FieldSpecificationListView, "field-specification-list"),
    route(rf"datasets/{UID}/fields_specifications/{STEP}", views.FieldSpecificationDetailView, "field-specification"),
    route(rf"datasets/{UID}/attachments", attachments.AttachmentListView, "attachment-list"),
    route(rf"datasets/{UID}/attachments/{ATTACHMENT}", attachments.AttachmentDetailView, "attachment-detail"),
    route(
        rf"datasets/{UID}/download_attachment/{ATTACHMENT}", attachments.AttachmentDownloadView, "attachment-download"
    ),
    route(rf"datasets/{UID}/alternative_exports", attachments.AlternativeExportListView, "alternative-export-list"),
    route(
        rf"datasets/{UID}/alternative_exports/{EXPORT}", attachments.AlternativeExportDetailView, "alternative-export"
    ),
    route(
        rf"datasets/{UID}/download_alternative_export/{EXPORT}",
        attachments.AlternativeExportDownloadView,
        "alternative-export-download",
    ),
    route(r"files", views.FileListView, "file-list"),
    route(rf"files/{FILE}", views.FileDetailView, "file-detail"),
    route(rf"download_file/{FILE}", views.FileDownloadView, "file-download"),
    route(r"extractors", views.ExtractorListView, "extractor-list"),
    route(r"guess_extractors", views.GuessExtractorsView, "guess-extractors"),
    route(r"guess_extractor_params", views.GuessExtractorParamsView, "guess-extractor-params"),
    route(r"processors", views.ProcessorCatalogueView, "processor-catalogue"),
    route(r"fields_specifications", views.FieldSpecificationCatalogueView, "field-specification-catalogue"),
    route(r"metadata_templates", views.MetadataTemplateListView, "metadata-template-list"),
    route(
        r"metadata_templates/(?P<template_name>[A-Za-z0-9_-]+)", views.MetadataTemplateDetailView, "metadata-template"
    ),
    route(r"apikeys", views.ApiKeyListView, "apikey-list"),
    route(r"apikeys/(?P<key>[A-Za-z0-9_-]+)", views.ApiKeyDetailView, "apikey-detail"),
]
