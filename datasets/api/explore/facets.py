"""``/catalog/datasets/{id}/facets``: value counts of facet fields, with ``where``, ``refine`` and ``exclude``.

Each facet is one query of up to the statement timeout, so a request may name at most ``EXPLORE_MAX_FACETS``
distinct ``facet`` parameters (a 400 naming the bound beyond); one named twice is counted once. Without any
``facet`` parameter the fields the publisher annotated ``facet`` are counted, whatever their number.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.response import Response

from datasets.access.errors import bad_parameter
from datasets.api.explore.records import clause, published_or_404
from datasets.api.explore.views import ExploreView
from datasets.odsql.records.facets import FacetRequest, compile_facets, facet_answer
from datasets.selectors.records import cached_rows


def bounded_facets(texts: list[str]) -> list[str]:
    """The ``facet`` parameters, refused (400) when they name more distinct facets than ``EXPLORE_MAX_FACETS``."""
    distinct = {text.strip() for text in texts if text.strip()}
    bound = settings.EXPLORE_MAX_FACETS
    if len(distinct) > bound:
        raise bad_parameter("facet", f"at most {bound} facets per request, {len(distinct)} were asked for")
    return texts


class DatasetFacetsView(ExploreView):
    """``GET /catalog/datasets/{dataset_id}/facets``: ``{"facets": [{"name": field, "facets": [...]}]}``."""

    def get(self, request: Request, dataset_id: str) -> Response:
        params = request.query_params
        # Checked before the dataset is looked up: a refused request costs no quota call and no query.
        facets = bounded_facets(params.getlist("facet"))
        published = published_or_404(self, dataset_id)
        facet_request = FacetRequest(
            table=published.table_name,
            fields=list(published.fields),
            where=clause(request, "where", " AND "),
            facets=facets,
            refines=params.getlist("refine"),
            excludes=params.getlist("exclude"),
            access=published.readable,
        )
        # Every facet is compiled (and every error raised) before the first query runs; counts are cached per
        # published table like totals are.
        queries = compile_facets(facet_request)
        facets_found = [
            facet_answer(query, cached_rows(published.table_name, query.statement, query.params)) for query in queries
        ]
        return Response({"facets": facets_found})
