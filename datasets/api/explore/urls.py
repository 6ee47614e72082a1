"""Routes of the Explore API v2.1 (GET only); each answers with and without its trailing slash."""

from django.urls import re_path

from datasets.api.explore import (
    attachments,
    catalog_exports,
    catalog_facets,
    datapackage,
    exports,
    facets,
    records,
    root,
    views,
)

app_name = "explore"

DATASET = r"(?P<dataset_id>[A-Za-z0-9_-]+)"

urlpatterns = [
    re_path(r"^$", root.ExploreRootView.as_view(), name="root"),
    # File names, so no trailing-slash variant; the console is an HTML page (Swagger UI).
    re_path(r"^openapi\.json$", root.ExploreOpenAPIView.as_view(), name="openapi"),
    re_path(r"^console/?$", root.console, name="console"),
    re_path(r"^catalog/datasets/?$", views.CatalogDatasetsView.as_view(), name="catalog-datasets"),
    re_path(r"^catalog/facets/?$", catalog_facets.CatalogFacetsView.as_view(), name="catalog-facets"),
    re_path(r"^catalog/exports/?$", catalog_exports.CatalogExportsView.as_view(), name="catalog-exports"),
    re_path(
        r"^catalog/exports/(?P<export>[A-Za-z0-9_.-]+)/?$",
        catalog_exports.CatalogExportView.as_view(),
        name="catalog-export",
    ),
    re_path(rf"^catalog/datasets/{DATASET}/?$", views.CatalogDatasetView.as_view(), name="catalog-dataset"),
    re_path(rf"^catalog/datasets/{DATASET}/records/?$", records.DatasetRecordsView.as_view(), name="records"),
    re_path(rf"^catalog/datasets/{DATASET}/facets/?$", facets.DatasetFacetsView.as_view(), name="facets"),
    re_path(
        rf"^catalog/datasets/{DATASET}/records/(?P<record_id>[A-Za-z0-9]+)/?$",
        records.DatasetRecordView.as_view(),
        name="record",
    ),
    re_path(
        rf"^catalog/datasets/{DATASET}/attachments/?$",
        attachments.DatasetAttachmentsView.as_view(),
        name="attachments",
    ),
    re_path(
        rf"^catalog/datasets/{DATASET}/attachments/(?P<attachment_uid>[A-Za-z0-9_-]+)/?$",
        attachments.DatasetAttachmentView.as_view(),
        name="attachment",
    ),
    re_path(
        rf"^catalog/datasets/{DATASET}/alternative_exports/(?P<export_uid>[A-Za-z0-9_-]+)/?$",
        attachments.DatasetAlternativeExportView.as_view(),
        name="alternative-export",
    ),
    re_path(rf"^catalog/datasets/{DATASET}/exports/?$", exports.DatasetExportsView.as_view(), name="exports"),
    re_path(
        rf"^catalog/datasets/{DATASET}/exports/(?P<export>[A-Za-z0-9_.-]+)/?$",
        exports.DatasetExportView.as_view(),
        name="export",
    ),
    # A file name, so no trailing-slash variant.
    re_path(
        rf"^catalog/datasets/{DATASET}/datapackage\.json$", datapackage.DatapackageView.as_view(), name="datapackage"
    ),
]
