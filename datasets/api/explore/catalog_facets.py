"""``GET /catalog/facets``: counts of the catalog's metadata values, over the published datasets the caller sees.

``where``, ``refine`` and ``exclude`` select the datasets counted, as on ``/catalog/datasets``. ``modified``
is hierarchical (reference §4): years; refining a year (``refine=modified:2019``) nests its months under it,
refining a month its days. Periods are read in the request's ``timezone``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, cast
from zoneinfo import ZoneInfo

from rest_framework.request import Request
from rest_framework.response import Response

from datasets.access.visibility import Caller
from datasets.api.explore.catalog_params import facet_pairs, timezone_of
from datasets.api.explore.errors import bad_parameter
from datasets.api.explore.representations import visible_field_specs
from datasets.api.explore.views import ExploreView, dataset_access
from datasets.models import Dataset, PublishedVersion
from datasets.selectors.catalog import CATALOG_FACETS, features, period_parts, published_modified

FACET_LIMIT = 100
PERIOD_FORMATS = ("%Y", "%Y/%m", "%Y/%m/%d")


def facet_values(dataset: Dataset, name: str, tz: ZoneInfo, caller: Caller) -> list[str]:
    """The values a published dataset has for one catalog facet (lists flattened, years for ``modified``);
    ``features`` come from the fields the caller may see."""
    version = cast(PublishedVersion, dataset.current_version)
    if name == "features":
        return features(visible_field_specs(version, dataset_access(caller, dataset)))
    if name == "modified":
        return [published_modified(version).astimezone(tz).strftime("%Y")]
    value = version.metadata.get("default", {}).get(name)
    if value is None or value == "":
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def ranked(counts: Counter) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]


def facet_entries(counts: Counter, name: str, refines, excludes) -> list[dict[str, Any]]:
    refined = {value for facet, value in refines if facet == name}
    entries = [
        {"name": value, "value": value, "count": count, "state": "refined" if value in refined else "displayed"}
        for value, count in ranked(counts)
    ]
    return entries + excluded_entries(name, excludes)


def excluded_entries(name: str, excludes) -> list[dict[str, Any]]:
    excluded = sorted({value for facet, value in excludes if facet == name})
    return [{"name": value, "value": value, "state": "excluded"} for value in excluded]


def canonical_period(value: str) -> str:
    """``2019/8`` -> ``2019/08``: refinements compare with the facet values as those are written."""
    year, *rest = period_parts(value)
    return "/".join([f"{year:04d}", *(f"{part:02d}" for part in rest)])


def period_entries(moments: list[dt.datetime], refined: set[str], depth: int = 0) -> list[dict[str, Any]]:
    """Entries of one level of ``modified``; a refined entry (or one above a refined one) nests the next level."""
    form = PERIOD_FORMATS[depth]
    entries = []
    for value, count in ranked(Counter(moment.strftime(form) for moment in moments)):
        entry: dict[str, Any] = {"name": value, "value": value, "count": count, "state": "displayed"}
        if any(chosen == value or chosen.startswith(value + "/") for chosen in refined):
            entry["state"] = "refined"
            if depth + 1 < len(PERIOD_FORMATS):
                inside = [moment for moment in moments if moment.strftime(form) == value]
                entry["facets"] = period_entries(inside, refined, depth + 1)
        entries.append(entry)
    return entries


def catalog_facets(
    datasets: list[Dataset], names: list[str], refines, excludes, tz: ZoneInfo, caller: Caller
) -> list[dict[str, Any]]:
    """``[{"name": facet, "facets": [...]}]`` for each of ``names`` over ``datasets`` (already selected and
    visible to ``caller``); the catalog pages count their facets with it too."""
    facets = []
    for name in names:
        if name == "modified":
            moments = [
                published_modified(cast(PublishedVersion, dataset.current_version)).astimezone(tz)
                for dataset in datasets
            ]
            refined = {canonical_period(value) for facet, value in refines if facet == name}
            excluded = [(facet, canonical_period(value)) for facet, value in excludes if facet == name]
            entries = period_entries(moments, refined) + excluded_entries(name, excluded)
        else:
            counts = Counter(value for dataset in datasets for value in set(facet_values(dataset, name, tz, caller)))
            entries = facet_entries(counts, name, refines, excludes)
        facets.append({"name": name, "facets": entries})
    return facets


class CatalogFacetsView(ExploreView):
    """Counted in Python over the selected datasets: a catalog holds thousands of datasets, not millions."""

    def get(self, request: Request) -> Response:
        names = request.query_params.getlist("facet") or list(CATALOG_FACETS)
        unknown = [name for name in names if name not in CATALOG_FACETS]
        if unknown:
            raise bad_parameter("facet", f"'{unknown[0]}'; catalog facets are {', '.join(CATALOG_FACETS)}")
        refines, excludes = facet_pairs(request, "refine"), facet_pairs(request, "exclude")
        tz = timezone_of(request)
        # Only datasets the caller may see; checks where, refine and exclude (400 before counting).
        datasets = list(self.catalog(request).prefetch_related("rulesets"))
        return Response({"facets": catalog_facets(datasets, names, refines, excludes, tz, self.caller())})
