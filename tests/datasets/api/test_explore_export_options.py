"""Explore API export-only parameters: ``use_labels``, ``compressed`` and ``epsg`` on every dataset export format.

Each file is read back with its own reader; labels come from field specifications, compressed files are
compared with the plain export once decompressed, and projected coordinates with spherical Mercator computed
here in Python from the published rows (or from the plain export's WGS 84 shapes).
"""

import csv
import gzip
import io
import json
import math

import openpyxl
import pyarrow.parquet as pq
import pytest
from rest_framework.test import APIClient

from datasets.formats import writers
from datasets.models import Dataset, Ruleset
from datasets.store import reading
from tests.conftest import assert_status
from tests.datasets.api.conftest import publish_public_csv, rows_csv

BASE = "/api/explore/v2.1/catalog/datasets/spots/exports"
pytestmark = pytest.mark.django_db(transaction=True)
FORMATS = ["csv", "json", "jsonl", "geojson", "xlsx", "parquet"]
EARTH = 6378137.0  # the sphere of EPSG:3857
ROWS = [
    {
        "city": f"Spot {n:02d}",
        "region": ["North", "South"][n % 2],
        "note": ["=1+2", "plain"][n % 2],
        "population": 100 + n * 37,
        "geo": f"{-60 + n * 9.25:.6f},{-170 + n * 21.5:.6f}",  # "lat,lon": both hemispheres, up to 78°N
        "zone": (f"POLYGON (({-1 + n} {40 + n}, {n} {40 + n}, {n} {41 + n}, {-1 + n} {40 + n}))" if n % 3 == 0 else ""),
        "secret": f"s{n}",
    }
    for n in range(16)
]
BY_CITY = {row["city"]: row for row in ROWS}
NAMES = ["city", "region", "note", "population", "geo", "zone", "secret"]
# region and note share a label: region (first in select order) keeps it, note falls back to its name.
LABELS = {
    "city": '=Town; "name"',
    "region": "Area",
    "note": "Area",
    "population": "Population (2020)",
    "geo": "Location",
    "zone": "Footprint",
    "secret": "Secret code",
}
LABELLED = ['=Town; "name"', "Area", "note", "Population (2020)", "Location", "Footprint", "Secret code"]


def rename(name: str, label: str) -> dict:
    return {"name": "rename", "args": {"from_name": name, "to_name": name, "label": label}}


@pytest.fixture
def spots(chief_api, alice, run_worker, redis):
    specifications = [rename(name, label) for name, label in LABELS.items()]
    return publish_public_csv(chief_api, alice, run_worker, "spots", rows_csv(ROWS), specifications=specifications)


def fetch(export: str, params=None):
    return APIClient().get(f"{BASE}/{export}", params or {})


def download(export: str, params=None) -> bytes:
    response = fetch(export, params)
    assert response.status_code == 200, response.content
    assert response.streaming
    return b"".join(response.streaming_content)


def header_of(export: str, content: bytes) -> list[str]:
    """The column names of an export, read by the format's own reader."""
    if export == "csv":
        return next(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    if export == "json":
        return list(json.loads(content)[0])
    if export == "jsonl":
        return list(json.loads(content.splitlines()[0]))
    if export == "geojson":
        return list(json.loads(content)["features"][0]["properties"])
    if export == "xlsx":
        return list(
            next(openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))
        )
    return pq.read_table(io.BytesIO(content)).column_names


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """Spherical Mercator (EPSG:3857), written independently of PostGIS."""
    return EARTH * math.radians(lon), EARTH * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def lon_lat(row: dict) -> tuple[float, float]:
    lat, lon = (float(part) for part in row["geo"].split(","))
    return lon, lat


def test_the_labels_are_published(spots):
    fields = Dataset.objects.get(dataset_id="spots").current_version.fields
    assert {field["name"]: field["label"] for field in fields} == LABELS
    assert {field["name"]: field["type"] for field in fields}["zone"] == "geo_shape"


@pytest.mark.parametrize("export", FORMATS)
def test_use_labels_names_columns_after_labels_in_every_format(spots, export):
    content = download(export, {"use_labels": "true"})
    expected = list(LABELLED)
    if export == "csv":
        expected[0] = "'" + expected[0]  # a label is publisher text: neutralised like any cell
    if export == "xlsx":
        expected[0] = "'" + expected[0]
    if export == "geojson":
        expected.remove("Location")  # the first geometry is the feature's geometry, not a property
    assert header_of(export, content) == expected
    assert header_of(export, download(export)) == [name for name in NAMES if export != "geojson" or name != "geo"]


def test_labelled_csv_rows_are_unchanged_and_the_header_is_quoted(spots):
    plain = download("csv", {"with_bom": "false", "order_by": "city"}).decode()
    labelled = download("csv", {"with_bom": "false", "order_by": "city", "use_labels": "true"}).decode()
    assert labelled.splitlines()[0] == '"\'=Town; ""name""";Area;note;Population (2020);Location;Footprint;Secret code'
    assert labelled.splitlines()[1:] == plain.splitlines()[1:]
    assert fetch("csv", {"use_labels": "false"}).status_code == 200
    assert header_of("csv", download("csv", {"use_labels": "false"})) == NAMES


def test_labelled_json_values_match_the_rows(spots):
    records = json.loads(download("json", {"use_labels": "true", "order_by": "city"}))
    assert [record['=Town; "name"'] for record in records] == sorted(BY_CITY)
    for record in records:
        row = BY_CITY[record['=Town; "name"']]
        assert (record["Area"], record["note"], record["Population (2020)"]) == (
            row["region"],
            row["note"],
            row["population"],
        )


def test_computed_columns_keep_their_alias_and_a_taken_name_gets_a_suffix(spots):
    # "Area" is region's label; the alias "note" is also note's fallback name once "Area" is taken.
    params = {"select": "region, population * 2 as Area, city as note", "use_labels": "true", "limit": 1}
    assert list(json.loads(download("json", params))[0]) == ["Area", "Area_2", "note"]


@pytest.mark.parametrize("export", FORMATS)
def test_a_hidden_field_and_its_label_stay_hidden_with_use_labels(spots, export):
    Ruleset.objects.create(dataset=Dataset.objects.get(dataset_id="spots"), kind="default", visible_fields=NAMES[:-1])
    content = download(export, {"use_labels": "true"})
    header = header_of(export, content)
    assert "Secret code" not in header and "secret" not in header
    assert header[-1] == "Footprint"
    if export in ("csv", "json", "jsonl", "geojson"):
        assert b"Secret code" not in content and b"secret" not in content and b"s15" not in content
    assert b"Secret code" not in gzip.decompress(download(export, {"use_labels": "true", "compressed": "true"}))


@pytest.mark.parametrize("export", FORMATS)
@pytest.mark.parametrize("params", [{}, {"use_labels": "true", "epsg": "3857", "select": "city, geo, zone"}])
def test_compressed_is_the_same_file_gzipped(spots, export, params):
    response = fetch(export, {**params, "compressed": "true"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"] == f'attachment; filename="spots.{export}.gz"'
    packed = b"".join(response.streaming_content)
    assert packed[:2] == b"\x1f\x8b"
    plain = download(export, params)
    if export == "xlsx":
        # A workbook records when it was written: compare what it holds instead of its bytes.
        def cells(content: bytes) -> list[tuple]:
            return list(openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))

        assert cells(gzip.decompress(packed)) == cells(plain)
    else:
        assert gzip.decompress(packed) == plain
    assert fetch(export, {**params, "compressed": "false"})["Content-Disposition"] == (
        f'attachment; filename="spots.{export}"'
    )


@pytest.mark.parametrize("export", ["csv", "json"])
def test_compression_streams_chunk_by_chunk(spots, monkeypatch, export):
    monkeypatch.setattr(reading, "COPY_CHUNK", 64)
    monkeypatch.setattr(reading, "BATCH_SIZE", 2)
    response = fetch(export, {"compressed": "true", "order_by": "city"})
    chunks = [chunk for chunk in response.streaming_content if chunk]
    assert len(chunks) > 3  # each batch (or COPY chunk) leaves compressed as it comes, not at the end
    assert gzip.decompress(b"".join(chunks)) == download(export, {"order_by": "city"})


def test_an_empty_compressed_export_is_a_valid_gzip_file(spots):
    Ruleset.objects.create(dataset=Dataset.objects.get(dataset_id="spots"), kind="default", visible_fields=[])
    assert json.loads(gzip.decompress(download("json", {"compressed": "true"}))) == []


def test_compressed_and_plain_exports_have_their_own_etag(spots):
    client = APIClient()
    plain = client.get(f"{BASE}/csv")
    packed = client.get(f"{BASE}/csv", {"compressed": "true"})
    assert plain["ETag"] != packed["ETag"]
    again = client.get(f"{BASE}/csv", {"compressed": "true"}, HTTP_IF_NONE_MATCH=plain["ETag"])
    assert again.status_code == 200 and again["Content-Type"] == "application/gzip"
    cached = client.get(f"{BASE}/csv", {"compressed": "true"}, HTTP_IF_NONE_MATCH=packed["ETag"])
    assert cached.status_code == 304


def test_epsg_3857_projects_points_with_spherical_mercator(spots):
    records = json.loads(download("json", {"epsg": "3857", "select": "city, geo"}))
    assert len(records) == len(ROWS)
    for record in records:
        x, y = mercator(*lon_lat(BY_CITY[record["city"]]))
        assert record["geo"] == {"lon": pytest.approx(x, abs=1e-3), "lat": pytest.approx(y, abs=1e-3)}
    lines = list(csv.reader(io.StringIO(download("csv", {"epsg": "3857"}).decode("utf-8-sig")), delimiter=";"))
    for line in lines[1:]:
        x, y = mercator(*lon_lat(BY_CITY[line[0]]))
        assert [float(part) for part in line[4].split(",")] == pytest.approx([y, x], abs=1e-3)  # "lat, lon" = "y, x"
    table = pq.read_table(io.BytesIO(download("parquet", {"epsg": "3857"}))).to_pylist()
    for record in table:
        x, y = mercator(*lon_lat(BY_CITY[record["city"]]))
        assert [float(part) for part in record["geo"].split(",")] == pytest.approx([y, x], abs=1e-3)


def test_epsg_3857_projects_shapes_vertex_by_vertex(spots):
    plain = {record["city"]: record["zone"] for record in json.loads(download("json", {"select": "city, zone"}))}
    lines = download("jsonl", {"select": "city, zone", "epsg": "3857"}).decode().splitlines()
    projected = [json.loads(line) for line in lines]
    assert {record["city"] for record in projected} == set(BY_CITY)
    for record in projected:
        shape = plain[record["city"]]
        if shape is None:
            assert record["zone"] is None
            continue
        assert record["zone"]["type"] == shape["type"] == "Polygon"
        expected = [[list(mercator(*point)) for point in ring] for ring in shape["coordinates"]]
        assert len(record["zone"]["coordinates"][0]) == len(expected[0])
        for ring, expected_ring in zip(record["zone"]["coordinates"], expected, strict=True):
            for point, expected_point in zip(ring, expected_ring, strict=True):
                assert point == pytest.approx(expected_point, abs=1e-3)


def test_geojson_in_another_projection_declares_its_crs(spots):
    collection = json.loads(download("geojson", {"epsg": "3857", "select": "city, geo"}))
    assert collection["crs"] == {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    for feature in collection["features"]:
        x, y = mercator(*lon_lat(BY_CITY[feature["properties"]["city"]]))
        assert feature["geometry"]["coordinates"] == pytest.approx([x, y], abs=1e-3)
    default = download("geojson", {"select": "city, geo"})
    assert "crs" not in json.loads(default)
    assert download("geojson", {"select": "city, geo", "epsg": "4326"}) == default


def test_epsg_4326_is_the_default_and_changes_nothing(spots):
    for export in ("csv", "json", "parquet"):
        assert download(export, {"epsg": "4326"}) == download(export)


def test_epsg_leaves_a_dataset_without_geometry_alone(spots):
    params = {"select": "city, population", "order_by": "city"}
    assert download("csv", {**params, "epsg": "2154"}) == download("csv", params)


@pytest.mark.parametrize("export", ["csv", "json", "xlsx", "parquet"])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("use_labels", "maybe"),
        ("use_labels", ""),
        ("compressed", "2"),
        ("compressed", "yes"),
        ("epsg", "abc"),
        ("epsg", "999999"),
        ("epsg", "-3857"),
        ("epsg", "3857.0"),
        ("epsg", "4326 OR 1=1"),
        ("epsg", ""),
        ("epsg", "99999999999999999999"),
    ],
)
def test_bad_values_are_a_400_naming_the_parameter(spots, export, name, value):
    response = fetch(export, {name: value})
    assert not response.streaming
    body = assert_status(response, 400)
    assert body["error_code"] == "InvalidRESTParameterError"
    assert body["message"].startswith(f"Invalid value for {name}:")


def test_a_bad_parameter_is_refused_before_the_etag_answers(spots):
    etag = fetch("json", {"epsg": "999999"})
    assert etag.status_code == 400 and "ETag" not in etag


def test_gzipped_closes_the_chunks_it_compresses():
    closed = []

    def chunks():
        try:
            yield b"a" * 10
            yield b"b" * 10
        finally:
            closed.append(True)

    packed = writers.gzipped(chunks())
    next(packed)
    packed.close()
    assert closed == [True]
    assert gzip.decompress(b"".join(writers.gzipped(iter([b"x", b"", b"y"])))) == b"xy"
