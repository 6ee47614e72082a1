"""Routes of the Explore API v2.1 (GET only); each answers with and without its trailing slash."""

from django.urls import re_path

from datasets.api.explore import views

app_name = "explore"

DATASET = r"(?P<dataset_id>[A-Za-z0-9_-]+)"

urlpatterns = [
    re_path(r"^catalog/datasets/?$", views.CatalogDatasetsView.as_view(), name="catalog-datasets"),
    re_path(rf"^catalog/datasets/{DATASET}/?$", views.CatalogDatasetView.as_view(), name="catalog-dataset"),
]
