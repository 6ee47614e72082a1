"""Fixtures for the resource and processing API tests: a dataset with an uploaded CSV resource."""

import csv
import io

import pytest
from django.db import connection
from psycopg import sql

from datasets.models import Dataset
from datasets.services.files import file_store
from datasets.store import SCHEMA
from tests.conftest import assert_status

TREES_CSV = (
    b"name,year,lat,lon,when,html,json,note\n"
    b'Oak,1990,48.85,2.35,03/04/2020,Caf&eacute;,"{""a"": {""b"": 5}}",big old\n'
    b'Elm,2001,45.75,4.85,15/06/2021,Th&eacute;,"{""a"": {""b"": 7}}",small\n'
)


def stored_file(content: bytes, name: str = "data.csv", owner=None):
    return file_store(owner=owner, stream=io.BytesIO(content), filename=name)


@pytest.fixture
def trees_file(alice):
    return stored_file(TREES_CSV, "trees.csv", alice)


@pytest.fixture
def trees(alice_api, trees_file):
    """A dataset with one CSV resource; returns (dataset_uid, resource body)."""
    dataset = assert_status(alice_api.post("/api/management/v2/datasets/", {"dataset_id": "trees"}, format="json"), 201)
    uid = dataset["dataset_uid"]
    body = {"url": trees_file.url, "title": "Trees", "type": "csvfile", "params": {"separator": ","}}
    resource = assert_status(alice_api.post(f"/api/management/v2/datasets/{uid}/resources/", body, format="json"), 201)
    return uid, resource


GEOPOINT = {
    "name": "create_geopoint",
    "args": {"latitude_field": "lat", "longitude_field": "lon", "output_field": "geo"},
}


def rows_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def publish_public_csv(
    api, owner, run_worker, dataset_id: str, content: bytes, *, processors=(), specifications=(), metas=None
):
    """A domain-visible dataset with one CSV resource, processors, field specifications and ``metas`` (metadata
    by template), published by a worker."""
    file = stored_file(content, f"{dataset_id}.csv", owner)
    body = {"dataset_id": dataset_id, "visibility": "domain", **({"metas": metas} if metas else {})}
    created = api.post("/api/management/v2/datasets/", body, format="json")
    uid = assert_status(created, 201)["dataset_uid"]
    base = f"/api/management/v2/datasets/{uid}"
    assert_status(api.post(f"{base}/resources/", {"url": file.url, "type": "csvfile"}, format="json"), 201)
    for processor in processors:
        assert_status(api.post(f"{base}/processors/", processor, format="json"), 201)
    for specification in specifications:
        assert_status(api.post(f"{base}/fields_specifications/", specification, format="json"), 201)
    assert_status(api.put(f"{base}/publish"), 202)
    run_worker()
    return uid


def record_regions(dataset_id: str) -> list[tuple[str, str]]:
    """``(record_id, region)`` of every row of a published dataset's table, read straight from PostgreSQL."""
    table = Dataset.objects.get(dataset_id=dataset_id).current_version.table_name
    statement = sql.SQL("SELECT record_id, region FROM {}").format(sql.Identifier(SCHEMA, table))
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(cursor.connection))
        return cursor.fetchall()
