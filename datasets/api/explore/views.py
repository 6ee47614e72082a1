"""Explore API v2.1: the public, read-only side, serving published versions only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from datasets.api.explore.catalog_params import catalog_filter, flag, lang_of, timezone_of
from datasets.api.explore.errors import bad_parameter, explore_exception_handler, unknown_dataset
from datasets.api.explore.links import MAX_WINDOW, dataset_links, page_links
from datasets.api.explore.representations import CatalogSelection, explore_dataset_repr
from datasets.api.management.base import AnonThrottle, UserThrottle
from datasets.explore.catalog import annotated, catalog_ordering
from datasets.models import Dataset
from datasets.selectors import datasets_in_catalog

MAX_LIMIT = 100


class ExploreView(APIView):
    """Public: anonymous visitors see what the catalog shows them; credentials may show more."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, UserThrottle]

    def get_exception_handler(self):
        return explore_exception_handler

    def visible(self):
        return datasets_in_catalog(user=self.request.user)

    def catalog(self, request: Request) -> QuerySet[Dataset]:
        """The visible datasets ``where``, ``refine`` and ``exclude`` select, with the catalog's computed values."""
        return annotated(self.visible()).filter(catalog_filter(request))

    def dataset(self, dataset_id: str) -> Dataset:
        dataset = self.visible().filter(dataset_id=dataset_id).first()
        if dataset is None:
            raise unknown_dataset(dataset_id)
        return dataset


def window(request: Request) -> tuple[int, int]:
    """``limit`` (1..100, default 10) and ``offset`` (>= 0) with offset + limit <= 10,000."""
    values = {}
    for name, default in (("limit", 10), ("offset", 0)):
        raw = request.query_params.get(name, str(default))
        try:
            values[name] = int(raw)
        except ValueError:
            raise bad_parameter(name, f"expected an integer, got '{raw}'") from None
    limit, offset = values["limit"], values["offset"]
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_parameter("limit", f"must be between 1 and {MAX_LIMIT}; use the exports for more")
    if offset < 0 or offset + limit > MAX_WINDOW:
        raise bad_parameter("offset", f"offset must be >= 0 and offset + limit <= {MAX_WINDOW}")
    return limit, offset


@dataclass(frozen=True)
class DatasetShape:
    """How a request wants its dataset objects: ``select``, ``timezone``, ``include_app_metas``, ``include_links``.

    Read (and checked, ``lang`` too) before any query runs.
    """

    selection: CatalogSelection
    tz: ZoneInfo
    app_metas: bool
    links: bool

    @classmethod
    def of(cls, request: Request) -> DatasetShape:
        lang_of(request)
        return cls(
            CatalogSelection.parse(request.query_params.get("select")),
            timezone_of(request),
            flag(request, "include_app_metas"),
            flag(request, "include_links"),
        )

    def render(self, request: Request, dataset: Dataset) -> dict[str, Any]:
        shown = explore_dataset_repr(dataset, tz=self.tz, app_metas=self.app_metas)
        if self.links:
            shown["_links"] = dataset_links(request, dataset.dataset_id)
        return self.selection.apply(shown)


class CatalogDatasetsView(ExploreView):
    """``GET /catalog/datasets``: the published datasets the caller may see, filtered, sorted and paged.

    ``where`` / ``order_by`` / ``refine`` / ``exclude`` are described in ``datasets.explore.catalog``,
    ``select`` and ``include_app_metas`` in ``representations``, ``include_links`` in ``links``.
    """

    def get(self, request: Request) -> Response:
        if "group_by" in request.query_params:
            # Refused rather than ignored: ungrouped results would silently answer another question.
            raise bad_parameter("group_by", "the catalog list is not grouped; use /catalog/facets to count values")
        limit, offset = window(request)
        shape = DatasetShape.of(request)
        datasets = self.catalog(request).order_by(*catalog_ordering(request.query_params.get("order_by")))
        total = datasets.count()
        body: dict[str, Any] = {"total_count": total}
        if shape.links:
            body["_links"] = page_links(request, total, limit, offset)
        body["results"] = [shape.render(request, dataset) for dataset in datasets[offset : offset + limit]]
        return Response(body)


class CatalogDatasetView(ExploreView):
    """``GET /catalog/datasets/{dataset_id}``, with the list's ``select``, ``lang``, ``timezone``,
    ``include_links`` and ``include_app_metas``."""

    def get(self, request: Request, dataset_id: str) -> Response:
        shape = DatasetShape.of(request)
        return Response(shape.render(request, self.dataset(dataset_id)))
