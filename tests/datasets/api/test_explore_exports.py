"""Explore API dataset exports: each format read back with its own reader and compared with the Python rows."""

import csv
import datetime as dt
import io
import json

import openpyxl
import pyarrow.parquet as pq
import pytest
from rest_framework.test import APIClient

from datasets.formats import writers
from datasets.store import reading
from tests.conftest import assert_status
from tests.datasets.api.conftest import GEOPOINT, publish_public_csv, rows_csv

BASE = "/api/explore/v2.1/catalog/datasets/towns/exports"
pytestmark = pytest.mark.django_db(transaction=True)
NOTES = ["=1+2", "+A1", "-A1", "@SUM(A1)", "plain note"]
ROWS = [
    {
        "city": f"Town {n:02d}",
        "region": ["North", "South", "East"][n % 3],
        "population": 1000 + (n * 7919) % 50_000,
        "founded": f"{1800 + n * 3}-0{1 + n % 9}-1{n % 9}",
        "note": NOTES[n % len(NOTES)],
        "lat": round(43 + (n % 10) * 0.5, 4),
        "lon": round(1 + (n % 7) * 0.5, 4),
    }
    for n in range(45)
]
BY_CITY = {row["city"]: row for row in ROWS}
COLUMNS = ["city", "region", "population", "founded", "note", "lat", "lon", "geo"]


@pytest.fixture
def towns(chief_api, alice, run_worker, redis):
    """The same publication path as the records tests' ``cities``: a CSV resource, a geopoint, a worker run."""
    return publish_public_csv(chief_api, alice, run_worker, "towns", rows_csv(ROWS), processors=[GEOPOINT])


def download(export: str, params=None, extension: str | None = None) -> bytes:
    """The whole streamed file, after checking the response announces an attachment."""
    response = APIClient().get(f"{BASE}/{export}", params or {})
    assert response.status_code == 200, response.content
    assert response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="towns.{extension or export}"'
    return b"".join(response.streaming_content)


def expected(row: dict, column: str):
    return {"geo": {"lon": row["lon"], "lat": row["lat"]}}.get(column, row.get(column))


def test_csv_defaults_semicolon_bom_and_neutralised_formulas(towns):
    content = download("csv")
    assert content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == COLUMNS
    assert len(lines) - 1 == len(ROWS)
    for line in lines[1:]:
        record, row = dict(zip(COLUMNS, line, strict=True)), BY_CITY[line[0]]
        assert int(record["population"]) == row["population"]
        assert record["founded"] == row["founded"]
        assert [float(part) for part in record["geo"].split(",")] == pytest.approx([row["lat"], row["lon"]])
        note = row["note"]
        assert record["note"] == (note if note == "plain note" else "'" + note)


def test_csv_options(towns):
    content = download("csv", {"delimiter": "tab", "with_bom": "false", "quote_all": "true", "select": "city, region"})
    assert not content.startswith(b"\xef\xbb\xbf")
    text = content.decode()
    assert text.splitlines()[1].startswith('"Town ')
    lines = list(csv.reader(io.StringIO(text), delimiter="\t"))
    assert lines[0] == ["city", "region"]
    assert {tuple(line) for line in lines[1:]} == {(row["city"], row["region"]) for row in ROWS}


def test_json_and_jsonl_match_the_rows(towns):
    records = json.loads(download("json", {"order_by": "city"}))
    lines = [json.loads(line) for line in download("jsonl", {"order_by": "city"}).decode().splitlines()]
    assert records == lines
    assert [record["city"] for record in records] == sorted(BY_CITY)
    for record in records:
        row = BY_CITY[record["city"]]
        assert list(record) == COLUMNS
        assert record["geo"] == {"lon": pytest.approx(row["lon"]), "lat": pytest.approx(row["lat"])}
        assert (record["population"], record["founded"], record["note"]) == (
            row["population"],
            row["founded"],
            row["note"],
        )


def test_geojson_feature_collection(towns):
    collection = json.loads(download("geojson"))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(ROWS)
    for feature in collection["features"]:
        row = BY_CITY[feature["properties"]["city"]]
        assert feature["geometry"] == {"type": "Point", "coordinates": pytest.approx([row["lon"], row["lat"]])}
        assert "geo" not in feature["properties"]
        assert feature["properties"]["population"] == row["population"]


def test_xlsx_opens_with_neutralised_formulas(towns):
    workbook = openpyxl.load_workbook(io.BytesIO(download("xlsx")), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    assert len(rows) - 1 == len(ROWS)
    for values in rows[1:]:
        record, row = dict(zip(COLUMNS, values, strict=True)), BY_CITY[values[0]]
        assert record["population"] == row["population"]
        assert record["founded"].date().isoformat() == row["founded"]
        assert record["note"] == (row["note"] if row["note"] == "plain note" else "'" + row["note"])


def test_parquet_typed_columns(towns):
    table = pq.read_table(io.BytesIO(download("parquet", {"parquet_compression": "zstd"})))
    assert table.column_names == COLUMNS
    records = table.to_pylist()
    assert len(records) == len(ROWS)
    for record in records:
        row = BY_CITY[record["city"]]
        assert record["population"] == row["population"]
        assert record["founded"] == dt.date.fromisoformat(row["founded"])
        assert record["lat"] == pytest.approx(row["lat"])


def test_where_clauses_are_anded_with_order_select_and_limit(towns):
    params = {"where": ['region = "North"', "population > 20000"], "order_by": "population desc", "select": "city"}
    matching = sorted(
        (row for row in ROWS if row["region"] == "North" and row["population"] > 20000), key=lambda r: -r["population"]
    )
    assert json.loads(download("json", params)) == [{"city": row["city"]} for row in matching]
    assert json.loads(download("json", {**params, "limit": 2})) == [{"city": row["city"]} for row in matching[:2]]


def test_several_batches_stream_into_one_valid_file(towns, monkeypatch):
    monkeypatch.setattr(reading, "BATCH_SIZE", 7)
    assert len(json.loads(download("json"))) == len(ROWS)
    assert len(json.loads(download("geojson"))["features"]) == len(ROWS)
    assert len(download("jsonl").splitlines()) == len(ROWS)


@pytest.mark.parametrize("export", ["csv", "json", "jsonl", "geojson", "xlsx", "parquet"])
def test_an_empty_result_is_still_a_valid_file(towns, export):
    content = download(export, {"where": 'city = "nowhere"'})
    if export == "csv":
        assert content.decode("utf-8-sig").splitlines() == [";".join(COLUMNS)]
    elif export in ("json", "geojson"):
        assert json.loads(content) in ([], {"type": "FeatureCollection", "features": []})
    elif export == "jsonl":
        assert content == b""
    elif export == "xlsx":
        assert len(list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows())) == 1
    else:
        assert pq.read_table(io.BytesIO(content)).num_rows == 0


def test_exports_list_links_per_format(towns):
    body = assert_status(APIClient().get(BASE), 200)
    rels = {link["rel"]: link["href"] for link in body["_links"]}
    assert set(rels) == {"self", "csv", "json", "jsonl", "geojson", "xlsx", "parquet"}
    assert rels["csv"].endswith("/catalog/datasets/towns/exports/csv")


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("shp", {}, 400, "InvalidRESTParameterError"),
        ("csv", {"delimiter": "x"}, 400, "InvalidRESTParameterError"),
        ("csv", {"with_bom": "maybe"}, 400, "InvalidRESTParameterError"),
        ("json", {"epsg": "not-a-code"}, 400, "InvalidRESTParameterError"),
        ("json", {"refine": "nope:North"}, 400, "ODSQLError"),
        ("json", {"limit": "lots"}, 400, "InvalidRESTParameterError"),
        ("json", {"limit": 0}, 400, "ODSQLError"),
        ("json", {"where": "nope = 1"}, 400, "ODSQLError"),
        ("json", {"order_by": "population sideways"}, 400, "ODSQLError"),
    ],
)
def test_refused_requests_use_the_explore_error_shape(towns, path, params, status, code):
    body = assert_status(APIClient().get(f"{BASE}/{path}", params), status)
    assert body["error_code"] == code


def test_unknown_dataset_is_404(towns):
    body = assert_status(APIClient().get("/api/explore/v2.1/catalog/datasets/ghost/exports/csv"), 404)
    assert body["error_code"] == "DatasetNotFound"


def test_an_accept_header_for_the_file_type_is_not_refused(towns):
    response = APIClient().get(f"{BASE}/csv", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert len(b"".join(response.streaming_content).splitlines()) == len(ROWS) + 1


def test_refine_and_exclude_filter_exports(towns):
    response = APIClient().get(f"{BASE}/json", {"refine": "region:North"})
    rows = json.loads(b"".join(response.streaming_content))
    assert rows and {row["region"] for row in rows} == {"North"}
    response = APIClient().get(f"{BASE}/json", {"exclude": "region:North"})
    rows = json.loads(b"".join(response.streaming_content))
    assert rows and "North" not in {row["region"] for row in rows}


@pytest.mark.parametrize("export", ["csv", "json", "parquet"])
def test_exports_revalidate_with_their_etag_until_the_next_publish(towns, chief_api, run_worker, export):
    client = APIClient()
    first = client.get(f"{BASE}/{export}", {"where": "population > 2000"})
    etag = first["ETag"]
    b"".join(first.streaming_content)
    again = client.get(f"{BASE}/{export}", {"where": "population > 2000"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    other_query = client.get(f"{BASE}/{export}", {"where": "population > 3000"}, HTTP_IF_NONE_MATCH=etag)
    assert other_query.status_code == 200 and other_query["ETag"] != etag
    b"".join(other_query.streaming_content)
    assert_status(chief_api.put(f"/api/management/v2/datasets/{towns}/publish"), 202)
    run_worker()
    republished = client.get(f"{BASE}/{export}", {"where": "population > 2000"}, HTTP_IF_NONE_MATCH=etag)
    assert republished.status_code == 200
    assert republished["ETag"] != etag
    b"".join(republished.streaming_content)


def test_a_query_reading_the_clock_gets_no_etag(towns):
    client = APIClient()
    records = client.get("/api/explore/v2.1/catalog/datasets/towns/records", {"where": "founded < now(years=-1)"})
    assert records.status_code == 200
    assert "ETag" not in records
    export = client.get(f"{BASE}/json", {"where": "founded < NOW (years=-1)"}, HTTP_IF_NONE_MATCH='"x"')
    assert export.status_code == 200 and "ETag" not in export
    assert len(json.loads(b"".join(export.streaming_content))) == len(ROWS)


def test_parquet_streams_in_row_groups_that_read_back_whole(towns, monkeypatch):
    monkeypatch.setattr(reading, "BATCH_SIZE", 7)
    monkeypatch.setattr(writers, "PARQUET_ROW_GROUP_ROWS", 14)
    parquet = pq.ParquetFile(io.BytesIO(download("parquet", {"order_by": "city"})))
    assert [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)] == [14, 14, 14, 3]
    records = parquet.read().to_pylist()
    assert [record["city"] for record in records] == sorted(BY_CITY)
    assert records[-1]["population"] == BY_CITY[max(BY_CITY)]["population"]


def test_xlsx_past_a_sheet_of_rows_is_refused_before_the_response_starts(towns, monkeypatch, settings):
    settings.EXPLORE_MAX_EXPORTS_IN_FLIGHT = 1  # the refused export must give its slot back
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", len(ROWS))  # the header takes a row: one record too many
    body = assert_status(APIClient().get(f"{BASE}/xlsx"), 400)
    assert body["error_code"] == "ExportTooLarge"
    assert f"at most {len(ROWS) - 1} records" in body["message"]
    assert_status(APIClient().get(f"{BASE}/xlsx", {"compressed": "true"}), 400)
    content = download("xlsx", {"limit": len(ROWS) - 1})
    assert len(list(openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.iter_rows())) == len(ROWS)
