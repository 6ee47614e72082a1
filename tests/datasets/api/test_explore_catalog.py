"""Explore API v2.1 catalog: published datasets only, as published, through the visibility predicate."""

import pytest
from rest_framework.test import APIClient

from datasets.models import Dataset
from datasets.services import metadata_set
from tests.conftest import assert_status, grant

BASE = "/api/explore/v2.1/catalog/datasets"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published_trees(chief_api, trees, run_worker):
    uid, _ = trees
    body = {"value": "Street trees"}
    assert_status(chief_api.put(f"/api/management/v2/datasets/{uid}/metadata/default/title", body, format="json"), 200)
    Dataset.objects.filter(dataset_uid=uid).update(visibility="domain")
    assert_status(chief_api.put(f"/api/management/v2/datasets/{uid}/publish"), 202)
    run_worker()
    return uid


def test_a_published_dataset_as_the_public_sees_it(published_trees):
    body = assert_status(APIClient().get(f"{BASE}/trees"), 200)
    assert (body["dataset_id"], body["dataset_uid"], body["has_records"]) == ("trees", published_trees, True)
    assert body["metas"]["default"]["title"] == "Street trees"
    assert body["metas"]["default"]["records_count"] == 2
    fields = {field["name"]: field for field in body["fields"]}
    assert fields["year"]["type"] == "int"
    assert fields["name"]["annotations"] == {}
    assert "analyze" in body["features"]


def test_later_edits_stay_private_until_the_next_publish(published_trees, alice):
    dataset = Dataset.objects.get(dataset_uid=published_trees)
    metadata_set(dataset=dataset, template="default", name="title", value="Renamed", user=alice)
    body = assert_status(APIClient().get(f"{BASE}/trees/"), 200)
    assert body["metas"]["default"]["title"] == "Street trees"


def test_the_catalog_lists_published_visible_datasets_with_paging(published_trees, chief_api):
    assert_status(chief_api.post("/api/management/v2/datasets/", {"dataset_id": "draft"}, format="json"), 201)
    body = assert_status(APIClient().get(BASE), 200)
    assert body["total_count"] == 1
    assert [item["dataset_id"] for item in body["results"]] == ["trees"]
    assert assert_status(APIClient().get(BASE, {"limit": 1, "offset": 1}), 200)["results"] == []


def test_restricted_datasets_need_the_explore_permission(published_trees, django_user_model):
    Dataset.objects.filter(dataset_uid=published_trees).update(visibility="restricted")
    body = assert_status(APIClient().get(f"{BASE}/trees"), 404)
    assert body == {"error_code": "DatasetNotFound", "message": "Unknown dataset: trees"}
    viewer = grant(
        django_user_model.objects.create_user("vera", password="vera-password-1"), "explore_restricted_dataset"
    )
    client = APIClient()
    client.force_authenticate(viewer)
    assert_status(client.get(f"{BASE}/trees"), 200)


@pytest.mark.parametrize(
    ("params", "error_code"),
    [
        ({"limit": 101}, "InvalidRESTParameterError"),
        ({"limit": "ten"}, "InvalidRESTParameterError"),
        ({"offset": 9995, "limit": 10}, "InvalidRESTParameterError"),
        ({"order_by": "owner"}, "ODSQLError"),
    ],
)
def test_bad_parameters_answer_the_explore_error_shape(params, error_code):
    body = assert_status(APIClient().get(BASE, params), 400)
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == error_code


def test_unpublished_datasets_leave_the_catalog(published_trees, chief_api, run_worker):
    assert_status(chief_api.put(f"/api/management/v2/datasets/{published_trees}/unpublish"), 202)
    run_worker()
    assert_status(APIClient().get(f"{BASE}/trees"), 404)
    assert assert_status(APIClient().get(BASE), 200)["total_count"] == 0
