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
* ``page`` -> ``limit`` and ``offset``, within the Explore window (offset + limit <= 10,000); past it, the pages
  continue by keyset (``after`` / ``before`` cursors, ``page=last``: see ``paging.py``).

Filters: the fields annotated ``facet``; without any, the first few text and boolean fields whose values repeat
(``repeating``): over every record the visitor reads, at least half of the field's ten most frequent values are
held by two records or more. A field of unique values (a name, an address) would offer one link per record and
filter nothing; the rule costs one cached facet query per candidate field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from datasets.catalog.cursors import view_digest
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
from datasets.odsql.records.query import MAX_WINDOW
from datasets.pipeline.core import Field
from datasets.selectors.published import PublishedTable
from datasets.selectors.records import cached_rows

PAGE_SIZE = 20
LAST_PAGE = MAX_WINDOW // PAGE_SIZE  # the last page an offset reaches
# Without fields annotated ``facet``, the table offers facets on its first few fields of these types whose
# values repeat, judged among the first candidates only (one facet query each).
DEFAULT_FACET_TYPES = ("text", "boolean")
DEFAULT_FACETS = 4
FACET_CANDIDATES = 8


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
    last: bool = False  # ``page=last``
    after: str = ""  # a cursor: the page after its row
    before: str = ""  # a cursor: the page before its row

    @classmethod
    def of(cls, params: QueryDict, columns: list[str], default_sort: str | None) -> TableQuery:
        sort = params.get("sort") or (default_sort if default_sort in columns else "")
        if sort and sort.removeprefix("-") not in columns:
            raise PageError(f"Cannot sort by '{sort.removeprefix('-')}': it is not a column of this table.")
        raw_page = params.get("page") or "1"
        try:
            page = 1 if raw_page == "last" else int(raw_page)
        except ValueError:
            raise PageError(f"Invalid page '{raw_page}': expected a page number.") from None
        refines = [value for value in params.getlist("refine") if value.strip()]
        text = params.get("q", "").strip()
        after, before = params.get("after", ""), params.get("before", "")
        return cls(text, refines, sort, max(page, 1), raw_page == "last", after, before)

    @property
    def sort_field(self) -> str | None:
        return self.sort.removeprefix("-") or None

    @property
    def view(self) -> str:
        """The digest of the search, refinements and sort a cursor of this view carries."""
        return view_digest(self.text, self.refines, self.sort)

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
        for cursor in ("after", "before"):
            if values.get(cursor):
                params[cursor] = values[cursor]
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


def records_where(query: TableQuery, published: PublishedTable) -> str | None:
    """The search text and the refinements as one ``where`` text (as ``/records`` combines them)."""
    parts = [text for text in (query.where, refine_exclude_text(query.refines, [], list(published.fields))) if text]
    return " AND ".join(f"({text})" for text in parts) or None


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


def facet_fields(published: PublishedTable) -> list[str]:
    """The fields annotated ``facet``, or else the first few text and boolean fields whose values repeat."""
    fields = list(published.fields)
    chosen = annotated(fields, "facet")
    if chosen:
        return chosen
    candidates = [item.name for item in fields if item.type in DEFAULT_FACET_TYPES][:FACET_CANDIDATES]
    if not candidates:
        return []
    # Judged over every readable record (not the current search), so filters do not come and go while refining.
    whole = FacetRequest(published.table_name, fields, None, candidates, [], [], published.readable)
    answers = [
        facet_answer(facet, cached_rows(published.table_name, facet.statement, facet.params))
        for facet in compile_facets(whole)
    ]
    return [answer["name"] for answer in answers if repeating(answer["facets"])][:DEFAULT_FACETS]


def repeating(entries: list[dict[str, Any]]) -> bool:
    """Whether at least half of a facet's (most frequent) values are held by two records or more."""
    counts = [entry.get("count", 0) for entry in entries]
    return bool(counts) and 2 * sum(count > 1 for count in counts) >= len(counts)


def facet_request(query: TableQuery, published: PublishedTable) -> FacetRequest:
    return FacetRequest(
        table=published.table_name,
        fields=list(published.fields),
        where=query.where,
        facets=facet_fields(published),  # ten values each, the Explore default
        refines=query.refines,
        excludes=[],
        access=published.readable,
    )


def table_facets(query: TableQuery, published: PublishedTable) -> list[dict[str, Any]]:
    """The facet counts of the view (its search and refinements)."""
    queries = compile_facets(facet_request(query, published))
    return [facet_answer(facet, cached_rows(published.table_name, facet.statement, facet.params)) for facet in queries]


def facet_links(facets: list[dict[str, Any]], query: TableQuery, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The table's facets as refine links (the sort and search stay), labelled by field label."""
    return refine_links(facets, query, lambda name: labels.get(name, name))
