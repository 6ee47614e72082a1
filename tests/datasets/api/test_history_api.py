"""Changes and restore_change through the management API."""

import pytest

from datasets.models import Change, Dataset, MetadataValue
from tests.conftest import assert_status

URL = "/api/management/v2/datasets/"


@pytest.fixture
def dataset(alice_api):
    body = {"dataset_id": "trees", "metas": {"default": {"title": "Trees"}}}
    return assert_status(alice_api.post(URL, body, format="json"), 201)


def set_meta(api, uid, path, value):
    return assert_status(api.put(f"{URL}{uid}/metadata/{path}", {"value": value}, format="json"), 200)


@pytest.mark.django_db
def test_changes_list_newest_first_with_expansions(alice_api, dataset):
    uid = dataset["dataset_uid"]
    set_meta(alice_api, uid, "default/title", "Street trees")
    body = assert_status(alice_api.get(f"{URL}{uid}/changes"), 200)
    assert len(body) == 2
    assert body[0]["diff"] == {
        "metadata": [
            {
                "path": ["default", "title"],
                "old_value": "Trees",
                "new_value": "Street trees",
                "operation_type": "update",
            }
        ]
    }
    assert body[0]["user"] == {"username": "alice"}
    assert body[0]["dataset"] == {"dataset_uid": uid, "dataset_id": "trees"}
    assert body[0]["sections"] == ["metadata"]
    expanded = assert_status(alice_api.get(f"{URL}{uid}/changes/", {"expand": "user,dataset"}), 200)
    assert expanded[0]["user"]["display_name"] == "alice"
    assert expanded[0]["dataset"]["metas"]["default"]["title"] == "Street trees"


@pytest.mark.django_db
def test_restore_goes_back_to_the_state_before_the_change(alice_api, dataset):
    uid = dataset["dataset_uid"]
    set_meta(alice_api, uid, "default/title", "Street trees")
    target = Change.objects.filter(dataset__dataset_uid=uid).first()
    set_meta(alice_api, uid, "default/keyword", ["nature"])
    assert_status(alice_api.put(f"{URL}{uid}/", {"dataset_id": "street-trees"}, format="json"), 200)

    body = assert_status(
        alice_api.put(f"{URL}{uid}/restore_change", {"change_uid": target.change_uid}, format="json"), 200
    )

    dataset_now = Dataset.objects.get(dataset_uid=uid)
    assert dataset_now.dataset_id == "trees"
    values = dict(MetadataValue.objects.filter(dataset=dataset_now).exclude(value=None).values_list("name", "value"))
    assert values == {"title": "Trees", "modified": dataset["metas"]["default"]["modified"]}
    assert Change.objects.filter(dataset=dataset_now).count() == 5
    assert body["sections"] == ["dataset", "metadata"]
    assert {
        "path": ["default", "keyword"],
        "old_value": ["nature"],
        "new_value": None,
        "operation_type": "delete",
    } in body["diff"]["metadata"]


@pytest.mark.django_db
def test_a_restore_can_itself_be_undone(alice_api, dataset):
    uid = dataset["dataset_uid"]
    set_meta(alice_api, uid, "default/title", "Street trees")
    target = Change.objects.filter(dataset__dataset_uid=uid).first()
    restoration = assert_status(
        alice_api.put(f"{URL}{uid}/restore_change", {"change_uid": target.change_uid}, format="json"), 200
    )
    assert MetadataValue.objects.get(dataset__dataset_uid=uid, name="title").value == "Trees"
    assert_status(
        alice_api.put(f"{URL}{uid}/restore_change", {"change_uid": restoration["change_uid"]}, format="json"), 200
    )
    assert MetadataValue.objects.get(dataset__dataset_uid=uid, name="title").value == "Street trees"


@pytest.mark.django_db
def test_restoring_a_rename_of_a_published_dataset_is_refused(alice_api, dataset):
    uid = dataset["dataset_uid"]
    assert_status(alice_api.put(f"{URL}{uid}/", {"dataset_id": "renamed"}, format="json"), 200)
    rename = Change.objects.filter(dataset__dataset_uid=uid).first()
    Dataset.objects.filter(dataset_uid=uid).update(is_published=True)
    count = Change.objects.count()
    body = assert_status(
        alice_api.put(f"{URL}{uid}/restore_change", {"change_uid": rename.change_uid}, format="json"), 400
    )
    assert body["error_key"] == "DatasetIdChangeForbiddenException"
    assert Dataset.objects.get(dataset_uid=uid).dataset_id == "renamed"
    assert Change.objects.count() == count


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "error_key"),
    [
        ({"change_uid": "ch_nope00"}, "UnknownChangeException"),
        ({"change_uid": 125}, "InvalidRequestParameterException"),
        ({}, "InvalidRequestParameterException"),
    ],
)
def test_restore_with_a_bad_change_uid(alice_api, dataset, body, error_key):
    count = Change.objects.count()
    error = assert_status(alice_api.put(f"{URL}{dataset['dataset_uid']}/restore_change", body, format="json"), 400)
    assert error["error_key"] == error_key
    assert Change.objects.count() == count


@pytest.mark.django_db
def test_a_change_of_another_dataset_cannot_be_restored_here(alice_api, dataset):
    other = assert_status(alice_api.post(URL, {"dataset_id": "other"}, format="json"), 201)
    foreign = Change.objects.get(dataset__dataset_uid=other["dataset_uid"])
    body = {"change_uid": foreign.change_uid}
    assert_status(alice_api.put(f"{URL}{dataset['dataset_uid']}/restore_change", body, format="json"), 400)


@pytest.mark.django_db
def test_others_cannot_see_or_restore_history(bob_api, reader_api, dataset):
    uid = dataset["dataset_uid"]
    change = Change.objects.get(dataset__dataset_uid=uid)
    assert_status(bob_api.get(f"{URL}{uid}/changes"), 404)
    assert_status(reader_api.get(f"{URL}{uid}/changes"), 200)
    assert_status(reader_api.put(f"{URL}{uid}/restore_change", {"change_uid": change.change_uid}, format="json"), 403)
