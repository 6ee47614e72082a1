"""The dataset object as the reference shows it (§4.1, §4.4, §16): ``metas.publishing``, ``default.modified``,
and drafts, which cannot be published."""

from datetime import UTC, datetime, timedelta

import pytest

from datasets.models import Dataset, MetadataValue
from jobs.models import Job
from tests.conftest import assert_status

BASE = "/api/management/v2"


def set_draft(api, uid: str, value: bool) -> None:
    url = f"{BASE}/datasets/{uid}/metadata/internal/draft"
    assert_status(api.put(url, {"value": value}, format="json"), 200)


@pytest.mark.django_db
def test_a_new_dataset_shows_its_publishing_state_and_modified_date(alice_api, trees):
    uid, _ = trees
    before = datetime.now(UTC)
    created = assert_status(alice_api.post(f"{BASE}/datasets/", {}, format="json"), 201)
    assert created["metas"]["publishing"] == {"published": False, "status": "idle"}
    modified = datetime.fromisoformat(created["metas"]["default"]["modified"])
    assert before - timedelta(seconds=1) <= modified <= datetime.now(UTC)
    stored = MetadataValue.objects.get(dataset__dataset_uid=created["dataset_uid"], template="default", name="modified")
    assert stored.value == created["metas"]["default"]["modified"]
    listed = assert_status(alice_api.get(f"{BASE}/datasets/"), 200)["datasets"]
    assert {item["dataset_uid"]: item["metas"]["publishing"] for item in listed} == {
        uid: {"published": False, "status": "idle"},
        created["dataset_uid"]: {"published": False, "status": "idle"},
    }


@pytest.mark.django_db
def test_a_modified_date_given_on_create_is_kept(alice_api):
    body = {"metas": {"default": {"title": "Trees", "modified": "2020-05-01T10:00:00+00:00"}}}
    created = assert_status(alice_api.post(f"{BASE}/datasets/", body, format="json"), 201)
    assert created["metas"]["default"]["modified"] == "2020-05-01T10:00:00+00:00"


@pytest.mark.django_db
def test_publishing_is_not_a_template_a_client_writes(alice_api):
    body = {"metas": {"publishing": {"published": True}}}
    error = assert_status(alice_api.post(f"{BASE}/datasets/", body, format="json"), 400)
    assert "publishing" in error["message"]
    assert not Dataset.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_published_dataset_shows_published_true(chief_api, trees, run_worker):
    uid, _ = trees
    assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 202)
    queued = assert_status(chief_api.get(f"{BASE}/datasets/{uid}/"), 200)
    assert queued["metas"]["publishing"] == {"published": False, "status": "queued"}
    run_worker()
    done = assert_status(chief_api.get(f"{BASE}/datasets/{uid}/"), 200)
    assert done["metas"]["publishing"] == {"published": True, "status": "idle"}


@pytest.mark.django_db
def test_a_draft_cannot_be_published(chief_api, trees):
    uid, _ = trees
    set_draft(chief_api, uid, True)
    error = assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 400)
    assert error == {
        "status_code": 400,
        "error_key": "DatasetIsDraftException",
        "message": f"Dataset {uid} is a draft (internal.draft) and cannot be published; unset internal.draft first",
        "raw_message": "Dataset {dataset_uid} is a draft (internal.draft) and cannot be published; "
        "unset internal.draft first",
        "raw_params": {"dataset_uid": uid},
    }
    assert Dataset.objects.get(dataset_uid=uid).status == "idle"
    assert not Job.objects.exists()
    # No longer a draft: the publish is queued.
    set_draft(chief_api, uid, False)
    assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 202)
    assert Dataset.objects.get(dataset_uid=uid).status == "queued"


def modified_of(api, uid: str) -> str:
    return assert_status(api.get(f"{BASE}/datasets/{uid}/"), 200)["metas"]["default"]["modified"]


@pytest.mark.django_db
def test_a_metadata_change_moves_modified_only_when_asked(alice_api):
    old = "2020-05-01T10:00:00+00:00"
    metas = {"default": {"title": "Trees", "modified": old}}
    still = assert_status(alice_api.post(f"{BASE}/datasets/", {"metas": metas}, format="json"), 201)["dataset_uid"]
    flagged = {"default": {**metas["default"], "modified_updates_on_metadata_change": True}}
    moving = assert_status(alice_api.post(f"{BASE}/datasets/", {"metas": flagged}, format="json"), 201)["dataset_uid"]
    before = datetime.now(UTC).replace(microsecond=0)
    for uid in (still, moving):
        url = f"{BASE}/datasets/{uid}/metadata/default/title"
        assert_status(alice_api.put(url, {"value": "Oaks"}, format="json"), 200)
    assert modified_of(alice_api, still) == old
    moved = datetime.fromisoformat(modified_of(alice_api, moving))
    assert before <= moved <= datetime.now(UTC)
    # A reset and a bulk write move it too; a write of modified itself keeps what was written.
    assert_status(
        alice_api.put(f"{BASE}/datasets/{moving}/metadata/default/modified", {"value": old}, format="json"), 200
    )
    assert modified_of(alice_api, moving) == old
    assert_status(alice_api.delete(f"{BASE}/datasets/{moving}/metadata/default/title"), 200)
    assert modified_of(alice_api, moving) != old
    bulk = {"metas": [{"template_name": "default", "metadata_name": "modified", "value": old}]}
    assert_status(alice_api.put(f"{BASE}/datasets/{moving}/metadata/", bulk, format="json"), 200)
    assert modified_of(alice_api, moving) == old
    bulk = {"metas": [{"template_name": "default", "metadata_name": "title", "value": "Elms"}]}
    assert_status(alice_api.put(f"{BASE}/datasets/{moving}/metadata/", bulk, format="json"), 200)
    assert modified_of(alice_api, moving) != old


@pytest.mark.django_db(transaction=True)
def test_a_publish_moves_modified_only_when_asked(chief_api, trees, run_worker):
    uid, _ = trees
    old = "2020-05-01T10:00:00+00:00"
    assert_status(chief_api.put(f"{BASE}/datasets/{uid}/metadata/default/modified", {"value": old}, format="json"), 200)
    assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 202)
    run_worker()
    assert modified_of(chief_api, uid) == old
    flag = f"{BASE}/datasets/{uid}/metadata/default/modified_updates_on_data_change"
    assert_status(chief_api.put(flag, {"value": True}, format="json"), 200)
    before = datetime.now(UTC).replace(microsecond=0)
    assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 202)
    run_worker()
    moved = modified_of(chief_api, uid)
    assert before <= datetime.fromisoformat(moved) <= datetime.now(UTC)
    # What goes public carries it too.
    assert Dataset.objects.get(dataset_uid=uid).current_version.metadata["default"]["modified"] == moved
