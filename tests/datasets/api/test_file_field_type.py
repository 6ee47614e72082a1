"""The ``file`` field type of the reference (§12 ``type`` specification): declared, previewed, published by a
worker, and read back from the Explore API as the file's reference (a text) with the type ``file``."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from datasets.models import Dataset
from tests.conftest import assert_status
from tests.datasets.api.conftest import rows_csv
from tests.datasets.api.pipeline_publish import EXPLORE, published_dataset

BASE = "/api/management/v2"
DOCUMENTS = [
    {"title": "Report", "doc": "odsfile://fi_report2024"},
    {"title": "Map", "doc": " https://example.com/files/map.pdf "},
    {"title": "Broken", "doc": "not a file"},
    {"title": "Missing", "doc": ""},
]
AS_FILE = {"name": "type", "args": {"field": "doc", "type": "file"}}


@pytest.mark.django_db(transaction=True)
def test_a_file_field_is_published_and_read_back(chief_api, alice, run_worker, redis):
    outcome = published_dataset(
        chief_api, alice, run_worker, "documents", rows_csv(DOCUMENTS), specifications=[AS_FILE], order_by="title"
    )
    assert (outcome["status"], outcome["message"]) == ("idle", None)
    assert {field["name"]: field["type"] for field in outcome["fields"]} == {"title": "text", "doc": "file"}
    assert [(record["title"], record["doc"]) for record in outcome["records"]] == [
        ("Broken", None),
        ("Map", "https://example.com/files/map.pdf"),
        ("Missing", None),
        ("Report", "odsfile://fi_report2024"),
    ]
    dataset = Dataset.objects.get(dataset_id="documents")
    assert dataset.current_version.record_count == 4
    # ODSQL reads a file field as text.
    client = APIClient()
    found = client.get(f"{EXPLORE}/documents/records", {"where": 'doc like "odsfile*"', "select": "title"})
    assert assert_status(found, 200)["results"] == [{"title": "Report"}]
    exported = client.get(f"{EXPLORE}/documents/exports/csv", {"order_by": "title"})
    assert exported.status_code == 200
    lines = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert lines[1:] == [
        ["Broken", ""],
        ["Map", "https://example.com/files/map.pdf"],
        ["Missing", ""],
        ["Report", "odsfile://fi_report2024"],
    ]
    # The preview says which value is not a file reference.
    resource = dataset.resources.get()
    preview = chief_api.get(f"{BASE}/datasets/{dataset.dataset_uid}/resources/{resource.resource_uid}/preview")
    body = assert_status(preview, 200)
    assert [field["type"] for field in body["fields"]] == ["text", "file"]
    assert [(error["row"], error["field_uid"], error["message"]) for error in body["record_errors"]] == [
        (3, "doc", 'Cannot convert "not a file" to "file"')
    ]


@pytest.mark.django_db
def test_the_type_specification_lists_and_accepts_file(alice_api):
    uid = assert_status(alice_api.post(f"{BASE}/datasets/", {"dataset_id": "docs"}, format="json"), 201)["dataset_uid"]
    created = alice_api.post(f"{BASE}/datasets/{uid}/fields_specifications/", AS_FILE, format="json")
    assert assert_status(created, 201)["args"] == {"field": "doc", "type": "file"}
    catalogue = assert_status(alice_api.get(f"{BASE}/fields_specifications/"), 200)
    type_spec = next(entry for entry in catalogue if entry["name"] == "type")
    assert "file" in next(argument for argument in type_spec["arguments"] if argument["name"] == "type")["choices"]
    wrong = {"name": "type", "args": {"field": "doc", "type": "image"}}
    error = assert_status(alice_api.post(f"{BASE}/datasets/{uid}/fields_specifications/", wrong, format="json"), 400)
    assert error["error_key"] == "InvalidFieldSpecificationException"
    assert "known: text, int, double, boolean, date, datetime, geo_point_2d, geo_shape, file" in error["message"]
