"""Fields of a records table as ODSQL sees them, and literals turned into bound parameters of a field's type.

A ``Fragment`` is a piece of SQL with its parameters, in the order of their ``%s`` placeholders. Identifiers
only reach SQL through ``sql.Identifier`` (and only names found in the table's fields); literals only as
parameters, with an explicit cast so PostgreSQL never has to guess their type.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from psycopg import sql

from datasets.odsql import ODSQLError, ast
from datasets.odsql.literals import date_value
from datasets.pipeline.core import Field
from datasets.store.tables import FTS, LEGACY_SEARCH_CONFIG, RECORD_ID, fts_expression, is_multivalued, search_config

RECORD_ID_FIELD = "_id"  # the technical field of a record's id (reference §5.2)
NUMERIC = frozenset({"int", "double"})
ORDERED = frozenset({"int", "double", "text", "date", "datetime"})  # types <, <=, >, >= apply to
# The cast of a parameter compared with (or stored in) a column of each type.
CASTS = {
    "int": "bigint",
    "double": "double precision",
    "text": "text",
    "boolean": "boolean",
    "date": "date",
    "datetime": "timestamptz",
}
TSQUERY_FUNCTIONS = frozenset({"plainto_tsquery", "to_tsquery"})  # the ones full-text matching may call


@dataclass(frozen=True)
class Fragment:
    """SQL text with its parameters; ``type`` is an ODSQL field type, ``text[]`` or ``null``.

    ``aggregate`` tells whether an aggregate function is part of it; ``bare_fields`` are the fields it reads
    outside any aggregate (with ``group_by``, they must be grouped).
    """

    sql: sql.Composable
    params: tuple = ()
    type: str = "boolean"
    aggregate: bool = False
    bare_fields: frozenset[str] = field(default_factory=frozenset)


def placeholder(cast: str) -> sql.Composable:
    """``%s::<cast>``; ``cast`` is one of this module's constants, never user text."""
    return sql.SQL("{}::" + cast).format(sql.Placeholder())


class Schema:
    """The fields of one records table, looked up by name with errors that name the clause.

    ``stored_fts`` false says some fields of the table are hidden from the caller (``datasets.odsql.records.access``):
    full text then reads a tsvector computed over these fields, not the stored ``fts`` column of every field.
    ``record_ids`` makes the technical field ``_id`` (the record's id, text) readable like a field; a field of the
    dataset named ``_id`` takes precedence. Records queries turn it on when the caller may see ids.
    """

    def __init__(self, fields: list[Field], *, stored_fts: bool = True, record_ids: bool = False) -> None:
        self.fields = {f.name: f for f in fields}
        self.stored_fts = stored_fts
        self.record_ids = record_ids

    def full_text_document(self) -> sql.Composable:
        """The tsvector that bare full text, ``search()`` and ``suggest()`` without fields match against."""
        if self.stored_fts:
            return sql.Identifier(FTS)
        return fts_expression(list(self.fields.values()))

    def full_text_match(self, tsquery_function: str, text: str) -> Fragment:
        """``<document> @@ <tsquery_function>(<search config>, text)``: the record's text matches ``text``.

        Tables published before the search configuration (``datasets.store.tables.SEARCH_CONFIG``) store
        ``simple`` vectors, accents kept. On the stored ``fts`` the text is therefore read with both
        configurations, either one matching (``||`` of the two queries): an old table still finds what it found,
        a new one finds nothing more (its lexemes are the unaccented ones, which the simple reading only meets
        where both readings agree). A computed document is always built with the search configuration.
        """
        if tsquery_function not in TSQUERY_FUNCTIONS:
            raise ValueError(f"unknown tsquery function {tsquery_function!r}")
        function = sql.SQL(tsquery_function)
        query = sql.SQL("{}({}, {})").format(function, search_config(), placeholder("text"))
        if not self.stored_fts:
            return Fragment(sql.SQL("{} @@ {}").format(self.full_text_document(), query), (text,))
        legacy_config = sql.SQL("{}::regconfig").format(sql.Literal(LEGACY_SEARCH_CONFIG))
        legacy = sql.SQL("{}({}, {})").format(function, legacy_config, placeholder("text"))
        return Fragment(sql.SQL("{} @@ ({} || {})").format(sql.Identifier(FTS), query, legacy), (text, text))

    def field(self, node: ast.Field, clause: str) -> Field:
        """The field ``node`` names, or ``ODSQLError`` listing the known fields."""
        found = self.fields.get(node.name)
        if found is None:
            known = ", ".join(self.fields) or "none"
            raise ODSQLError(f"Unknown field {node.name!r} in {clause}; fields: {known}", node.position)
        return found

    def column(self, node: ast.Field, clause: str) -> Fragment:
        """The column of a field as a fragment typed like the field (``text[]`` when multivalued), or of ``_id``."""
        if node.name == RECORD_ID_FIELD and self.record_ids and node.name not in self.fields:
            return Fragment(sql.Identifier(RECORD_ID), type="text", bare_fields=frozenset({RECORD_ID_FIELD}))
        found = self.field(node, clause)
        # A file field holds its reference as text: ODSQL reads it as text.
        kind = "text[]" if is_multivalued(found) else "text" if found.type == "file" else found.type
        return Fragment(sql.Identifier(found.name), type=kind, bare_fields=frozenset({found.name}))


def literal_fragment(node: ast.Literal, clause: str) -> Fragment:
    """A literal on its own (in select or order_by arithmetic), typed by its kind."""
    if node.kind == ast.NUMBER:
        kind = "int" if isinstance(node.value, int) else "double"
        return Fragment(placeholder(CASTS[kind]), (node.value,), kind)
    if node.kind == ast.STRING:
        return Fragment(placeholder("text"), (node.value,), "text")
    if node.kind == ast.BOOLEAN:
        return Fragment(placeholder("boolean"), (node.value,), "boolean")
    if node.kind == ast.DATE:
        if isinstance(node.value, dt.datetime):
            return Fragment(placeholder("timestamptz"), (as_utc(node.value),), "datetime")
        return Fragment(placeholder("date"), (node.value,), "date")
    raise ODSQLError(f"{node.kind} literal at position {node.position} is not supported in {clause}", node.position)


def coerce(node: ast.Node, kind: str, clause: str) -> Fragment:
    """A literal as a parameter of a column of type ``kind`` (``text[]`` compares its items as text).

    Numbers compare with int and double fields; text with strings (and numbers, written as text); dates
    with date literals or ISO strings; booleans with TRUE/FALSE. Anything else is an ``ODSQLError``.
    """
    if not isinstance(node, ast.Literal):
        raise ODSQLError(f"Expected a value at position {node.position} in {clause}", node.position)
    kind = "text" if kind == "text[]" else kind
    value = _converted(node, kind, clause)
    if kind == "int" and isinstance(value, Decimal):
        return Fragment(placeholder("numeric"), (value,), "double")  # 2.5 against a bigint column
    return Fragment(placeholder(CASTS[kind]), (value,), kind)


def _converted(node: ast.Literal, kind: str, clause: str):
    value = node.value
    if kind in NUMERIC and node.kind == ast.NUMBER:
        return value
    if kind == "text" and node.kind in (ast.STRING, ast.NUMBER):
        return str(value)
    if kind == "boolean" and node.kind == ast.BOOLEAN:
        return value
    if kind in ("date", "datetime") and node.kind in (ast.DATE, ast.STRING):
        when = date_value(cast(str, value), node.position) if node.kind == ast.STRING else value
        if kind == "date":
            return when.date() if isinstance(when, dt.datetime) else when
        return as_utc(cast(dt.datetime, when))
    raise ODSQLError(
        f"A {node.kind} value at position {node.position} cannot be compared with a {kind} field in {clause}",
        node.position,
    )


def as_utc(value: dt.date | dt.datetime) -> dt.date | dt.datetime:
    """Naive datetimes are UTC (the API's default timezone); for timestamptz, a date is its midnight UTC."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
