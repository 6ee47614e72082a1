"""Keyset positions: the records after (or before) one record in a page's order, for paging past the offset window.

A records page is ordered by at most one field (ascending or descending, nulls last either way) and then by
``record_id`` (``query.py``'s tie-breaker), so one row's sort value and record id say where it stands. The page
after it holds the rows whose (value, record_id) come later in that order; the page before it, read with the order
reversed (``compile_records_query(..., reverse=True)``), the rows that come earlier, nearest first. The row's values
reach SQL only as bound parameters cast to the field's type; the field only as an identifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql

from datasets.odsql.records.values import CASTS, Fragment, placeholder
from datasets.pipeline.core import Field
from datasets.store.tables import RECORD_ID, is_multivalued

# Field types whose values compare with < and > and round-trip through a cursor (no geometry, no list).
KEYSET_TYPES = frozenset({"int", "double", "text", "date", "datetime", "boolean"})


def keyset_sortable(field: Field | None) -> bool:
    """Whether pages sorted by ``field`` (None: by record id alone) can continue by keyset."""
    return field is None or (field.type in KEYSET_TYPES and not is_multivalued(field))


@dataclass(frozen=True)
class Keyset:
    """One row's place in the order: ``value`` of the sort ``field`` (None: no sort field) and its ``record_id``.

    ``before`` selects the rows that come before it (read in reverse order) instead of those after it.
    """

    field: Field | None
    descending: bool
    value: Any
    record_id: str
    before: bool = False


def keyset_condition(keyset: Keyset) -> Fragment:
    """The rows on the chosen side of ``keyset``, for an order ``<field> [DESC] NULLS LAST, record_id``."""
    record = sql.Identifier(RECORD_ID)
    id_side = Fragment(
        sql.SQL("{} {} {}").format(record, sql.SQL("<" if keyset.before else ">"), placeholder("text")),
        (keyset.record_id,),
    )
    if keyset.field is None:
        return id_side
    column = sql.Identifier(keyset.field.name)
    if keyset.value is None:
        # Nulls come last: after a null only later nulls; before it every value and the earlier nulls.
        text = "{0} IS NOT NULL OR {1}" if keyset.before else "{0} IS NULL AND {1}"
        return Fragment(sql.SQL(text).format(column, id_side.sql), id_side.params)
    # A greater value comes later ascending, earlier descending; looking before flips it again.
    beyond = sql.SQL(">" if keyset.descending == keyset.before else "<")
    value = placeholder(CASTS[keyset.field.type])
    text = "{0} {1} {2} OR ({0} = {2} AND {3})" + ("" if keyset.before else " OR {0} IS NULL")
    return Fragment(
        sql.SQL(text).format(column, beyond, value, id_side.sql),
        (keyset.value, keyset.value, *id_side.params),
    )
