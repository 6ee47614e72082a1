"""Exports in flight per process (``EXPLORE_MAX_EXPORTS_IN_FLIGHT``): a slot per export, a 503 beyond, and every
way an export ends gives its slot back exactly once."""

import gc
import json

import pytest
from rest_framework.test import APIClient

from datasets.store import export_slots, reading
from tests.conftest import assert_status
from tests.datasets.api.conftest import publish_public_csv, rows_csv

BASE = "/api/explore/v2.1/catalog/datasets/towns/exports"
pytestmark = pytest.mark.django_db(transaction=True)
ROWS = [{"city": f"Town {n:02d}", "population": 1000 + n} for n in range(30)]
OVERFLOW = "population * 9223372036854775807 > 1"  # compiles, then fails in PostgreSQL (bigint out of range)


@pytest.fixture
def towns(chief_api, alice, run_worker, redis):
    return publish_public_csv(chief_api, alice, run_worker, "towns", rows_csv(ROWS))


@pytest.fixture
def one_slot(settings):
    settings.EXPLORE_MAX_EXPORTS_IN_FLIGHT = 1


def started(export: str = "json", params=None):
    """An export whose response exists (query run, first batch read) but whose stream nobody has read."""
    response = APIClient().get(f"{BASE}/{export}", params or {})
    assert response.status_code == 200, response.content
    return response


def downloaded(export: str = "json", params=None) -> bytes:
    return b"".join(started(export, params).streaming_content)


def assert_refused_busy(export: str = "json") -> None:
    response = APIClient().get(f"{BASE}/{export}")
    body = assert_status(response, 503)
    assert body == {
        "error_code": "TooManyExports",
        "message": f"Too many exports are running on this server; retry in {export_slots.RETRY_AFTER} seconds",
    }
    assert response["Retry-After"] == str(export_slots.RETRY_AFTER)


def test_exports_beyond_the_bound_are_refused_with_retry_after_until_one_ends(towns, settings):
    settings.EXPLORE_MAX_EXPORTS_IN_FLIGHT = 2
    held = [started("json"), started("csv")]  # both paths: rows through a cursor, and COPY
    assert_refused_busy("json")
    assert_refused_busy("parquet")
    held[0].close()
    held[0] = started("jsonl")
    assert_refused_busy("csv")
    for response in held:
        response.close()
    assert len(downloaded("csv").splitlines()) == len(ROWS) + 1
    assert len(json.loads(downloaded("json"))) == len(ROWS)


def test_a_complete_download_gives_its_slot_back(towns, one_slot, monkeypatch):
    monkeypatch.setattr(reading, "BATCH_SIZE", 7)  # several batches: the slot is held across them
    for export in ("json", "csv", "jsonl", "json"):
        assert downloaded(export)


def test_an_abandoned_download_gives_its_slot_back(towns, one_slot, monkeypatch):
    monkeypatch.setattr(reading, "BATCH_SIZE", 7)
    response = started("jsonl")
    next(iter(response.streaming_content))  # the client reads a little, then leaves: Django closes the response
    assert_refused_busy()
    response.close()
    assert len(json.loads(downloaded("json"))) == len(ROWS)


def test_a_response_never_read_nor_closed_gives_its_slot_back_when_dropped(towns, one_slot):
    response = started("json", {"compressed": "true"})
    assert_refused_busy()
    del response
    gc.collect()
    assert downloaded("json")


@pytest.mark.parametrize("export", ["json", "csv"])
def test_an_export_failing_before_it_streams_gives_its_slot_back(towns, one_slot, export):
    for where, code in ((OVERFLOW, "ODSQLError"), ("nope = 1", "ODSQLError")):
        body = assert_status(APIClient().get(f"{BASE}/{export}", {"where": where}), 400)
        assert body["error_code"] == code
    assert downloaded(export)


def test_a_not_modified_answer_takes_no_slot(towns, one_slot):
    held = started("json")
    assert_refused_busy()
    # A 304 opens no connection: it is answered even while every slot is taken.
    etag = held["ETag"]
    assert APIClient().get(f"{BASE}/json", HTTP_IF_NONE_MATCH=etag).status_code == 304
    held.close()


def test_a_slot_is_released_once_however_often_it_is_released(settings):
    settings.EXPLORE_MAX_EXPORTS_IN_FLIGHT = 2
    first = export_slots.export_slot()
    first.release()
    first.release()  # a BoundedSemaphore would raise ValueError on a second release
    second, third = export_slots.export_slot(), export_slots.export_slot()
    with pytest.raises(export_slots.ExploreError) as refused:
        export_slots.export_slot()
    assert (refused.value.status_code, refused.value.retry_after) == (503, export_slots.RETRY_AFTER)
    del second
    gc.collect()
    fourth = export_slots.export_slot()
    assert third.held and fourth.held and not first.held
    third.release()
    fourth.release()


def test_a_query_failing_past_its_first_batch_is_still_an_error_answer_for_xlsx(towns, one_slot, monkeypatch):
    """xlsx writes its whole file before its first chunk: a value the query cannot compute, in a batch after the
    first, is a 400 before the response starts (and the slot comes back), not a server error."""
    monkeypatch.setattr(reading, "BATCH_SIZE", 7)
    # Past bigint from population 1020 on: the 21st row, in the third batch.
    select = f"city, population * {(2**63 - 1) // 1019} as x"
    body = assert_status(APIClient().get(f"{BASE}/xlsx", {"select": select}), 400)
    assert body["error_code"] == "ODSQLError" and "out of range" in body["message"]
    assert downloaded("xlsx")
