"""Indexes built after loading (faster than maintaining them row by row), then ANALYZE.

* ``record_id``: the primary key when ids are unique. COPY cannot skip a duplicate, and one repeated
  id must not fail a publish of millions of rows, so with duplicates the rows are all kept, a plain
  index is built instead and the number of surplus rows is reported (``FinishReport.duplicate_ids``).
* btree on the fields that need one (``indexed_fields``): those annotated facet / sortable / id, those the
  caller names (the publish passes the fields the dataset's ``visualization`` metadata sorts or groups by),
  and the first ``default_count`` (``PUBLISH_DEFAULT_INDEXES``, 20) of the other int, double, date and
  datetime fields in schema order (a boolean gets one only when annotated or named); GIN instead of btree
  for text[] (``value IN field`` is array containment). Every such field used to get one: a 1,000-column
  file of numbers built 1,000 btrees, one statement and one catalog entry each, for filters nobody may
  ever run; a filter on an unindexed field still works, by a sequential scan.
* GIN on ``fts``, GiST on geometry columns; a geo_shape column also gets a GiST index on its ``geography``
  cast, which ``within_distance`` uses: a shape's geodesic edges can leave its planar bounding box, so the
  planar index cannot bound a great-circle distance on shapes, the geography one can.

A btree entry cannot exceed ~2.7 kB: a text column holding a longer value would fail its index build,
so such columns get no btree index and are listed in ``FinishReport.skipped_indexes``.

Builds run on two connections side by side, longest first (``IndexBuilds``); the record_id key is built
as a unique index and attached as the primary key at the end, because ``ADD PRIMARY KEY`` takes a lock
that waits for every other build. On 1M rows x 10 columns (bench/publish.py) the phase went from 7.5 s
(a single connection in practice: the key waited for the full-text GIN) to 6.4 s: full-text GIN 4.1 s on
one connection while the record_id key (1.2 s) and seven btrees (0.5-1.4 s each, slower side by side than
alone) share the other. A larger ``maintenance_work_mem`` (256MB instead of 64MB) did not help (9.4 s
instead of 9 s, single connection), so the server's setting is left alone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from psycopg import errors, sql

from datasets.pipeline.core import Field
from datasets.store.ids import index_name
from datasets.store.tables import FTS, GEOMETRY_TYPES, RECORD_ID, is_multivalued, qualified

logger = logging.getLogger(__name__)

INDEXED_ANNOTATIONS = ("facet", "sortable", "id")
# Not boolean: two values, so a filter on one is served as well by the record_id key scanned in order (the
# default sort) and filtered; its btree was the slowest to build (2.0 s of the 1M-row benchmark's 6.8 s).
INDEXED_TYPES = frozenset({"int", "double", "date", "datetime"})
DEFAULT_INDEXED_COUNT = 20  # the default of settings.PUBLISH_DEFAULT_INDEXES
MAX_BTREE_TEXT_BYTES = 2000  # under the 2704-byte btree tuple limit, with room for the tuple header


@dataclass
class FinishReport:
    """What ``finish_table`` had to give up: surplus rows sharing an id, text columns left unindexed."""

    duplicate_ids: int = 0
    skipped_indexes: list[str] = dataclass_field(default_factory=list)


def is_annotated_for_index(field: Field) -> bool:
    return any(field.annotation(name) for name in INDEXED_ANNOTATIONS)


def indexed_fields(
    fields: list[Field], wanted: Collection[str] = (), default_count: int = DEFAULT_INDEXED_COUNT
) -> frozenset[str]:
    """Names of the fields that get a btree (GIN when multivalued): filters and sorts run on them often enough.

    Annotated facet / sortable / id, named in ``wanted``, and the first ``default_count`` of the remaining
    int, double, date and datetime fields in schema order. Geometries get GiST indexes instead.
    """
    candidates = [field for field in fields if field.type not in GEOMETRY_TYPES]
    chosen = {field.name for field in candidates if is_annotated_for_index(field) or field.name in wanted}
    others = [field.name for field in candidates if field.type in INDEXED_TYPES and field.name not in chosen]
    return frozenset(chosen.union(others[:default_count]))


def index_statement(table: str, column: str, method: str, suffix: str, *, then_record_id: bool = False):
    """``CREATE INDEX <table>_<column>_<suffix> ON records.<table> USING <method> (<column>[, record_id])``.

    ``then_record_id`` suits btree indexes of filtered fields: records pages are ordered by record_id,
    so ``WHERE f = x ORDER BY record_id LIMIT 10`` reads ten index entries instead of sorting every match.
    """
    columns = [column, RECORD_ID] if then_record_id else [column]
    return sql.SQL("CREATE INDEX {} ON {} USING {} ({})").format(
        sql.Identifier(index_name(table, column, suffix)),
        qualified(table),
        sql.SQL(method),
        sql.SQL(", ").join(sql.Identifier(name) for name in columns),
    )


def create_index(cursor, table: str, column: str, method: str, suffix: str, *, then_record_id: bool = False) -> None:
    cursor.execute(index_statement(table, column, method, suffix, then_record_id=then_record_id))


def geography_index_statement(table: str, column: str):
    """``CREATE INDEX <table>_<column>_geog ON records.<table> USING gist ((<column>::geography))``."""
    return sql.SQL("CREATE INDEX {} ON {} USING gist (({}::geography))").format(
        sql.Identifier(index_name(table, column, "geog")), qualified(table), sql.Identifier(column)
    )


def record_id_unique(cursor, table: str) -> bool:
    """A unique index on record_id, named as the primary key it becomes; False when ids repeat.

    Trying is cheaper than counting first: the unique build sorts the ids once, as counting would. It is a
    plain ``CREATE UNIQUE INDEX`` (not ``ADD PRIMARY KEY``, whose exclusive lock would wait for every other
    index build); ``promote_record_id_key`` attaches it as the key at the end.
    """
    statement = sql.SQL("CREATE UNIQUE INDEX {} ON {} ({})").format(
        sql.Identifier(index_name(table, RECORD_ID, "pkey")), qualified(table), sql.Identifier(RECORD_ID)
    )
    try:
        with cursor.connection.transaction():
            cursor.execute(statement)
        return True
    except errors.UniqueViolation:
        return False


def promote_record_id_key(cursor, table: str) -> None:
    name = sql.Identifier(index_name(table, RECORD_ID, "pkey"))
    cursor.execute(
        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {}").format(qualified(table), name, name)
    )


def duplicate_record_ids(cursor, table: str) -> int:
    """A plain record_id index for repeated ids; returns the number of surplus rows."""
    create_index(cursor, table, RECORD_ID, "btree", "idx")
    count = sql.SQL("SELECT count(*) - count(DISTINCT {}) FROM {}").format(sql.Identifier(RECORD_ID), qualified(table))
    cursor.execute(count)
    return cursor.fetchone()[0]


def oversized_text_columns(cursor, table: str, names: list[str]) -> list[str]:
    """The text columns among ``names`` holding a value too long for a btree entry (one scan for all)."""
    if not names:
        return []
    lengths = sql.SQL(", ").join(sql.SQL("max(octet_length({}))").format(sql.Identifier(name)) for name in names)
    cursor.execute(sql.SQL("SELECT {} FROM {}").format(lengths, qualified(table)))
    row = cursor.fetchone()
    return [name for name, length in zip(names, row, strict=True) if (length or 0) > MAX_BTREE_TEXT_BYTES]


def field_index_statements(
    table: str, fields: list[Field], indexed: Collection[str], skipped: list[str]
) -> list[tuple[str, sql.Composable]]:
    """``(field name, statement)`` of every geometry index and of the btree (or GIN) of every ``indexed`` field
    but the btrees of ``skipped`` columns (values too long)."""
    statements = []
    for field in fields:
        if field.type in GEOMETRY_TYPES:
            statements.append((field.name, index_statement(table, field.name, "gist", "gist")))
            if field.type == "geo_shape":
                statements.append((f"{field.name} (geography)", geography_index_statement(table, field.name)))
        elif field.name not in indexed:
            continue
        elif is_multivalued(field):
            statements.append((field.name, index_statement(table, field.name, "gin", "gin")))
        elif field.name not in skipped:
            statements.append((field.name, index_statement(table, field.name, "btree", "idx", then_record_id=True)))
    return statements


def text_btree_columns(fields: list[Field], indexed: Collection[str]) -> list[str]:
    """The indexed single-valued text fields: their btree fails on a value over ~2.7 kB."""
    texts = [field for field in fields if field.type == "text" and not is_multivalued(field)]
    return [field.name for field in texts if field.name in indexed]


class IndexBuilds:
    """The index builds of one table, shared by the connections that run them; the longest come first.

    ``CREATE INDEX`` takes a lock that other index builds share, so builds on separate connections run
    side by side; on two cores this nearly halves the phase (the full-text GIN alone is about half of it).
    """

    def __init__(self, table: str, fields: list[Field], indexed: Collection[str], skipped: list[str]) -> None:
        self.table = table
        self.lock = threading.Lock()
        self.unique_ids: bool | None = None
        # Longest first, so that no connection is left alone with a long build at the end.
        self.pending: list = [
            ("full text", self.full_text),
            ("record_id", self.record_id),
            *field_index_statements(table, fields, indexed, skipped),
        ]

    def full_text(self, cursor) -> None:
        create_full_text_index(cursor, self.table)

    def record_id(self, cursor) -> None:
        self.unique_ids = record_id_unique(cursor, self.table)

    def next(self) -> tuple[str, object] | None:
        with self.lock:
            return self.pending.pop(0) if self.pending else None

    def run(self, cursor) -> None:
        """Build indexes on ``cursor`` until none is left."""
        while (item := self.next()) is not None:
            label, build = item
            started = time.monotonic()
            if callable(build):
                build(cursor)
            else:
                cursor.execute(build)
            logger.info("records table %s: %s in %.2f s", self.table, label, time.monotonic() - started)


def create_full_text_index(cursor, table: str) -> None:
    """The GIN index on ``fts``: the longest build."""
    create_index(cursor, table, FTS, "gin", "gin")


def finish_table(
    cursor,
    table: str,
    fields: list[Field],
    *,
    more_cursors: tuple = (),
    wanted: Collection[str] = (),
    default_count: int = DEFAULT_INDEXED_COUNT,
) -> FinishReport:
    """After loading: every index (on ``cursor`` and on each of ``more_cursors`` side by side), the record_id
    key, ANALYZE. Each cursor must be on a connection of its own, in autocommit. ``wanted`` and
    ``default_count`` choose the indexed fields beyond the annotated ones (``indexed_fields``)."""
    for each in (cursor, *more_cursors):
        # The connections already build side by side; a btree build's parallel workers would take CPU from
        # the full-text GIN, which has none and is the longest (6.3 s instead of 4.0 s on 1M rows, 2 cores).
        each.execute("SELECT set_config('max_parallel_maintenance_workers', '0', false)")
    indexed = indexed_fields(fields, wanted, default_count)
    skipped = oversized_text_columns(cursor, table, text_btree_columns(fields, indexed))
    builds = IndexBuilds(table, fields, indexed, skipped)
    if more_cursors:
        with ThreadPoolExecutor(max_workers=len(more_cursors)) as pool:
            others = [pool.submit(builds.run, other) for other in more_cursors]
            builds.run(cursor)
            for other in others:
                other.result()
    else:
        builds.run(cursor)
    report = FinishReport(skipped_indexes=skipped)
    if builds.unique_ids:
        promote_record_id_key(cursor, table)
    else:
        report.duplicate_ids = duplicate_record_ids(cursor, table)
        logger.warning("records table %s: %d rows repeat another row's record_id", table, report.duplicate_ids)
    if skipped:
        logger.warning("records table %s: no btree index on %s (values too long)", table, skipped)
    cursor.execute(sql.SQL("ANALYZE {}").format(qualified(table)))
    return report
