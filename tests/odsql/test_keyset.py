"""Keyset reads (``keyset.py`` through ``compile_records_query``): walking one row at a time after the previous row,
or before it with the order reversed, visits exactly the rows of the offset order, for every comparable type, both
directions, ties and nulls (``size`` has a tie and a null, ``ratio``, ``open`` and ``day`` a null)."""

from __future__ import annotations

import pytest

from datasets.odsql.records import RecordsQuery, compile_records_query
from datasets.odsql.records.keyset import Keyset, keyset_sortable
from tests.odsql.tables import loaded_table
from tests.odsql.test_query import FIELDS, ROWS

TABLE = "da_tstk01_v1"
BY_NAME = {field.name: field for field in FIELDS}


@pytest.fixture
def cursor(transactional_db):
    """The records table of ``test_query``'s rows."""
    yield from loaded_table(TABLE, FIELDS, ROWS)


def read(cursor, order_by: str | None, limit: int, keyset: Keyset | None = None, reverse: bool = False):
    """``(name, sort value, record id)`` of the rows read."""
    sort = order_by.split()[0] if order_by else "size"
    query = RecordsQuery(select=f"name as n, {sort}", order_by=order_by, limit=limit)
    compiled = compile_records_query(query, TABLE, FIELDS, record_ids=True, keyset=keyset, reverse=reverse)
    cursor.execute(compiled.sql, compiled.params)
    return cursor.fetchall()


@pytest.mark.parametrize("sort", ["size", "-size", "ratio", "-ratio", "day", "-day", "open", "-open", "name", ""])
def test_walking_by_keyset_visits_the_offset_order(cursor, sort):
    name = sort.removeprefix("-")
    order_by = f"{name} {'desc' if sort.startswith('-') else 'asc'}" if sort else None
    field = BY_NAME[name] if sort else None
    descending = sort.startswith("-")
    expected = read(cursor, order_by, 100)
    assert len(expected) == len(ROWS)
    forward = [expected[0]]
    while len(forward) < len(ROWS) + 1:
        _, value, record_id = forward[-1]
        found = read(cursor, order_by, 1, Keyset(field, descending, value if field else None, record_id))
        if not found:
            break
        forward.append(found[0])
    assert forward == expected
    backward = read(cursor, order_by, 1, reverse=True)  # the last row
    while True:
        _, value, record_id = backward[0]
        keyset = Keyset(field, descending, value if field else None, record_id, before=True)
        found = read(cursor, order_by, 1, keyset, reverse=True)
        if not found:
            break
        backward.insert(0, found[0])
    assert backward == expected


def test_a_keyset_value_is_a_bound_parameter(cursor):
    field = BY_NAME["name"]
    hostile = "x' OR 1=1 --"
    query = RecordsQuery(select="name", order_by="name asc", limit=100)
    compiled = compile_records_query(query, TABLE, FIELDS, record_ids=True, keyset=Keyset(field, False, hostile, "z"))
    assert hostile not in compiled.sql.as_string(cursor.connection)
    assert hostile in compiled.params
    cursor.execute(compiled.sql, compiled.params)
    assert [row[0] for row in cursor.fetchall()] == sorted(row["name"] for row in ROWS if row["name"] > hostile)


def test_geometries_and_lists_do_not_page_by_keyset():
    assert not keyset_sortable(BY_NAME["tags"])  # multivalued text
    assert keyset_sortable(None) and keyset_sortable(BY_NAME["day"])
