"""What the analyze tab's default needs to know of a published table's values, read cheaply and cached.

* ``distinct_counts``: how many distinct values some fields take among the first ``SAMPLE_ROWS`` records the
  caller reads (one bounded query for every field). A sample is enough to tell a field of a few categories from
  a field of names or ids, and it costs the same on a table of ten million rows as on one of ten thousand.
* ``span``: the smallest and largest value of one field over every readable record (a date range for a date
  histogram, a numeric range for the width of its buckets), one query for the field the default settles on.

Both read through the caller's access (the publisher's filters apply: a default never reflects records the
visitor does not read), run bounded and are cached like the other small answers (``records.cached_rows``); a
read PostgreSQL refuses (a timeout on a huge table) answers "unknown" and the default falls back to what the
field types say.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from datasets.access.errors import ExploreError
from datasets.selectors.published import PublishedTable
from datasets.selectors.records import cached_rows
from datasets.store import SCHEMA

SAMPLE_ROWS = 10_000


class UnknownProfile:
    """A profile that knows nothing: the default follows the field types and annotations only."""

    def distinct_counts(self, names: list[str]) -> dict[str, int]:
        return {}

    def span(self, name: str) -> tuple[Any, Any] | None:
        return None


class TableProfile(UnknownProfile):
    """The values of ``published`` as its caller reads them (see the module's docstring)."""

    def __init__(self, published: PublishedTable) -> None:
        self.published = published
        self.table = sql.Identifier(SCHEMA, published.table_name)
        condition = published.readable.condition
        self.where = condition.sql if condition is not None else sql.SQL("TRUE")
        self.params = list(condition.params) if condition is not None else []

    def distinct_counts(self, names: list[str]) -> dict[str, int]:
        if not names:
            return {}
        columns = sql.SQL(", ").join(sql.Identifier(name) for name in names)
        counts = sql.SQL(", ").join(sql.SQL("count(DISTINCT {})").format(sql.Identifier(name)) for name in names)
        statement = sql.SQL("SELECT {} FROM (SELECT {} FROM {} WHERE {} LIMIT {}) AS sample").format(
            counts, columns, self.table, self.where, sql.Literal(SAMPLE_ROWS)
        )
        rows = self.read(statement)
        return dict(zip(names, rows[0], strict=True)) if rows else {}

    def span(self, name: str) -> tuple[Any, Any] | None:
        column = sql.Identifier(name)
        statement = sql.SQL("SELECT min({0}), max({0}) FROM {1} WHERE {2}").format(column, self.table, self.where)
        rows = self.read(statement)
        if not rows or rows[0][0] is None:
            return None
        return rows[0][0], rows[0][1]

    def read(self, statement: sql.Composed) -> list[tuple]:
        """The rows of ``statement``, none when PostgreSQL refuses it (the default then does without)."""
        try:
            return cached_rows(self.published.table_name, statement, self.params)
        except ExploreError:
            return []
