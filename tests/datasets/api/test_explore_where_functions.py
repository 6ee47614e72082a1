"""Explore API where predicates (within_distance, in_bbox, intersects, disjoint, within, suggest, search) on a
published CSV whose "lat,lon" column becomes a geo_point_2d and whose WKT column becomes a geo_shape; expected
records come from plain Python over the same rows, and wrong queries answer 400, never 500."""

import csv
import io
import json
import random

import pytest
import shapely
from rest_framework.test import APIClient

from datasets.models import Dataset
from tests.conftest import assert_status
from tests.datasets.api.conftest import publish_public_csv, rows_csv
from tests.odsql.helpers import assert_within, destination, haversine, inside, text_matches

DATASET = "places"
BASE = f"/api/explore/v2.1/catalog/datasets/{DATASET}"
pytestmark = pytest.mark.django_db(transaction=True)
PARIS = (2.35, 48.85)
WORDS = ["Film club", "Filmography hall", "Old mill", "New York deli", "Tree house", "It's a b&b", "Treehouse films"]


def make_rows() -> list[dict]:
    rng = random.Random(11)
    rows = []
    for n in range(45):
        lon, lat = destination(PARIS, rng.uniform(0, 5000), rng.uniform(0, 360))
        zlon, zlat = destination(PARIS, rng.uniform(0, 5000), rng.uniform(0, 360))
        if n % 3 == 0:
            zone = f"POINT ({zlon:.6f} {zlat:.6f})"
        elif n % 3 == 1:
            corners = [(zlon - 0.001, zlat - 0.001), (zlon + 0.001, zlat - 0.001), (zlon + 0.001, zlat + 0.001)]
            zone = "POLYGON ((" + ", ".join(f"{x:.6f} {y:.6f}" for x, y in [*corners, corners[0]]) + "))"
        else:
            zone = ""
        rows.append({"name": f"{WORDS[n % len(WORDS)]} {n:02d}", "geo": f"{lat:.6f},{lon:.6f}", "zone": zone, "n": n})
    # A polygon whose hole crosses its shell: publishing keeps it, and the predicates must still answer.
    invalid = (
        "POLYGON ((2.35 48.85, 2.39 48.85, 2.39 48.89, 2.35 48.89, 2.35 48.85),"
        " (2.36 48.86, 2.40 48.86, 2.40 48.87, 2.36 48.87, 2.36 48.86))"
    )
    rows.append({"name": "Invalid 45", "geo": "48.850000,2.350000", "zone": invalid, "n": 45})
    return rows


ROWS = make_rows()
POINTS = {row["n"]: tuple(reversed([float(part) for part in row["geo"].split(",")])) for row in ROWS}  # lon, lat
ZONES = {row["n"]: shapely.make_valid(shapely.from_wkt(row["zone"])) for row in ROWS if row["zone"]}  # as repaired
TRIANGLE = [(2.33, 48.83), (2.39, 48.85), (2.34, 48.875)]
TRIANGLE_WKT = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in [*TRIANGLE, TRIANGLE[0]]) + "))"


@pytest.fixture
def places(chief_api, alice, run_worker, redis):
    return publish_public_csv(chief_api, alice, run_worker, DATASET, rows_csv(ROWS))


def found(where: str) -> list[int]:
    """The ``n`` of every matching record (at most 100), checked against total_count."""
    body = assert_status(
        APIClient().get(f"{BASE}/records", {"where": where, "select": "n", "order_by": "n", "limit": 100}), 200
    )
    numbers = [record["n"] for record in body["results"]]
    assert body["total_count"] == len(numbers)
    return numbers


def test_lat_lon_text_and_wkt_columns_publish_as_geo_fields(places):
    fields = {field["name"]: field["type"] for field in Dataset.objects.get(dataset_id=DATASET).current_version.fields}
    assert fields == {"name": "text", "geo": "geo_point_2d", "zone": "geo_shape", "n": "int"}


def test_within_distance_matches_haversine(places):
    distances = {n: haversine(PARIS, point) for n, point in POINTS.items()}
    for radius, metres in (("2km", 2000), ("1 mi", 1609.344), ("3000 yd", 3000 * 0.9144)):
        numbers = found(f"within_distance(geo, geom'POINT(2.35 48.85)', {radius})")
        assert 0 < len(numbers) < len(ROWS)
        assert_within(numbers, distances, metres)
    literal = json.dumps({"type": "Point", "coordinates": list(PARIS)})
    assert found(f"distance(geo, geom'{literal}', 2000m)") == found(
        "within_distance(geo, geom'POINT(2.35 48.85)', 2km)"
    )


def test_within_distance_on_a_shape_field_sees_points_and_polygons(places):
    def zone_distance(shape) -> float:
        if shape.covers(shapely.Point(PARIS)):
            return 0.0
        outline = shapely.segmentize(shape.boundary if shape.geom_type == "Polygon" else shape, 0.00005)
        return min(haversine(PARIS, tuple(point)) for point in shapely.get_coordinates(outline))

    numbers = found("within_distance(zone, geom'POINT(2.35 48.85)', 2500m) AND n < 45")  # valid zones
    assert {ZONES[n].geom_type for n in numbers} == {"Point", "Polygon"}
    assert_within(numbers, {n: zone_distance(shape) for n, shape in ZONES.items() if n < 45}, 2500)


def test_in_bbox_matches_a_box_test(places):
    expected = [n for n, (lon, lat) in sorted(POINTS.items()) if 48.84 <= lat <= 48.86 and 2.33 <= lon <= 2.37]
    assert expected
    assert found("in_bbox(geo, 48.86, 2.37, 48.84, 2.33)") == expected
    assert found("in_bbox(geo, -10.5, -20, -10, -19)") == []
    box = shapely.box(2.33, 48.84, 2.37, 48.86)
    assert found("in_bbox(zone, 48.84, 2.33, 48.86, 2.37)") == [
        n for n, shape in sorted(ZONES.items()) if box.intersects(shape)
    ]


def test_intersects_within_disjoint_match_ray_casting_and_shapely(places):
    inner = [n for n, point in sorted(POINTS.items()) if inside(point, TRIANGLE)]
    assert 0 < len(inner) < len(ROWS)
    assert found(f"intersects(geo, geom'{TRIANGLE_WKT}')") == inner
    assert found(f"within(geo, geom'{TRIANGLE_WKT}')") == inner
    assert found(f"disjoint(geo, geom'{TRIANGLE_WKT}')") == sorted(set(POINTS) - set(inner))
    polygon = shapely.Polygon(TRIANGLE)
    assert found(f"within(zone, geom'{TRIANGLE_WKT}')") == [n for n, s in sorted(ZONES.items()) if polygon.contains(s)]
    assert found(f"intersects(zone, geom'{TRIANGLE_WKT}') AND n < 30") == [
        n for n, shape in sorted(ZONES.items()) if polygon.intersects(shape) and n < 30
    ]


def test_an_invalid_published_shape_is_repaired_not_a_500(places):
    # Unrepaired, GEOS fails on this pair: "TopologyException: side location conflict".
    triangle = shapely.Polygon([(2.355, 48.855), (2.38, 48.855), (2.38, 48.88)])
    for name, relation in (("intersects", triangle.intersects), ("disjoint", triangle.disjoint)):
        expected = [n for n, shape in sorted(ZONES.items()) if relation(shape)]
        assert found(f"{name}(zone, geom'{triangle.wkt}')") == expected
    assert 45 in found(f"intersects(zone, geom'{triangle.wkt}')")


@pytest.mark.parametrize(
    "text", ["film", "FILMS", "tre", "tree hou", "new yo", "b&b", "a & b | !c", "it's", "'\\\"", "x:* <-> (y"]
)
def test_suggest_and_search_match_python(places, text):
    literal = json.dumps(text)
    assert found(f"suggest(name, {literal})") == [row["n"] for row in ROWS if text_matches(row["name"], text, True)]
    assert found(f"suggest({literal})") == found(f"suggest(*, {literal})") == found(f"suggest(name, {literal})")
    assert found(f"search(name, {literal})") == [row["n"] for row in ROWS if text_matches(row["name"], text, False)]
    assert found(f"search({literal})") == found(f"search(name, {literal})")


def test_suggest_film_finds_film_films_and_filmography(places):
    names = {WORDS[n % len(WORDS)] for n in found('suggest(*, "film")')}
    assert names == {"Film club", "Filmography hall", "Treehouse films"}


def test_nul_in_search_text_is_refused_naming_where(places):
    """PostgreSQL stores no NUL: a query string holding one is a 400 naming the parameter (API decision 27)."""
    response = APIClient().get(f"{BASE}/records", {"where": 'search(name, "tree\x00hou")'})
    body = assert_status(response, 400)
    assert body["error_code"] == "InvalidRESTParameterError" and "where" in body["message"]


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ("within_distance(geo, geom'POINT(a b)', 1km)", "within_distance() at position 0 in where: invalid geometry"),
        (
            "within_distance(geo, geom'POINT(2 48)', 1 day)",
            "'day' is not a distance unit; units: mi, yd, ft, m, cm, km, mm",
        ),
        ("within_distance(geo, geom'POINT(2 48)', 10)", "expects a distance with a unit"),
        (
            "within_distance(name, geom'POINT(2 48)', 1km)",
            "needs a geo_point_2d or geo_shape field; 'name' has type text",
        ),
        (
            "within_distance(geo, geom'POINT(2 48)')",
            "within_distance() at position 0 in where takes 3 arguments, got 2",
        ),
        ("distance(n, geom'POINT(2 48)', 1km)", "distance() at position 0 in where needs a geo_point_2d"),
        (
            "intersects(geo, geom'POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))')",
            "intersects() at position 0 in where: invalid geometry",
        ),
        ("intersects(geo, geom'POLYGON((0 0, 1 1, 1 0))')", "invalid geometry"),
        ('within(geo, geom\'{"type": "Polygon"}\')', "within() at position 0 in where: invalid geometry"),
        ("disjoint(geo, geom'POINT(500 0)')", "disjoint() at position 0 in where: invalid geometry"),
        ("within(zone, 'nowhere')", "within() at position 0 in where: invalid geometry 'nowhere'"),
        ("intersects(geo, geom'POINT(1e999 0)')", "Invalid Coordinate"),
        ("in_bbox(geo, 1, 2, 3)", "in_bbox() at position 0 in where takes 5 arguments, got 4"),
        ("in_bbox(geo, 95, 2, 3, 4)", "in_bbox() at position 0 in where: corner (95, 2) is off the globe"),
        ("in_bbox(name, 1, 2, 3, 4)", "in_bbox() at position 0 in where needs a geo_point_2d or geo_shape field"),
        ('suggest(n, "x")', "suggest() in where needs text fields, not 'n'"),
        ('suggest(geo, "x")', "suggest() in where needs text fields, not 'geo'"),
        ("suggest(name)", "suggest() at position 0 expects a string as last argument"),
    ],
)
def test_wrong_predicates_answer_400(places, where, words):
    response = APIClient().get(f"{BASE}/records", {"where": where})
    body = assert_status(response, 400)
    assert body["error_code"] == "ODSQLError"
    assert words in body["message"]


def test_exports_and_facets_take_the_predicates(places):
    where = f"intersects(geo, geom'{TRIANGLE_WKT}') AND suggest(name, \"tre\")"
    expected = found(where)
    assert expected
    response = APIClient().get(f"{BASE}/exports/csv", {"where": where, "select": "n", "delimiter": ","})
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert sorted(int(line[0]) for line in lines[1:]) == expected
    for where in ("within_distance(geo, geom'POINT(a b)', 1km)", "in_bbox(geo, 1, 2, 3)"):
        body = assert_status(APIClient().get(f"{BASE}/exports/csv", {"where": where}), 400)
        assert body["error_code"] == "ODSQLError"
