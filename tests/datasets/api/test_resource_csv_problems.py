"""Ragged rows and encodings end to end: saved, previewed, published by a real worker, read back.

A row with a value too many or too few, or bytes the declared encoding cannot decode, used to pass
the save check (first rows, first 64 KB) and then fail the whole publish; now each is a record error
and the publish goes on, with the encoding decided over the whole file.
"""

import pytest

from datasets.models import Dataset
from jobs.models import Job
from tests.conftest import assert_status
from tests.data import data_file, late_accent_cp1252
from tests.datasets.api.conftest import publish_public_csv, stored_file

BASE = "/api/management/v2"
EXPLORE = "/api/explore/v2.1/catalog/datasets"
pytestmark = pytest.mark.django_db(transaction=True)


def records(api, dataset_id: str, **query) -> list[dict]:
    body = assert_status(api.get(f"{EXPLORE}/{dataset_id}/records", {"limit": 100, **query}), 200)
    return body["results"]


def record_errors(api, uid: str) -> list[dict]:
    return assert_status(api.get(f"{BASE}/datasets/{uid}/status/records_errors"), 200)


def last_job(uid: str) -> Job:
    return Job.objects.filter(dataset__dataset_uid=uid).order_by("-id").first()


def test_ragged_rows_are_published_with_record_errors(chief_api, alice, run_worker, anonymous_api):
    uid = publish_public_csv(chief_api, alice, run_worker, "ragged", data_file("ragged.csv"))
    job = last_job(uid)
    assert job.state == "done", job.error
    assert (job.result["records"], job.result["record_errors"]) == (4, 2)
    assert records(anonymous_api, "ragged", order_by="height") == [
        {"name": "Yew", "height": 3, "note": "ok"},
        {"name": "Ash", "height": 5, "note": "young, tall"},
        {"name": "Elm", "height": 8, "note": None},
        {"name": "Oak", "height": 12, "note": "old"},
    ]
    resource_uid = Dataset.objects.get(dataset_uid=uid).resources.get().resource_uid
    errors = record_errors(chief_api, uid)
    assert [(error["row"], error["resource_uid"], error["field_uid"]) for error in errors] == [
        (2, resource_uid, None),
        (3, resource_uid, None),
    ]
    assert errors[0]["message"] == "Row has 2 values but the header has 3 columns: the missing values are null"
    assert errors[1]["raw_params"] == {"values": 5, "columns": 3, "extra": ["extra 1", "extra 2"]}


def test_a_ragged_row_past_the_save_check_no_longer_fails_the_publish(chief_api, alice, run_worker):
    good = "".join(f"{n},tree {n}\n" for n in range(1, 31))  # the save check reads the first 20 rows
    uid = publish_public_csv(chief_api, alice, run_worker, "late-ragged", f"id,name\n{good}31\n32,x,y\n".encode())
    job = last_job(uid)
    assert job.state == "done", job.error  # it used to end in error: "row 31 has 1 value but the header has 2 columns"
    assert (job.result["records"], job.result["record_errors"]) == (32, 2)
    assert records(chief_api, "late-ragged", where="id > 30", order_by="id") == [
        {"id": 31, "name": None},
        {"id": 32, "name": "x"},
    ]
    assert [(error["row"], error["raw_params"]) for error in record_errors(chief_api, uid)] == [
        (31, {"values": 1, "columns": 2}),
        (32, {"values": 3, "columns": 2, "extra": ["y"]}),
    ]


def test_ragged_rows_are_shown_by_the_preview(alice_api, alice):
    uid = assert_status(alice_api.post(f"{BASE}/datasets/", {}, format="json"), 201)["dataset_uid"]
    file = stored_file(data_file("ragged.csv"), "ragged.csv", alice)
    body = {"url": file.url, "type": "csvfile"}
    resource = assert_status(alice_api.post(f"{BASE}/datasets/{uid}/resources/", body, format="json"), 201)
    shown = assert_status(alice_api.get(f"{BASE}/datasets/{uid}/resources/{resource['resource_uid']}/preview"), 200)
    assert shown["records"][1] == {"name": "Elm", "height": 8, "note": None}
    assert [(error["row"], error["raw_params"]["values"]) for error in shown["record_errors"]] == [(2, 2), (3, 5)]
    assert "encoding" not in shown


def test_a_late_accent_is_published_in_the_encoding_found_over_the_whole_file(chief_api, alice, run_worker):
    uid = publish_public_csv(chief_api, alice, run_worker, "late-accent", late_accent_cp1252())
    job = last_job(uid)
    assert job.state == "done", job.error  # it used to end in error: "bytes at offset 121017 are not valid utf-8"
    resource_uid = Dataset.objects.get(dataset_uid=uid).resources.get().resource_uid
    assert job.result["encodings"] == {
        resource_uid: {
            "declared": "utf-8",
            "used": "cp1252",
            "first_invalid_offset": 121017,
            "reason": "2 non-ASCII lines are not UTF-8; charset-normalizer ranks cp1252 among the best",
        }
    }
    assert (job.result["records"], job.result["record_errors"]) == (3302, 0)
    assert records(chief_api, "late-accent", where="id > 3300", order_by="id") == [
        {"id": 3301, "city": "Orléans", "comment": "café à côté"},
        {"id": 3302, "city": "Besançon", "comment": "déjà vu – 5 €"},
    ]


def test_the_guess_reads_the_encoding_from_across_the_file(alice_api, alice):
    file = stored_file(late_accent_cp1252(), "late.csv", alice)
    body = {"url": file.url, "extractor": "csvfile"}
    guessed = assert_status(alice_api.post(f"{BASE}/guess_extractor_params/", body, format="json"), 200)
    assert guessed["params"]["encoding"] == "cp1252"


def test_the_preview_says_which_encoding_it_read_with(alice_api, alice):
    uid = assert_status(alice_api.post(f"{BASE}/datasets/", {}, format="json"), 201)["dataset_uid"]
    file = stored_file(late_accent_cp1252(), "late.csv", alice)
    body = {"url": file.url, "type": "csvfile", "params": {"encoding": "utf-8"}}
    shown = assert_status(alice_api.post(f"{BASE}/datasets/{uid}/resource_preview", body, format="json"), 200)
    assert (shown["encoding"]["declared"], shown["encoding"]["used"]) == ("utf-8", "cp1252")


def test_stray_bytes_in_a_utf8_file_are_record_errors_not_a_failed_publish(chief_api, alice, run_worker):
    content = ("id,city\n" + "".join(f"{n},Orléans\n" for n in range(1, 6))).encode() + "6,Besançon\n".encode("cp1252")
    uid = publish_public_csv(chief_api, alice, run_worker, "stray", content)
    job = last_job(uid)
    assert job.state == "done", job.error
    assert (job.result["records"], job.result["record_errors"]) == (6, 1)
    assert job.result["encodings"][Dataset.objects.get(dataset_uid=uid).resources.get().resource_uid]["used"] == "utf-8"
    assert records(chief_api, "stray", where="id >= 5", order_by="id") == [
        {"id": 5, "city": "Orléans"},
        {"id": 6, "city": "Besan\ufffdon"},
    ]
    [error] = record_errors(chief_api, uid)
    assert (error["row"], error["field_uid"]) == (6, "city")
    assert error["raw_params"] == {
        "offset": content.index(b"\xe7"),
        "bytes": "e7",
        "encoding": "utf-8",
        "value": "Besan\ufffdon",
    }
