"""``GET /catalog/facets``: counts of the catalog's metadata values, over the published datasets the caller sees."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from datasets.api.explore.errors import bad_parameter
from datasets.api.explore.representations import features
from datasets.api.explore.views import ExploreView
from datasets.models import Dataset

CATALOG_FACETS = ("keyword", "theme", "publisher", "license", "language", "features", "modified")
FACET_LIMIT = 100


def facet_values(dataset: Dataset, name: str) -> list[str]:
    """The values a published dataset has for one catalog facet (lists flattened, years for ``modified``)."""
    version = dataset.current_version
    if name == "features":
        return features(version.fields)
    if name == "modified":
        return [version.published_at.strftime("%Y")]
    value = version.metadata.get("default", {}).get(name)
    if value is None or value == "":
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def facet_pairs(request: Request, parameter: str) -> list[tuple[str, str]]:
    pairs = []
    for raw in request.query_params.getlist(parameter):
        name, separator, value = raw.partition(":")
        if not separator or name not in CATALOG_FACETS:
            raise bad_parameter(
                parameter, f"'{raw}'; expected <facet>:<value> with a facet among {', '.join(CATALOG_FACETS)}"
            )
        pairs.append((name, value))
    return pairs


def kept(dataset: Dataset, refines: list[tuple[str, str]], excludes: list[tuple[str, str]]) -> bool:
    values = {name: set(facet_values(dataset, name)) for name in {name for name, _ in refines + excludes}}
    return all(value in values[name] for name, value in refines) and not any(
        value in values[name] for name, value in excludes
    )


def facet_entries(counts: Counter, name: str, refines, excludes) -> list[dict[str, Any]]:
    refined = {value for facet, value in refines if facet == name}
    excluded = {value for facet, value in excludes if facet == name}
    entries = [
        {"name": value, "value": value, "count": count, "state": "refined" if value in refined else "displayed"}
        for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
    ]
    return entries + [{"name": value, "value": value, "state": "excluded"} for value in sorted(excluded)]


class CatalogFacetsView(ExploreView):
    """Counted in Python over the visible published datasets: a catalog holds thousands of datasets, not millions."""

    def get(self, request: Request) -> Response:
        names = request.query_params.getlist("facet") or list(CATALOG_FACETS)
        unknown = [name for name in names if name not in CATALOG_FACETS]
        if unknown:
            raise bad_parameter("facet", f"'{unknown[0]}'; catalog facets are {', '.join(CATALOG_FACETS)}")
        refines, excludes = facet_pairs(request, "refine"), facet_pairs(request, "exclude")
        datasets = [dataset for dataset in self.visible() if kept(dataset, refines, excludes)]
        facets = []
        for name in names:
            counts = Counter(value for dataset in datasets for value in set(facet_values(dataset, name)))
            facets.append({"name": name, "facets": facet_entries(counts, name, refines, excludes)})
        return Response({"facets": facets})
