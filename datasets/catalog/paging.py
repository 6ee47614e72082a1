"""The table's pages: every record reachable, by page number within the Explore window and by keyset beyond it.

Page numbers open pages by ``offset`` up to ``LAST_PAGE`` (offset + limit <= 10,000, the Explore window). Past
it, ``Next`` continues after the last row of the page (``after=<cursor>``), ``Previous`` before its first row
(``before=<cursor>``) and ``Last`` reads the end of the order backwards (``page=last``), sized so that pages keep
the boundaries page numbers give them: the last page holds what is left after ``pages - 1`` full pages. A cursor
(``cursors.py``) carries the number of the page it opens, so the table still says "page 512 of 10,000".

Keyset needs the record id as a tie-breaker and a sort field whose values compare (``keyset_sortable``); when the
visitor may not read record ids, or the table is sorted by a geometry, the table stops at the window and says so,
with the export (which has every record) as the way on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from datasets.catalog.cursors import decode_cursor, encode_cursor
from datasets.catalog.search import PageError
from datasets.catalog.table import LAST_PAGE, PAGE_SIZE, TableQuery, cell_text, quoted_field, records_where
from datasets.odsql.records.keyset import Keyset, keyset_sortable
from datasets.odsql.records.query import CompiledQuery, RecordsQuery, compile_records_query
from datasets.pipeline.core import Field
from datasets.selectors.published import PublishedTable
from datasets.selectors.records import cached_count, json_value
from datasets.store.reading import run_bounded


@dataclass
class TablePage:
    """One page of rows (cell texts in ``columns`` order), the total they come from and the pager's links.

    ``pages`` is how many pages the table has for this visitor; ``windowed`` says it stops at the offset window
    although more records match (no keyset: see the module).
    """

    columns: list[Field]
    rows: list[list[str]]
    total: int
    page: int
    pages: int
    windowed: bool = False
    links: dict[str, str] = field(default_factory=dict)
    window_records: int = LAST_PAGE * PAGE_SIZE


@dataclass(frozen=True)
class Read:
    """How to read one page: a keyset position or an offset, the order reversed or not, how many rows."""

    page: int
    offset: int = 0
    limit: int = PAGE_SIZE
    keyset: Keyset | None = None
    reverse: bool = False


class TableView:
    """A view of the table (its query, the caller's readable part, the shown columns) and how it pages."""

    def __init__(self, query: TableQuery, published: PublishedTable, columns: list[Field]) -> None:
        self.query, self.published, self.columns = query, published, columns
        by_name = {item.name: item for item in published.fields}
        self.sort_field = by_name.get(query.sort_field) if query.sort_field else None
        self.keyset = published.readable.record_ids and keyset_sortable(self.sort_field)

    def compile(self, read: Read) -> CompiledQuery:
        select = ", ".join(quoted_field(column.name) for column in self.columns)
        records = RecordsQuery(
            select=select or None,
            where=records_where(self.query, self.published),
            order_by=self.query.order_by,
            limit=read.limit,
            offset=read.offset,
        )
        return compile_records_query(
            records,
            self.published.table_name,
            list(self.published.fields),
            access=self.published.readable,
            record_ids=self.keyset,
            keyset=read.keyset,
            reverse=read.reverse,
        )


def table_page(query: TableQuery, published: PublishedTable, columns: list[Field], export_url: str) -> TablePage:
    """Count, then read the page ``query`` asks for; ``PageError`` for a page that does not exist or a bad cursor,
    ``ODSQLError`` for a refinement the Explore API refuses."""
    view = TableView(query, published, columns)
    counting = view.compile(Read(1))
    total = cached_count(published.table_name, counting.count_sql, counting.count_params)
    every = max(1, -(-total // PAGE_SIZE))
    pages = every if view.keyset else min(every, LAST_PAGE)
    read = page_read(view, total, pages, export_url)
    compiled = view.compile(read)
    found = compiled.localized(run_bounded(compiled.sql, compiled.params)) if columns else []
    if read.reverse:
        found.reverse()
    ids = [row[-1] for row in found] if compiled.record_ids else []
    values = [row[: len(columns)] for row in found]
    rows = [[cell_text(json_value(value)) for value in row] for row in values]
    result = TablePage(columns, rows, total, read.page, pages, every > pages, window_records=LAST_PAGE * PAGE_SIZE)
    result.links = pager_links(view, result, values, ids)
    return result


def page_read(view: TableView, total: int, pages: int, export_url: str) -> Read:
    """The read of the page the query names: a cursor's, the last one, or a page number within the window."""
    query = view.query
    cursor_text = query.after or query.before
    if cursor_text:
        if not view.keyset:
            raise PageError("This table cannot be paged by link in this view; start again from the first page.")
        cursor = decode_cursor(cursor_text, view.sort_field, query.view)
        descending = query.sort.startswith("-")
        return Read(
            cursor.page,
            keyset=cursor.keyset(view.sort_field, descending, bool(query.before)),
            reverse=bool(query.before),
        )
    if query.last and pages > LAST_PAGE:
        # Backwards from the end, as many rows as the last page holds when pages are counted from the start.
        return Read(pages, limit=total - (pages - 1) * PAGE_SIZE, reverse=True)
    number = pages if query.last else query.page
    if number > pages:
        raise page_missing(view, number, total, pages, export_url)
    if number > LAST_PAGE:
        raise PageError(
            f"Page {number} cannot be opened by its number: page numbers reach the first {LAST_PAGE} pages; "
            "follow Next, Previous and Last for the others.",
            [(f"Go to the last page ({pages})", query.url(page="last"))],
        )
    return Read(number, offset=(number - 1) * PAGE_SIZE)


def page_missing(view: TableView, number: int, total: int, pages: int, export_url: str) -> PageError:
    """The message of a page past the end: past the records, or past the window the table shows."""
    last = view.query.url(page=pages if pages <= LAST_PAGE else "last")
    links = [(f"Go to the last page ({pages})", last)]
    if -(-total // PAGE_SIZE) > pages:
        links.append(("Download the filtered export (every record)", export_url))
        return PageError(
            f"Page {number} is beyond the first {LAST_PAGE * PAGE_SIZE:,} records this table shows "
            f"({pages} pages); the export has all {total:,}.",
            links,
        )
    return PageError(f"Page {number} does not exist: the table has {pages} page{'s' if pages != 1 else ''}.", links)


def pager_links(view: TableView, page: TablePage, values: list[tuple], ids: list[Any]) -> dict[str, str]:
    """``first``, ``previous``, ``next`` and ``last`` URLs of ``page`` (by number within the window, else by cursor)."""
    query, links = view.query, {}
    if page.page > 1:
        links["first"] = query.url()
        previous = page.page - 1
        if previous <= LAST_PAGE:
            links["previous"] = query.url(page=previous)
        elif ids:
            links["previous"] = query.url(before=row_cursor(view, values[0], ids[0], previous))
    if page.page < page.pages:
        following = page.page + 1
        if following <= LAST_PAGE:
            links["next"] = query.url(page=following)
        elif ids:
            links["next"] = query.url(after=row_cursor(view, values[-1], ids[-1], following))
        links["last"] = query.url(page=page.pages if page.pages <= LAST_PAGE else "last")
    return links


def row_cursor(view: TableView, values: tuple, record_id: Any, page: int) -> str:
    """The cursor of one row of the page, opening page ``page``."""
    value = None
    if view.sort_field is not None:
        value = values[[column.name for column in view.columns].index(view.sort_field.name)]
    return encode_cursor(value, str(record_id), page, view.query.view)
