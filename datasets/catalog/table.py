"""The dataset page's records view: one page of records, sorted, searched and refined, with facet counts.

It runs the Explore records machinery (``compile_records_query``, ``compile_facets``) on the caller's readable
part of the table (``PublishedTable.readable``), so hidden fields and filtered-out records stay out exactly as
they do on ``/records``. The page's URL vocabulary (``q``, ``refine``, ``sort``, ``page``) maps onto the Explore
parameters, which the export and API tabs then show:

* ``q`` -> ``where`` as ``suggest("<q>")``, the text one ODSQL string literal (never ODSQL syntax): every word is
  a prefix, so a visitor typing ``chica`` sees Chicago before finishing the word; accents and case never matter;
* ``refine=<field>:<value>`` -> the Explore ``refine`` parameter, checked by the same parser;
* ``sort=<field>`` / ``sort=-<field>`` -> ``order_by`` on a shown column (back-quoted: a field may be called
  like a keyword), the ``visualization.table_default_sort_field`` when absent;
* ``page`` -> ``limit`` and ``offset``, within the Explore window (offset + limit <= 10,000).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from datasets.catalog.refines import refine_links
from datasets.catalog.search import PageError
from datasets.odsql.records.facets import (
    FacetRequest,
    annotated,
    compile_facets,
    facet_answer,
    odsql_string,
    refine_exclude_text,
)
from datasets.odsql.records.query import MAX_WINDOW, RecordsQuery, compile_records_query
from datasets.pipeline.core import Field
from datasets.selectors.published import PublishedTable
from datasets.selectors.records import cached_count, cached_rows, json_value
from datasets.store.reading import run_bounded

PAGE_SIZE = 20
LAST_PAGE = MAX_WINDOW // PAGE_SIZE
# Without fields annotated ``facet``, the table offers facets on its first few fields of these types.
DEFAULT_FACET_TYPES = ("text", "boolean")
DEFAULT_FACETS = 4


def quoted_field(name: str) -> str:
    """A field name as ODSQL reads it whatever the name (published names hold no back-quote)."""
    return f"`{name}`"


@dataclass
class TableQuery:
    """The table view's parameters as typed, checked against the fields the caller sees."""

    text: str = ""
    refines: list[str] = field(default_factory=list)
    sort: str = ""
    page: int = 1

    @classmethod
    def of(cls, params: QueryDict, columns: list[str], default_sort: str | None) -> TableQuery:
        sort = params.get("sort") or (default_sort if default_sort in columns else "")
        if sort and sort.removeprefix("-") not in columns:
            raise PageError(f"Cannot sort by '{sort.removeprefix('-')}': it is not a column of this table.")
        try:
            page = int(params.get("page") or 1)
        except ValueError:
            raise PageError(f"Invalid page '{params.get('page')}': expected a page number.") from None
        refines = [value for value in params.getlist("refine") if value.strip()]
        return cls(params.get("q", "").strip(), refines, sort, min(max(page, 1), LAST_PAGE))

    @property
    def where(self) -> str | None:
        """The search box as a ``where``: every word as a prefix (``suggest``), as a search box reads as one types."""
        return f"suggest({odsql_string(self.text)})" if self.text else None

    @property
    def order_by(self) -> str | None:
        if not self.sort:
            return None
        name = self.sort.removeprefix("-")
        return f"{quoted_field(name)} {'desc' if self.sort.startswith('-') else 'asc'}"

    def explore_params(self) -> QueryDict:
        """The Explore records parameters of this view (for exports and API calls)."""
        params = QueryDict(mutable=True)
        if self.where:
            params["where"] = self.where
        params.setlist("refine", self.refines)
        if self.order_by:
            params["order_by"] = self.order_by
        return params

    def url(self, **changes: Any) -> str:
        """This view's query string with ``changes`` (``refines``, ``sort``, ``page``, ``q``)."""
        values: dict[str, Any] = {"q": self.text, "refine": self.refines, "sort": self.sort, "page": 1} | changes
        params = QueryDict(mutable=True)
        if values["q"]:
            params["q"] = values["q"]
        params.setlist("refine", values["refine"])
        if values["sort"]:
            params["sort"] = values["sort"]
        if values["page"] != 1:
            params["page"] = str(values["page"])
        encoded = params.urlencode()
        return f"?{encoded}" if encoded else "?"


def table_columns(published: PublishedTable, chosen: list[str] | None) -> list[Field]:
    """The readable fields the table shows: ``visualization.table_fields`` when set (and readable), else all."""
    fields = list(published.fields)
    if chosen:
        picked = [item for item in fields if item.name in chosen]
        if picked:
            return picked
    return fields


@dataclass
class TablePage:
    """One page of rows (values in ``columns`` order), the total they come from, and the facets of the table."""

    columns: list[Field]
    rows: list[list[str]]
    total: int
    page: int
    pages: int
    facets: list[dict[str, Any]]


def records_where(query: TableQuery, published: PublishedTable) -> str | None:
    """The search text and the refinements as one ``where`` text (as ``/records`` combines them)."""
    parts = [text for text in (query.where, refine_exclude_text(query.refines, [], list(published.fields))) if text]
    return " AND ".join(f"({text})" for text in parts) or None


def table_page(query: TableQuery, published: PublishedTable, columns: list[Field]) -> TablePage:
    """Run the page's records and facet queries; ``ODSQLError`` for a refinement the Explore API refuses."""
    select = ", ".join(quoted_field(column.name) for column in columns)
    records = RecordsQuery(
        select=select or None,
        where=records_where(query, published),
        order_by=query.order_by,
        limit=PAGE_SIZE,
        offset=(query.page - 1) * PAGE_SIZE,
    )
    compiled = compile_records_query(records, published.table_name, list(published.fields), access=published.readable)
    facet_queries = compile_facets(facet_request(query, published))
    total = cached_count(published.table_name, compiled.count_sql, compiled.count_params)
    found = compiled.localized(run_bounded(compiled.sql, compiled.params)) if columns else []
    # Values in ``columns`` order: the select lists them so (result names may be the back-quoted text).
    rows = [[cell_text(json_value(value)) for value in row] for row in found]
    facets = [
        facet_answer(facet, cached_rows(published.table_name, facet.statement, facet.params)) for facet in facet_queries
    ]
    pages = max(1, min(-(-total // PAGE_SIZE), LAST_PAGE))
    return TablePage(columns, rows, total, query.page, pages, facets)


def cell_text(value: Any) -> str:
    """A value as the table shows it: points as ``lat, lon``, shapes by their type, lists comma-separated."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(cell_text(item) for item in value)
    if isinstance(value, dict):
        if set(value) == {"lon", "lat"}:
            return f"{value['lat']}, {value['lon']}"
        return str(value.get("type", "geometry"))
    return str(value)


def facet_fields(fields: list[Field]) -> list[str]:
    """The fields annotated ``facet``, or else the first few text and boolean fields."""
    chosen = annotated(fields, "facet")
    if chosen:
        return chosen
    return [item.name for item in fields if item.type in DEFAULT_FACET_TYPES][:DEFAULT_FACETS]


def facet_request(query: TableQuery, published: PublishedTable) -> FacetRequest:
    fields = list(published.fields)
    return FacetRequest(
        table=published.table_name,
        fields=fields,
        where=query.where,
        facets=facet_fields(fields),  # ten values each, the Explore default
        refines=query.refines,
        excludes=[],
        access=published.readable,
    )


def facet_links(facets: list[dict[str, Any]], query: TableQuery, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The table's facets as refine links (the sort and search stay), labelled by field label."""
    return refine_links(facets, query, lambda name: labels.get(name, name))
