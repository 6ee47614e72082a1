"""Scalar functions, aggregates, group_by kinds, include/exclude, random order and time zones, compiled and run on
a real records table; expected values come from plain Python over the same rows (statistics, zoneinfo,
collections.Counter, hashlib, a haversine), never from the SQL under test."""

from __future__ import annotations

import calendar
import collections
import datetime as dt
import fnmatch
import hashlib
import math
import random
import re
import statistics
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

import pytest
from psycopg import sql

from datasets.odsql import ODSQLError, parse_select
from datasets.odsql.records import RecordsQuery, compile_records_query
from datasets.odsql.records.dates import now_value
from datasets.pipeline.core import Field
from datasets.store.tables import qualified
from tests.odsql.tables import loaded_table

TABLE = "da_tstexpr1_v1"
FIELDS = [
    Field(name="name", label="Name"),
    Field(name="city", label="City"),
    Field(name="size", label="Size", type="int"),
    Field(name="ratio", label="Ratio", type="double"),
    Field(name="day", label="Day", type="date"),
    Field(name="at", label="At", type="datetime"),
    Field(name="geo", label="Geo", type="geo_point_2d"),
]
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
# Ages in days kept away from the one-year and six-month boundaries that the now() tests use.
AGES = [3, 20, 75, 140, 250, 330, 400, 500, 700, 1100]
EARTH_RADIUS_M = 6_371_008.8
PARIS = (2.35, 48.85)


def make_rows() -> list[dict]:
    rng = random.Random(11)
    rows = []
    for n in range(48):
        at = NOW - dt.timedelta(days=AGES[n % len(AGES)], minutes=rng.randrange(0, 24 * 60), seconds=rng.randrange(60))
        rows.append(
            {
                "name": f"{rng.choice(['Oak', 'Pine', 'Birch', 'Maple tree', 'Elm'])} {n:02d}",
                "city": rng.choice(["Paris", "Lyon", "Nantes", None]),
                "size": None if n % 9 == 4 else rng.randrange(0, 160),
                "ratio": round(rng.uniform(0, 4), 2),
                "day": None if n % 11 == 5 else dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 3 * 365)),
                "at": None if n % 13 == 6 else at,
                "geo": None if n % 10 == 7 else (48.85 + rng.uniform(-3, 3), 2.35 + rng.uniform(-4, 4)),
            }
        )
    return rows


ROWS = make_rows()


@pytest.fixture
def cursor(transactional_db):
    yield from loaded_table(TABLE, FIELDS, ROWS)


def run(cursor, **clauses) -> tuple[list[dict], int]:
    clauses.setdefault("limit", 100)
    compiled = compile_records_query(RecordsQuery(**clauses), TABLE, FIELDS)
    cursor.execute(compiled.sql, compiled.params)
    rows = [dict(zip(compiled.columns, row, strict=True)) for row in compiled.localized(cursor.fetchall())]
    cursor.execute(compiled.count_sql, compiled.count_params)
    return rows, cursor.fetchone()[0]


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {row["name"]: row for row in rows}


def percentile(values: list[float], rank: float) -> float:
    """Linear interpolation between closest ranks (percentile_cont's definition)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * rank / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lon1, lat1), (lon2, lat2) = (tuple(map(math.radians, point)) for point in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def present(column: str) -> list:
    return [row[column] for row in ROWS if row[column] is not None]


# Aggregates.


def test_aggregates_match_python(cursor):
    select = (
        "count(*) as n, count(size) as c, count(distinct city) as cities, median(size) as med, "
        "percentile(size, 25) as p25, percentile(ratio, 90) as p90, percentile(size, 100) as top, "
        "sum(size) as s, avg(ratio) as a, min(day) as first, max(name) as last, median(length(name)) as med2"
    )
    (row,), total = run(cursor, select=select)
    sizes, ratios = present("size"), present("ratio")
    assert total == 1
    assert (row["n"], row["c"], row["cities"]) == (len(ROWS), len(sizes), len(set(present("city"))))
    assert row["med"] == pytest.approx(statistics.median(sizes))
    assert row["p25"] == pytest.approx(percentile(sizes, 25))
    assert row["p90"] == pytest.approx(percentile(ratios, 90))
    assert row["top"] == pytest.approx(max(sizes))
    assert row["s"] == sum(sizes) and row["a"] == pytest.approx(statistics.mean(ratios))
    assert row["first"] == min(present("day")) and row["last"] == max(present("name"))
    assert row["med2"] == pytest.approx(statistics.median(len(r["name"]) for r in ROWS))


def test_grouped_aggregates_include_the_null_group(cursor):
    rows, total = run(
        cursor, select="city, count(*) as n, count(distinct size) as sizes, median(ratio) as med", group_by="city"
    )
    groups = collections.defaultdict(list)
    for row in ROWS:
        groups[row["city"]].append(row)
    assert total == len(groups)
    assert [row["city"] for row in rows] == sorted(city for city in groups if city) + [None]
    for row in rows:
        members = groups[row["city"]]
        assert row["n"] == len(members)
        assert row["sizes"] == len({member["size"] for member in members if member["size"] is not None})
        assert row["med"] == pytest.approx(statistics.median(member["ratio"] for member in members))


# Scalar functions.


def test_string_functions_and_ifnull(cursor):
    select = "name, length(name) as len, lower(name) as lo, upper(city) as up, ifnull(city, 'none') as c, "
    select += "ifnull(size, 0) + 1 as s1, ifnull(size, ratio) as mixed"
    rows, _ = run(cursor, select=select)
    found = by_name(rows)
    for row in ROWS:
        record = found[row["name"]]
        assert (record["len"], record["lo"]) == (len(row["name"]), row["name"].lower())
        assert record["up"] == (row["city"].upper() if row["city"] else None)
        assert record["c"] == (row["city"] or "none")
        assert record["s1"] == (row["size"] if row["size"] is not None else 0) + 1
        assert record["mixed"] == pytest.approx(row["size"] if row["size"] is not None else row["ratio"])


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"])
def test_date_parts_and_datetimes_follow_the_timezone(cursor, zone):
    select = "name, at, year(at) as y, month(at) as mo, day(at) as d, hour(at) as h, minute(at) as mi, "
    select += "second(at) as s, year(day) as dy, day(day) as dd, hour(day) as dh"
    rows, _ = run(cursor, select=select, timezone=zone)
    found = by_name(rows)
    for row in ROWS:
        record, at = found[row["name"]], row["at"]
        if at is None:
            assert record["at"] is None and record["y"] is None
        else:
            local = at.astimezone(ZoneInfo(zone))
            # Instants compared as timestamps: Python never equates an hour a DST change repeats across zones.
            assert record["at"].timestamp() == at.timestamp() and record["at"].utcoffset() == local.utcoffset()
            parts = (local.year, local.month, local.day, local.hour, local.minute, local.second)
            assert (record["y"], record["mo"], record["d"], record["h"], record["mi"], record["s"]) == parts
        day = row["day"]
        assert (record["dy"], record["dd"], record["dh"]) == ((day.year, day.day, 0) if day else (None, None, None))


def python_format(value: dt.datetime, pattern: str) -> str:
    """The reference's pattern letters, in English, computed with datetime and calendar."""
    iso = value.isocalendar()
    names = {
        "yyyy": f"{value.year:04d}",
        "yy": f"{value.year % 100:02d}",
        "xxxx": f"{iso.year:04d}",
        "ww": f"{iso.week:02d}",
        "w": str(iso.week),
        "e": str(iso.weekday),
        "EEEE": calendar.day_name[value.weekday()].lower(),
        "E": calendar.day_abbr[value.weekday()].lower() + ".",
        "DDD": f"{value.timetuple().tm_yday:03d}",
        "D": str(value.timetuple().tm_yday),
        "MMMM": calendar.month_name[value.month].lower(),
        "MM": f"{value.month:02d}",
        "M": str(value.month),
        "dd": f"{value.day:02d}",
        "d": str(value.day),
        "HH": f"{value.hour:02d}",
        "H": str(value.hour),
        "mm": f"{value.minute:02d}",
        "m": str(value.minute),
        "ss": f"{value.second:02d}",
        "s": str(value.second),
    }
    out = []
    tokens = re.finditer(r"'((?:[^']|'')*)'|(([A-Za-z])\3*)|(.)", pattern)
    for token in tokens:
        quoted, letters, _, other = token.groups()
        if quoted is not None:
            out.append(quoted.replace("''", "'") if quoted else "'")
        elif letters:
            out.append(names[letters])
        else:
            out.append(other)
    return "".join(out)


@pytest.mark.parametrize(
    "pattern",
    [
        "yyyy-MM-dd'T'HH:mm:ss",
        "dd/MM/yy",
        "d/M H:m:s",
        "'week 'w' of 'xxxx",
        "ww, e",
        "EEEE E",
        "D DDD",
        "MMMM",
        "'it''s' yyyy",
    ],
)
def test_date_format_patterns(cursor, pattern):
    zone = "Europe/Paris"
    rows, _ = run(cursor, select=f'name, date_format(at, "{pattern}") as f', timezone=zone)
    found = by_name(rows)
    for row in ROWS:
        expected = python_format(row["at"].astimezone(ZoneInfo(zone)), pattern) if row["at"] else None
        assert found[row["name"]]["f"] == expected


def test_date_format_names_follow_lang_and_free_text_stays_out_of_the_sql(cursor):
    # The reference's own example: 2007-11-20 was a Tuesday, "mardi" in French.
    rows, _ = run(cursor, select="date_format(day, 'EEEE E') as f", where="day = date'2019-01-01'", lang="fr")
    assert all(row["f"] == "mardi mar." for row in rows)
    compiled = compile_records_query(RecordsQuery(select="date_format(day, \"'DROP TABLE'yyyy\")"), TABLE, FIELDS)
    assert "DROP" not in compiled.sql.as_string(None) and "DROP TABLE" in compiled.params


def test_distance_in_select_and_order_by(cursor):
    point = "geom'POINT(2.35 48.85)'"
    rows, _ = run(cursor, select=f"name, distance(geo, {point}) as m", order_by=f"distance(geo, {point})")
    located = sorted((row for row in ROWS if row["geo"]), key=lambda row: haversine(PARIS, row["geo"][::-1]))
    assert [row["name"] for row in rows[: len(located)]] == [row["name"] for row in located]
    # Nulls last (their order among themselves is by record_id).
    assert sorted(row["name"] for row in rows[len(located) :]) == sorted(r["name"] for r in ROWS if r["geo"] is None)
    found = by_name(rows)
    for row in ROWS:
        if row["geo"] is None:
            assert found[row["name"]]["m"] is None
        else:
            assert found[row["name"]]["m"] == pytest.approx(haversine(PARIS, row["geo"][::-1]), rel=1e-6)


# where: scalar functions compared.


@pytest.mark.parametrize(
    ("where", "predicate"),
    [
        ("year(day) = 2020", lambda r, z: r["day"] is not None and r["day"].year == 2020),
        ("2021 <= year(day)", lambda r, z: r["day"] is not None and r["day"].year >= 2021),
        ("length(name) > 6", lambda r, z: len(r["name"]) > 6),
        ("lower(city) = 'paris'", lambda r, z: r["city"] == "Paris"),
        ("upper(city) != 'LYON'", lambda r, z: r["city"] is not None and r["city"] != "Lyon"),
        ("hour(at) >= 12", lambda r, z: r["at"] is not None and r["at"].astimezone(z).hour >= 12),
        ("date_format(day, 'MM') = '03'", lambda r, z: r["day"] is not None and r["day"].month == 3),
        ("at > now(years=-1)", lambda r, z: r["at"] is not None and r["at"] > NOW.replace(year=NOW.year - 1)),
        ("at < now(days=-180)", lambda r, z: r["at"] is not None and r["at"] < NOW - dt.timedelta(days=180)),
        ("ifnull(size, 0) = 0", lambda r, z: not r["size"]),
        (
            "year(day) = 2020 and lower(city) = 'lyon'",
            lambda r, z: r["day"] and r["day"].year == 2020 and r["city"] == "Lyon",
        ),
        ("year(at) = null", lambda r, z: False),
    ],
)
def test_scalar_functions_in_where(cursor, where, predicate):
    zone = ZoneInfo("Asia/Tokyo")
    rows, total = run(cursor, select="name", where=where, timezone="Asia/Tokyo")
    expected = sorted(row["name"] for row in ROWS if predicate(row, zone))
    assert sorted(row["name"] for row in rows) == expected and total == len(expected)


def test_dates_compare_with_now_at_midnight_of_the_zone(cursor):
    rows, _ = run(cursor, select="name", where="day >= now(year=2020, month=1, day=1, hour=0, minute=0, second=0)")
    assert sorted(row["name"] for row in rows) == sorted(r["name"] for r in ROWS if r["day"] and r["day"].year >= 2020)


# group_by.


def range_label(value, bounds: list) -> str | None:
    edges = ["*", *bounds, "*"]
    for index in range(len(edges) - 1):
        low, high = edges[index], edges[index + 1]
        if (low == "*" or value >= low) and (high == "*" or value < high):
            return f"{low}-{high}"
    return None


def test_static_ranges_with_open_ends_and_the_null_group(cursor):
    rows, total = run(cursor, select="r, count(*) as n", group_by="range(size, *, 10, 50, 100, *) as r")
    counts = collections.Counter(range_label(r["size"], [10, 50, 100]) if r["size"] is not None else None for r in ROWS)
    order = ["*-10", "10-50", "50-100", "100-*", None]
    assert [row["r"] for row in rows] == [label for label in order if label in counts]
    assert {row["r"]: row["n"] for row in rows} == counts and total == len(counts)


def test_static_ranges_without_open_ends_leave_outside_values_out(cursor):
    rows, _ = run(cursor, select="range(size, 10, 50, 100) as r, count(*) as n", group_by="range(size, 10, 50, 100)")
    counts = collections.Counter(
        range_label(r["size"], [10, 50, 100]) if r["size"] is not None else None
        for r in ROWS
        if r["size"] is None or 10 <= r["size"] < 100
    )
    assert {row["r"]: row["n"] for row in rows} == counts
    assert set(counts) == {"10-50", "50-100", None}


def width_label(value: float, width: str) -> str:
    step = Decimal(width)
    low = (Decimal(repr(value)) / step).to_integral_value(rounding=ROUND_FLOOR) * step
    return f"{format(low.normalize(), 'f')}-{format((low + step).normalize(), 'f')}"


@pytest.mark.parametrize(("field", "width"), [("size", "25"), ("ratio", "0.5"), ("ratio", "1.25")])
def test_equal_widths(cursor, field, width):
    rows, _ = run(cursor, select=f"range({field}, {width}) as r, count(*) as n", group_by=f"range({field}, {width})")
    counts = collections.Counter(width_label(r[field], width) if r[field] is not None else None for r in ROWS)
    assert {row["r"]: row["n"] for row in rows} == counts
    lows = [Decimal(row["r"].split("-")[0]) for row in rows if row["r"] is not None]
    assert lows == sorted(lows)  # ordered by bounds, not as text


def test_date_histograms(cursor):
    rows, _ = run(cursor, select="range(day, 1 M) as m, count(*) as n", group_by="range(day, 1 M)")
    counts = collections.Counter(r["day"].replace(day=1) if r["day"] else None for r in ROWS)
    assert {row["m"]: row["n"] for row in rows} == counts
    assert [row["m"] for row in rows] == sorted(row["m"] for row in rows if row["m"]) + [None]


def test_date_histograms_by_week_and_in_a_zone(cursor):
    rows, _ = run(cursor, select="w, count(*) as n", group_by="range(day, 1 w) as w")
    weeks = collections.Counter(r["day"] - dt.timedelta(days=r["day"].weekday()) if r["day"] else None for r in ROWS)
    assert {row["w"]: row["n"] for row in rows} == weeks
    zone = ZoneInfo("America/New_York")
    rows, _ = run(cursor, select="d, count(*) as n", group_by="range(at, 1 day) as d", timezone="America/New_York")
    days = collections.Counter(
        dt.datetime.combine(r["at"].astimezone(zone).date(), dt.time(), tzinfo=zone).isoformat() if r["at"] else None
        for r in ROWS
    )
    assert {row["d"].isoformat() if row["d"] else None: row["n"] for row in rows} == days
    rows, _ = run(cursor, select="h, count(*) as n", group_by="range(at, 6 h) as h")
    buckets = collections.Counter(
        dt.datetime.fromtimestamp(r["at"].timestamp() // 21600 * 21600, dt.UTC) if r["at"] else None for r in ROWS
    )
    assert {row["h"]: row["n"] for row in rows} == buckets


def test_date_functions_and_date_format_as_groups(cursor):
    zone = ZoneInfo("Pacific/Auckland")
    rows, _ = run(
        cursor,
        select="y, ym, count(*) as n",
        group_by="year(at) as y, date_format(at, 'yyyy-MM') as ym",
        timezone="Pacific/Auckland",
    )
    counts = collections.Counter(
        (r["at"].astimezone(zone).year, r["at"].astimezone(zone).strftime("%Y-%m")) if r["at"] else (None, None)
        for r in ROWS
    )
    assert {(row["y"], row["ym"]): row["n"] for row in rows} == counts
    assert [row["y"] for row in rows] == sorted(row["y"] for row in rows if row["y"]) + [None]


@pytest.mark.parametrize(("zoom", "radius"), [(3, 40), (6, 80), (0, 40)])
def test_geo_cluster_centroids_and_counts(cursor, zoom, radius):
    argument = "" if radius == 40 else f", radius={radius}"
    rows, total = run(cursor, group_by=f"geo_cluster(geo, {zoom}{argument}) as c", select="c, count(*) as n")
    cell = 360 * radius / (256 * 2**zoom)
    clusters = collections.defaultdict(list)
    for row in ROWS:
        lat, lon = row["geo"] or (None, None)
        clusters[(math.floor(lon / cell), math.floor(lat / cell)) if lon is not None else None].append((lon, lat))
    assert total == len(clusters)
    expected = sorted(
        (len(points), round(statistics.mean(p[0] for p in points), 6), round(statistics.mean(p[1] for p in points), 6))
        for key, points in clusters.items()
        if key is not None
    )
    found = sorted(
        (row["c"]["count"], round(row["c"]["lon"], 6), round(row["c"]["lat"], 6)) for row in rows if row["c"]
    )
    assert found == expected
    assert [row["n"] for row in rows if row["c"] is None] == [len(clusters[None])]


# select include() / exclude().


@pytest.mark.parametrize(
    ("select", "patterns"),
    [
        ("include(na*)", ["+na*"]),
        ("include(*a*, geo)", ["+*a*", "+geo"]),
        ("exclude(geo, at)", ["-geo", "-at"]),
        ("include(*a*), exclude(name)", ["+*a*", "-name"]),
        ("*, exclude(*o)", ["+*", "-*o"]),
    ],
)
def test_include_and_exclude(cursor, select, patterns):
    names = [field.name for field in FIELDS]
    includes = [p[1:] for p in patterns if p[0] == "+"] or ["*"]
    chosen = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in includes)]
    chosen = [n for n in chosen if not any(fnmatch.fnmatchcase(n, p[1:]) for p in patterns if p[0] == "-")]
    rows, _ = run(cursor, select=select, limit=3)
    assert [list(row) for row in rows] == [chosen] * 3


def test_include_exclude_with_other_items_and_groups(cursor):
    rows, _ = run(cursor, select="exclude(geo, at, day), size * 2 as double", limit=1)
    assert list(rows[0]) == ["name", "city", "size", "ratio", "double"]
    rows, _ = run(cursor, select="include(ci*), count(*) as n", group_by="city")
    assert {row["city"]: row["n"] for row in rows} == collections.Counter(r["city"] for r in ROWS)


# order_by random(seed).


def test_random_order_is_a_seeded_shuffle(cursor):
    cursor.execute(sql.SQL("SELECT record_id, name FROM {}").format(qualified(TABLE)))
    names = dict(cursor.fetchall())
    for seed in (7, "abc"):
        expected = [names[r] for r in sorted(names, key=lambda r: hashlib.md5(f"{r}{seed}".encode()).hexdigest())]
        seed_text = seed if isinstance(seed, int) else f"'{seed}'"
        pages = [
            run(cursor, select="name", order_by=f"random({seed_text})", limit=10, offset=o)[0] for o in range(0, 48, 10)
        ]
        assert [row["name"] for page in pages for row in page] == expected
    first = [row["name"] for row in run(cursor, select="name", order_by="random(1)")[0]]
    assert first != [row["name"] for row in run(cursor, select="name", order_by="random(2)")[0]]


# Bounds, time zones and errors.


def test_grouped_queries_have_their_own_window():
    compile_records_query(RecordsQuery(group_by="city", limit=20_000), TABLE, FIELDS)
    compile_records_query(RecordsQuery(group_by="city", limit=100, offset=19_900), TABLE, FIELDS)
    for clauses in ({"limit": 20_001}, {"limit": 20, "offset": 19_990}):
        with pytest.raises(ODSQLError, match="limit"):
            compile_records_query(RecordsQuery(group_by="city", **clauses), TABLE, FIELDS)
    with pytest.raises(ODSQLError, match="between 1 and 100"):
        compile_records_query(RecordsQuery(limit=101), TABLE, FIELDS)


@pytest.mark.parametrize(
    ("clauses", "message"),
    [
        ({"select": "median(name)"}, "median() needs a double or int value, not text (at position 7 in select)"),
        ({"select": "percentile(size, 0)"}, "greater than 0 and at most 100"),
        ({"select": "percentile(size, 100.5)"}, "greater than 0 and at most 100"),
        ({"select": "percentile(size)"}, "percentile() takes 2 arguments, not 1"),
        ({"select": "length(size)"}, "length() needs a text value, not int"),
        ({"select": "length(name, 2)"}, "length() takes 1 argument, not 2"),
        ({"select": "year(name)"}, "year() needs a date or datetime value"),
        ({"select": "date_format(day, 'yyyy Q')"}, "'Q' is not supported"),
        ({"select": "date_format(day, 'yyy')"}, "'yyy' is not supported"),
        ({"select": 'date_format(day, "\'open")'}, "unterminated quoted text"),
        ({"select": "date_format(day, name)"}, "takes a pattern string"),
        ({"select": "frobnicate(size)"}, "Unknown function 'frobnicate' in select"),
        ({"select": "sum(count(*))"}, "cannot contain another aggregate"),
        ({"select": "random(3)"}, "random() is allowed in order_by only"),
        ({"select": "include(na*) as x"}, "include() at position 0 in select takes no label"),
        ({"select": "now(fortnights=1)"}, "takes named arguments among"),
        ({"select": "now(years=1.5)"}, "must be an integer"),
        ({"select": "now(weekday=9)"}, "weekday is 0 (Monday) to 6"),
        ({"select": "distance(geo, 'POINT(1 1)')"}, "takes a geometry literal"),
        ({"select": "distance(geo, geom'POINT(1 1)); DROP TABLE x; --')"}, "invalid geometry in distance()"),
        ({"select": "distance(geo, geom'POLYGON((0 0, 1 1))')"}, "invalid geometry in distance()"),
        ({"select": 'distance(geo, geom\'{"type":"Point"}\')'}, "invalid geometry in distance()"),
        ({"order_by": "distance(geo, geom'POINT(200 0)')"}, "within [-180, 180]"),
        ({"select": "distance(name, geom'POINT(1 1)')"}, "distance() needs a geo_point_2d or geo_shape value"),
        ({"select": "ifnull(size, 'x')"}, "cannot be compared with a int field in select"),
        ({"select": "ifnull(size, name)"}, "ifnull() needs two values of one type"),
        ({"where": "sum(size) > 3"}, "Aggregate sum() is not allowed (at position 0 in where)"),
        ({"where": "year(name) = 2020"}, "year() needs a date or datetime value, not text (at position 5 in where)"),
        ({"where": "length(name) > 'abc'"}, "cannot be compared with a int field in where"),
        ({"where": "year(day) = name"}, "Operator = cannot compare int with text (at position 0 in where)"),
        ({"select": "range(size, 10)"}, "range() belongs to group_by"),
        ({"group_by": "count(*)"}, "An aggregate cannot be a group (at position 0 in group_by)"),
        ({"group_by": "geo_cluster(geo, 26)"}, "zoom must be an integer from 0 to 25"),
        ({"group_by": "geo_cluster(geo, -1)"}, "zoom must be an integer from 0 to 25"),
        ({"group_by": "geo_cluster(size, 3)"}, "geo_cluster() needs a geo_point_2d or geo_shape value"),
        ({"group_by": "geo_cluster(geo, 3, radius=0)"}, "radius must be an integer"),
        ({"group_by": "geo_cluster(geo, 3, colour=2)"}, "optionally radius=<pixels>"),
        ({"group_by": "range(day, 10 km)"}, "Unknown unit 'km'"),
        ({"group_by": "range(day, 2 M)"}, "go by 1"),
        ({"group_by": "range(day, 1 h)"}, "takes d, w, M, q or y"),
        ({"group_by": "range(size, 1 day)"}, "needs a date or datetime field"),
        ({"group_by": "range(day, 5)"}, "takes a width with a unit"),
        ({"group_by": "range(size, 0)"}, "positive number"),
        ({"group_by": "range(size, 50, 10)"}, "must increase"),
        ({"group_by": "range(size, *, *, 10)"}, "with * only first or last"),
        ({"group_by": "range(size)"}, "takes a field and a width"),
        ({"group_by": "year(day)", "select": "day"}, "Field day in select must appear in group_by"),
        ({"group_by": "city", "order_by": "random(1)"}, "orders records, not groups"),
        ({"order_by": "random()"}, "takes one seed"),
        ({"timezone": "Mars/Olympus_Mons"}, "Invalid value for timezone: unknown time zone 'Mars/Olympus_Mons'"),
        ({"timezone": "../../etc/passwd"}, "Invalid value for timezone"),
    ],
)
def test_misuses_are_rejected_naming_the_clause(clauses, message):
    with pytest.raises(ODSQLError, match=re.escape(message)):
        compile_records_query(RecordsQuery(**clauses), TABLE, FIELDS)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("", "2024-01-31T11:00:00+01:00"),
        ("months=1", "2024-02-29T11:00:00+01:00"),
        ("years=-1, months=-1", "2022-12-31T11:00:00+01:00"),
        ("year=2000", "2000-01-31T11:00:00+01:00"),
        ("day=1, hour=0, minute=0, second=0", "2024-01-01T00:00:00+01:00"),
        ("weekday=0", "2024-02-05T11:00:00+01:00"),
        ("weekday=2", "2024-01-31T11:00:00+01:00"),
        ("days=-1, hours=2, minutes=-30", "2024-01-30T12:30:00+01:00"),
        ("weeks=26", "2024-07-31T11:00:00+02:00"),
    ],
)
def test_now_sets_then_shifts_then_moves_to_a_weekday(arguments, expected):
    node = parse_select(f"now({arguments})")[0].expression
    current = dt.datetime(2024, 1, 31, 10, 0, tzinfo=dt.UTC)  # a Wednesday
    assert now_value(node, "Europe/Paris", "select", current).isoformat() == expected
