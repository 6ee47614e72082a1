"""Record errors carry the id of the record they concern (reference §5.4), also in ``status?expand=records_errors``."""

import pytest
from django.db import connection
from psycopg import sql

from datasets.models import Dataset
from jobs.models import RecordError
from tests.conftest import assert_status

BASE = "/api/management/v2"
pytestmark = pytest.mark.django_db(transaction=True)
NOTE_AS_INT = {"name": "type", "args": {"field": "note", "type": "int"}}


def published_ids_by_name(uid: str) -> dict[str, str]:
    table = Dataset.objects.select_related("current_version").get(dataset_uid=uid).current_version.table_name
    with connection.cursor() as cursor:
        statement = sql.SQL("SELECT name, record_id FROM records.{}").format(sql.Identifier(table))
        cursor.execute(statement.as_string(cursor.connection))
        return dict(cursor.fetchall())


def publish_with_note_errors(chief_api, uid: str, run_worker) -> None:
    assert_status(chief_api.post(f"{BASE}/datasets/{uid}/fields_specifications/", NOTE_AS_INT, format="json"), 201)
    assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 202)
    run_worker()


def test_record_errors_name_the_published_record(chief_api, trees, run_worker):
    uid, _ = trees
    publish_with_note_errors(chief_api, uid, run_worker)
    ids = published_ids_by_name(uid)
    errors = assert_status(chief_api.get(f"{BASE}/datasets/{uid}/status/records_errors"), 200)
    assert [(error["row"], error["record_id"]) for error in errors] == [(1, ids["Oak"]), (2, ids["Elm"])]
    assert all(len(error["record_id"]) == 40 for error in errors)
    # The stored rows hold it too (the admin's CSV reads them).
    assert sorted(RecordError.objects.values_list("record_id", flat=True)) == sorted(ids.values())


def test_status_expands_the_record_errors_list(chief_api, trees, run_worker):
    uid, _ = trees
    publish_with_note_errors(chief_api, uid, run_worker)
    assert assert_status(chief_api.get(f"{BASE}/datasets/{uid}/status"), 200)["records_errors"] == 2
    status = assert_status(chief_api.get(f"{BASE}/datasets/{uid}/status", {"expand": "records_errors"}), 200)
    listed = assert_status(chief_api.get(f"{BASE}/datasets/{uid}/status/records_errors"), 200)
    assert status["records_errors"] == listed and len(listed) == 2
    first = status["records_errors"][0]
    assert {"record_id", "processor_uid", "field_uid", "message", "raw_message", "raw_params"} <= set(first)
    assert (first["field_uid"], first["message"]) == ("note", 'Cannot convert "big old" to "int"')
    assert first["raw_params"] == {"value": "big old", "type": "int"}
    error = assert_status(chief_api.get(f"{BASE}/datasets/{uid}/status", {"expand": "nothing"}), 400)
    assert (error["error_key"], error["raw_params"]["field"]) == ("InvalidRequestParameterException", "expand")


def test_an_error_of_a_record_never_loaded_has_no_record_id(chief_api, trees, run_worker, settings):
    settings.MAX_RECORDS_PER_DATASET = 1
    uid, _ = trees
    publish_with_note_errors(chief_api, uid, run_worker)
    ids = published_ids_by_name(uid)
    errors = assert_status(chief_api.get(f"{BASE}/datasets/{uid}/status/records_errors"), 200)
    # Row 2's error was reported while reading it; the record limit stopped the load before writing it.
    assert [(error["row"], error["record_id"]) for error in errors] == [(1, ids["Oak"]), (2, None)]


def test_an_unpublished_dataset_shows_no_record_errors(chief_api, trees):
    uid, _ = trees
    status = assert_status(chief_api.get(f"{BASE}/datasets/{uid}/status", {"expand": "records_errors"}), 200)
    assert "records_errors" not in status
    assert assert_status(chief_api.get(f"{BASE}/datasets/{uid}/status/records_errors"), 200) == []
