"""Counts of the catalog's metadata values over selected published datasets: ``/catalog/facets`` answers them and
the catalog home page shows them.

``modified`` is hierarchical (reference §4): years; refining a year (``refine=modified:2019``) nests its months
under it, refining a month its days. Periods are read in the given time zone. ``features`` count the fields each
caller may see.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, cast
from zoneinfo import ZoneInfo

from datasets.access.caller import Caller
from datasets.models import Dataset, PublishedVersion
from datasets.selectors.catalog import features, period_parts, published_modified
from datasets.selectors.catalog_access import dataset_access
from datasets.selectors.public import visible_field_specs

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
