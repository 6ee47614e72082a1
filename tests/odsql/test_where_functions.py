"""The where predicates within_distance, in_bbox, intersects, disjoint, within, suggest and search, compiled and
run on a real records table; expected rows come from plain Python (haversine distances, box and ray-casting tests,
word prefixes) or shapely over the same rows, never from PostGIS."""

from __future__ import annotations

import json
import random

import pytest
import shapely
from psycopg import sql

from datasets.odsql import ODSQLError
from datasets.odsql.records import RecordsQuery, compile_records_query
from datasets.odsql.records.geo import distance_box
from datasets.odsql.records.textsearch import search_tsquery, suggest_tsquery
from datasets.pipeline.core import Field
from datasets.store import finish_table
from tests.odsql.helpers import assert_within, destination, haversine, inside, text_matches
from tests.odsql.tables import loaded_table

TABLE = "da_tstgeo01_v1"
FIELDS = [
    Field(name="name", label="Name"),
    Field(name="tags", label="Tags", annotations=[{"name": "multivalued", "args": [";"]}]),
    Field(name="size", label="Size", type="int"),
    Field(name="geo", label="Geo", type="geo_point_2d"),
    Field(name="zone", label="Zone", type="geo_shape"),
]
PARIS = (2.35, 48.85)  # lon, lat
NORTH = (20.0, 70.0)
POLE = (0.0, 88.9)
DATELINE = (179.99, 10.0)
NAMES = [
    "Film club",
    "Films of summer",
    "Filmography index",
    "Old mill",
    "New York deli",
    "Tree house",
    "foo-bar works",
    "Oak tree",
    "It's a b&b",
    "Treehouse films",
]


def square(centre: tuple[float, float], half: float) -> dict:
    lon, lat = centre
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def ring(*points: tuple[float, float]) -> list[list[float]]:
    """A closed ring of points given as offsets from Paris, in hundredths of a degree."""
    coordinates = [[PARIS[0] + x / 100, PARIS[1] + y / 100] for x, y in points]
    return [*coordinates, coordinates[0]]


INVALID_ZONES = [
    {"type": "Polygon", "coordinates": [ring((0, 0), (2, 2), (2, 0), (0, 2))]},  # a bow tie
    {"type": "Polygon", "coordinates": [ring((0, 0), (4, 0), (4, 4), (0, 4)), ring((1, 1), (5, 1), (5, 2), (1, 2))]},
    {
        "type": "MultiPolygon",
        "coordinates": [[ring((0, 0), (2, 0), (2, 2), (0, 2))], [ring((1, 1), (3, 1), (3, 3), (1, 3))]],
    },
]


def make_rows() -> list[dict]:
    rng = random.Random(7)
    rows = []
    origins = [(PARIS, 6_000)] * 60 + [(NORTH, 900_000)] * 30 + [(POLE, 120_000)] * 15 + [(DATELINE, 6_000)] * 15
    for n, (origin, reach) in enumerate(origins):
        lon, lat = destination(origin, rng.uniform(0, reach), rng.uniform(0, 360))
        zone: dict | None
        if n % 5 == 0:
            zone = {
                "type": "Point",
                "coordinates": list(destination(origin, rng.uniform(0, reach), rng.uniform(0, 360))),
            }
        elif n % 5 == 4:
            zone = None
        else:
            zone = square(destination(origin, rng.uniform(0, reach), rng.uniform(0, 360)), 0.001)
        rows.append(
            {
                "name": f"{NAMES[n % len(NAMES)]} {n:03d}",
                "tags": ["films", "x"] if n % 4 == 0 else ["mill"],
                "size": n,
                "geo": None if n % 17 == 3 else (lat, lon),
                "zone": zone,
            }
        )
    # Due east of Paris, just inside and just outside 2 km on the sphere; on the spheroid, east-west distances
    # are 0.3% longer at this latitude, so these tell the two apart.
    for n, metres in ((len(rows), 1996.0), (len(rows) + 1, 2004.0)):
        lon, lat = destination(PARIS, metres, 90)
        rows.append({"name": f"Border {n}", "tags": ["mill"], "size": n, "geo": (lat, lon), "zone": None})
    # Invalid shapes, kept by publishing as they come; GEOS fails on some of them unless they are repaired.
    for n, zone in enumerate(INVALID_ZONES, start=len(rows)):
        rows.append({"name": f"Invalid {n}", "tags": ["mill"], "size": n, "geo": None, "zone": zone})
    return rows


ROWS = make_rows()
BORDER = tuple(row["size"] for row in ROWS if row["name"].startswith("Border"))


@pytest.fixture
def cursor(transactional_db):
    yield from loaded_table(TABLE, FIELDS, ROWS)


def matching(cursor, where: str) -> list[int]:
    compiled = compile_records_query(
        RecordsQuery(where=where, select="size", limit=100, order_by="size"), TABLE, FIELDS
    )
    cursor.execute(compiled.sql, compiled.params)
    rows = [row[0] for row in cursor.fetchall()]
    cursor.execute(compiled.count_sql, compiled.count_params)
    assert cursor.fetchone()[0] == len(rows)
    return rows


def point_of(row) -> tuple[float, float] | None:
    return None if row["geo"] is None else (row["geo"][1], row["geo"][0])


def shape_of(row):
    """The zone as shapely sees it, invalid ones repaired (as the predicates do before relating them)."""
    return None if row["zone"] is None else shapely.make_valid(shapely.geometry.shape(row["zone"]))


def zone_distance(shape, centre: tuple[float, float]) -> float:
    """Metres from ``centre`` to a zone: 0 inside, else the nearest point of its densified outline."""
    if shape.covers(shapely.Point(centre)):
        return 0.0
    outline = shapely.segmentize(shape.boundary if shape.geom_type == "Polygon" else shape, 0.00005)
    return min(haversine(centre, tuple(point)) for point in shapely.get_coordinates(outline))


# --- within_distance ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("centre", "radius", "metres"),
    [
        (PARIS, "2km", 2000.0),
        (PARIS, "1.5 mi", 1.5 * 1609.344),
        (PARIS, "3500m", 3500.0),
        (PARIS, "4000 yd", 4000 * 0.9144),
        (PARIS, "9000ft", 9000 * 0.3048),
        (NORTH, "300km", 300_000.0),
        (POLE, "50km", 50_000.0),
        (DATELINE, "3km", 3000.0),
        (PARIS, "100000000cm", 1_000_000.0),
        (PARIS, "5000000mm", 5000.0),
    ],
)
def test_within_distance_on_points_matches_haversine(cursor, centre, radius, metres):
    distances = {row["size"]: haversine(centre, point_of(row)) for row in ROWS if row["geo"] is not None}
    where = f"within_distance(geo, geom'POINT({centre[0]} {centre[1]})', {radius})"
    found = matching(cursor, where)
    assert_within(found, distances, metres)
    if radius == "2km":
        assert BORDER[0] in found and BORDER[1] not in found


def test_within_distance_agrees_with_distance_in_select(cursor):
    """A record is within r exactly when distance() in select says at most r, even right at the border."""
    compiled = compile_records_query(
        RecordsQuery(
            select="size, distance(geo, geom'POINT(2.35 48.85)') AS d", where="geo is not null", order_by="d", limit=100
        ),
        TABLE,
        FIELDS,
    )
    cursor.execute(compiled.sql, compiled.params)
    measured = sorted((distance, size) for size, distance in cursor.fetchall() if distance < 7000)
    for (below, _), (above, _) in zip(measured[10:50:7], measured[11:51:7], strict=True):
        radius = (below + above) / 2
        expected = sorted(size for distance, size in measured if distance <= radius)
        assert matching(cursor, f"within_distance(geo, geom'POINT(2.35 48.85)', {radius:.6f}m)") == expected


def test_within_distance_on_shapes_and_geojson_literal(cursor):
    literal = json.dumps({"type": "Point", "coordinates": list(PARIS)})
    distances = {row["size"]: zone_distance(shape_of(row), PARIS) for row in ROWS[:60] if row["zone"] is not None}
    found = matching(cursor, f"within_distance(zone, geom'{literal}', 2.5km) AND size < 60")
    assert 0 < len(found) < len(distances)
    assert_within(found, distances, 2500)
    assert matching(cursor, f"distance(zone, geom'{literal}', 2500m) AND size < 60") == found  # the v2.0 name


def test_within_distance_of_a_polygon_literal(cursor):
    # A point is within 0 m of a polygon that contains it.
    ring = [destination(PARIS, 3000, bearing) for bearing in range(0, 360, 30)]
    polygon = shapely.Polygon(ring)
    wkt = "POLYGON((" + ", ".join(f"{lon} {lat}" for lon, lat in [*ring, ring[0]]) + "))"
    expected = sorted(row["size"] for row in ROWS if row["geo"] and polygon.contains(shapely.Point(point_of(row))))
    assert expected
    assert matching(cursor, f"within_distance(geo, geom'{wkt}', 0m)") == expected


def test_point_distance_uses_a_box_the_index_can_serve():
    def sql_of(where):
        compiled = compile_records_query(RecordsQuery(where=where), TABLE, FIELDS)
        return compiled.sql.as_string(None)

    assert "&&" in sql_of("within_distance(geo, geom'POINT(2.35 48.85)', 1km)")
    assert "&&" not in sql_of("within_distance(zone, geom'POINT(2.35 48.85)', 1km)")  # the geography index serves
    assert "&&" not in sql_of("within_distance(geo, geom'POINT(0 89.5)', 1km)")  # no box at the pole
    assert "&&" not in sql_of("within_distance(geo, geom'POINT(179.999 0)', 1km)")  # nor across the antimeridian


def test_distance_box_holds_every_point_within_the_distance():
    rng = random.Random(3)
    for _ in range(300):
        centre = (rng.uniform(-179, 179), rng.uniform(-85, 85))
        metres = 10 ** rng.uniform(0, 6.5)
        box = distance_box(shapely.Point(centre), metres)
        if box is None:
            continue
        west, south, east, north = box
        for _ in range(30):
            lon, lat = destination(centre, metres * rng.uniform(0, 1), rng.uniform(0, 360))
            assert west <= lon <= east and south <= lat <= north, (centre, metres, lon, lat)


# --- in_bbox, intersects, disjoint, within -----------------------------------------------------------------


@pytest.mark.parametrize(
    "corners", ["48.84, 2.33, 48.87, 2.38", "48.87, 2.38, 48.84, 2.33", "48.84, 2.38, 48.87, 2.33"]
)
def test_in_bbox_on_points_in_any_corner_order(cursor, corners):
    expected = [
        row["size"] for row in ROWS if row["geo"] and 48.84 <= row["geo"][0] <= 48.87 and 2.33 <= row["geo"][1] <= 2.38
    ]
    assert expected
    assert matching(cursor, f"in_bbox(geo, {corners})") == expected


def test_in_bbox_with_negative_coordinates_and_on_shapes(cursor):
    expected = [row["size"] for row in ROWS if row["geo"] and row["geo"][1] <= -0.5]
    assert matching(cursor, "in_bbox(geo, -90, -180, 90, -0.5)") == expected
    box = shapely.box(2.34, 48.84, 2.37, 48.86)
    expected = [row["size"] for row in ROWS if row["zone"] and box.intersects(shape_of(row))]
    assert expected
    assert matching(cursor, "in_bbox(zone, 48.86, 2.37, 48.84, 2.34)") == expected


def test_in_bbox_of_no_width_still_finds_points_on_it(cursor):
    lat, lon = next(row["geo"] for row in ROWS if row["geo"])
    size = next(row["size"] for row in ROWS if row["geo"])
    assert matching(cursor, f"in_bbox(geo, {lat}, {lon}, {lat}, {lon})") == [size]


# A concave polygon around central Paris (a "C" opening east).
C_SHAPE = [
    (2.32, 48.83),
    (2.38, 48.83),
    (2.38, 48.845),
    (2.34, 48.845),
    (2.34, 48.855),
    (2.38, 48.855),
    (2.38, 48.87),
    (2.32, 48.87),
]
C_WKT = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in [*C_SHAPE, C_SHAPE[0]]) + "))"
C_GEOJSON = json.dumps({"type": "Polygon", "coordinates": [[list(p) for p in [*C_SHAPE, C_SHAPE[0]]]]})


@pytest.mark.parametrize("literal", [C_WKT, C_GEOJSON, C_WKT.lower()])
def test_point_relations_match_ray_casting(cursor, literal):
    points = {row["size"]: point_of(row) for row in ROWS if row["geo"]}
    inner = sorted(size for size, point in points.items() if inside(point, C_SHAPE))
    assert 0 < len(inner) < len(points)
    assert matching(cursor, f"intersects(geo, geom'{literal}')") == inner
    assert matching(cursor, f"within(geo, geom'{literal}')") == inner
    assert matching(cursor, f"disjoint(geo, geom'{literal}')") == sorted(set(points) - set(inner))
    assert matching(cursor, f"NOT intersects(geo, geom'{literal}') AND size < 60") == [
        size for size in sorted(set(points) - set(inner)) if size < 60
    ]


def test_shape_relations_match_shapely(cursor):
    polygon = shapely.Polygon(C_SHAPE)
    shapes = {row["size"]: shape_of(row) for row in ROWS if row["zone"]}
    for name, relation in (("intersects", polygon.intersects), ("disjoint", polygon.disjoint)):
        expected = sorted(size for size, shape in shapes.items() if relation(shape))
        assert matching(cursor, f"{name}(zone, geom'{C_WKT}')") == expected
    expected = sorted(size for size, shape in shapes.items() if polygon.contains(shape))
    assert expected
    assert matching(cursor, f"within(zone, geom'{C_WKT}')") == expected


def test_invalid_stored_shapes_are_repaired_not_fatal(cursor):
    # Unrepaired, this triangle makes GEOS fail on the second and third invalid zones ("side location conflict").
    triangle = shapely.Polygon(ring((0.5, 0.5), (3, 0.5), (3, 3))[:-1])
    shapes = {row["size"]: shape_of(row) for row in ROWS if row["zone"]}
    invalid = [row["size"] for row in ROWS if row["name"].startswith("Invalid")]
    for name, relation in (("intersects", triangle.intersects), ("disjoint", triangle.disjoint)):
        expected = sorted(size for size, shape in shapes.items() if relation(shape))
        assert matching(cursor, f"{name}(zone, geom'{triangle.wkt}')") == expected
    assert set(invalid) <= set(matching(cursor, f"intersects(zone, geom'{triangle.wkt}')"))
    west, south, east, north = triangle.bounds
    box = shapely.box(west, south, east, north)
    expected = sorted(size for size, shape in shapes.items() if box.intersects(shape))
    assert matching(cursor, f"in_bbox(zone, {south}, {west}, {north}, {east})") == expected


def test_geometry_reaches_sql_only_as_a_parameter():
    where = "intersects(geo, geom'POLYGON((0 0, 1 0, 1 1, 0 0))') OR in_bbox(geo, 1, 2, 3, 4)"
    compiled = compile_records_query(RecordsQuery(where=where), TABLE, FIELDS)
    text = compiled.sql.as_string(None)
    assert "POLYGON" not in text and "0 0" not in text
    assert shapely.from_wkb(compiled.params[0]).equals(shapely.from_wkt("POLYGON((0 0, 1 0, 1 1, 0 0))"))


# --- search and suggest --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["film", "FILM", "films", "tre", "oak tre", "tre oak", "new yo", "old mill 003", "", "zzz"],
)
def test_search_and_suggest_match_python(cursor, text):
    for function, every_word in (("search", False), ("suggest", True)):
        literal = json.dumps(text)
        expected = [
            row["size"] for row in ROWS if text_matches(row["name"] + " " + " ".join(row["tags"]), text, every_word)
        ]
        assert matching(cursor, f"{function}({literal})") == expected, function
        assert matching(cursor, f"{function}(*, {literal})") == expected, function
        on_name = [row["size"] for row in ROWS if text_matches(row["name"], text, every_word)]
        assert matching(cursor, f"{function}(name, {literal})") == on_name, function
        either = [
            row["size"]
            for row in ROWS
            if text_matches(row["name"], text, every_word) or text_matches(" ".join(row["tags"]), text, every_word)
        ]
        assert matching(cursor, f"{function}(name, tags, {literal})") == either, function


def test_suggest_matches_every_word_as_a_prefix(cursor):
    expected = [row["size"] for row in ROWS if any(word.lower().startswith("film") for word in row["name"].split())]
    assert {NAMES[size % len(NAMES)] for size in expected} == {
        "Film club",
        "Films of summer",
        "Filmography index",
        "Treehouse films",
    }
    assert matching(cursor, 'suggest(name, "film")') == expected
    assert matching(cursor, 'suggest(name, "tre")') == [
        row["size"] for row in ROWS if any(word.lower().startswith("tre") for word in row["name"].split())
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a & b | !c",
        "oak & !tree",
        "it's",
        "b&b",
        "'",
        "''",
        "\\",
        "\\'",
        "(tree",
        "tree:*",
        "tree <-> oak",
        "oak:A",
        "!",
        "&|!()",
        "tre\x00e",
    ],
)
def test_tsquery_syntax_in_user_text_is_plain_words(cursor, text):
    for function, every_word in (("search", False), ("suggest", True)):
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        expected = [
            row["size"]
            for row in ROWS
            if text_matches(row["name"] + " " + " ".join(row["tags"]), text.replace("\x00", " "), every_word)
        ]
        assert matching(cursor, f'{function}("{escaped}")') == expected, (function, text)
        on_name = [row["size"] for row in ROWS if text_matches(row["name"], text.replace("\x00", " "), every_word)]
        assert matching(cursor, f'{function}(name, "{escaped}")') == on_name, (function, text)


def test_tsquery_text_is_quoted_words():
    assert search_tsquery("Oak  tre") == "'Oak' & 'tre':*"
    assert suggest_tsquery("a & b") == "'a':* & '&':* & 'b':*"
    assert search_tsquery("it's \\x") == "'it''s' & '\\\\x':*"
    assert search_tsquery("   ") == suggest_tsquery("") == ""


# --- refused -------------------------------------------------------------------------------------------------

POINT = "geom'POINT(2.35 48.85)'"


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            f"within_distance(name, {POINT}, 1km)",
            "within_distance() at position 0 in where needs a geo_point_2d or geo_shape field; 'name' has type text",
        ),
        (f"within_distance(tags, {POINT}, 1km)", "'tags' has type text[]"),
        (f"within_distance(size, {POINT}, 1km)", "'size' has type int"),
        (f"within_distance(nope, {POINT}, 1km)", "Unknown field 'nope' in where"),
        (
            f"within_distance('geo', {POINT}, 1km)",
            "within_distance() at position 0 in where expects a geo field as first argument",
        ),
        (
            f"within_distance(geo, {POINT}, 1 day)",
            "within_distance() at position 0 in where: 'day' is not a distance unit; units: mi, yd, ft, m, cm, km, mm",
        ),
        (f"within_distance(geo, {POINT}, 1M)", "'M' is not a distance unit"),
        (f"within_distance(geo, {POINT}, 2h)", "'h' is not a distance unit"),
        (
            f"within_distance(geo, {POINT}, 5)",
            "within_distance() at position 0 in where expects a distance with a unit",
        ),
        (f"within_distance(geo, {POINT}, radius=5)", "expects a distance with a unit"),
        (f"within_distance(geo, {POINT})", "within_distance() at position 0 in where takes 3 arguments, got 2"),
        (f"within_distance(geo, {POINT}, 1km, 2km)", "takes 3 arguments, got 4"),
        (
            "within_distance(geo, 5, 1km)",
            "within_distance() at position 0 in where expects a geometry as second argument",
        ),
        ("within_distance(geo, geo, 1km)", "expects a geometry as second argument"),
        (
            "within_distance(geo, geom'POINT(a b)', 1km)",
            "within_distance() at position 0 in where: invalid geometry 'POINT(a b)': ParseException",
        ),
        ("within_distance(geo, 'Paris', 1km)", "invalid geometry 'Paris'"),
        (f"distance(name, {POINT}, 1km)", "distance() at position 0 in where needs a geo_point_2d or geo_shape field"),
        (
            "intersects(geo, geom'POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))')",
            "in where: invalid geometry 'POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))': Self-intersection[0.5 0.5]",
        ),
        ("intersects(geo, geom'POLYGON((0 0, 1 1, 1 0))')", "invalid geometry"),
        ("intersects(geo, geom'POLYGON((0 0, 1 1')", "invalid geometry"),
        ("intersects(geo, geom'LINESTRING(0 0)')", "invalid geometry"),
        ("intersects(geo, geom'POINT(1 2) x')", "Unexpected text after end of geometry"),
        (
            "intersects(geo, geom'POINT(200 10)')",
            "coordinates are longitude then latitude, within [-180, 180] and [-90, 90]",
        ),
        ("intersects(geo, geom'POINT(10 -95)')", "within [-180, 180] and [-90, 90]"),
        ("intersects(geo, geom'POINT(1e999 1)')", "Invalid Coordinate"),
        ("intersects(geo, geom'POINT(nan 1)')", "invalid geometry"),
        ("intersects(geo, geom'POINT EMPTY')", "the geometry is empty"),
        ("intersects(geo, geom'')", "invalid geometry"),
        ('intersects(geo, geom\'{"type": "Point"}\')', "intersects() at position 0 in where: invalid geometry"),
        ('intersects(geo, geom\'{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1]]]}\')', "invalid geometry"),
        ("intersects(geo, geom'{nope')", "invalid geometry"),
        ('intersects(geo, geom\'{"type": "FeatureCollection", "features": []}\')', "the geometry is empty"),
        (
            "disjoint(tags, geom'POINT(1 2)')",
            "disjoint() at position 0 in where needs a geo_point_2d or geo_shape field",
        ),
        ("within(geo)", "within() at position 0 in where takes 2 arguments, got 1"),
        ("size > 1 AND within(*, geom'POINT(1 2)')", "within() at position 13 in where expects a geo field"),
        (
            "in_bbox(geo, 1, 2, 3)",
            "in_bbox() at position 0 in where takes 5 arguments, got 4: in_bbox(geo, lat1, lon1, lat2, lon2)",
        ),
        ("in_bbox(geo, 91, 0, 0, 0)", "in_bbox() at position 0 in where: corner (91, 0) is off the globe"),
        ("in_bbox(geo, 0, 0, 10, -181)", "corner (10, -181) is off the globe"),
        ("in_bbox(geo, '1', 0, 0, 0)", "in_bbox() at position 0 in where expects numbers after the field"),
        ("in_bbox(geo, 1, 2, 3, 4km)", "expects numbers after the field"),
        ("in_bbox(name, 1, 2, 3, 4)", "in_bbox() at position 0 in where needs a geo_point_2d or geo_shape field"),
        ('suggest(size, "x")', "suggest() in where needs text fields, not 'size'"),
        ('suggest(geo, "x")', "suggest() in where needs text fields, not 'geo'"),
        ("suggest()", "suggest() at position 0 expects a string as last argument"),
        ('suggest(1, "x")', "suggest() at position 8 in where expects a field"),
    ],
)
def test_refused_with_a_message_naming_function_and_clause(where, message):
    with pytest.raises(ODSQLError) as raised:
        compile_records_query(RecordsQuery(where=where), TABLE, FIELDS)
    assert message in raised.value.message


def test_shape_distance_can_use_the_geography_index(cursor):
    """A shape's geodesic edges can leave its planar box, so the planar GiST cannot serve; the geography one can."""
    finish_table(cursor, TABLE, FIELDS)
    compiled = compile_records_query(
        RecordsQuery(where="within_distance(zone, geom'POINT(2.35 48.85)', 1km)"), TABLE, FIELDS
    )
    cursor.execute("SET enable_seqscan = off")
    try:
        cursor.execute(sql.SQL("EXPLAIN {}").format(compiled.sql), compiled.params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    finally:
        cursor.execute("RESET enable_seqscan")
    assert f"{TABLE}_zone_geog" in plan, plan
