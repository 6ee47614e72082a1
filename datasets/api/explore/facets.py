"""``/catalog/datasets/{id}/facets``: value counts of facet fields, with ``where``, ``refine`` and ``exclude``."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from datasets.api.explore.records import clause, published_or_404
from datasets.api.explore.views import ExploreView
from datasets.odsql.records.facets import FacetRequest, compile_facets, facet_answer
from datasets.selectors.records import cached_rows


class DatasetFacetsView(ExploreView):
    """``GET /catalog/datasets/{dataset_id}/facets``: ``{"facets": [{"name": field, "facets": [...]}]}``."""

    def get(self, request: Request, dataset_id: str) -> Response:
        published = published_or_404(self, dataset_id)
        params = request.query_params
        facet_request = FacetRequest(
            table=published.table_name,
            fields=list(published.fields),
            where=clause(request, "where", " AND "),
            facets=params.getlist("facet"),
            refines=params.getlist("refine"),
            excludes=params.getlist("exclude"),
            access=published.readable,
        )
        # Every facet is compiled (and every error raised) before the first query runs; counts are cached per
        # published table like totals are.
        queries = compile_facets(facet_request)
        facets = [
            facet_answer(query, cached_rows(published.table_name, query.statement, query.params)) for query in queries
        ]
        return Response({"facets": facets})
