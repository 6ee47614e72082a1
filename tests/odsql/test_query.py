"""Records queries compiled to SQL, run on a real records table, checked against plain Python over the same rows."""

from __future__ import annotations

import datetime as dt

import pytest

from datasets.odsql.records import RecordsQuery, compile_records_query
from datasets.pipeline.core import Field
from tests.odsql.tables import loaded_table

TABLE = "da_tstq01_v1"
FIELDS = [
    Field(name="name", label="Name"),
    Field(name="city", label="City"),
    Field(name="tags", label="Tags", annotations=[{"name": "multivalued", "args": [";"]}]),
    Field(name="size", label="Size", type="int"),
    Field(name="ratio", label="Ratio", type="double"),
    Field(name="open", label="Open", type="boolean"),
    Field(name="day", label="Day", type="date"),
]
NAMES = ["name", "city", "tags", "size", "ratio", "open", "day"]
ROWS = [
    dict(zip(NAMES, values, strict=True))
    for values in [
        ("Oak tree", "Paris", ["green", "old"], 12, 0.5, True, dt.date(2020, 1, 5)),
        ("Pine", "Paris", ["green"], 30, 1.25, False, dt.date(2021, 6, 1)),
        ("Birch tree", "Nantes", ["white"], 7, None, True, dt.date(2019, 12, 31)),
        ("Elm", "Nantes", [], None, 2.0, None, None),
        ("Maple tree", "Lyon", ["red", "old"], 12, 3.5, True, dt.date(2022, 3, 3)),
        ("Willow", None, ["green", "wet"], 45, 0.25, False, dt.date(2020, 7, 14)),
    ]
]


@pytest.fixture
def cursor(transactional_db):
    yield from loaded_table(TABLE, FIELDS, ROWS)


def run(cursor, **clauses) -> tuple[list[dict], int]:
    compiled = compile_records_query(RecordsQuery(**clauses), TABLE, FIELDS)
    cursor.execute(compiled.sql, compiled.params)
    rows = [dict(zip(compiled.columns, row, strict=True)) for row in cursor.fetchall()]
    cursor.execute(compiled.count_sql, compiled.count_params)
    return rows, cursor.fetchone()[0]


def sort_key(value):
    """Nulls last, as in ODSQL ordering."""
    return (value is None, value)


def test_select_star_returns_every_field_in_record_id_order(cursor):
    rows, total = run(cursor, limit=100)
    assert total == len(ROWS)
    assert sorted(rows, key=lambda row: row["name"]) == sorted(ROWS, key=lambda row: row["name"])


@pytest.mark.parametrize(
    ("where", "predicate"),
    [
        ("size > 10", lambda r: r["size"] is not None and r["size"] > 10),
        ("10 < size", lambda r: r["size"] is not None and r["size"] > 10),
        ("size != 12", lambda r: r["size"] is not None and r["size"] != 12),
        ("ratio <= 1.25", lambda r: r["ratio"] is not None and r["ratio"] <= 1.25),
        ("city = 'Paris' OR city = \"Lyon\"", lambda r: r["city"] in ("Paris", "Lyon")),
        ("NOT city = 'Paris'", lambda r: r["city"] is not None and r["city"] != "Paris"),
        ("city IN ('Nantes', 'Lyon')", lambda r: r["city"] in ("Nantes", "Lyon")),
        ("size IN [7..12[", lambda r: r["size"] is not None and 7 <= r["size"] < 12),
        ("day >= date'2020-06-01'", lambda r: r["day"] is not None and r["day"] >= dt.date(2020, 6, 1)),
        ("day < '2020-01-06'", lambda r: r["day"] is not None and r["day"] < dt.date(2020, 1, 6)),
        (
            "day IN [date'2020'..date'2021']",
            lambda r: r["day"] and dt.date(2020, 1, 1) <= r["day"] <= dt.date(2021, 1, 1),
        ),
        ("open", lambda r: r["open"] is True),
        ("open is false", lambda r: r["open"] is False),
        ("city is null", lambda r: r["city"] is None),
        ("size is not null and open", lambda r: r["size"] is not None and r["open"] is True),
        ("'old' IN tags", lambda r: "old" in r["tags"]),
        ("tags = 'green'", lambda r: "green" in r["tags"]),
        ("tags IN ('red', 'white')", lambda r: bool({"red", "white"} & set(r["tags"]))),
        ("name like '* TREE'", lambda r: r["name"].lower().endswith(" tree")),
        ("startswith(name, 'P')", lambda r: r["name"].startswith("P")),
        ('"tree"', lambda r: "tree" in r["name"].lower().split()),
        ('"tree" AND NOT "oak"', lambda r: "tree" in r["name"].lower().split() and "oak" not in r["name"].lower()),
        ('search(*, "green")', lambda r: "green" in r["tags"]),
        ('search(city, "paris")', lambda r: r["city"] == "Paris"),
        ("size = null", lambda r: False),
    ],
)
def test_where_matches_python(cursor, where, predicate):
    rows, total = run(cursor, where=where, select="name", limit=100)
    expected = sorted(row["name"] for row in ROWS if predicate(row))
    assert sorted(row["name"] for row in rows) == expected
    assert total == len(expected)


def test_order_by_puts_nulls_last_both_ways_and_pages(cursor):
    for direction, reverse in (("asc", False), ("desc", True)):
        rows, _ = run(cursor, select="name, size", order_by=f"size {direction}, name", limit=100)
        present = sorted((r for r in ROWS if r["size"] is not None), key=lambda r: r["name"])
        present = sorted(present, key=lambda r: r["size"], reverse=reverse)
        expected = [r["name"] for r in present] + [r["name"] for r in ROWS if r["size"] is None]
        assert [row["name"] for row in rows] == expected
    page, total = run(cursor, select="name", order_by="size desc, name", limit=2, offset=2)
    assert [row["name"] for row in page] == expected[2:4]
    assert total == len(ROWS)


def test_arithmetic_and_labels(cursor):
    rows, _ = run(cursor, select="name, size * 2 + 1 as bigger, size / 0 as nothing, ratio / 2", limit=100)
    by_name = {row["name"]: row for row in rows}
    for record in ROWS:
        row = by_name[record["name"]]
        assert row["bigger"] == (None if record["size"] is None else record["size"] * 2 + 1)
        assert row["nothing"] is None
        assert row["ratio / 2"] == (None if record["ratio"] is None else pytest.approx(record["ratio"] / 2))


def test_aggregates_without_group_by(cursor):
    rows, total = run(cursor, select="count(*), count(size) as n, sum(size), avg(ratio), min(day), max(name)")
    sizes = [r["size"] for r in ROWS if r["size"] is not None]
    ratios = [r["ratio"] for r in ROWS if r["ratio"] is not None]
    assert total == 1
    assert rows == [
        {
            "count(*)": len(ROWS),
            "n": len(sizes),
            "sum(size)": sum(sizes),
            "avg(ratio)": pytest.approx(sum(ratios) / len(ratios)),
            "min(day)": min(r["day"] for r in ROWS if r["day"]),
            "max(name)": max(r["name"] for r in ROWS),
        }
    ]


def test_group_by_with_null_group_and_order_by_aggregate(cursor):
    rows, total = run(
        cursor,
        select="town, count(*) as n, sum(size) as total",
        where="size > 0",
        group_by="city as town",
        order_by="n desc",
    )
    groups: dict = {}
    for record in ROWS:
        if record["size"] is not None and record["size"] > 0:
            groups.setdefault(record["city"], []).append(record["size"])
    expected = sorted(
        ({"town": city, "n": len(sizes), "total": sum(sizes)} for city, sizes in groups.items()),
        key=lambda row: (-row["n"], sort_key(row["town"])),
    )
    assert rows == expected
    assert total == len(groups)


def test_string_literal_is_a_parameter(cursor):
    rows, total = run(cursor, where='city = "\'); DROP TABLE records.da_tstq01_v1; --"')
    assert (rows, total) == ([], 0)
    rows, _ = run(cursor, where="'); DROP TABLE x; --' IN tags")
    assert rows == []
    assert run(cursor, select="count(*)")[0] == [{"count(*)": len(ROWS)}]


def compiled_columns(**clauses) -> list[str]:
    """The result column names of a query, without running it."""
    return compile_records_query(RecordsQuery(**clauses), TABLE, FIELDS).columns


def test_group_keys_come_with_aggregates_only_selects(cursor):
    """Issue 15 item 7: ``select=count(*) as n&group_by=...`` answered counts without their groups."""
    rows, total = run(cursor, select="count(*) as n", group_by="year(day) as y", limit=100)
    years: dict = {}
    for record in ROWS:
        year = record["day"].year if record["day"] else None
        years[year] = years.get(year, 0) + 1
    assert rows == [{"n": years[year], "y": year} for year in sorted(years, key=sort_key)]
    assert total == len(years)


def test_unlabelled_group_keys_are_named_as_written(cursor):
    rows, _ = run(cursor, select="sum(size) as total", group_by="city, year(day)", limit=100)
    assert set(rows[0]) == {"total", "city", "year(day)"}
    expected: dict = {}
    for record in ROWS:
        key = (record["city"], record["day"].year if record["day"] else None)
        expected[key] = expected.get(key, 0) + (record["size"] or 0)
    got = {(row["city"], row["year(day)"]): row["total"] or 0 for row in rows}
    assert got == expected


@pytest.mark.parametrize(
    ("clauses", "columns"),
    [
        ({"select": "count(*) as n", "group_by": "city"}, ["n", "city"]),
        ({"select": "count(*) as n", "group_by": "`city`"}, ["n", "city"]),  # back-quotes are only syntax
        ({"select": "city, count(*) as n", "group_by": "city"}, ["city", "n"]),  # named: once
        ({"select": "`city`, count(*) as n", "group_by": "city"}, ["city", "n"]),
        ({"select": "town, count(*) as n", "group_by": "city as town"}, ["town", "n"]),
        ({"select": "year(day), count(*) as n", "group_by": "year(day)"}, ["year(day)", "n"]),
        ({"select": "year(day) as y, count(*) as n", "group_by": "year(day) as y"}, ["y", "n"]),
        ({"select": "year(day) as y2", "group_by": "year(day) as y"}, ["y2", "y"]),  # always under its own name
        ({"select": "count(*) as n", "group_by": "city, range(size, 10) as r"}, ["n", "city", "r"]),
        ({"select": "max(size) as m", "group_by": "city", "order_by": "city desc"}, ["m", "city"]),
        ({"group_by": "city, year(day)"}, ["city", "year(day)"]),
        ({"select": "include(ci*), count(*) as n", "group_by": "city"}, ["city", "n"]),
        # A select label that takes a group's name keeps it, as in order_by: one value per name.
        ({"select": "count(*) as city", "group_by": "city"}, ["city"]),
        # Without group_by, nothing is added.
        ({"select": "count(*) as n"}, ["n"]),
        ({"select": "name"}, ["name"]),
    ],
)
def test_group_keys_are_result_columns_exactly_once(clauses, columns):
    assert compiled_columns(**clauses) == columns


def test_an_added_group_key_sorts_by_its_bounds(cursor):
    rows, _ = run(cursor, select="count(*) as n", group_by="range(size, 10) as r", order_by="r desc", limit=100)
    assert [row["r"] for row in rows] == ["40-50", "30-40", "10-20", "0-10", None]
    assert [row["n"] for row in rows] == [1, 1, 2, 1, 1]
