"""A republish of unchanged bytes with an unchanged configuration skips the inference pass, and publishes the same.

Through the API and a real RQ worker: the served version stores, per resource, what inference decided
and the key of its inputs; the next publish takes it when the key is the same, and reads the resource
again when the bytes, the resource's parameters, a processor or a field specification changed.
"""

import pytest

from datasets.models import Dataset, PublishedVersion
from datasets.tasks import publish as publish_job
from jobs.models import Job
from tests.conftest import assert_status
from tests.datasets.api.conftest import stored_file

BASE = "/api/management/v2"
pytestmark = pytest.mark.django_db(transaction=True)

# Decimal commas, day-first dates, NA markers and a stray latin-1 byte: every decision inference stores.
MESSY = "name;price;day;count\ncaf\xe9;1,5;31/01/2024;NA\nthé;2,25;01/02/2024;3\nx;NA;15/03/2024;-4\n".encode("latin-1")


@pytest.fixture
def messy(alice_api, alice):
    """A dataset whose one resource is MESSY, declared UTF-8 (inference settles on another encoding)."""
    dataset = assert_status(alice_api.post(f"{BASE}/datasets/", {"dataset_id": "messy"}, format="json"), 201)
    uid = dataset["dataset_uid"]
    file = stored_file(MESSY, "messy.csv", alice)
    body = {"url": file.url, "title": "Messy", "type": "csvfile", "params": {"separator": ";", "encoding": "utf-8"}}
    resource = assert_status(alice_api.post(f"{BASE}/datasets/{uid}/resources/", body, format="json"), 201)
    return uid, resource


@pytest.fixture
def inference_passes(monkeypatch):
    """The resources the worker ran an inference pass over, in order."""
    passes: list[str] = []
    original = publish_job.infer

    def counted(*args, **kwargs):
        passes.append(kwargs["resource_uid"])
        return original(*args, **kwargs)

    monkeypatch.setattr(publish_job, "infer", counted)
    return passes


def publish_and_run(api, uid, run_worker) -> Job:
    job = assert_status(api.put(f"{BASE}/datasets/{uid}/publish"), 202)
    run_worker()
    ended = Job.objects.get(job_uid=job["job_uid"])
    assert ended.state == "done", ended.result
    return ended


def served(uid) -> PublishedVersion:
    return Dataset.objects.select_related("current_version").get(dataset_uid=uid).current_version


def records(api, uid) -> list[dict]:
    dataset = Dataset.objects.get(dataset_uid=uid)
    url = f"/api/explore/v2.1/catalog/datasets/{dataset.dataset_id}/records?order_by=name&limit=20"
    return assert_status(api.get(url), 200)["results"]


def same_publish(first: Job, second: Job) -> None:
    """Two jobs published the same: the same result but for the table and the timings."""
    ignored = {"table", "timings"}
    assert {k: v for k, v in second.result.items() if k not in ignored} == {
        k: v for k, v in first.result.items() if k not in ignored
    }


def test_an_unchanged_republish_takes_the_stored_inference(chief_api, messy, run_worker, inference_passes):
    uid, resource = messy
    first = publish_and_run(chief_api, uid, run_worker)
    before = served(uid)
    rows_before = records(chief_api, uid)
    assert inference_passes == [resource["resource_uid"]]
    assert before.inference[resource["resource_uid"]]["count"] == 3

    second = publish_and_run(chief_api, uid, run_worker)

    assert inference_passes == [resource["resource_uid"]]  # no second pass
    after = served(uid)
    assert after.number == before.number + 1
    assert (after.fields, after.record_count, after.record_errors) == (before.fields, 3, before.record_errors)
    assert after.inference == before.inference
    assert records(chief_api, uid) == rows_before
    same_publish(first, second)
    assert second.result["encodings"][resource["resource_uid"]]["used"] != "utf-8"
    assert second.result["null_markers"] == {"price": {"NA": 1}, "count": {"NA": 1}}
    types = {field["name"]: field["type"] for field in after.fields}
    assert types == {"name": "text", "price": "double", "day": "date", "count": "int"}


def test_new_bytes_are_inferred_again(chief_api, alice, messy, run_worker, inference_passes):
    uid, resource = messy
    publish_and_run(chief_api, uid, run_worker)
    changed = stored_file(MESSY.replace(b"3\n", b"three\n"), "messy.csv", alice)
    body = {**resource, "url": changed.url}
    assert_status(
        chief_api.put(f"{BASE}/datasets/{uid}/resources/{resource['resource_uid']}", body, format="json"), 200
    )

    publish_and_run(chief_api, uid, run_worker)

    assert inference_passes == [resource["resource_uid"]] * 2
    assert {field["name"]: field["type"] for field in served(uid).fields}["count"] == "text"


@pytest.mark.parametrize(
    ("section", "body"),
    [
        ("fields_specifications", {"name": "type", "args": {"field": "count", "type": "double"}}),
        ("processors", {"name": "skip_record", "args": {"field": "name", "value": "x"}}),
    ],
)
def test_a_changed_configuration_is_inferred_again(chief_api, messy, run_worker, inference_passes, section, body):
    uid, resource = messy
    publish_and_run(chief_api, uid, run_worker)
    assert_status(chief_api.post(f"{BASE}/datasets/{uid}/{section}/", body, format="json"), 201)

    publish_and_run(chief_api, uid, run_worker)

    assert inference_passes == [resource["resource_uid"]] * 2


def test_changed_parameters_are_inferred_again(chief_api, messy, run_worker, inference_passes):
    uid, resource = messy
    publish_and_run(chief_api, uid, run_worker)
    body = {**resource, "params": {**resource["params"], "decimal_mark": "."}}
    assert_status(
        chief_api.put(f"{BASE}/datasets/{uid}/resources/{resource['resource_uid']}", body, format="json"), 200
    )

    publish_and_run(chief_api, uid, run_worker)

    assert inference_passes == [resource["resource_uid"]] * 2


def test_a_stored_inference_that_does_not_read_back_is_inferred_again(chief_api, messy, run_worker, inference_passes):
    uid, resource = messy
    publish_and_run(chief_api, uid, run_worker)
    version = served(uid)
    version.inference[resource["resource_uid"]]["details"] = "garbled"
    version.save(update_fields=["inference"])

    publish_and_run(chief_api, uid, run_worker)

    assert inference_passes == [resource["resource_uid"]] * 2
    assert served(uid).inference[resource["resource_uid"]]["details"]["price"]["type"] == "double"
