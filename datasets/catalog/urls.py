"""Routes of the public catalog pages."""

from django.urls import path

from datasets.catalog import standards, views

urlpatterns = [
    path("", views.catalog_home, name="catalog-home"),
    path("explore/dataset/<str:dataset_id>/", views.catalog_dataset, name="catalog-dataset"),
    path("explore/dataset/<str:dataset_id>/<slug:tab>/", views.catalog_dataset, name="catalog-dataset-tab"),
    path("datasets/<str:dataset_id>/", views.legacy_dataset, name="catalog-dataset-legacy"),
    path("sitemap.xml", standards.sitemap, name="sitemap"),
    path("robots.txt", standards.robots, name="robots"),
]
