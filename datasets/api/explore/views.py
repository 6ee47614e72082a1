"""Explore API v2.1: the public, read-only side, serving published versions only."""

from __future__ import annotations

from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from datasets.api.explore.errors import bad_parameter, explore_exception_handler, unknown_dataset
from datasets.api.explore.representations import explore_dataset_repr
from datasets.api.management.base import AnonThrottle, UserThrottle
from datasets.models import Dataset
from datasets.selectors import datasets_in_catalog

MAX_LIMIT = 100
MAX_WINDOW = 10_000
CATALOG_ORDERS = {"dataset_id": "dataset_id", "modified": "current_version__published_at"}


class ExploreView(APIView):
    """Public: anonymous visitors see what the catalog shows them; credentials may show more."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, UserThrottle]

    def get_exception_handler(self):
        return explore_exception_handler

    def visible(self):
        return datasets_in_catalog(user=self.request.user)

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


def catalog_order(request: Request) -> list[str]:
    """``order_by=dataset_id`` or ``modified``, each optionally followed by ``asc``/``desc``."""
    raw = request.query_params.get("order_by", "dataset_id")
    terms = []
    for term in (part.strip() for part in raw.split(",") if part.strip()):
        name, _, direction = term.partition(" ")
        direction = direction.strip().lower() or "asc"
        if name not in CATALOG_ORDERS or direction not in ("asc", "desc"):
            known = ", ".join(CATALOG_ORDERS)
            raise bad_parameter("order_by", f"'{term}'; sort the catalog by {known}, asc or desc")
        terms.append(("-" if direction == "desc" else "") + CATALOG_ORDERS[name])
    return [*terms, "dataset_uid"]


class CatalogDatasetsView(ExploreView):
    """``GET /catalog/datasets``: the published datasets the caller may see."""

    def get(self, request: Request) -> Response:
        limit, offset = window(request)
        datasets = self.visible().order_by(*catalog_order(request))
        total = datasets.count()
        page = datasets[offset : offset + limit]
        return Response({"total_count": total, "results": [explore_dataset_repr(dataset) for dataset in page]})


class CatalogDatasetView(ExploreView):
    """``GET /catalog/datasets/{dataset_id}``."""

    def get(self, request: Request, dataset_id: str) -> Response:
        return Response(explore_dataset_repr(self.dataset(dataset_id)))
