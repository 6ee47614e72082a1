"""Read-modify-write: an object fetched, changed and sent back whole is accepted; its read-only keys are checked.

Read-only keys sent back unchanged are set aside; a changed one answers 400 naming it, and nothing is written.
"""

import pytest

from datasets.models import Dataset, FieldSpecification, Processor, Resource
from tests.conftest import assert_status

BASE = "/api/management/v2"
pytestmark = pytest.mark.django_db


def refused_naming(response, *names: str) -> dict:
    error = assert_status(response, 400)
    assert error["error_key"] == "InvalidRequestParameterException"
    assert error["raw_params"]["field"] == names[0]
    for name in names:
        assert name in error["message"]
    return error


@pytest.fixture
def dataset_url(trees):
    uid, _ = trees
    return f"{BASE}/datasets/{uid}/"


def test_a_fetched_dataset_sent_back_renames_it(alice_api, dataset_url):
    fetched = assert_status(alice_api.get(dataset_url, {"expand": "status,changes"}), 200)
    assert {"dataset_uid", "metas", "status", "changes", "last_modified"} <= set(fetched)
    renamed = assert_status(alice_api.put(dataset_url, {**fetched, "dataset_id": "oaks"}, format="json"), 200)
    assert (renamed["dataset_id"], renamed["dataset_uid"]) == ("oaks", fetched["dataset_uid"])
    assert Dataset.objects.get(dataset_uid=fetched["dataset_uid"]).dataset_id == "oaks"
    # Sent back as shown without expansion (stubs) is the same object too.
    plain = assert_status(alice_api.get(dataset_url), 200)
    assert assert_status(alice_api.patch(dataset_url, plain, format="json"), 200)["dataset_id"] == "oaks"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"dataset_uid": "da_zzzzzz"}, "dataset_uid"),
        ({"status": {"name": "processing"}}, "status.name"),
        ({"has_unpublished_changes": False}, "has_unpublished_changes"),
        ({"last_modified": "2001-01-01T00:00:00+00:00"}, "last_modified"),
        ({"visibility": "domain"}, "visibility"),
        ({"metas": {"default": {"title": "Changed here"}}}, "metas.default.title"),
        ({"metas": {"publishing": {"published": True}}}, "metas.publishing.published"),
        ({"changes": []}, "changes"),
    ],
)
def test_a_changed_read_only_key_of_a_dataset_is_refused_naming_it(alice_api, dataset_url, change, named):
    fetched = assert_status(alice_api.get(dataset_url), 200)
    body = {**fetched, "dataset_id": "oaks", **change}
    refused_naming(alice_api.put(dataset_url, body, format="json"), named)
    assert Dataset.objects.get(dataset_uid=fetched["dataset_uid"]).dataset_id == "trees"


def test_every_changed_read_only_key_is_named(alice_api, dataset_url):
    fetched = assert_status(alice_api.get(dataset_url), 200)
    body = {**fetched, "dataset_uid": "da_zzzzzz", "visibility": "domain"}
    refused_naming(alice_api.put(dataset_url, body, format="json"), "dataset_uid", "visibility")


def test_unknown_keys_and_a_missing_id_stay_refused(alice_api, dataset_url):
    fetched = assert_status(alice_api.get(dataset_url), 200)
    refused_naming(alice_api.put(dataset_url, {**fetched, "colour": "red"}, format="json"), "colour")
    without_id = {key: value for key, value in fetched.items() if key != "dataset_id"}
    refused_naming(alice_api.put(dataset_url, without_id, format="json"), "dataset_id")


def test_a_fetched_resource_sent_back_with_a_new_title_is_saved(alice_api, trees):
    uid, resource = trees
    url = f"{BASE}/datasets/{uid}/resources/{resource['resource_uid']}/"
    fetched = assert_status(alice_api.get(url), 200)
    saved = assert_status(alice_api.put(url, {**fetched, "title": "Oaks"}, format="json"), 200)
    assert saved == {**fetched, "title": "Oaks"}
    assert Resource.objects.get(resource_uid=resource["resource_uid"]).title == "Oaks"
    refused_naming(alice_api.put(url, {**fetched, "resource_uid": "re_zzzzzz"}, format="json"), "resource_uid")
    assert Resource.objects.get(resource_uid=resource["resource_uid"]).title == "Oaks"


def test_a_fetched_processor_sent_back_with_new_args_is_saved(alice_api, trees):
    uid, _ = trees
    body = {"name": "string_replace", "args": {"field": "name", "old": "Oak", "new": "Chêne"}}
    created = assert_status(alice_api.post(f"{BASE}/datasets/{uid}/processors/", body, format="json"), 201)
    url = f"{BASE}/datasets/{uid}/processors/{created['processor_uid']}"
    fetched = assert_status(alice_api.get(url), 200)
    args = {**fetched["args"], "new": "Roble"}
    saved = assert_status(alice_api.put(url, {**fetched, "args": args}, format="json"), 200)
    assert (saved["processor_uid"], saved["args"]["new"]) == (created["processor_uid"], "Roble")
    assert Processor.objects.get(processor_uid=created["processor_uid"]).args["new"] == "Roble"
    changed = {**fetched, "processor_uid": "pr_zzzzzz", "args": {**args, "new": "X"}}
    refused_naming(alice_api.put(url, changed, format="json"), "processor_uid")
    assert Processor.objects.get(processor_uid=created["processor_uid"]).args["new"] == "Roble"


def test_a_fetched_field_specification_sent_back_with_new_args_is_saved(alice_api, trees):
    uid, _ = trees
    body = {"name": "type", "args": {"field": "year", "type": "int"}}
    created = assert_status(alice_api.post(f"{BASE}/datasets/{uid}/fields_specifications/", body, format="json"), 201)
    url = f"{BASE}/datasets/{uid}/fields_specifications/{created['processor_uid']}"
    fetched = assert_status(alice_api.get(url), 200)
    changed = {**fetched, "args": {**fetched["args"], "type": "text"}}
    saved = assert_status(alice_api.put(url, changed, format="json"), 200)
    assert saved["args"]["type"] == "text"
    assert FieldSpecification.objects.get(processor_uid=created["processor_uid"]).args["type"] == "text"
    refused_naming(alice_api.put(url, {**fetched, "processor_uid": "pr_zzzzzz"}, format="json"), "processor_uid")
