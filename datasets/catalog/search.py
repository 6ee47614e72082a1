"""The catalog home's query: full text, facet refinements and exclusions, sort and page, read from the page's URL.

The page speaks a small URL vocabulary of its own (``q``, ``refine``, ``exclude``, ``sort``, ``page``) and
translates it into the Explore catalog's parameters, so the datasets it lists and counts are exactly what
``/catalog/datasets?where=...&refine=...&exclude=...`` and ``/catalog/facets`` answer for the same visitor:

* ``q`` is bare full text: it becomes one ODSQL string literal (quotes escaped), never ODSQL syntax, so any text
  typed in the box is a search and never a syntax error;
* ``refine=<facet>:<value>`` and ``exclude=<facet>:<value>`` (repeatable) are the Explore ``refine`` and
  ``exclude`` parameters, checked by the same reader; ``modified`` takes a period ``YYYY[/MM[/DD]]`` (UTC) and its
  facet nests a refined year's months, then a refined month's days;
* ``sort`` is one of ``SORTS``; ``page`` is a 1-based page number (a bad one shows the last or first page).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.core.paginator import Page, Paginator
from django.http import QueryDict
from django.utils.dates import MONTHS

from datasets.access.caller import Caller
from datasets.access.visibility import visible_datasets
from datasets.catalog.refines import refine_links
from datasets.metadata_templates.languages import LANGUAGES
from datasets.models import Dataset, PublishedVersion
from datasets.odsql.records.facets import odsql_string
from datasets.selectors.catalog import FEATURE_TYPES, annotated, catalog_ordering, period_parts
from datasets.selectors.catalog_access import dataset_access, is_partial, known_values, partial_values
from datasets.selectors.catalog_facets import canonical_period, catalog_facets
from datasets.selectors.catalog_query import catalog_filter, facet_pairs

PAGE_SIZE = 20
HOME_FACETS = ("theme", "keyword", "publisher", "license", "language", "features", "modified")
FACET_LABELS = {
    "theme": "Theme",
    "keyword": "Keyword",
    "publisher": "Publisher",
    "license": "License",
    "language": "Language",
    "features": "Features",
    "modified": "Modified",
}
# sort value -> (label, Explore ``order_by``)
SORTS = {
    "title": ("Title (A to Z)", "title"),
    "-modified": ("Recently modified", "modified desc"),
    "-records_count": ("Most records", "records_count desc"),
}
DEFAULT_SORT = "title"
UTC = ZoneInfo("UTC")
LANGUAGE_NAMES = dict(LANGUAGES)  # the language facet shows names, refines by code


class PageError(Exception):
    """A URL parameter the page cannot use; shown on the page with a 400, with ``links`` (label, href) out of it."""

    def __init__(self, message: str, links: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.links = links or []


@dataclass(frozen=True)
class Explored:
    """What ``catalog_filter`` reads of a request: its ``query_params``."""

    query_params: QueryDict


@dataclass
class HomeQuery:
    """The page's parameters as typed (``q``, ``refine``, ``exclude``, ``sort``, ``page``)."""

    text: str = ""
    refines: list[str] = field(default_factory=list)
    sort: str = DEFAULT_SORT
    page: str | None = None
    excludes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, params: QueryDict) -> HomeQuery:
        sort = params.get("sort") or DEFAULT_SORT
        if sort not in SORTS:
            raise PageError(f"Unknown sort '{sort}'; the catalog sorts by {', '.join(SORTS)}.")
        refines, excludes = (tokens(params.getlist(name)) for name in ("refine", "exclude"))
        return cls(params.get("q", "").strip(), refines, sort, params.get("page"), excludes)

    def explore_params(self) -> QueryDict:
        """The Explore catalog parameters this query means (``where``, ``refine``, ``exclude``, ``order_by``)."""
        params = QueryDict(mutable=True)
        if self.text:
            params["where"] = odsql_string(self.text)
        params.setlist("refine", self.refines)
        params.setlist("exclude", self.excludes)
        params["order_by"] = SORTS[self.sort][1]
        return params

    def url(self, **changes: Any) -> str:
        """This page's query string with ``changes`` (``refine=[...]``, ``exclude=[...]``, ``sort=...``,
        ``page=...``); any change but ``page`` goes back to the first page."""
        values: dict[str, Any]
        values = {"q": self.text, "refine": self.refines, "exclude": self.excludes, "sort": self.sort, "page": None}
        values |= changes
        params = QueryDict(mutable=True)
        if values["q"]:
            params["q"] = values["q"]
        params.setlist("refine", values["refine"])
        params.setlist("exclude", values["exclude"])
        if values["sort"] != DEFAULT_SORT:
            params["sort"] = values["sort"]
        if values["page"] and values["page"] != 1:
            params["page"] = str(values["page"])
        encoded = params.urlencode()
        return f"?{encoded}" if encoded else "?"


def tokens(raw: list[str]) -> list[str]:
    """Non-blank ``<facet>:<value>`` tokens, duplicates dropped and ``modified`` periods written as the facet writes
    them (``2024/3`` -> ``2024/03``) so the facet's links find them; a malformed one stays for the reader to refuse.
    """
    kept: list[str] = []
    for token in (value.strip() for value in raw):
        name, separator, value = token.partition(":")
        if separator and name == "modified":
            with contextlib.suppress(ValueError):
                token = f"modified:{canonical_period(value)}"
        if token and token not in kept:
            kept.append(token)
    return kept


@dataclass(frozen=True)
class Card:
    """What a dataset's card says beyond its metadata: the records the visitor reads, when the data was last
    published, and its features (``geo``: a map; ``analyze``: numbers to chart; ``timeserie``: dates)."""

    dataset: Dataset
    records_count: int
    published: dt.datetime
    features: list[str]
    data_visible: bool


@dataclass
class HomeResult:
    """One page of datasets (and their cards), the facets of every selected dataset, and the catalog's size for
    the visitor."""

    page: Page
    facets: list[dict[str, Any]]
    catalog_size: int
    filters: list[dict[str, Any]] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)


def search_home(query: HomeQuery, caller: Caller) -> HomeResult:
    """The datasets ``query`` selects among those ``caller`` may see; ``ExploreError`` / ``ODSQLError`` for a
    refinement the Explore API refuses too."""
    params = query.explore_params()
    visible = visible_datasets(caller)
    selected = annotated(visible, partial_values(caller, visible, params)).filter(catalog_filter(Explored(params)))
    ordered = (
        selected.order_by(*catalog_ordering(cast(str, params["order_by"])))
        .select_related("current_version")
        .prefetch_related("rulesets")
    )
    paginator = Paginator(ordered, PAGE_SIZE)
    page = paginator.get_page(query.page)
    datasets = list(selected.select_related("current_version").prefetch_related("rulesets"))
    refines, excludes = facet_pairs(Explored(params), "refine"), facet_pairs(Explored(params), "exclude")
    facets = catalog_facets(datasets, list(HOME_FACETS), refines, excludes, UTC, caller)
    cards = [card(dataset, caller) for dataset in page]
    return HomeResult(page, facet_links(facets, query), visible.count(), active_filters(query), cards)


def card(dataset: Dataset, caller: Caller) -> Card:
    """The card of one listed dataset (``annotated``), with the values the Explore catalog answers this visitor:
    on a dataset a ruleset shows in part, the readable count and the visible fields' features."""
    version = cast(PublishedVersion, dataset.current_version)
    count: int = getattr(dataset, "catalog_records_count", version.record_count)
    shown = [name for name in FEATURE_TYPES if getattr(dataset, f"catalog_feature_{name}", False)]
    visible = True
    if dataset.rulesets.all():
        access = dataset_access(caller, dataset)
        visible = access.data_visible
        if is_partial(access):
            known = known_values(dataset, access)
            count, shown = known.records_count, [name for name in FEATURE_TYPES if name in known.features]
    return Card(dataset, count, version.published_at, shown, visible)


def facet_links(facets: list[dict[str, Any]], query: HomeQuery) -> list[dict[str, Any]]:
    """The home's facets as refine and exclude links; periods newest first, each value with a readable label."""
    for facet in facets:
        if facet["name"] == "modified":
            facet["facets"] = newest_first(facet["facets"])
    return refine_links(
        facets, query, FACET_LABELS.__getitem__, lambda name, entry: value_label(name, entry["value"]), query.excludes
    )


def newest_first(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Periods (``2024``, ``2024/03``, ``2024/03/14``) newest first at every level; excluded ones after them."""
    counted = [entry for entry in entries if entry["state"] != "excluded"]
    excluded = [entry for entry in entries if entry["state"] == "excluded"]
    ordered = sorted(counted, key=lambda entry: entry["value"], reverse=True)
    for entry in ordered:
        if "facets" in entry:
            entry["facets"] = newest_first(entry["facets"])
    return ordered + excluded


def value_label(facet: str, value: str) -> str:
    """A facet value as a visitor reads it: a language's name (refined by its code), a period in words."""
    if facet == "language":
        return LANGUAGE_NAMES.get(value, value)
    if facet == "modified":
        return period_label(value)
    return value


def period_label(value: str) -> str:
    """``2024`` -> ``2024``, ``2024/03`` -> ``March 2024``, ``2024/03/14`` -> ``14 March 2024``."""
    try:
        year, *rest = period_parts(value)
    except ValueError:
        return value
    if not rest:
        return str(year)
    if not 1 <= rest[0] <= 12:
        return value
    month = f"{MONTHS[rest[0]]} {year}"
    return f"{rest[1]} {month}" if len(rest) > 1 else month


def active_filters(query: HomeQuery) -> list[dict[str, Any]]:
    """The page's refinements then exclusions, each labelled and with the URL of the page without it."""
    filters = []
    for kind, chosen in (("refine", query.refines), ("exclude", query.excludes)):
        for token in chosen:
            name, _, value = token.partition(":")
            label = f"{FACET_LABELS.get(name, name)}: {value_label(name, value)}"
            href = query.url(**{kind: [other for other in chosen if other != token]})
            filters.append({"kind": kind, "token": token, "label": label, "href": href})
    return filters
