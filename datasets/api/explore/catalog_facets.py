"""``GET /catalog/facets``: counts of the catalog's metadata values, over the published datasets the caller sees.

``where``, ``refine`` and ``exclude`` select the datasets counted, as on ``/catalog/datasets``. ``modified``
is hierarchical (reference §4): years; refining a year (``refine=modified:2019``) nests its months under it,
refining a month its days. Periods are read in the request's ``timezone``. The counting is
``datasets.selectors.catalog_facets``, which the catalog home page shares.
"""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from datasets.access.errors import bad_parameter
from datasets.api.explore.views import ExploreView
from datasets.selectors.catalog import CATALOG_FACETS
from datasets.selectors.catalog_facets import catalog_facets
from datasets.selectors.catalog_query import facet_pairs, timezone_of


class CatalogFacetsView(ExploreView):
    """Counted in Python over the selected datasets: a catalog holds thousands of datasets, not millions."""

    def get(self, request: Request) -> Response:
        # A name asked for twice is counted once: only known names get in, so at most CATALOG_FACETS are counted.
        names = list(dict.fromkeys(request.query_params.getlist("facet"))) or list(CATALOG_FACETS)
        unknown = [name for name in names if name not in CATALOG_FACETS]
        if unknown:
            raise bad_parameter("facet", f"'{unknown[0]}'; catalog facets are {', '.join(CATALOG_FACETS)}")
        refines, excludes = facet_pairs(request, "refine"), facet_pairs(request, "exclude")
        tz = timezone_of(request)
        # Only datasets the caller may see; checks where, refine and exclude (400 before counting).
        datasets = list(self.catalog(request).prefetch_related("rulesets"))
        return Response({"facets": catalog_facets(datasets, names, refines, excludes, tz, self.caller())})
