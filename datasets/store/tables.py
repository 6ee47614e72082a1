"""Records tables: DDL from a dataset's fields, listing, counting and dropping.

One table per published version, ``records.<dataset_uid>_v<n>``: ``record_id``, one typed column
per field (named exactly like the field) and ``fts``, a stored generated tsvector over every text
field. Every name reaches SQL through ``psycopg.sql.Identifier``; values are bound parameters.

Decisions, measured on 200k rows x 10 columns (median of 3, create + COPY + indexes + ANALYZE):

* A normal (logged) table from the start: 4.31 s. UNLOGGED then ``SET LOGGED`` before indexing:
  4.63 s; after indexing: 6.25 s (``SET LOGGED`` rewrites the table and rebuilds every index).
  The COPY is client-bound, so skipping WAL saves nothing that the rewrite does not cost back.
* ``fts`` computed by PostgreSQL as a generated column: COPY server time 0.6 s without fts, 2.0 s
  with it. Building the tsvector in Python cost 0.9 s more client CPU (the client is the
  bottleneck) for a 1.3 s COPY, and its tokens would differ from PostgreSQL's parser (``foo-bar``,
  e-mails, decimals), so ``plainto_tsquery`` would miss records: the generated column stays.
"""

from __future__ import annotations

import hashlib

from psycopg import sql

from datasets.pipeline.core import Field

from .ids import MAX_IDENTIFIER_BYTES, check_dataset_uid

SCHEMA = "records"
RECORD_ID = "record_id"
FTS = "fts"
TEXT_JOIN_FUNCTION = "immutable_text_join"
TEXT_JOIN_LOCK_KEY = int.from_bytes(hashlib.sha256(b"records-text-join-function").digest()[:8], "big", signed=True)
COLUMN_TYPES = {
    "text": "text",
    "int": "bigint",
    "double": "double precision",
    "boolean": "boolean",
    "date": "date",
    "datetime": "timestamptz",
    "geo_point_2d": "geometry(Point, 4326)",
    "geo_shape": "geometry(Geometry, 4326)",
}
GEOMETRY_TYPES = frozenset({"geo_point_2d", "geo_shape"})
# array_to_string is only STABLE (its element output functions may depend on settings), so a
# generated column cannot call it; for text[] it is deterministic, which this wrapper declares.
TEXT_JOIN_DDL = sql.SQL(
    "CREATE OR REPLACE FUNCTION {}(text[]) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE"
    " AS $$ SELECT array_to_string($1, ' ') $$"
)


def qualified(table: str) -> sql.Identifier:
    """``records."<table>"`` as a composable."""
    return sql.Identifier(SCHEMA, table)


def is_multivalued(field: Field) -> bool:
    """Text fields annotated ``multivalued`` are stored as ``text[]``."""
    return field.type == "text" and field.annotation("multivalued") is not None


def column_type(field: Field) -> str:
    """The PostgreSQL type of a field's column (a constant from this module, never user text)."""
    if field.type not in COLUMN_TYPES:
        raise ValueError(f"field {field.name!r} has unknown type {field.type!r}")
    return "text[]" if is_multivalued(field) else COLUMN_TYPES[field.type]


def check_field_names(fields: list[Field]) -> None:
    """Column names must be unique, fit PostgreSQL's 63 bytes and not shadow the table's own columns."""
    seen = {RECORD_ID, FTS}
    for field in fields:
        if not field.name or len(field.name.encode()) > MAX_IDENTIFIER_BYTES:
            raise ValueError(f"invalid field name {field.name!r}: empty or longer than 63 bytes")
        if field.name in seen:
            raise ValueError(f"field name {field.name!r} is used twice or clashes with a column of the table")
        seen.add(field.name)


def fts_expression(fields: list[Field]) -> sql.Composable:
    """``to_tsvector('simple', coalesce(a, '') || ' ' || …)`` over every text and text[] field."""
    parts = []
    for field in fields:
        if field.type != "text":
            continue
        column: sql.Composable = sql.Identifier(field.name)
        if is_multivalued(field):
            column = sql.SQL("{}({})").format(sql.Identifier(SCHEMA, TEXT_JOIN_FUNCTION), column)
        parts.append(sql.SQL("coalesce({}, '')").format(column))
    document = sql.SQL(" || ' ' || ").join(parts) if parts else sql.SQL("''")
    return sql.SQL("to_tsvector('simple'::regconfig, {})").format(document)


def text_join_function_exists(cursor) -> bool:
    cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [f"{SCHEMA}.{TEXT_JOIN_FUNCTION}(text[])"])
    return cursor.fetchone()[0]


def ensure_text_join_function(cursor) -> None:
    """Create ``records.immutable_text_join(text[])`` unless it exists (in practice once per database).

    Two workers creating it at once would collide in pg_proc, so creation happens under a
    transaction-level advisory lock, re-checking once the lock is held.
    """
    if text_join_function_exists(cursor):
        return
    with cursor.connection.transaction():  # a transaction in autocommit mode, a savepoint inside one
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TEXT_JOIN_LOCK_KEY])
        if not text_join_function_exists(cursor):
            cursor.execute(TEXT_JOIN_DDL.format(sql.Identifier(SCHEMA, TEXT_JOIN_FUNCTION)))


def create_table(cursor, table: str, fields: list[Field]) -> None:
    """Create the (empty, index-less) records table of ``fields``; indexes come after loading."""
    check_field_names(fields)
    if any(is_multivalued(field) for field in fields):
        ensure_text_join_function(cursor)
    columns = [sql.SQL("{} text NOT NULL").format(sql.Identifier(RECORD_ID))]
    columns += [sql.SQL("{} {}").format(sql.Identifier(field.name), sql.SQL(column_type(field))) for field in fields]
    columns.append(
        sql.SQL("{} tsvector GENERATED ALWAYS AS ({}) STORED").format(sql.Identifier(FTS), fts_expression(fields))
    )
    statement = sql.SQL("CREATE TABLE {} ({})").format(qualified(table), sql.SQL(", ").join(columns))
    cursor.execute(statement)


def drop_table(cursor, table: str) -> None:
    """Drop a records table if it exists (its indexes go with it)."""
    cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(qualified(table)))


def dataset_tables(cursor, dataset_uid: str) -> list[str]:
    """Tables of one dataset in the records schema, oldest version first (to clean up dead staging tables)."""
    pattern = f"^{check_dataset_uid(dataset_uid)}_v[0-9]+$"  # the uid is validated: no regex metacharacter
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND c.relname ~ %s",
        [SCHEMA, pattern],
    )
    names = [row[0] for row in cursor.fetchall()]
    return sorted(names, key=lambda name: int(name.rsplit("_v", 1)[1]))


def count_rows(cursor, table: str) -> int:
    """Exact number of rows of a records table."""
    cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(qualified(table)))
    return cursor.fetchone()[0]
