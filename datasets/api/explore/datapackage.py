"""``GET /catalog/datasets/<id>/datapackage.json``: a dataset's Frictionless Data Package, for data tools.

It answers like the other Explore routes (same credentials, throttles, quota and 404 for a dataset the caller
may not see); a dataset whose data the caller may not read has no data package (404 too). The package itself
is written by ``datasets.formats.datapackage``.
"""

from __future__ import annotations

from typing import cast
from urllib.parse import quote

from django.urls import reverse
from rest_framework.request import Request
from rest_framework.response import Response

from datasets.access.visibility import visible_datasets
from datasets.api.explore.errors import unknown_dataset
from datasets.api.explore.views import ExploreView
from datasets.formats.datapackage import data_package
from datasets.models import PublishedVersion
from datasets.selectors.published import published_table

API_ROOT = "/api/explore/v2.1/catalog/datasets"


class DatapackageView(ExploreView):
    """``GET .../catalog/datasets/<id>/datapackage.json``: one CSV resource with the Table Schema of the fields
    the caller sees."""

    def get(self, request: Request, dataset_id: str) -> Response:
        caller = self.caller()
        published = published_table(visible_datasets(caller), dataset_id, caller)
        if published is None or not published.access.data_visible:
            raise unknown_dataset(dataset_id)
        dataset = self.dataset(dataset_id)  # counts the call against the quota, as the other routes do
        page = request.build_absolute_uri(reverse("catalog-dataset", args=[dataset_id]))
        api_root = request.build_absolute_uri(f"{API_ROOT}/{quote(dataset_id)}")
        metadata = cast(PublishedVersion, dataset.current_version).metadata
        return Response(data_package(dataset_id, metadata, published.fields, api_root, page))
