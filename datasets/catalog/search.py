"""The catalog home's query: full text, facet refinements, sort and page, read from the page's URL.

The page speaks a small URL vocabulary of its own (``q``, ``refine``, ``sort``, ``page``) and translates it into
the Explore catalog's parameters, so the datasets it lists and counts are exactly what
``/catalog/datasets?where=...&refine=...`` and ``/catalog/facets`` answer for the same visitor:

* ``q`` is bare full text: it becomes one ODSQL string literal (quotes escaped), never ODSQL syntax, so any text
  typed in the box is a search and never a syntax error;
* ``refine=<facet>:<value>`` (repeatable) is the Explore ``refine`` parameter, checked by the same reader;
* ``sort`` is one of ``SORTS``; ``page`` is a 1-based page number (a bad one shows the last or first page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.paginator import Page, Paginator
from django.http import QueryDict

from datasets.api.explore.catalog_facets import catalog_facets
from datasets.api.explore.catalog_params import catalog_filter, facet_pairs
from datasets.catalog.refines import refine_links
from datasets.explore.catalog import annotated, catalog_ordering
from datasets.explore.catalog_access import partial_values
from datasets.explore.facets import odsql_string
from datasets.metadata_templates.languages import LANGUAGES
from datasets.security import Caller, visible_datasets

PAGE_SIZE = 20
HOME_FACETS = ("theme", "keyword", "publisher", "license", "language", "features")
FACET_LABELS = {
    "theme": "Theme",
    "keyword": "Keyword",
    "publisher": "Publisher",
    "license": "License",
    "language": "Language",
    "features": "Features",
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
    """A URL parameter the page cannot use; shown on the page with a 400."""


@dataclass(frozen=True)
class Explored:
    """What ``catalog_filter`` reads of a request: its ``query_params``."""

    query_params: QueryDict


@dataclass
class HomeQuery:
    """The page's parameters as typed (``q``, ``refine``, ``sort``, ``page``)."""

    text: str = ""
    refines: list[str] = field(default_factory=list)
    sort: str = DEFAULT_SORT
    page: str | None = None

    @classmethod
    def of(cls, params: QueryDict) -> HomeQuery:
        sort = params.get("sort") or DEFAULT_SORT
        if sort not in SORTS:
            raise PageError(f"Unknown sort '{sort}'; the catalog sorts by {', '.join(SORTS)}.")
        refines = [value for value in params.getlist("refine") if value.strip()]
        return cls(params.get("q", "").strip(), refines, sort, params.get("page"))

    def explore_params(self) -> QueryDict:
        """The Explore catalog parameters this query means (``where``, ``refine``, ``order_by``)."""
        params = QueryDict(mutable=True)
        if self.text:
            params["where"] = odsql_string(self.text)
        params.setlist("refine", self.refines)
        params["order_by"] = SORTS[self.sort][1]
        return params

    def url(self, **changes: Any) -> str:
        """This page's query string with ``changes`` (``refines=[...]``, ``sort=...``, ``page=...``)."""
        values = {"q": self.text, "refine": self.refines, "sort": self.sort, "page": None} | changes
        params = QueryDict(mutable=True)
        if values["q"]:
            params["q"] = values["q"]
        params.setlist("refine", values["refine"])
        if values["sort"] != DEFAULT_SORT:
            params["sort"] = values["sort"]
        if values["page"] and values["page"] != 1:
            params["page"] = str(values["page"])
        encoded = params.urlencode()
        return f"?{encoded}" if encoded else "?"


@dataclass
class HomeResult:
    """One page of datasets, the facets of every selected dataset, and the catalog's size for the visitor."""

    page: Page
    facets: list[dict[str, Any]]
    catalog_size: int


def search_home(query: HomeQuery, caller: Caller) -> HomeResult:
    """The datasets ``query`` selects among those ``caller`` may see; ``ExploreError`` / ``ODSQLError`` for a
    refinement the Explore API refuses too."""
    params = query.explore_params()
    visible = visible_datasets(caller)
    selected = annotated(visible, partial_values(caller, visible, params)).filter(catalog_filter(Explored(params)))
    ordered = selected.order_by(*catalog_ordering(params["order_by"])).select_related("current_version")
    paginator = Paginator(ordered, PAGE_SIZE)
    page = paginator.get_page(query.page)
    datasets = list(selected.select_related("current_version").prefetch_related("rulesets"))
    refines = facet_pairs(Explored(params), "refine")
    facets = catalog_facets(datasets, list(HOME_FACETS), refines, [], UTC, caller)
    return HomeResult(page, facet_links(facets, query), visible.count())


def facet_links(facets: list[dict[str, Any]], query: HomeQuery) -> list[dict[str, Any]]:
    """The home's facets as refine links; languages are shown by name, refined by code."""

    def value_label(facet: str, entry: dict[str, Any]) -> str:
        return LANGUAGE_NAMES.get(entry["value"], entry["value"]) if facet == "language" else entry["name"]

    return refine_links(facets, query, FACET_LABELS.__getitem__, value_label)
