"""Routes of the management API v2; each answers with and without its trailing slash (API decision 9)."""

from django.urls import re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from datasets.api.management import views

app_name = "management"

UID = r"(?P<dataset_uid>[A-Za-z0-9_-]+)"


def route(pattern: str, view, name: str):
    return re_path(rf"^{pattern}/?$", view.as_view(), name=name)


urlpatterns = [
    re_path(r"^$", views.ManagementRootView.as_view(), name="root"),
    re_path(r"^openapi\.json$", SpectacularJSONAPIView.as_view(), name="openapi"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="management:openapi"), name="docs"),
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
    route(r"metadata_templates", views.MetadataTemplateListView, "metadata-template-list"),
    route(
        r"metadata_templates/(?P<template_name>[A-Za-z0-9_-]+)", views.MetadataTemplateDetailView, "metadata-template"
    ),
    route(r"apikeys", views.ApiKeyListView, "apikey-list"),
    route(r"apikeys/(?P<key>[A-Za-z0-9_-]+)", views.ApiKeyDetailView, "apikey-detail"),
]
