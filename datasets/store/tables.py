"""Records tables: DDL from a dataset's fields, listing, counting and dropping.

One table per published version, ``records.<dataset_uid>_v<n>``: ``record_id``, one typed column
per field (named exactly like the field) and ``fts``, a stored generated tsvector over the first
``FTS_MAX_CHARACTERS`` characters of the record's text fields. Every name reaches SQL through
``psycopg.sql.Identifier``; values are bound parameters.

PostgreSQL's limits on a table, and what this module does about them:

* 1,600 columns (``MaxHeapAttributeNumber``), ``record_id`` and ``fts`` included: at most
  ``MAX_FIELDS`` fields, else ``RecordsTableLimitError`` before anything is created.
* A row must fit in one 8 kB page (8,160 bytes). Long variable-length values (text, arrays,
  geometries, the tsvector) are compressed or moved out of line (TOAST, an 18-byte pointer stays),
  fixed-width ones cannot: 8 bytes per int, double and datetime, 4 per date, 1 per boolean, plus
  one null-bitmap bit per column. Columns are laid out fixed-width first, widest alignment first
  (``physical_order``), so no padding byte is lost between them: a 1,000-field record of mixed
  types (half of them 8-byte) fits, where schema order padded it past the page (9,392 bytes
  for the six-type cycle of ``tests/datasets/api/test_publish_limits.py``). About 1,000 filled
  8-byte values remain the ceiling; past it COPY fails and the publish reports it.

Decisions, measured on 200k rows x 10 columns (median of 3, create + COPY + indexes + ANALYZE):

* A normal (logged) table from the start: 4.31 s. UNLOGGED then ``SET LOGGED`` before indexing:
  4.63 s; after indexing: 6.25 s (``SET LOGGED`` rewrites the table and rebuilds every index).
  The COPY is client-bound, so skipping WAL saves nothing that the rewrite does not cost back.
* ``fts`` computed by PostgreSQL as a generated column: COPY server time 0.6 s without fts, 2.0 s
  with it. Building the tsvector in Python cost 0.9 s more client CPU (the client is the
  bottleneck) for a 1.3 s COPY, and its tokens would differ from PostgreSQL's parser (``foo-bar``,
  e-mails, decimals), so ``plainto_tsquery`` would miss records: the generated column stays.
* Full text forgives accents and case: the vector is built with ``SEARCH_CONFIG``, the ``simple``
  configuration with the contrib dictionary ``unaccent`` in front of it for words with non-ASCII letters
  (created by the migration ``0011_search_configuration``): ``Orléans`` and ``ORLÉANS`` are stored as
  ``orleans``. ``to_tsvector(regconfig, text)`` is immutable, so the generated column may name it. Tables
  published before it hold ``simple`` vectors (``orléans``); queries match both (``LEGACY_SEARCH_CONFIG``,
  see ``datasets.odsql.records.where``) until they are republished.
"""

from __future__ import annotations

import hashlib

from psycopg import sql

from core.errors import ManagementAPIError
from datasets.pipeline.core import Field
from datasets.store.ids import MAX_IDENTIFIER_BYTES, check_dataset_uid

SCHEMA = "records"
RECORD_ID = "record_id"
FTS = "fts"
# The text-search configuration of the fts column and of every query on it (see the module's docstring).
SEARCH_CONFIG = "public.ods_search"
# What tables published before SEARCH_CONFIG were built with.
LEGACY_SEARCH_CONFIG = "pg_catalog.simple"
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
    "file": "text",  # the file's reference (odsfile://… or a URL)
}
GEOMETRY_TYPES = frozenset({"geo_point_2d", "geo_shape"})
# Physical column order: 8-byte aligned fixed-width types, then 4-byte, then 1-byte, then variable length.
FIXED_WIDTH_RANKS = {"int": 0, "double": 0, "datetime": 0, "date": 1, "boolean": 2}
VARIABLE_WIDTH_RANK = 3
MAX_FIELDS = 1600 - 2  # PostgreSQL's MaxHeapAttributeNumber, less record_id and fts
# Full-text search reads the first FTS_MAX_CHARACTERS characters of a record's text, so that one
# record cannot fail a whole COPY with "string is too long for tsvector". PostgreSQL's limit
# (MAXSTRPOS in tsearch/ts_type.h, checked by make_tsvector in to_tsany.c) is 1,048,575 bytes of
# distinct lexemes plus, per lexeme, an alignment byte, a 2-byte position count and 2 bytes per
# position. A character is at most 4 bytes once lowercased and belongs to at most two lexemes (a
# hyphenated word and its part, a URL and its host or path), so a character costs at most about 8
# bytes. Measured worst case: 7.7 bytes per character for hyphenated pairs of 4-byte letters
# (two CJK Extension B letters, a hyphen, two more); 4.0 for single CJK letters between spaces;
# 1.5 for distinct ASCII words. 100,000 characters therefore stay under ~800 kB, a quarter below
# the limit. ``left`` costs ~0.6 µs a row (it counts characters), so it runs only when the text's
# bytes (read from the values' headers) pass the cap: nearly free for ordinary records.
FTS_MAX_CHARACTERS = 100_000
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


class RecordsTableLimitError(ManagementAPIError):
    """The records do not fit one of PostgreSQL's limits on a table (columns, row size)."""

    error_key = "RecordsTableLimitException"
    raw_message = "The records exceed a limit of the database: {reason}"


def check_field_names(fields: list[Field]) -> None:
    """Column names must be unique, fit PostgreSQL's 63 bytes and not shadow the table's own columns."""
    if len(fields) > MAX_FIELDS:
        raise RecordsTableLimitError(reason=f"{len(fields)} fields, at most {MAX_FIELDS} are possible")
    seen = {RECORD_ID, FTS}
    for field in fields:
        if not field.name or len(field.name.encode()) > MAX_IDENTIFIER_BYTES:
            raise ValueError(f"invalid field name {field.name!r}: empty or longer than 63 bytes")
        if field.name in seen:
            raise ValueError(f"field name {field.name!r} is used twice or clashes with a column of the table")
        seen.add(field.name)


def capped_for_search(document: sql.Composable, byte_length: sql.Composable) -> sql.Composable:
    """``document`` cut to its first ``FTS_MAX_CHARACTERS`` characters when its ``byte_length`` passes them.

    Characters never outnumber bytes, so a document of at most that many bytes needs no ``left``.
    """
    return sql.SQL("CASE WHEN {} <= {} THEN {} ELSE left({}, {}) END").format(
        byte_length, sql.Literal(FTS_MAX_CHARACTERS), document, document, sql.Literal(FTS_MAX_CHARACTERS)
    )


def search_config() -> sql.Composable:
    """``'public.ods_search'::regconfig``: a constant, so expressions naming it stay immutable."""
    return sql.SQL("{}::regconfig").format(sql.Literal(SEARCH_CONFIG))


def full_text_vector(document: sql.Composable, byte_length: sql.Composable | None = None) -> sql.Composable:
    """``to_tsvector(<search config>, <document capped>)``: a tsvector always under PostgreSQL's limit.

    ``byte_length`` is an expression bounding the document's bytes, ``octet_length(<document>)`` by
    default. The expression is immutable, so the stored generated column may use it; values stay whole.
    """
    byte_length = byte_length or sql.SQL("octet_length({})").format(document)
    return sql.SQL("to_tsvector({}, {})").format(search_config(), capped_for_search(document, byte_length))


def text_columns(fields: list[Field]) -> list[sql.Composable]:
    """The text of every text and text[] field (arrays joined with spaces), in schema order."""
    columns: list[sql.Composable] = []
    for field in fields:
        if field.type != "text":
            continue
        column: sql.Composable = sql.Identifier(field.name)
        if is_multivalued(field):
            column = sql.SQL("{}({})").format(sql.Identifier(SCHEMA, TEXT_JOIN_FUNCTION), column)
        columns.append(column)
    return columns


def fts_expression(fields: list[Field]) -> sql.Composable:
    """``to_tsvector(<search config>, coalesce(a, '') || ' ' || …)`` over every text and text[] field, capped.

    The byte length is the sum of the values' ``octet_length`` (read from their headers; a bigint, as a
    thousand long values could pass the int range), so the concatenation is built once per row; a
    multivalued field's join is computed twice, for its length and for the text.
    """
    columns = text_columns(fields)
    if not columns:
        return sql.SQL("to_tsvector({}, '')").format(search_config())
    document = sql.SQL(" || ' ' || ").join(sql.SQL("coalesce({}, '')").format(column) for column in columns)
    lengths = [sql.SQL("coalesce(octet_length({}), 0)").format(column) for column in columns]
    byte_length = sql.SQL(" + ").join([sql.SQL("{}::bigint").format(sql.Literal(len(columns) - 1)), *lengths])
    return full_text_vector(document, byte_length)


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


def width_rank(field: Field) -> int:
    """0 for 8-byte fixed-width columns, 1 for 4-byte, 2 for 1-byte, 3 for variable-length ones."""
    return VARIABLE_WIDTH_RANK if is_multivalued(field) else FIXED_WIDTH_RANKS.get(field.type, VARIABLE_WIDTH_RANK)


def physical_order(fields: list[Field]) -> list[Field]:
    """The fields in the order of the table's columns: fixed-width ones first, widest alignment first.

    PostgreSQL aligns an 8-byte value on 8 bytes, so a boolean followed by a bigint wastes 7 bytes of
    every row; this order wastes none. Schema order is kept within each rank (the sort is stable), and
    only the table sees it: COPY and queries name every column.
    """
    return sorted(fields, key=width_rank)


def field_column(field: Field) -> sql.Composable:
    return sql.SQL("{} {}").format(sql.Identifier(field.name), sql.SQL(column_type(field)))


def column_definitions(fields: list[Field]) -> list[sql.Composable]:
    """Fixed-width field columns, ``record_id``, variable-length field columns, then ``fts``."""
    ordered = physical_order(fields)
    fixed = [field for field in ordered if width_rank(field) < VARIABLE_WIDTH_RANK]
    return [
        *map(field_column, fixed),
        # Hex digests order the same in every collation; "C" compares bytes, halving the key's build.
        sql.SQL('{} text COLLATE "C" NOT NULL').format(sql.Identifier(RECORD_ID)),
        *map(field_column, ordered[len(fixed) :]),
        sql.SQL("{} tsvector GENERATED ALWAYS AS ({}) STORED").format(sql.Identifier(FTS), fts_expression(fields)),
    ]


def create_table(cursor, table: str, fields: list[Field]) -> None:
    """Create the (empty, index-less) records table of ``fields``; indexes come after loading."""
    check_field_names(fields)
    if any(is_multivalued(field) for field in fields):
        ensure_text_join_function(cursor)
    columns = column_definitions(fields)
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
