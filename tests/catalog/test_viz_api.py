"""The Explore API requests the map and analyze tabs send from the browser (static/explore/map.js and
analyze.js build exactly these), answered over a published dataset and compared with Python over its rows."""

import json
from collections import defaultdict
from urllib.parse import parse_qs

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.catalog.test_viz_tabs import Elements
from tests.datasets.api.conftest import GEOPOINT, publish_public_csv, rows_csv

pytestmark = pytest.mark.django_db(transaction=True)
API = "/api/explore/v2.1/catalog/datasets/towns"
ROWS = [
    {
        "city": f"Town {n:02d}",
        "region": ["North", "South", "East", ""][n % 4],
        "population": 1000 + (n * 7919) % 50_000,
        "founded": f"{1900 + n % 5}-01-15",
        "lat": round(43 + (n % 10) * 0.5, 4),
        "lon": round(1 + (n % 7) * 0.5, 4),
    }
    for n in range(30)
]


@pytest.fixture
def towns(chief_api, alice, run_worker, redis):
    return publish_public_csv(chief_api, alice, run_worker, "towns", rows_csv(ROWS), processors=[GEOPOINT])


def get(path: str, params: dict) -> object:
    response = APIClient().get(f"{API}/{path}", params)
    assert response.status_code == 200, getattr(response, "content", b"")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return json.loads(content)


def map_request(fields: list[str], **filters) -> dict:
    """map.js: the geo field first, then the popup's fields (back-quoted only when they must be: keywords); the
    view's filters; 5000 at most."""
    return {"select": ",".join(["geo", *fields]), **filters, "limit": "5000"}


def analyze_request(x: str, agg: str, y: str = "", chart: str = "bar", **filters) -> dict:
    """analyze.js: one aggregate per group, named ``value`` and ``label``; lines in group order."""
    value = "count(*)" if agg == "count" else f"{agg}(`{y}`)"
    return {
        "select": f"`{x}` as label, {value} as value",
        "group_by": f"`{x}`",
        "order_by": "label" if chart == "line" else "value desc",
        **filters,
        "limit": "20000",
    }


def groups(rows: list[dict], x: str) -> dict:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row[x] or None].append(row)  # an empty CSV cell is a null group
    return grouped


def test_map_export_gives_points_with_the_popup_fields(towns):
    collection = get("exports/geojson", map_request(["city", "population"]))
    assert collection["type"] == "FeatureCollection"
    drawn = {}
    for feature in collection["features"]:
        assert set(feature["properties"]) == {"city", "population"}
        drawn[feature["properties"]["city"]] = (feature["geometry"], feature["properties"]["population"])
    assert drawn.keys() == {row["city"] for row in ROWS}
    for row in ROWS:
        geometry, population = drawn[row["city"]]
        assert geometry == {"type": "Point", "coordinates": pytest.approx([row["lon"], row["lat"]])}
        assert population == row["population"]


def test_map_export_applies_the_view_filters(towns):
    collection = get("exports/geojson", map_request(["city"], refine="region:North", where="population > 20000"))
    expected = {row["city"] for row in ROWS if row["region"] == "North" and row["population"] > 20000}
    assert expected
    assert {feature["properties"]["city"] for feature in collection["features"]} == expected


def test_map_export_with_an_unknown_field_is_an_odsql_error(towns):
    response = APIClient().get(f"{API}/exports/geojson", map_request(["nope"]))
    assert response.status_code == 400
    assert response.json()["error_code"] == "ODSQLError"


def test_analyze_count_per_group_largest_first(towns):
    results = get("records", analyze_request("region", "count"))["results"]
    expected = {label: len(rows) for label, rows in groups(ROWS, "region").items()}
    assert {row["label"]: row["value"] for row in results} == expected
    values = [row["value"] for row in results]
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize(("agg", "compute"), [("sum", sum), ("min", min), ("max", max)])
def test_analyze_numeric_aggregates(towns, agg, compute):
    results = get("records", analyze_request("region", agg, "population"))["results"]
    expected = {label: compute(row["population"] for row in rows) for label, rows in groups(ROWS, "region").items()}
    assert {row["label"]: row["value"] for row in results} == expected


def test_analyze_average(towns):
    results = get("records", analyze_request("region", "avg", "population"))["results"]
    expected = {
        label: sum(row["population"] for row in rows) / len(rows) for label, rows in groups(ROWS, "region").items()
    }
    assert {row["label"]: row["value"] for row in results} == pytest.approx(expected)


def test_analyze_line_follows_the_group_order_with_the_view_filters(towns):
    results = get("records", analyze_request("founded", "count", chart="line", refine="region:South"))["results"]
    south = [row for row in ROWS if row["region"] == "South"]
    expected = sorted((founded, len(rows)) for founded, rows in groups(south, "founded").items())
    assert [(row["label"], row["value"]) for row in results] == expected


def test_analyze_of_a_text_field_sum_is_an_odsql_error(towns):
    response = APIClient().get(f"{API}/records", analyze_request("region", "sum", "city"))
    assert response.status_code == 400
    assert response.json()["error_code"] == "ODSQLError"


def test_map_page_passes_the_view_filters_to_the_map(towns):
    response = Client().get("/explore/dataset/towns/map/", {"q": "Town", "refine": "region:North", "sort": "city"})
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    box = Elements(response.content.decode()).by_id["map"]
    assert box["data-geo-field"] == "geo"
    assert json.loads(box["data-tooltip-fields"]) == ["city", "region", "population", "founded", "lat", "lon"]
    filters = parse_qs(box["data-filters"])
    assert filters == {"where": ['suggest("Town")'], "refine": ["region:North"]}  # the view's search, not its sort
    # The map's request with those filters: the North towns (every city name holds "Town").
    collection = get("exports/geojson", map_request(["city"], **filters))
    expected = {row["city"] for row in ROWS if row["region"] == "North"}
    assert {feature["properties"]["city"] for feature in collection["features"]} == expected


def test_analyze_page_offers_the_published_fields(towns):
    response = Client().get("/explore/dataset/towns/analyze/")
    assert response.status_code == 200
    page = Elements(response.content.decode())
    assert page.options("analyze-x") == ["city", "region", "population", "founded", "lat", "lon"]
    assert page.options("analyze-y") == ["", "population", "lat", "lon"]
    assert parse_qs(page.by_id["analyze-form"]["data-default"]) == {"x": ["city"], "agg": ["count"], "chart": ["bar"]}


# The point map of a dataset with more records than it draws singly (static/explore/map.js, loadPoints).


def summary_request(**filters) -> dict:
    """map.js: how many records the view's filters keep, how many have a location, and their extent: one row."""
    return {"select": "count(*) as total, count(geo) as located, bbox(geo) as extent", **filters}


def box_where(box: tuple[float, float, float, float]) -> str:
    """map.js: the visible box (south, west, north, east) as in_bbox(), corners to 6 decimals."""
    return "in_bbox(geo, {:.6f}, {:.6f}, {:.6f}, {:.6f})".format(*box)


def clusters_request(zoom: int, box: tuple, where: str | None = None, **filters) -> dict:
    """map.js: the located records of the box in cells of 60 pixels at the map's zoom, with the view's filters (a
    view's own ``where`` is a second ``where``, ANDed by the API)."""
    wheres = [box_where(box), *([where] if where else [])]
    key = f"geo_cluster(geo, {zoom}, radius=60) as cluster"
    return {"group_by": key, **filters, "where": wheres, "limit": "20000"}


def in_box(box: tuple, rows: list[dict]) -> list[dict]:
    south, west, north, east = box
    return [row for row in rows if south <= row["lat"] <= north and west <= row["lon"] <= east]


def test_map_summary_counts_the_located_records_and_their_extent(towns):
    (row,) = get("records", summary_request())["results"]
    assert (row["total"], row["located"]) == (len(ROWS), len(ROWS))
    geometry = row["extent"].get("geometry", row["extent"])
    lons = [point[0] for ring in geometry["coordinates"] for point in ring]
    lats = [point[1] for ring in geometry["coordinates"] for point in ring]
    assert (min(lons), max(lons)) == pytest.approx((min(r["lon"] for r in ROWS), max(r["lon"] for r in ROWS)))
    assert (min(lats), max(lats)) == pytest.approx((min(r["lat"] for r in ROWS), max(r["lat"] for r in ROWS)))

    (north,) = get("records", summary_request(refine="region:North", where="population > 20000"))["results"]
    expected = [r for r in ROWS if r["region"] == "North" and r["population"] > 20000]
    assert (north["total"], north["located"]) == (len(expected), len(expected))


def test_map_summary_of_a_view_without_records_is_empty(towns):
    (row,) = get("records", summary_request(where="population < 0"))["results"]
    assert (row["total"], row["located"], row["extent"]) == (0, 0, None)


@pytest.mark.parametrize("zoom", [1, 5, 9, 14])
@pytest.mark.parametrize(
    "box", [(-90, -180, 90, 180), (44.0, 1.4, 46.1, 3.6), (43.0, 1.0, 43.0, 1.0), (10, 10, 20, 20)]
)
def test_map_clusters_count_every_record_of_the_box(towns, zoom, box):
    results = get("records", clusters_request(zoom, box))["results"]
    clusters = [row["cluster"] for row in results]
    assert sum(cluster["count"] for cluster in clusters) == len(in_box(box, ROWS))
    south, west, north, east = box
    for cluster in clusters:  # a centroid of records in the box is in the box
        assert south - 1e-9 <= cluster["lat"] <= north + 1e-9 and west - 1e-9 <= cluster["lon"] <= east + 1e-9
    if zoom == 1 and box[0] == -90:  # the whole world at a far zoom: the towns are one cluster
        assert len(clusters) == 1


def test_map_clusters_apply_the_view_filters(towns):
    box = (44.0, 1.4, 46.1, 3.6)
    request = clusters_request(6, box, where="population > 20000", refine="region:North")
    counted = sum(row["cluster"]["count"] for row in get("records", request)["results"])
    expected = [r for r in in_box(box, ROWS) if r["region"] == "North" and r["population"] > 20000]
    assert expected and counted == len(expected)


def test_map_records_of_a_box_are_the_records_in_it(towns):
    box = (44.0, 1.4, 46.1, 3.6)
    request = {**map_request(["city"]), "where": box_where(box), "limit": "500"}
    collection = get("exports/geojson", request)
    expected = {row["city"] for row in in_box(box, ROWS)}
    assert expected and {feature["properties"]["city"] for feature in collection["features"]} == expected


@pytest.mark.parametrize("box", [(-90, -181, 90, 180), (-91, -180, 90, 180)])
def test_map_box_outside_the_world_is_refused(towns, box):
    # map.js clips its box to the world for this reason.
    response = APIClient().get(f"{API}/records", clusters_request(3, box))
    assert response.status_code == 400
    assert response.json()["error_code"] == "ODSQLError"
