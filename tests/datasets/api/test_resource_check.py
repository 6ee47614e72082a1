"""``POST .../resources/{uid}/check``: the whole file through the pipeline, in the request or as a job."""

from http.server import BaseHTTPRequestHandler

import pytest
from django.db import connection
from rest_framework.test import APIClient

from datasets.models import Change, Dataset, PublishedVersion
from jobs.models import Job
from tests.conftest import assert_status, http_server
from tests.datasets.api.conftest import GEOPOINT, stored_file

BASE = "/api/management/v2"
ROWS = 25_000  # more than the 20,000 records a preview infers from
LATE_ROW = 24_500  # where the "code" column stops being an int
BAD_LATITUDE_ROW = 21_000  # where the create_geopoint processor fails
BAD_AMOUNT_ROW = 22_000  # where the declared int type of "amount" fails
BLANK_NOTE_EVERY = 5
ERROR_KEYS = {"row", "resource_uid", "processor_uid", "field_uid", "message", "raw_message", "raw_params"}


def big_csv() -> bytes:
    """ROWS rows: an int code but for one late value, a late bad latitude, a late bad amount, blank notes."""
    lines = ["code,lat,lon,amount,note"]
    for row in range(1, ROWS + 1):
        code = "A17" if row == LATE_ROW else str(row)
        lat = "north" if row == BAD_LATITUDE_ROW else "48.85"
        amount = "unknown" if row == BAD_AMOUNT_ROW else str(row % 100)
        note = "" if row % BLANK_NOTE_EVERY == 0 else "ok"
        lines.append(f"{code},{lat},2.35,{amount},{note}")
    return ("\n".join(lines) + "\n").encode()


def create_dataset(api, owner, content: bytes, dataset_id: str = "checked") -> tuple[str, str]:
    """A dataset with one CSV resource made of ``content``: (dataset_uid, resource_uid)."""
    dataset = assert_status(api.post(f"{BASE}/datasets/", {"dataset_id": dataset_id}, format="json"), 201)
    file = stored_file(content, f"{dataset_id}.csv", owner)
    body = {"url": file.url, "type": "csvfile"}
    resource = assert_status(api.post(f"{BASE}/datasets/{dataset['dataset_uid']}/resources/", body, format="json"), 201)
    return dataset["dataset_uid"], resource["resource_uid"]


def check_url(uid: str, resource_uid: str) -> str:
    return f"{BASE}/datasets/{uid}/resources/{resource_uid}/check"


def by_name(fields: list[dict]) -> dict[str, dict]:
    return {field["name"]: field for field in fields}


@pytest.fixture
def big(alice_api, alice):
    return create_dataset(alice_api, alice, big_csv())


@pytest.fixture
def configured(alice_api, big):
    """The big dataset with a geopoint processor and a declared int type, both failing on one late row."""
    uid, resource_uid = big
    assert_status(alice_api.post(f"{BASE}/datasets/{uid}/processors/", GEOPOINT, format="json"), 201)
    spec = {"name": "type", "args": {"field": "amount", "type": "int"}}
    assert_status(alice_api.post(f"{BASE}/datasets/{uid}/fields_specifications/", spec, format="json"), 201)
    return uid, resource_uid


def snapshot(uid: str) -> dict:
    """What a check must leave as it was: the dataset row, versions, jobs, history, records tables."""
    dataset = Dataset.objects.get(dataset_uid=uid)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'records' AND tablename LIKE %s", [f"{uid}%"])
        tables = cursor.fetchone()[0]
    return {
        "status": dataset.status,
        "status_since": dataset.status_since,
        "published": dataset.is_published,
        "current_version": dataset.current_version_id,
        "last_modified": dataset.last_modified,
        "versions": PublishedVersion.objects.filter(dataset=dataset).count(),
        "changes": Change.objects.filter(dataset=dataset).count(),
        "tables": tables,
    }


@pytest.mark.django_db
class TestCheckInTheRequest:
    def test_the_check_sees_a_late_counter_example_the_preview_misses(self, alice_api, big):
        uid, resource_uid = big
        preview = assert_status(alice_api.get(f"{BASE}/datasets/{uid}/resources/{resource_uid}/preview"), 200)
        assert preview["sampled"] is True
        assert by_name(preview["fields"])["code"]["type"] == "int"

        check = assert_status(alice_api.post(check_url(uid, resource_uid)), 200)

        fields = by_name(check["fields"])
        assert fields["code"]["type"] == "text"
        assert fields["code"]["inference"]["counter_examples"] == [
            {"type": "int", "row": LATE_ROW, "value": "A17"},
            {"type": "double", "row": LATE_ROW, "value": "A17"},
        ]
        assert fields["code"]["inference"]["type"] == "text"
        assert (fields["lat"]["type"], fields["lon"]["type"], fields["amount"]["type"]) == ("text", "double", "text")
        late_latitude = {"type": "double", "row": BAD_LATITUDE_ROW, "value": "north"}
        assert fields["lat"]["inference"]["counter_examples"][0] == late_latitude
        blank_notes = ROWS // BLANK_NOTE_EVERY
        assert fields["note"]["inference"]["null_count"] == blank_notes
        assert fields["note"]["inference"]["value_count"] == ROWS - blank_notes
        assert (check["resource_uid"], check["records"], check["limit_reached"]) == (resource_uid, ROWS, False)
        assert (check["encoding"], check["bytes"]) == ("utf-8", len(big_csv()))
        assert (check["record_error_count"], check["record_errors"]) == (0, [])

    def test_a_json_resource_is_checked_whole_with_its_encoding(self, alice_api, alice):
        lines = [f'{{"n": {row}, "tag": "{"x" if row == 3000 else row % 7}"}}' for row in range(1, 3001)]
        file = stored_file("\n".join(lines).encode("utf-16"), "rows.jsonl", alice)
        dataset = assert_status(alice_api.post(f"{BASE}/datasets/", {"dataset_id": "lines"}, format="json"), 201)
        body = {"url": file.url, "type": "jsonfile", "params": {"format": "jsonl"}}
        path = f"{BASE}/datasets/{dataset['dataset_uid']}/resources/"
        resource = assert_status(alice_api.post(path, body, format="json"), 201)
        check = assert_status(alice_api.post(check_url(dataset["dataset_uid"], resource["resource_uid"])), 200)
        assert (check["encoding"], check["records"]) == ("utf-16", 3000)
        fields = by_name(check["fields"])
        assert (fields["n"]["type"], fields["tag"]["type"]) == ("int", "text")
        assert fields["tag"]["inference"]["counter_examples"][0] == {"type": "int", "row": 3000, "value": "x"}

    def test_the_inference_dict_is_passed_through_whole(self, alice_api, big, monkeypatch):
        """Keys inference adds to its per-field result reach the answer without the check naming them."""
        from datasets.pipeline.inference import InferredType

        original = InferredType.as_dict
        monkeypatch.setattr(InferredType, "as_dict", lambda self: {**original(self), "added_later": "."})
        check = assert_status(alice_api.post(check_url(*big)), 200)
        assert {field["inference"]["added_later"] for field in check["fields"]} == {"."}

    def test_record_errors_of_processors_and_declared_types(self, alice_api, configured):
        uid, resource_uid = configured
        check = assert_status(alice_api.post(check_url(uid, resource_uid)), 200)

        fields = by_name(check["fields"])
        assert fields["amount"]["type"] == "int"
        # Declared by a specification: the type stays, inference reports how the column is written.
        assert (fields["amount"]["inference"]["type"], fields["amount"]["inference"]["decimal_mark"]) == ("int", ".")
        assert fields["geo"]["type"] == "geo_point_2d"
        assert check["record_error_count"] == 2
        processor, conversion = check["record_errors"]
        assert all(set(error) == ERROR_KEYS for error in check["record_errors"])
        processor_uid = Dataset.objects.get(dataset_uid=uid).processors.get().processor_uid
        assert (processor["row"], processor["processor_uid"], processor["resource_uid"]) == (
            BAD_LATITUDE_ROW,
            processor_uid,
            resource_uid,
        )
        assert (conversion["row"], conversion["field_uid"], conversion["processor_uid"]) == (
            BAD_AMOUNT_ROW,
            "amount",
            None,
        )
        assert conversion["message"] == 'Cannot convert "unknown" to "int"'

    def test_only_the_first_errors_are_kept_and_all_are_counted(self, alice_api, alice, settings):
        settings.RECORD_ERRORS_KEPT = 3
        content = b"n\n" + b"".join(b"x\n" if row % 2 else b"1\n" for row in range(1, 11))
        uid, resource_uid = create_dataset(alice_api, alice, content)
        spec = {"name": "type", "args": {"field": "n", "type": "int"}}
        assert_status(alice_api.post(f"{BASE}/datasets/{uid}/fields_specifications/", spec, format="json"), 201)
        check = assert_status(alice_api.post(check_url(uid, resource_uid)), 200)
        assert check["record_error_count"] == 5
        assert [error["row"] for error in check["record_errors"]] == [1, 3, 5]

    def test_nothing_is_written(self, alice_api, configured):
        uid, resource_uid = configured
        before = snapshot(uid)
        assert_status(alice_api.post(check_url(uid, resource_uid)), 200)
        assert snapshot(uid) == before
        assert (before["status"], before["versions"], before["tables"]) == ("idle", 0, 0)
        assert not Job.objects.exists()

    def test_unknown_resource_or_dataset_is_404(self, alice_api, big):
        uid, _ = big
        error = assert_status(alice_api.post(check_url(uid, "re_nothere")), 404)
        assert error["error_key"] == "NotFoundException"
        assert set(error) == {"status_code", "error_key", "message", "raw_message", "raw_params"}
        error = assert_status(alice_api.post(check_url("da_nothere", "re_nothere")), 404)
        assert error["error_key"] == "UnknownDatasetException"

    def test_an_unreadable_resource_is_400_with_the_source_error(self, alice_api, alice):
        # Saving a resource reads its first rows only: a NUL byte 80 KB in is met by the whole-file check alone.
        rows = [b"a,b"] + [b"1,2"] * 20_000 + [b"1,\x002"]
        uid, resource_uid = create_dataset(alice_api, alice, b"\n".join(rows) + b"\n")
        error = assert_status(alice_api.post(check_url(uid, resource_uid)), 400)
        assert error["error_key"] == "InvalidSourceException"
        reason = "the file looks binary (it contains NUL bytes), not CSV text"
        assert error["message"] == f"Cannot read the resource: {reason}"

    def test_a_ragged_row_is_a_record_error_not_a_refusal(self, alice_api, alice):
        rows = [b"a,b"] + [b"1,2"] * 29 + [b"1,2,3"]
        uid, resource_uid = create_dataset(alice_api, alice, b"\n".join(rows) + b"\n")
        check = assert_status(alice_api.post(check_url(uid, resource_uid)), 200)
        assert (check["records"], check["record_error_count"]) == (30, 1)
        error = check["record_errors"][0]
        assert (error["row"], error["raw_params"]) == (30, {"values": 3, "columns": 2, "extra": ["3"]})

    def test_with_a_declared_type_a_ragged_row_is_reported_once(self, alice_api, alice):
        # The conversion pass of the declared type reads the rows again: the reader's problems were the
        # inference pass's to report, only the conversion failures are the second pass's.
        rows = [b"a,b"] + [b"1,2"] * 10 + [b"1,2,3", b"x,4"]
        uid, resource_uid = create_dataset(alice_api, alice, b"\n".join(rows) + b"\n")
        spec = {"name": "type", "args": {"field": "a", "type": "int"}}
        assert_status(alice_api.post(f"{BASE}/datasets/{uid}/fields_specifications/", spec, format="json"), 201)
        check = assert_status(alice_api.post(check_url(uid, resource_uid)), 200)
        errors = [(error["row"], error["raw_params"]) for error in check["record_errors"]]
        assert errors == [
            (11, {"values": 3, "columns": 2, "extra": ["3"]}),
            (12, {"value": "x", "type": "int"}),
        ]
        assert check["record_error_count"] == 2

    def test_who_may_preview_may_check(self, alice_api, bob_api, reader_api, anonymous_api, alice, big):
        uid, resource_uid = big
        assert_status(bob_api.post(check_url(uid, resource_uid)), 404)  # bob does not see the dataset
        assert_status(anonymous_api.post(check_url(uid, resource_uid)), 401)
        assert_status(reader_api.post(check_url(uid, resource_uid)), 200)  # publish_dataset, not edit_dataset
        session = APIClient(enforce_csrf_checks=True)
        session.force_login(alice)
        error = assert_status(session.post(check_url(uid, resource_uid)), 403)
        assert "CSRF" in error["message"]


class SmallCsv(BaseHTTPRequestHandler):
    """Serves the same small CSV at every path."""

    BODY = b"name,year\nOak,1990\nElm,2001\n"

    def do_GET(self):  # noqa: N802 - the http.server API
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.end_headers()
        self.wfile.write(self.BODY)

    def log_message(self, *args):
        pass


@pytest.mark.django_db(transaction=True)
class TestCheckAsAJob:
    def test_a_large_resource_is_checked_by_a_job_with_the_same_body(self, alice_api, configured, run_worker, settings):
        uid, resource_uid = configured
        direct = assert_status(alice_api.post(check_url(uid, resource_uid)), 200)
        before = snapshot(uid)
        settings.RESOURCE_CHECK_SYNC_MAX_BYTES = 1000

        response = alice_api.post(check_url(uid, resource_uid))
        job = assert_status(response, 202)
        assert response["Location"] == f"/api/management/v2/jobs/{job['job_uid']}"
        assert (job["function"], job["state"], job["dataset_uid"]) == ("resource_check", "waiting", uid)
        assert job["params"] == {"dataset_uid": uid, "resource_uid": resource_uid}

        run_worker()

        done = assert_status(alice_api.get(f"{BASE}/jobs/{job['job_uid']}"), 200)
        assert done["state"] == "done", done["error"]
        assert {**done["result"], "seconds": 0} == {**direct, "seconds": 0}
        phases = {phase["name"]: phase for phase in done["progresses"]}
        assert set(phases) == {"infer", "convert"}  # a declared type: the conversion pass ran
        assert phases["infer"]["done"] == phases["infer"]["total"] == len(big_csv())
        assert snapshot(uid) == before

    def test_the_check_tells_what_the_publish_then_does(self, alice_api, chief_api, configured, run_worker):
        uid, resource_uid = configured
        check = assert_status(alice_api.post(check_url(uid, resource_uid)), 200)
        assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 202)
        run_worker()
        version = Dataset.objects.get(dataset_uid=uid).current_version
        assert [(field["name"], field["type"]) for field in version.fields] == [
            (field["name"], field["type"]) for field in check["fields"]
        ]
        assert (version.record_count, version.record_error_count) == (check["records"], check["record_error_count"])
        published_errors = assert_status(alice_api.get(f"{BASE}/datasets/{uid}/status/records_errors"), 200)
        # The publish adds the id each record got (the check writes no record).
        assert [{k: v for k, v in error.items() if k != "record_id"} for error in published_errors] == check[
            "record_errors"
        ]

    def test_a_job_failing_on_the_source_ends_in_error_and_the_dataset_stays_idle(
        self, alice_api, alice, run_worker, settings
    ):
        rows = [b"a,b"] + [b"1,2"] * 20_000 + [b"1,\x002"]
        uid, resource_uid = create_dataset(alice_api, alice, b"\n".join(rows) + b"\n")
        settings.RESOURCE_CHECK_SYNC_MAX_BYTES = 10
        job = assert_status(alice_api.post(check_url(uid, resource_uid)), 202)
        run_worker()
        failed = assert_status(alice_api.get(f"{BASE}/jobs/{job['job_uid']}"), 200)
        assert (failed["state"], failed["error"]["error_key"]) == ("error", "InvalidSourceException")
        assert Dataset.objects.get(dataset_uid=uid).status == "idle"

    def test_a_check_job_and_a_publish_do_not_run_together(self, alice_api, chief_api, big, redis, settings):
        uid, resource_uid = big
        settings.RESOURCE_CHECK_SYNC_MAX_BYTES = 1000
        check = assert_status(alice_api.post(check_url(uid, resource_uid)), 202)
        error = assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 409)
        assert error["message"] == f"job {check['job_uid']} is still active on this dataset"
        assert Dataset.objects.get(dataset_uid=uid).status == "idle"

    def test_a_large_check_waits_for_a_publish_a_small_one_does_not(self, alice_api, chief_api, big, redis, settings):
        uid, resource_uid = big
        publish = assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 202)
        settings.RESOURCE_CHECK_SYNC_MAX_BYTES = 1000
        error = assert_status(alice_api.post(check_url(uid, resource_uid)), 409)
        assert error["message"] == f"job {publish['job_uid']} is still active on this dataset"
        settings.RESOURCE_CHECK_SYNC_MAX_BYTES = len(big_csv())
        assert_status(alice_api.post(check_url(uid, resource_uid)), 200)
        assert Dataset.objects.get(dataset_uid=uid).status == "queued"

    def test_a_remote_resource_counts_by_its_fetched_size(self, alice_api, run_worker, settings):
        settings.RESOURCE_FETCH_ALLOW_PRIVATE = True
        dataset = assert_status(alice_api.post(f"{BASE}/datasets/", {"dataset_id": "remote"}, format="json"), 201)
        uid = dataset["dataset_uid"]
        with http_server(SmallCsv) as server:
            body = {"url": f"{server}/trees.csv", "type": "csvfile"}
            resource = assert_status(alice_api.post(f"{BASE}/datasets/{uid}/resources/", body, format="json"), 201)
            url = check_url(uid, resource["resource_uid"])
            settings.RESOURCE_CHECK_SYNC_MAX_BYTES = len(SmallCsv.BODY)
            direct = assert_status(alice_api.post(url), 200)
            assert (direct["bytes"], direct["records"]) == (len(SmallCsv.BODY), 2)
            settings.RESOURCE_CHECK_SYNC_MAX_BYTES = len(SmallCsv.BODY) - 1
            job = assert_status(alice_api.post(url), 202)
            run_worker()
        done = assert_status(alice_api.get(f"{BASE}/jobs/{job['job_uid']}"), 200)
        assert {**done["result"], "seconds": 0} == {**direct, "seconds": 0}
