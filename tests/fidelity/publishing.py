"""Publishing a file the way a user of the API does, and reading it back through every public door.

Upload (``POST /files/``), ask which extractor reads it and with which params (``guess_extractors``,
``guess_extractor_params``), create the dataset and its resource with exactly those params, publish, let
the real RQ worker run, then read the published fields, the records and the exports.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.conftest import assert_status

MANAGEMENT = "/api/management/v2"
EXPLORE = "/api/explore/v2.1/catalog/datasets"
ORDER = "n"  # every generated table has a row-number column, so each output can be read in row order


@dataclass
class Published:
    """A dataset published from one file: its ids, the params the guess gave, its status and fields."""

    dataset_id: str
    dataset_uid: str
    extractor: str
    params: dict[str, Any]
    status: dict[str, Any]
    types: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status.get("name") != "idle" or not self.status.get("published", True)

    @property
    def failure(self) -> str:
        """Why the publish failed, for assertion messages."""
        return f"the publish ended in {self.status.get('name')!r}: {self.status.get('message')}"


class Publisher:
    """Publishes files as a user with the right to, through the management API and the in-process worker."""

    def __init__(self, api: APIClient, run_worker) -> None:
        self.api, self.run_worker, self.serial = api, run_worker, 0

    def upload(self, content: bytes, filename: str) -> str:
        """The ``odsfile://`` URL of ``content`` uploaded as a multipart file."""
        upload = SimpleUploadedFile(filename, content, content_type="application/octet-stream")
        body = assert_status(self.api.post(f"{MANAGEMENT}/files/", {"file": upload}, format="multipart"), 201)
        return f"odsfile://{body['file_id']}"

    def guess(self, url: str) -> tuple[str, dict[str, Any]]:
        """The recommended extractor of ``url`` and the params guessed for it."""
        extractors = assert_status(self.api.post(f"{MANAGEMENT}/guess_extractors/", {"url": url}, format="json"), 200)
        extractor = extractors["recommended_extractors"][0]
        body = {"url": url, "extractor": extractor}
        guessed = assert_status(self.api.post(f"{MANAGEMENT}/guess_extractor_params/", body, format="json"), 200)
        return extractor, guessed["params"]

    def publish(self, content: bytes, filename: str, params: dict[str, Any] | None = None) -> Published:
        """Upload, guess, create a domain-visible dataset with one resource (guessed params updated with
        ``params``), publish it and run the worker until the queue is empty."""
        self.serial += 1
        url = self.upload(content, filename)
        extractor, guessed = self.guess(url)
        guessed = {**guessed, **(params or {})}
        dataset_id = f"fidelity-{self.serial}"
        body = {"dataset_id": dataset_id, "visibility": "domain"}
        created = self.api.post(f"{MANAGEMENT}/datasets/", body, format="json")
        uid = assert_status(created, 201)["dataset_uid"]
        resource = {"url": url, "type": extractor, "params": guessed, "title": filename}
        assert_status(self.api.post(f"{MANAGEMENT}/datasets/{uid}/resources/", resource, format="json"), 201)
        assert_status(self.api.put(f"{MANAGEMENT}/datasets/{uid}/publish"), 202)
        self.run_worker()
        status = assert_status(self.api.get(f"{MANAGEMENT}/datasets/{uid}/status"), 200)
        published = Published(dataset_id, uid, extractor, guessed, status)
        if not published.failed:
            dataset = assert_status(self.api.get(f"{EXPLORE}/{dataset_id}"), 200)
            published.types = {item["name"]: item["type"] for item in dataset["fields"]}
        return published

    def delete(self, published: Published) -> None:
        """Drop the dataset and its records tables, so thousands of examples do not pile tables up."""
        assert_status(self.api.delete(f"{MANAGEMENT}/datasets/{published.dataset_uid}"), 204)

    def record_errors(self, published: Published) -> list[dict[str, Any]]:
        return assert_status(self.api.get(f"{MANAGEMENT}/datasets/{published.dataset_uid}/status/records_errors"), 200)

    def records(
        self, published: Published, order_by: str | None = ORDER, where: str | None = None
    ) -> list[dict[str, Any]]:
        """Every record (at most 100) through the records API, in ``order_by`` order, ``where`` it is given."""
        params = {"limit": 100, **({"order_by": order_by} if order_by else {}), **({"where": where} if where else {})}
        body = assert_status(self.api.get(f"{EXPLORE}/{published.dataset_id}/records", params), 200)
        return body["results"]

    def count(self, published: Published, where: str | None = None) -> int:
        """How many records the records API counts (``where`` they match)."""
        params = {"limit": 1, **({"where": where} if where else {})}
        return assert_status(self.api.get(f"{EXPLORE}/{published.dataset_id}/records", params), 200)["total_count"]

    def export(self, published: Published, export: str, order_by: str | None = ORDER) -> bytes:
        """The whole streamed export file."""
        params = {"order_by": order_by} if order_by else {}
        response = self.api.get(f"{EXPLORE}/{published.dataset_id}/exports/{export}", params)
        assert response.status_code == 200, f"{export} export: {response.status_code} {response.content[:500]!r}"
        return b"".join(response.streaming_content)

    def exported_rows(self, published: Published, export: str, order_by: str | None = ORDER) -> list[dict[str, Any]]:
        """The rows of an export as ``{column: value}`` dicts, each format read with its own reader."""
        return READERS[export](self.export(published, export, order_by))


def csv_rows(content: bytes) -> list[dict[str, Any]]:
    """The default CSV export: UTF-8 with a BOM, ``;``-separated; empty cells are None."""
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";")
    header, *lines = list(reader)
    return [{name: value or None for name, value in zip(header, line, strict=True)} for line in lines]


def json_rows(content: bytes) -> list[dict[str, Any]]:
    return json.loads(content)


def geojson_rows(content: bytes) -> list[dict[str, Any]]:
    """Each feature's properties, with its geometry under ``"__geometry__"``."""
    return [{**item["properties"], "__geometry__": item["geometry"]} for item in json.loads(content)["features"]]


def xlsx_rows(content: bytes) -> list[dict[str, Any]]:
    """The sheet's rows; the empty cells a row ends with are not in the file: None."""
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    header, *lines = list(workbook.active.iter_rows(values_only=True))
    return [{name: line[index] if index < len(line) else None for index, name in enumerate(header)} for line in lines]


READERS = {"csv": csv_rows, "json": json_rows, "geojson": geojson_rows, "xlsx": xlsx_rows}
