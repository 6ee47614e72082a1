"""Bad resources answer a clear 4xx naming the problem, and nothing stored changes.

Ragged rows and bytes the declared encoding cannot decode are not bad resources: they are record
errors (``test_resource_csv_problems.py``).
"""

import io
import time
import zipfile
from http.server import BaseHTTPRequestHandler

import openpyxl
import pytest

from datasets.models import Resource
from tests.conftest import assert_status, http_server
from tests.datasets.api.conftest import stored_file

BASE = "/api/management/v2"


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "year"])
    sheet.append(["Oak", 1990])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bomb_xlsx() -> bytes:
    """A valid-looking .xlsx whose sheet inflates to 300 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(xlsx_bytes_io(), "r") as original, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in original.infolist():
            bomb.writestr(item, original.read(item.filename))
        with bomb.open("xl/worksheets/sheet2.xml", "w") as member:
            zeros = b"0" * (1024 * 1024)
            for _ in range(300):
                member.write(zeros)
    return buffer.getvalue()


def xlsx_bytes_io() -> io.BytesIO:
    return io.BytesIO(xlsx_bytes())


CASES = {
    "empty file": (b"", "csvfile", {}, "empty"),
    "header only": (b"name,year\n", "csvfile", {}, "no data rows"),
    "binary data": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "csvfile", {}, "binary"),
    "NUL bytes": (b"name\nab\x00\xff\x01cd\n", "csvfile", {}, "NUL bytes"),
    "truncated xlsx": (xlsx_bytes()[:300], "xlsfile", {}, "damaged or truncated"),
}


@pytest.fixture
def dataset_uid(alice_api):
    return assert_status(alice_api.post(f"{BASE}/datasets/", {}, format="json"), 201)["dataset_uid"]


def create_resource(api, uid, url, extractor, params):
    body = {"url": url, "type": extractor, "params": params}
    return api.post(f"{BASE}/datasets/{uid}/resources/", body, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(CASES))
def test_unreadable_files_are_refused_at_creation_and_preview(alice_api, alice, dataset_uid, case):
    content, extractor, params, reason = CASES[case]
    file = stored_file(content, "bad", alice)
    error = assert_status(create_resource(alice_api, dataset_uid, file.url, extractor, params), 400)
    assert error["error_key"] == "InvalidSourceException"
    assert reason in error["message"]
    assert not Resource.objects.exists()
    body = {"url": file.url, "type": extractor, "params": params}
    error = assert_status(alice_api.post(f"{BASE}/datasets/{dataset_uid}/resource_preview", body, format="json"), 400)
    assert reason in error["message"]


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_without_inflating_it(alice_api, alice, dataset_uid):
    file = stored_file(zip_bomb_xlsx(), "bomb.xlsx", alice)
    started = time.perf_counter()
    error = assert_status(create_resource(alice_api, dataset_uid, file.url, "xlsfile", {}), 400)
    assert time.perf_counter() - started < 5
    assert error["error_key"] == "InvalidSourceException"
    assert not Resource.objects.exists()


@pytest.mark.django_db
def test_a_50_mb_line_is_refused(alice_api, alice, dataset_uid):
    file = stored_file(b"name\n" + b"x" * (50 * 1024 * 1024) + b"\n", "long.csv", alice)
    error = assert_status(create_resource(alice_api, dataset_uid, file.url, "csvfile", {}), 400)
    assert error["error_key"] == "InvalidSourceException"
    assert "longer than" in error["message"]
    assert not Resource.objects.exists()


@pytest.mark.django_db
def test_a_bad_edit_leaves_the_stored_resource_as_it_was(alice_api, alice, dataset_uid):
    good = stored_file(b"name\nOak\n", "good.csv", alice)
    created = assert_status(create_resource(alice_api, dataset_uid, good.url, "csvfile", {}), 201)
    empty = stored_file(b"", "empty.csv", alice)
    path = f"{BASE}/datasets/{dataset_uid}/resources/{created['resource_uid']}"
    assert_status(alice_api.put(path, {"url": empty.url, "type": "csvfile"}, format="json"), 400)
    assert Resource.objects.get().url == good.url


class Handler(BaseHTTPRequestHandler):
    """Serves /slow (answers after 3 s), /big (10 kB) and /data.csv (a small CSV)."""

    def do_GET(self):  # noqa: N802 - the http.server API
        if self.path == "/slow":
            time.sleep(3)
        body = b"name\n" + b"x" * 10_000 + b"\n" if self.path == "/big" else b"name,year\nOak,1990\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    with http_server(Handler) as base:
        yield base


@pytest.mark.django_db
def test_url_resources_are_fetched_within_bounds(alice_api, dataset_uid, server, settings):
    settings.RESOURCE_FETCH_ALLOW_PRIVATE = True
    settings.RESOURCE_FETCH_TIMEOUT = 1
    settings.RESOURCE_FETCH_MAX_BYTES = 5_000
    assert_status(create_resource(alice_api, dataset_uid, f"{server}/data.csv", "csvfile", {}), 201)
    slow = assert_status(create_resource(alice_api, dataset_uid, f"{server}/slow", "csvfile", {}), 400)
    assert slow["error_key"] == "ResourceFetchException"
    assert "timed out" in slow["message"]
    big = assert_status(create_resource(alice_api, dataset_uid, f"{server}/big", "csvfile", {}), 400)
    assert "larger than the 5000 bytes allowed" in big["message"]
    assert Resource.objects.count() == 1


@pytest.mark.django_db
def test_private_addresses_are_not_fetched_by_default(alice_api, dataset_uid, server):
    error = assert_status(create_resource(alice_api, dataset_uid, f"{server}/data.csv", "csvfile", {}), 400)
    assert error["error_key"] == "ResourceFetchException"
    assert "private or local address" in error["message"]
    assert not Resource.objects.exists()
