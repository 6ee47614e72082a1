"""Metadata templates endpoint, permissions through groups, and the API's answers to odd failures."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError

from datasets.api.management.views import datasets as dataset_views
from datasets.models import Dataset
from tests.conftest import assert_status, basic_client

URL = "/api/management/v2/"


@pytest.mark.django_db
def test_templates_list_their_field_definitions(alice_api):
    body = assert_status(alice_api.get(f"{URL}metadata_templates/"), 200)
    assert [template["name"] for template in body] == [
        "default",
        "internal",
        "visualization",
        "dcat",
        "asset_content_configuration",
    ]
    default = body[0]
    assert (default["label"], default["purpose"]) == ("Default metadata", "general")
    keyword = next(field for field in default["fields"] if field["name"] == "keyword")
    assert keyword["type"] == "multitext"
    assert keyword["widget"]["type"] == "tags"
    one = assert_status(alice_api.get(f"{URL}metadata_templates/dcat"), 200)
    assert one["purpose"] == "interop"
    missing = assert_status(alice_api.get(f"{URL}metadata_templates/inspire/"), 404)
    known = "default, internal, visualization, dcat, asset_content_configuration"
    assert missing["raw_params"] == {"template": "inspire", "known": known}


@pytest.mark.django_db
def test_templates_need_authentication(anonymous_api):
    assert_status(anonymous_api.get(f"{URL}metadata_templates/"), 401)


@pytest.mark.django_db
def test_permissions_granted_through_a_group(django_user_model, alice_api):
    created = assert_status(alice_api.post(f"{URL}datasets/", {"dataset_id": "trees"}, format="json"), 201)
    editors = Group.objects.create(name="editors")
    editors.permissions.add(Permission.objects.get(content_type__app_label="datasets", codename="edit_dataset"))
    user = django_user_model.objects.create_user("gina", password="gina-password-1")
    gina = basic_client("gina", "gina-password-1")
    assert_status(gina.get(f"{URL}datasets/{created['dataset_uid']}/"), 404)
    user.groups.add(editors)
    body = {"dataset_id": "trees-by-gina"}
    assert_status(gina.put(f"{URL}datasets/{created['dataset_uid']}/", body, format="json"), 200)
    assert Dataset.objects.get(dataset_uid=created["dataset_uid"]).dataset_id == "trees-by-gina"


@pytest.mark.django_db
def test_a_write_lost_to_a_concurrent_one_is_409(alice_api, monkeypatch):
    def collide(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(dataset_views, "dataset_create", collide)
    body = assert_status(alice_api.post(f"{URL}datasets/", {}, format="json"), 409)
    assert body["error_key"] == "ConflictException"
    assert Dataset.objects.count() == 0


@pytest.mark.django_db
def test_bad_host_on_the_api_is_a_json_400(client):
    response = client.get(f"{URL}datasets/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error_key"] == "ODSException"
