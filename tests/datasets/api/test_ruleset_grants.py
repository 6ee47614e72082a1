"""A ruleset grants only rights its author holds on the dataset; a domain-wide manager or a superuser grants any."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from datasets.models import Dataset, Ruleset
from datasets.services import apikey_create
from tests.conftest import assert_status, basic_client, grant

pytestmark = pytest.mark.django_db
MANAGER_RIGHTS = ["edit_dataset", "manage_dataset"]


@pytest.fixture
def dataset(alice):
    return Dataset.objects.create(dataset_id="towns", owner=alice)


@pytest.fixture
def manager(django_user_model, dataset):
    """Edits and manages the security of ``dataset`` through a ruleset, and may not publish it."""
    user = django_user_model.objects.create_user("max", "max@example.org", "max-password-1", is_staff=True)
    Ruleset.objects.create(dataset=dataset, kind=Ruleset.Kind.USER, user=user, permissions=MANAGER_RIGHTS)
    return user


@pytest.fixture
def manager_api(manager):
    return basic_client("max", "max-password-1")


def users_url(dataset, username: str = "") -> str:
    return f"/api/management/v2/datasets/{dataset.dataset_uid}/security/users/{username}"


def permissions_of(dataset, user) -> list[str] | None:
    ruleset = Ruleset.objects.filter(dataset=dataset, kind=Ruleset.Kind.USER, user=user).first()
    return ruleset.permissions if ruleset else None


def assert_grant_refused(response, dataset, *names: str) -> None:
    body = assert_status(response, 403)
    assert body["error_key"] == "PermissionDeniedException"
    assert dataset.dataset_uid in body["message"] and all(name in body["message"] for name in names)


def test_a_ruleset_manager_cannot_grant_themselves_publishing(manager_api, manager, dataset):
    body = {"permissions": [*MANAGER_RIGHTS, "publish_dataset"]}
    assert_grant_refused(manager_api.put(users_url(dataset, "max"), body, format="json"), dataset, "publish_dataset")
    assert permissions_of(dataset, manager) == MANAGER_RIGHTS
    publish = manager_api.put(f"/api/management/v2/datasets/{dataset.dataset_uid}/publish")
    assert assert_status(publish, 403)["error_key"] == "PermissionDeniedException"
    assert Dataset.objects.get(pk=dataset.pk).status == "idle"


def test_a_ruleset_manager_grants_others_only_what_they_hold(manager_api, dataset, bob):
    refused = manager_api.post(
        users_url(dataset), {"user": {"username": "bob"}, "permissions": ["publish_dataset"]}, format="json"
    )
    assert_grant_refused(refused, dataset, "publish_dataset")
    assert permissions_of(dataset, bob) is None
    group = Group.objects.create(name="north")
    refused = manager_api.post(
        f"{users_url(dataset).removesuffix('users/')}groups/",
        {"group": {"group_id": "north"}, "permissions": ["explore_restricted_dataset"]},
        format="json",
    )
    assert_grant_refused(refused, dataset, "explore_restricted_dataset")
    assert not Ruleset.objects.filter(group=group).exists()
    granted = manager_api.post(
        users_url(dataset), {"user": {"username": "bob"}, "permissions": ["edit_dataset"]}, format="json"
    )
    assert assert_status(granted, 201)["permissions"] == ["edit_dataset"]
    assert permissions_of(dataset, bob) == ["edit_dataset"]


def test_rights_a_ruleset_already_grants_may_be_kept(manager_api, dataset, bob):
    Ruleset.objects.create(dataset=dataset, kind=Ruleset.Kind.USER, user=bob, permissions=["publish_dataset"])
    body = {"permissions": ["publish_dataset"], "api_calls_quota": {"limit": 10, "unit": "hour"}}
    assert assert_status(manager_api.put(users_url(dataset, "bob"), body, format="json"), 200)["permissions"] == [
        "publish_dataset"
    ]
    body = {"permissions": ["publish_dataset", "explore_restricted_dataset"]}
    assert_grant_refused(manager_api.put(users_url(dataset, "bob"), body, format="json"), dataset, "explore_restricted")
    assert permissions_of(dataset, bob) == ["publish_dataset"]
    # Taking a right away is always allowed.
    assert assert_status(manager_api.put(users_url(dataset, "bob"), {"permissions": []}, format="json"), 200)


@pytest.mark.parametrize("persona", ["domain manager", "superuser"])
def test_a_domain_manager_or_superuser_grants_anything(django_user_model, dataset, bob, persona):
    if persona == "superuser":
        django_user_model.objects.create_superuser("root", "root@example.org", "root-password-1")
        api = basic_client("root", "root-password-1")
    else:
        user = django_user_model.objects.create_user("mona", "mona@example.org", "mona-password-1")
        grant(user, "edit_dataset", "manage_dataset")
        api = basic_client("mona", "mona-password-1")
    body = {"user": {"username": "bob"}, "permissions": ["publish_dataset", "explore_restricted_dataset"]}
    assert_status(api.post(users_url(dataset), body, format="json"), 201)
    assert permissions_of(dataset, bob) == ["publish_dataset", "explore_restricted_dataset"]


def test_through_an_api_key_only_the_keys_rights_may_be_granted(django_user_model, dataset, bob):
    user = django_user_model.objects.create_user("kim", "kim@example.org", "kim-password-1")
    Ruleset.objects.create(
        dataset=dataset, kind=Ruleset.Kind.USER, user=user, permissions=[*MANAGER_RIGHTS, "publish_dataset"]
    )
    _, key = apikey_create(owner=user, permissions=MANAGER_RIGHTS)
    api = basic_client("kim", "kim-password-1")
    api.credentials(HTTP_AUTHORIZATION=f"Apikey {key}")
    body = {"user": {"username": "bob"}, "permissions": ["publish_dataset"]}
    assert_grant_refused(api.post(users_url(dataset), body, format="json"), dataset, "publish_dataset")
    assert assert_status(basic_client("kim", "kim-password-1").post(users_url(dataset), body, format="json"), 201)


def test_the_back_office_inline_refuses_a_grant_beyond_the_managers_rights(manager, dataset):
    client = Client()
    client.force_login(manager)
    own = Ruleset.objects.get(user=manager)
    form = {
        "dataset_id": dataset.dataset_id,
        "visibility": dataset.visibility,
        "metadata_values-TOTAL_FORMS": "0",
        "metadata_values-INITIAL_FORMS": "0",
        "rulesets-TOTAL_FORMS": "1",
        "rulesets-INITIAL_FORMS": "1",
        "rulesets-0-id": str(own.pk),
        "rulesets-0-dataset": str(dataset.pk),
        "rulesets-0-kind": "user",
        "rulesets-0-user": str(manager.pk),
        "rulesets-0-is_data_visible": "on",
        "rulesets-0-visible_fields": "null",
        "rulesets-0-filter_query": "",
        "rulesets-0-api_calls_quota": "null",
        "rulesets-0-permissions": '["edit_dataset", "manage_dataset", "publish_dataset"]',
    }
    response = client.post(f"/admin/datasets/dataset/{dataset.pk}/change/", form)
    assert response.status_code == 200 and "You may grant only rights you hold" in response.content.decode()
    assert permissions_of(dataset, manager) == MANAGER_RIGHTS
    form["rulesets-0-permissions"] = '["edit_dataset", "manage_dataset"]'
    form["rulesets-0-filter_query"] = ""
    assert client.post(f"/admin/datasets/dataset/{dataset.pk}/change/", form).status_code == 302
