"""CSV exports written by PostgreSQL (COPY) read back cell for cell like the Python CSV writer would write them."""

import csv
import datetime as dt
import io
import json
from collections import Counter
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from rest_framework.test import APIClient

from datasets.formats import writers
from datasets.models import Dataset
from datasets.odsql.records.query import RecordsQuery, compile_records_query
from datasets.selectors.published import published_fields
from datasets.store import reading
from tests.datasets.api.conftest import GEOPOINT, publish_public_csv, rows_csv

BASE = "/api/explore/v2.1/catalog/datasets/mixed/exports/csv"
pytestmark = pytest.mark.django_db(transaction=True)
ROWS = [
    {
        "name": ["Alpha", "=cmd|' /C calc'!A0", "", "with;semicolon", 'quote "inside"', "line\nbreak", "-5"][n % 7],
        "flag": ["true", "false", ""][n % 3],
        "seen": ["2024-03-01T10:15:00Z", "2023-12-31T23:59:59+02:00", ""][n % 3],
        "day": ["2020-02-29", "", "1999-12-31"][n % 3],
        "ratio": ["0.1", "1e-07", "", "123456.5"][n % 4],
        "count": ["7", "", "-12"][n % 3],
        "tags": ["a;b", "", "=x;y", "solo"][n % 4],
        "lat": str(40 + n / 7),
        "lon": str(-3 - n / 9),
    }
    for n in range(24)
]


def annotation(field, name, args=None):
    body = {"name": "annotate", "args": {"field": field, "annotation": name}}
    if args is not None:
        body["args"]["args"] = args
    return body


@pytest.fixture
def mixed(chief_api, alice, run_worker, redis):
    specifications = [annotation("tags", "multivalued", [";"])]
    return publish_public_csv(
        chief_api, alice, run_worker, "mixed", rows_csv(ROWS), processors=[GEOPOINT], specifications=specifications
    )


def python_csv(params: dict) -> list[list[str]]:
    """The same export through the row-by-row Python writer: the reference the COPY path must match."""
    dataset = Dataset.objects.get(dataset_id="mixed")
    fields = published_fields(dataset)
    query = RecordsQuery(select=params.get("select"), order_by=params.get("order_by"), limit=-1)
    compiled = compile_records_query(query, dataset.current_version.table_name, fields, unbounded=True)
    stream = reading.RowStream(compiled.sql, compiled.params)
    options = {key: params[key] for key in ("delimiter", "list_separator") if key in params}
    chunks = writers.write_csv(compiled.columns, compiled.types, stream.batches(), **options)
    return parse(b"".join(chunks), params.get("delimiter", ";"))


def parse(content: bytes, delimiter: str) -> list[list[str]]:
    return list(
        csv.reader(
            io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter={"tab": "\t"}.get(delimiter, delimiter)
        )
    )


def same_numbers(rows: list[list[str]]) -> list[list]:
    """PostgreSQL writes the double 41.0 as ``41`` where Python writes ``41.0``: compare numbers as numbers."""

    def number_or_text(cell: str):
        try:
            return float(cell)
        except ValueError:
            return cell

    return [[number_or_text(cell) for cell in row] for row in rows]


def copy_csv(params: dict) -> list[list[str]]:
    response = APIClient().get(BASE, params)
    assert response.status_code == 200, response.content
    return parse(b"".join(response.streaming_content), params.get("delimiter", ";"))


@pytest.mark.parametrize(
    "params",
    [
        {"order_by": "name, seen"},
        {"order_by": "seen desc", "delimiter": ",", "list_separator": " | "},
        {"select": "tags, name, ratio", "order_by": "ratio, name", "delimiter": "tab"},
    ],
)
def test_copy_csv_matches_the_python_writer(mixed, params):
    rows = copy_csv(params)
    assert len(rows) == len(ROWS) + 1
    assert same_numbers(rows) == same_numbers(python_csv(params))


def test_grouped_copy_csv_counts(mixed):
    rows = copy_csv({"select": "flag, count(*) as n", "group_by": "flag"})
    assert rows[0] == ["flag", "n"]
    assert {flag: int(n) for flag, n in rows[1:]} == dict(Counter(row["flag"] for row in ROWS))


def test_copy_csv_cells(mixed):
    rows = copy_csv({"order_by": "name"})
    header, body = rows[0], rows[1:]
    assert header == ["name", "flag", "seen", "day", "ratio", "count", "tags", "lat", "lon", "geo"]
    assert len(body) == len(ROWS)
    cells = [dict(zip(header, row, strict=True)) for row in body]
    names = {cell["name"] for cell in cells}
    assert "'=cmd|' /C calc'!A0" in names and "'-5" in names and "line\nbreak" in names
    assert {cell["flag"] for cell in cells} == {"true", "false", ""}
    assert {cell["seen"] for cell in cells} == {"2024-03-01T10:15:00+00:00", "2023-12-31T21:59:59+00:00", ""}
    assert {cell["tags"] for cell in cells} == {"a,b", "", "'=x,y", "solo"}
    for cell in cells:
        lat, lon = (float(part) for part in cell["geo"].split(", "))
        assert (lat, lon) == pytest.approx((float(cell["lat"]), float(cell["lon"])))


def test_a_client_leaving_early_closes_the_export_connection(mixed, monkeypatch):
    monkeypatch.setattr(reading, "COPY_CHUNK", 16)
    opened = []
    original = reading.reading_connection
    monkeypatch.setattr(
        reading, "reading_connection", lambda zone, **options: opened.append(original(zone, **options)) or opened[-1]
    )
    response = APIClient().get(BASE)
    chunks = iter(response.streaming_content)
    next(chunks), next(chunks)
    response.close()
    assert opened and opened[0].closed


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York"])
def test_exports_show_datetimes_in_the_timezone_parameter(mixed, zone):
    expected = {
        dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(ZoneInfo(zone)).isoformat()
        for value in {row["seen"] for row in ROWS}
        if value
    }
    csv_rows = copy_csv({"select": "seen", "timezone": zone})
    assert {row[0] for row in csv_rows[1:] if row[0]} == expected
    response = APIClient().get(BASE.replace("/csv", "/json"), {"select": "seen", "timezone": zone})
    records = json.loads(b"".join(response.streaming_content))
    assert {record["seen"] for record in records if record["seen"]} == expected


def test_an_unknown_timezone_is_refused_before_the_file_starts(mixed):
    response = APIClient().get(BASE, {"timezone": "Mars/Olympus"})
    assert response.status_code == 400
    assert response.json()["error_code"] == "ODSQLError"
    assert "timezone" in response.json()["message"]


def test_xlsx_shows_the_wall_time_of_the_timezone(mixed):
    response = APIClient().get(BASE.replace("/csv", "/xlsx"), {"select": "seen", "timezone": "Asia/Tokyo"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    cells = {row[0] for row in list(sheet.iter_rows(values_only=True))[1:] if row and row[0] is not None}
    tokyo = ZoneInfo("Asia/Tokyo")
    expected = {
        dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(tokyo).replace(tzinfo=None)
        for value in {row["seen"] for row in ROWS}
        if value
    }
    assert cells == expected
