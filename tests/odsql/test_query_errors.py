"""Invalid and hostile queries fail with ODSQLError at compile time, before any SQL exists to run."""

from __future__ import annotations

import re

import pytest
from psycopg import sql

from datasets.odsql import ODSQLError, ast
from datasets.odsql.records import RecordsQuery, compile_records_query
from datasets.odsql.records.values import Schema
from datasets.odsql.records.where import MAX_IN_ITEMS, compile_condition
from tests.odsql.test_query import FIELDS, TABLE


def compile_(**clauses):
    return compile_records_query(RecordsQuery(**clauses), TABLE, FIELDS)


@pytest.mark.parametrize(
    ("clauses", "message"),
    [
        ({"where": "foo = 1"}, "Unknown field 'foo' in where; fields: name, city, tags, size, ratio, open, day"),
        ({"select": "name, foo"}, "Unknown field 'foo' in select"),
        ({"order_by": "foo desc"}, "Unknown field 'foo' in order_by"),
        ({"group_by": "foo"}, "Unknown field 'foo' in group_by"),
        ({"select": "sum(foo)"}, "Unknown field 'foo' in select"),
        ({"where": "city = 'Paris"}, "unterminated string"),
        ({"where": "size = 1; DROP TABLE x"}, "Syntax error"),
        ({"select": "name; DROP TABLE x"}, "Syntax error"),
        ({"order_by": "name; DROP TABLE x"}, "Syntax error"),
        ({"where": "size IN (" + ",".join(["1"] * 1500) + ")"}, "too long"),
        ({"where": "not " * 60 + "open"}, "nested more than"),
        ({"select": "(" * 60 + "size" + " + 1)" * 60}, "nested more than"),
        ({"where": "size > 'big'"}, "cannot be compared"),
        ({"where": "day > 'yesterday'"}, "invalid date"),
        ({"where": "name > 3 and tags > 'a'"}, "does not apply"),
        ({"where": "city"}, "not boolean"),
        ({"where": "drop(city)"}, "Unknown function 'drop'"),
        ({"where": "count(*) > 1"}, "Aggregate count() is not allowed (at position 0 in where)"),
        ({"where": "count(size)"}, "Unknown function 'count'"),
        ({"select": "name + 1"}, "needs numbers"),
        ({"select": "name, count(*)"}, "must appear in group_by"),
        ({"select": "name, count(*)", "group_by": "city"}, "must appear in group_by"),
        ({"select": "*", "group_by": "city"}, "must appear in group_by"),
        ({"order_by": "count(*)"}, "needs an aggregated select"),
        ({"select": "size, size"}, "appears twice"),
        ({"select": "size as `a b`"}, "invalid label"),
        ({"limit": 0}, "Invalid limit"),
        ({"limit": 101}, "Invalid limit"),
        ({"limit": -1}, "-1 is not supported"),
        ({"offset": -1}, "Invalid offset"),
        ({"offset": 9_995, "limit": 10}, "offset + limit"),
    ],
)
def test_rejected_before_sql(clauses, message):
    with pytest.raises(ODSQLError, match=re.escape(message)):
        compile_(**clauses)


def test_in_list_is_bounded_even_below_the_text_limit():
    values = tuple(ast.Literal(ast.NUMBER, 1) for _ in range(MAX_IN_ITEMS + 1))
    with pytest.raises(ODSQLError, match="at most 1000"):
        compile_condition(ast.InList(ast.Field(("size",)), values), Schema(FIELDS))


def test_window_edge_is_accepted():
    assert compile_(offset=9_900, limit=100).params[-2:] == [100, 9_900]


def test_literals_never_reach_the_sql_text():
    hostile = "'); DROP TABLE x; --"
    compiled = compile_(select="size * 7 as s", where=f'city = "{hostile}" and size > 123456', order_by="ratio")
    text = compiled.sql.as_string(None) if hasattr(compiled.sql, "as_string") else str(compiled.sql)
    assert "DROP" not in text and "123456" not in text and "7" not in text.replace(TABLE, "")
    assert hostile in compiled.params and 123456 in compiled.params and 7 in compiled.params
    assert compiled.count_params == [hostile, 123456]
    assert isinstance(compiled.sql, sql.Composed) and isinstance(compiled.count_sql, sql.Composed)
