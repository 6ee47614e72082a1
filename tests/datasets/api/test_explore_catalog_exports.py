"""/catalog/exports: the catalog as csv, json, jsonl and xlsx, each read back by its own reader.

Expected rows are computed in Python from ``CATALOG``, the specification the datasets were published from.
"""

import csv
import datetime as dt
import io
import json
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from datasets.services import dataset_create
from tests.conftest import assert_status, mark_published
from tests.datasets.api.catalog_data import CATALOG, RESTRICTED, VISIBLE, modified, publish_catalog, records_count

URL = "/api/explore/v2.1/catalog/exports"
COLUMNS = [
    "dataset_id",
    "dataset_uid",
    "title",
    "description",
    "keyword",
    "theme",
    "publisher",
    "license",
    "language",
    "modified",
    "records_count",
    "features",
    "data_processed",
]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalog(chief_api, chief, run_worker):
    publish_catalog(chief_api, chief, run_worker)


def download(export: str, params=None, client=None) -> bytes:
    response = (client or APIClient()).get(f"{URL}/{export}", params or {})
    assert response.status_code == 200, response.content[:500]
    assert response.streaming
    extension = export
    assert response["Content-Disposition"] == f'attachment; filename="catalog.{extension}"'
    return b"".join(response.streaming_content)


def read_csv(content: bytes, delimiter: str = ";") -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def read_json(content: bytes) -> list[dict]:
    return json.loads(content)


def read_jsonl(content: bytes) -> list[dict]:
    lines = content.decode().splitlines()
    return [json.loads(line) for line in lines]


def read_xlsx(content: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_the_exports_are_listed_with_links(catalog):
    body = assert_status(APIClient().get(URL), 200)
    links = {link["rel"]: link["href"] for link in body["_links"]}
    assert set(links) == {"self", "csv", "json", "jsonl", "xlsx", "dcat", "data.json", "rss", "atom"}
    for rel in ("csv", "json", "jsonl", "xlsx"):
        assert urlsplit(links[rel]).path == f"{URL}/{rel}"


@pytest.mark.parametrize(("export", "reader"), [("json", read_json), ("jsonl", read_jsonl)])
def test_json_exports_carry_one_object_per_visible_dataset(catalog, export, reader):
    rows = reader(download(export))
    assert [row["dataset_id"] for row in rows] == VISIBLE
    for row in rows:
        spec = CATALOG[row["dataset_id"]]["metas"]
        assert list(row) == COLUMNS
        assert row["title"] == spec["title"]
        assert row["keyword"] == spec.get("keyword")
        assert row["records_count"] == records_count(row["dataset_id"])
        assert row["features"] == CATALOG[row["dataset_id"]]["features"]
        assert dt.datetime.fromisoformat(row["modified"]) == modified(row["dataset_id"])


def test_csv_export_reads_back_with_the_default_options(catalog):
    content = download("csv")
    assert content.startswith("\ufeff".encode())
    rows = read_csv(content)
    assert [row["dataset_id"] for row in rows] == VISIBLE
    assert list(rows[0]) == COLUMNS
    for row in rows:
        spec = CATALOG[row["dataset_id"]]["metas"]
        assert row["title"] == spec["title"]
        assert row["keyword"] == ",".join(spec.get("keyword", []))
        assert row["description"] == spec.get("description", "")
        assert int(row["records_count"]) == records_count(row["dataset_id"])
        assert dt.datetime.fromisoformat(row["modified"]) == modified(row["dataset_id"])


def test_csv_options(catalog):
    params = {"delimiter": ",", "with_bom": "false", "quote_all": "true", "list_separator": "|"}
    content = download("csv", params)
    assert content.startswith(b'"dataset_id","dataset_uid"')
    rows = read_csv(content, delimiter=",")
    assert {row["dataset_id"]: row["theme"] for row in rows} == {
        dataset_id: "|".join(CATALOG[dataset_id]["metas"].get("theme", [])) for dataset_id in VISIBLE
    }


def test_xlsx_export_reads_back(catalog):
    rows = read_xlsx(download("xlsx"))
    assert [row["dataset_id"] for row in rows] == VISIBLE
    assert {row["dataset_id"]: row["records_count"] for row in rows} == {d: records_count(d) for d in VISIBLE}


def test_cells_a_spreadsheet_would_run_are_neutralised(catalog, chief):
    title = '=HYPERLINK("http://evil.example","x")'
    mark_published(
        dataset_create(owner=chief, dataset_id="evil", metas={"default": {"title": title}}, visibility="domain")
    )
    rows = read_csv(download("csv", {"where": "dataset_id = 'evil'"}))
    assert [row["title"] for row in rows] == ["'" + title]
    assert [row["title"] for row in read_xlsx(download("xlsx", {"where": "dataset_id = 'evil'"}))] == ["'" + title]
    assert [row["title"] for row in read_json(download("json", {"where": "dataset_id = 'evil'"}))] == [title]


def test_filters_order_select_and_page(catalog):
    transport = [d for d in VISIBLE if "transport" in CATALOG[d]["metas"].get("keyword", [])]
    assert [row["dataset_id"] for row in read_json(download("json", {"where": 'keyword = "transport"'}))] == transport
    not_fr = [d for d in VISIBLE if CATALOG[d]["metas"].get("language") != "fr"]
    assert [row["dataset_id"] for row in read_jsonl(download("jsonl", {"exclude": "language:fr"}))] == not_fr
    by_title = sorted(VISIBLE, key=lambda d: CATALOG[d]["metas"]["title"], reverse=True)
    params = {"order_by": "title desc", "limit": 2, "offset": 1, "select": "title, default.records_count"}
    rows = read_csv(download("csv", params))
    assert rows == [
        {"title": CATALOG[d]["metas"]["title"], "records_count": str(records_count(d))} for d in by_title[1:3]
    ]


def test_restricted_datasets_stay_out_of_anonymous_exports(catalog, staff):
    for export, reader in (("csv", read_csv), ("json", read_json), ("jsonl", read_jsonl), ("xlsx", read_xlsx)):
        assert "payroll" not in [row["dataset_id"] for row in reader(download(export))], export
    client = APIClient()
    client.force_authenticate(staff)
    rows = read_jsonl(download("jsonl", client=client))
    assert [row["dataset_id"] for row in rows] == sorted([*VISIBLE, *RESTRICTED])


def test_an_empty_selection_is_a_file_without_rows(catalog):
    assert read_json(download("json", {"where": "records_count > 1000"})) == []
    assert read_jsonl(download("jsonl", {"where": "records_count > 1000"})) == []
    assert read_csv(download("csv", {"where": "records_count > 1000"})) == []


@pytest.mark.parametrize(
    ("export", "params", "error_code", "words"),
    [
        ("rdf", {}, "InvalidRESTParameterError", "format"),
        ("parquet", {}, "InvalidRESTParameterError", "format"),
        ("csv", {"delimiter": "x"}, "InvalidRESTParameterError", "delimiter"),
        ("json", {"delimiter": ","}, "InvalidRESTParameterError", "delimiter"),
        ("csv", {"group_by": "publisher"}, "InvalidRESTParameterError", "group_by"),
        ("csv", {"limit": 0}, "InvalidRESTParameterError", "limit"),
        ("csv", {"offset": -2}, "InvalidRESTParameterError", "offset"),
        ("csv", {"timezone": "Mars/Base"}, "InvalidRESTParameterError", "timezone"),
        ("csv", {"refine": "colour:red"}, "InvalidRESTParameterError", "refine"),
        ("json", {"select": "owner"}, "ODSQLError", "select"),
        ("json", {"where": "owner = 1"}, "ODSQLError", "where"),
        ("json", {"order_by": "owner"}, "ODSQLError", "order_by"),
    ],
)
def test_bad_requests_answer_400_before_any_byte(db, export, params, error_code, words):
    body = assert_status(APIClient().get(f"{URL}/{export}", params), 400)
    assert body["error_code"] == error_code and words in body["message"]


def test_attachments_answer_the_documented_shape_for_visible_datasets(catalog, staff):
    base = "/api/explore/v2.1/catalog/datasets"
    body = assert_status(APIClient().get(f"{base}/bus-stops/attachments"), 200)
    assert body["attachments"] == []
    links = {link["rel"]: urlsplit(link["href"]).path for link in body["_links"]}
    assert links == {"self": f"{base}/bus-stops/attachments", "dataset": f"{base}/bus-stops"}
    assert assert_status(APIClient().get(f"{base}/payroll/attachments"), 404)["error_code"] == "DatasetNotFound"
    assert assert_status(APIClient().get(f"{base}/draft/attachments/"), 404)["error_code"] == "DatasetNotFound"
    client = APIClient()
    client.force_authenticate(staff)
    assert assert_status(client.get(f"{base}/payroll/attachments"), 200)["attachments"] == []
