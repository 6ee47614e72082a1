"""Indexes built after loading (faster than maintaining them row by row), then ANALYZE.

* ``record_id``: the primary key when ids are unique. COPY cannot skip a duplicate, and one repeated
  id must not fail a publish of millions of rows, so with duplicates the rows are all kept, a plain
  index is built instead and the number of surplus rows is reported (``FinishReport.duplicate_ids``).
* btree on fields annotated facet / sortable / id and on every int, double, date, datetime and boolean
  field; GIN instead of btree for text[] (``value IN field`` is array containment).
* GIN on ``fts``, GiST on geometry columns; a geo_shape column also gets a GiST index on its ``geography``
  cast, which ``within_distance`` uses: a shape's geodesic edges can leave its planar bounding box, so the
  planar index cannot bound a great-circle distance on shapes, the geography one can.

A btree entry cannot exceed ~2.7 kB: a text column holding a longer value would fail its index build,
so such columns get no btree index and are listed in ``FinishReport.skipped_indexes``.

On 1M rows x 10 columns finishing takes ~9 s: fts GIN 4.4 s, GiST on a point 1.3 s, primary key
0.9 s, GIN on a text[] 0.6 s, ANALYZE 0.3 s, ~0.3 s per btree. A larger ``maintenance_work_mem``
(256MB instead of 64MB) did not make it faster (9.4 s), so the server's setting is left alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from psycopg import errors, sql

from datasets.pipeline.core import Field

from .ids import index_name
from .tables import FTS, GEOMETRY_TYPES, RECORD_ID, is_multivalued, qualified

logger = logging.getLogger(__name__)

INDEXED_ANNOTATIONS = ("facet", "sortable", "id")
INDEXED_TYPES = frozenset({"int", "double", "date", "datetime", "boolean"})
MAX_BTREE_TEXT_BYTES = 2000  # under the 2704-byte btree tuple limit, with room for the tuple header


@dataclass
class FinishReport:
    """What ``finish_table`` had to give up: surplus rows sharing an id, text columns left unindexed."""

    duplicate_ids: int = 0
    skipped_indexes: list[str] = dataclass_field(default_factory=list)


def wants_btree(field: Field) -> bool:
    """Filters and sorts run on this field often enough to index it."""
    if field.type in GEOMETRY_TYPES:
        return False
    return field.type in INDEXED_TYPES or any(field.annotation(name) for name in INDEXED_ANNOTATIONS)


def create_index(cursor, table: str, column: str, method: str, suffix: str, *, then_record_id: bool = False) -> None:
    """``CREATE INDEX <table>_<column>_<suffix> ON records.<table> USING <method> (<column>[, record_id])``.

    ``then_record_id`` suits btree indexes of filtered fields: records pages are ordered by record_id,
    so ``WHERE f = x ORDER BY record_id LIMIT 10`` reads ten index entries instead of sorting every match.
    """
    columns = [column, RECORD_ID] if then_record_id else [column]
    statement = sql.SQL("CREATE INDEX {} ON {} USING {} ({})").format(
        sql.Identifier(index_name(table, column, suffix)),
        qualified(table),
        sql.SQL(method),
        sql.SQL(", ").join(sql.Identifier(name) for name in columns),
    )
    cursor.execute(statement)


def create_geography_index(cursor, table: str, column: str) -> None:
    """``CREATE INDEX <table>_<column>_geog ON records.<table> USING gist ((<column>::geography))``."""
    statement = sql.SQL("CREATE INDEX {} ON {} USING gist (({}::geography))").format(
        sql.Identifier(index_name(table, column, "geog")), qualified(table), sql.Identifier(column)
    )
    cursor.execute(statement)


def add_record_id_key(cursor, table: str) -> int:
    """Primary key on record_id, or a plain index when ids repeat; returns the number of surplus rows."""
    key = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({})").format(
        qualified(table), sql.Identifier(index_name(table, RECORD_ID, "pkey")), sql.Identifier(RECORD_ID)
    )
    try:
        # Trying is cheaper than counting first: the unique build sorts the ids once, as counting would.
        with cursor.connection.transaction():
            cursor.execute(key)
        return 0
    except errors.UniqueViolation:
        pass
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


def create_field_indexes(cursor, table: str, fields: list[Field]) -> list[str]:
    """Every field index; returns the columns whose btree index was skipped (values too long)."""
    btree = {field.name: field for field in fields if wants_btree(field) and not is_multivalued(field)}
    skipped = oversized_text_columns(cursor, table, [name for name, field in btree.items() if field.type == "text"])
    for field in fields:
        if field.type in GEOMETRY_TYPES:
            create_index(cursor, table, field.name, "gist", "gist")
            if field.type == "geo_shape":
                create_geography_index(cursor, table, field.name)
        elif is_multivalued(field) and wants_btree(field):
            create_index(cursor, table, field.name, "gin", "gin")
        elif field.name in btree and field.name not in skipped:
            create_index(cursor, table, field.name, "btree", "idx", then_record_id=True)
    return skipped


def create_full_text_index(cursor, table: str) -> None:
    """The GIN index on ``fts``: the longest build, so a caller may run it on a second connection."""
    create_index(cursor, table, FTS, "gin", "gin")


def finish_table(cursor, table: str, fields: list[Field], *, full_text: bool = True) -> FinishReport:
    """After loading: record_id key, field indexes, the full-text GIN index (unless told not to), ANALYZE."""
    report = FinishReport(duplicate_ids=add_record_id_key(cursor, table))
    if report.duplicate_ids:
        logger.warning("records table %s: %d rows repeat another row's record_id", table, report.duplicate_ids)
    report.skipped_indexes = create_field_indexes(cursor, table, fields)
    if report.skipped_indexes:
        logger.warning("records table %s: no btree index on %s (values too long)", table, report.skipped_indexes)
    if full_text:
        create_full_text_index(cursor, table)
    cursor.execute(sql.SQL("ANALYZE {}").format(qualified(table)))
    return report
