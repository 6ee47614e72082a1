"""Explore API v2.1: the public, read-only side, serving published versions only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.cache import patch_vary_headers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import AnonThrottle, UserThrottle
from datasets.access.caller import Caller, caller_of
from datasets.access.errors import bad_parameter
from datasets.access.quotas import enforce_quota
from datasets.access.visibility import data_access, visible_datasets
from datasets.api.explore.catalog_params import flag, lang_of
from datasets.api.explore.errors import explore_exception_handler, unknown_dataset
from datasets.api.explore.links import MAX_WINDOW, dataset_links, page_links
from datasets.api.explore.representations import CatalogSelection, explore_dataset_repr
from datasets.models import Dataset
from datasets.selectors.attachments import published_attachments
from datasets.selectors.catalog import annotated, catalog_ordering
from datasets.selectors.catalog_access import dataset_access, partial_values
from datasets.selectors.catalog_query import catalog_filter, timezone_of
from datasets.selectors.records import readable_count

MAX_LIMIT = 100


class ExploreView(APIView):
    """Public: anonymous visitors see what the catalog shows them; credentials (a session or an API key) may
    show more, or less of a dataset's data (``datasets.access.visibility``). Answers therefore vary with the caller."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, UserThrottle]

    def get_exception_handler(self):
        return explore_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ("Authorization", "Cookie"))
        return response

    def caller(self) -> Caller:
        """The user, and the API key they called with if any."""
        return caller_of(self.request)

    def visible(self) -> QuerySet[Dataset]:
        """The published datasets that exist for the caller (the one visibility predicate)."""
        return visible_datasets(self.caller())

    def catalog(self, request: Request) -> QuerySet[Dataset]:
        """The visible datasets ``where``, ``refine`` and ``exclude`` select, with the catalog's computed values."""
        visible = self.visible()
        partial = partial_values(self.caller(), visible, request.query_params)
        return annotated(visible, partial).filter(catalog_filter(request))

    def dataset(self, dataset_id: str) -> Dataset:
        """A dataset the caller may see, with ``access`` (its ``DataAccess``) set; counts one call of the quota."""
        dataset = self.visible().filter(dataset_id=dataset_id).prefetch_related("rulesets").first()
        access = data_access(self.caller(), dataset) if dataset is not None else None
        if access is None or dataset is None:
            raise unknown_dataset(dataset_id)
        enforce_quota(self.request, self.caller(), dataset, access)
        dataset.access = access  # type: ignore[attr-defined]  # an attribute of our own, read by the views
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

    def render(self, request: Request, dataset: Dataset, caller: Caller) -> dict[str, Any]:
        """The dataset object as the caller may see it (``dataset.access`` when the view has computed it)."""
        access = getattr(dataset, "access", None) or dataset_access(caller, dataset)
        count = readable_count(dataset, access)
        shown = explore_dataset_repr(dataset, tz=self.tz, app_metas=self.app_metas, access=access, records_count=count)
        shown["attachments"] = published_attachments(request, dataset.dataset_id, dataset.current_version)
        if self.links:
            shown["_links"] = dataset_links(request, dataset.dataset_id)
        return self.selection.apply(shown)


class CatalogDatasetsView(ExploreView):
    """``GET /catalog/datasets``: the published datasets the caller may see, filtered, sorted and paged.

    ``where`` / ``order_by`` / ``refine`` / ``exclude`` are described in ``datasets.selectors.catalog``,
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
        page = datasets.prefetch_related("rulesets")[offset : offset + limit]
        body["results"] = [shape.render(request, dataset, self.caller()) for dataset in page]
        return Response(body)


class CatalogDatasetView(ExploreView):
    """``GET /catalog/datasets/{dataset_id}``, with the list's ``select``, ``lang``, ``timezone``,
    ``include_links`` and ``include_app_metas``."""

    def get(self, request: Request, dataset_id: str) -> Response:
        shape = DatasetShape.of(request)
        return Response(shape.render(request, self.dataset(dataset_id), self.caller()))
