"""The production server (gunicorn, ``config/gunicorn.conf.py``) serving long downloads and reads during swaps."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

from datasets.models import Dataset
from datasets.services.datasets import dataset_create
from datasets.services.retired_tables import drop_retired_tables
from tests.conftest import assert_status
from tests.datasets.api.conftest import publish_public_csv, stored_file
from tests.generated_tables import publish_generated

pytestmark = [pytest.mark.serving, pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]
EXPLORE = "/api/explore/v2.1/catalog/datasets"
MILLION = 1_000_000


def throttled_download(server, path: str, chunk: int, pause: float) -> tuple[int, bytes, float]:
    """GET ``path`` reading ``chunk`` bytes then pausing: a slow client, as over a poor mobile link."""
    client = server.connection(timeout=120)
    started = time.monotonic()
    try:
        client.request("GET", path)
        response = client.getresponse()
        parts = []
        while data := response.read(chunk):
            parts.append(data)
            time.sleep(pause)
        return response.status, b"".join(parts), time.monotonic() - started
    finally:
        client.close()


def test_a_million_row_csv_export_to_a_slow_client_arrives_whole_after_more_than_30_seconds(production_server, alice):
    dataset = dataset_create(owner=alice, dataset_id="million", visibility=Dataset.Visibility.DOMAIN)
    publish_generated(dataset, MILLION)
    # About 17 MB at about 500 kB/s: past gunicorn's 30 s worker timeout and the 10 s statement timeout.
    status, body, seconds = throttled_download(
        production_server, f"{EXPLORE}/million/exports/csv?order_by=n", 16 * 1024, 0.03
    )
    assert status == 200
    lines = body.decode("utf-8-sig").splitlines()
    assert seconds > 30
    assert (len(lines), lines[0], lines[1], lines[-1]) == (
        MILLION + 1,
        "n;label",
        "1;row 1",
        f"{MILLION};row {MILLION}",
    )


def version_csv(version: int) -> bytes:
    """Version ``v`` of the dataset: 1000 + v rows, each saying which version it belongs to."""
    rows = "".join(f"{version},row {n},{n}\n" for n in range(1000 + version))
    return f"version,name,n\n{rows}".encode()


@dataclass
class Tally:
    """What the readers saw: answers per kind, server errors, and answers mixing versions."""

    answers: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    inconsistent: list[str] = field(default_factory=list)
    versions: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int, problem: str | None, version: int | None) -> None:
        with self.lock:
            self.answers[kind] += 1
            if status >= 500:
                self.errors.append(f"{kind}: {status}")
            elif problem:
                self.inconsistent.append(f"{kind}: {problem}")
            if version is not None:
                self.versions.add(version)


def check_records(body: bytes) -> tuple[str | None, int | None]:
    answer = json.loads(body)
    versions = {int(row["version"]) for row in answer["results"]}
    if len(versions) != 1:
        return f"versions {versions} in one page", None
    version = versions.pop()
    return (None if answer["total_count"] == 1000 + version else f"{answer['total_count']} rows in v{version}"), version


def check_facets(body: bytes) -> tuple[str | None, int | None]:
    values = json.loads(body)["facets"][0]["facets"]
    if len(values) != 1:
        return f"facet values {values}", None
    version = int(values[0]["value"])
    return (None if values[0]["count"] == 1000 + version else f"facet count {values[0]['count']}"), version


def check_export(body: bytes) -> tuple[str | None, int | None]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))[1:]
    versions = {row[0] for row in rows}
    if len(versions) != 1:
        return f"versions {versions} in one export", None
    version = int(versions.pop())
    return (None if len(rows) == 1000 + version else f"{len(rows)} exported rows of v{version}"), version


READS = {
    "records": (f"{EXPLORE}/swapped/records?limit=20&order_by=n", check_records),
    "facets": (f"{EXPLORE}/swapped/facets?facet=version", check_facets),
    "export": (f"{EXPLORE}/swapped/exports/csv", check_export),
}


def read_until(server, stop: threading.Event, tally: Tally, kind: str) -> None:
    path, check = READS[kind]
    while not stop.is_set():
        status, body = server.get(path)
        problem, version = check(body) if status == 200 else (f"status {status}", None)
        tally.record(kind, status, problem, version)


def test_readers_see_exactly_one_version_and_no_error_while_the_dataset_is_republished_ten_times(
    production_server, chief_api, alice, run_worker, settings
):
    uid = publish_public_csv(chief_api, alice, run_worker, "swapped", version_csv(0))
    resource = Dataset.objects.get(dataset_uid=uid).resources.get()
    tally, stop = Tally(), threading.Event()
    readers = [
        threading.Thread(target=read_until, args=(production_server, stop, tally, kind), daemon=True)
        for kind in ("records", "records", "facets", "facets", "export", "export")
    ]
    for reader in readers:
        reader.start()
    # Retired tables go soon after each swap, while the readers go on: the drop runs under load too.
    settings.RETIRED_TABLE_GRACE_SECONDS = 3
    dropped = []
    try:
        for version in range(1, 11):
            file = stored_file(version_csv(version), f"v{version}.csv", alice)
            body = {"url": file.url, "type": "csvfile"}
            path = f"/api/management/v2/datasets/{uid}/resources/{resource.resource_uid}"
            assert_status(chief_api.put(path, body, format="json"), 200)
            assert_status(chief_api.put(f"/api/management/v2/datasets/{uid}/publish"), 202)
            run_worker()
            assert Dataset.objects.get(dataset_uid=uid).current_version.record_count == 1000 + version
            time.sleep(0.5)
            dropped += drop_retired_tables()
        time.sleep(3.5)
        dropped += drop_retired_tables()
    finally:
        stop.set()
        for reader in readers:
            reader.join(60)
    assert tally.errors == [] and tally.inconsistent == []
    assert min(tally.answers[kind] for kind in READS) >= 10, tally.answers
    assert len(tally.versions) >= 5, tally.versions  # the readers did see the versions change
    assert len(dropped) == 10
