"""Persona matrix of the management API: who may read, edit, publish and manage the security of a dataset.

Rights on the dataset come from its rulesets (user or group ``permissions``) or from domain permissions;
the expected outcome of each persona is written out below by hand (RIGHTS), not derived from the code:
anonymous callers get 401, callers who hold no management right on the dataset 404, callers who see it
but lack the right 403, the others the documented success, with the database changed accordingly.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from datasets.models import Change, Dataset, MetadataValue, PublishedVersion, Ruleset
from datasets.services import apikey_create
from tests.conftest import assert_status, basic_client

pytestmark = pytest.mark.django_db

FIELDS = [{"name": "city", "label": "City", "type": "text"}, {"name": "pop", "label": "Population", "type": "int"}]
RESET = {
    "is_data_visible": True,
    "visible_fields": None,
    "filter_query": "",
    "api_calls_quota": None,
    "permissions": [],
}
DEFAULT = {**RESET, "visible_fields": ["city"]}
JANE = {**RESET, "filter_query": "pop > 10"}
READERS = {**RESET, "permissions": ["edit_dataset"]}
SECURITY = ("edit_dataset", "manage_dataset")

# What each persona may do on the dataset: read (see it in the management API), edit, publish, security.
RIGHTS = {
    "anonymous": None,
    "nobody": set(),
    "member": {"read", "edit"},  # through the group ruleset of "readers"
    "editor": {"read", "edit"},
    "publisher": {"read", "publish"},
    "manager": {"read", "edit", "security"},  # edit_dataset + manage_dataset
    "manage_only": {"read"},  # manage_dataset alone does not open security: edit_dataset is needed too
    "admin": {"read", "edit", "publish", "security"},
    "admin_key": {"read", "edit"},  # the admin's key holds edit_dataset only
    "manager_key": {"read"},  # the manager's key holds manage_dataset only: security also needs edit_dataset
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # relative to the dataset
    need: str  # read, edit, publish or security
    success: int
    body: Any = None


ENDPOINTS = [
    Endpoint("retrieve", "get", "", "read", 200),
    Endpoint("changes", "get", "/changes", "read", 200),
    Endpoint("update_metadata", "put", "/metadata/default/title", "edit", 200, {"value": "New title"}),
    Endpoint("publish", "put", "/publish", "publish", 202),
    Endpoint("access_policy_get", "get", "/security/access_policy", "security", 200),
    Endpoint("access_policy_put", "put", "/security/access_policy/", "security", 200, "domain"),
    Endpoint("default_get", "get", "/security/default", "security", 200),
    Endpoint("default_put", "put", "/security/default/", "security", 200, {"is_data_visible": False}),
    Endpoint("default_delete", "delete", "/security/default", "security", 200),
    Endpoint("users_get", "get", "/security/users/", "security", 200),
    Endpoint("users_post", "post", "/security/users", "security", 201, {"user": {"username": "zoe"}}),
    Endpoint("user_get", "get", "/security/users/jane", "security", 200),
    Endpoint("user_put", "put", "/security/users/jane/", "security", 200, {"filter_query": "pop > 99"}),
    Endpoint("user_delete", "delete", "/security/users/jane", "security", 204),
    Endpoint("groups_get", "get", "/security/groups", "security", 200),
    Endpoint("groups_post", "post", "/security/groups/", "security", 201, {"group": {"group_id": "others"}}),
    Endpoint("group_get", "get", "/security/groups/readers/", "security", 200),
    # A right the manager holds: a ruleset grants only its author's rights (test_ruleset_grants.py).
    Endpoint("group_put", "put", "/security/groups/readers", "security", 200, {"permissions": ["manage_dataset"]}),
    Endpoint("group_delete", "delete", "/security/groups/readers/", "security", 204),
]
PERMISSION_OF = {"edit": ("edit_dataset",), "publish": ("publish_dataset",), "security": SECURITY}


@pytest.fixture
def world(django_user_model):
    """A published restricted dataset "budget" (owner: olga) with a default, a user and a group ruleset, a
    second dataset "other" with no ruleset, and one client per persona."""

    def user(name, **extra):
        return django_user_model.objects.create_user(name, f"{name}@example.org", f"{name}-pw", **extra)

    olga, jane, member = user("olga"), user("jane"), user("mia")
    user("zoe")
    readers = Group.objects.create(name="readers")
    Group.objects.create(name="others")
    member.groups.add(readers)
    budget = Dataset.objects.create(dataset_id="budget", owner=olga)
    version = PublishedVersion.objects.create(dataset=budget, number=1, table_name="unused", fields=FIELDS)
    Dataset.objects.filter(pk=budget.pk).update(current_version=version, is_published=True, published_at=timezone.now())
    Dataset.objects.create(dataset_id="other", owner=olga)
    Ruleset.objects.create(dataset=budget, kind="default", **DEFAULT)
    Ruleset.objects.create(dataset=budget, kind="user", user=jane, **JANE)
    Ruleset.objects.create(dataset=budget, kind="group", group=readers, **READERS)
    personas = {"anonymous": APIClient(), "member": basic_client("mia", "mia-pw")}
    for name, permissions in {
        "nobody": None,
        "editor": ["edit_dataset"],
        "publisher": ["publish_dataset"],
        "manager": list(SECURITY),
        "manage_only": ["manage_dataset"],
    }.items():
        person = user(name)
        if permissions is not None:
            Ruleset.objects.create(dataset=budget, kind="user", user=person, permissions=permissions)
        personas[name] = basic_client(name, f"{name}-pw")
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "root-pw")
    personas["admin"] = basic_client("root", "root-pw")
    _, admin_key = apikey_create(owner=admin, permissions=["edit_dataset"])
    personas["admin_key"] = key_client(admin_key)
    manager = django_user_model.objects.get(username="manager")
    _, manager_key = apikey_create(owner=manager, permissions=["manage_dataset"])
    personas["manager_key"] = key_client(manager_key)
    return {"dataset": Dataset.objects.get(pk=budget.pk), "personas": personas}


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Apikey {key}")
    return client


def state(dataset: Dataset) -> dict:
    """Everything the endpoints may change, read straight from the tables."""
    fresh = Dataset.objects.get(pk=dataset.pk)
    return {
        "visibility": fresh.visibility,
        "status": fresh.status,
        "title": list(MetadataValue.objects.filter(dataset=dataset, name="title").values_list("value", flat=True)),
        "rulesets": sorted(
            Ruleset.objects.filter(dataset=dataset).values_list(
                "kind",
                "user__username",
                "group__name",
                "is_data_visible",
                "visible_fields",
                "filter_query",
                "permissions",
            ),
            key=repr,
        ),
        "changes": Change.objects.filter(dataset=dataset).count(),
    }


def expected_success(endpoint: Endpoint, dataset: Dataset, before: dict, after: dict, body: Any) -> None:
    """The documented answer of each endpoint, and what it changed."""
    unchanged = {key: value for key, value in before.items() if key != "changes"}
    changed = {key: value for key, value in after.items() if key != "changes"}
    if endpoint.method == "get":
        assert changed == unchanged and after["changes"] == before["changes"]
    if endpoint.name == "retrieve":
        assert (body["dataset_uid"], body["dataset_id"], body["visibility"]) == (
            dataset.dataset_uid,
            "budget",
            "restricted",
        )
    elif endpoint.name == "changes":
        assert body == []
    elif endpoint.name == "update_metadata":
        assert body["value"] == "New title" and after["title"] == ["New title"]
    elif endpoint.name == "publish":
        assert body["function"] == "publish" and after["status"] == "queued"
    elif endpoint.name == "access_policy_get":
        assert body == "restricted"
    elif endpoint.name == "access_policy_put":
        assert body == "domain" and after["visibility"] == "domain"
    elif endpoint.name == "default_get":
        assert body == DEFAULT
    elif endpoint.name == "default_put":
        assert body == {**RESET, "is_data_visible": False, "visible_fields": ["*"]}
        assert ("default", None, None, False, None, "", []) in after["rulesets"]
    elif endpoint.name == "default_delete":
        assert body == {**RESET, "visible_fields": ["*"]} and not any(row[0] == "default" for row in after["rulesets"])
    elif endpoint.name == "users_get":
        names = sorted(row[1] for row in before["rulesets"] if row[0] == "user")
        assert [item["user"]["username"] for item in body] == names
        assert next(item for item in body if item["user"]["username"] == "jane") == {
            **JANE,
            "user": {"username": "jane"},
        }
    elif endpoint.name == "users_post":
        assert body == {**RESET, "user": {"username": "zoe"}}
        assert ("user", "zoe", None, True, None, "", []) in after["rulesets"]
    elif endpoint.name == "user_get":
        assert body == {**JANE, "user": {"username": "jane"}}
    elif endpoint.name == "user_put":
        assert body == {**RESET, "filter_query": "pop > 99", "user": {"username": "jane"}}
    elif endpoint.name == "user_delete":
        assert body is None and ("user", "jane") not in {(row[0], row[1]) for row in after["rulesets"]}
    elif endpoint.name == "groups_get":
        assert body == [{**READERS, "group": {"group_id": "readers"}}]
    elif endpoint.name == "groups_post":
        assert body == {**RESET, "group": {"group_id": "others"}}
    elif endpoint.name == "group_get":
        assert body == {**READERS, "group": {"group_id": "readers"}}
    elif endpoint.name == "group_put":
        assert body == {**RESET, "permissions": ["manage_dataset"], "group": {"group_id": "readers"}}
    elif endpoint.name == "group_delete":
        assert body is None and not any(row[0] == "group" for row in after["rulesets"])
    if endpoint.method != "get" and endpoint.need == "security":
        # Security writes are recorded as changes of the "security" section.
        assert after["changes"] == before["changes"] + 1
        assert Change.objects.filter(dataset=dataset).first().sections == ["security"]


def call(client: APIClient, endpoint: Endpoint, dataset: Dataset):
    path = f"/api/management/v2/datasets/{dataset.dataset_uid}{endpoint.path}"
    if endpoint.body is None:
        return getattr(client, endpoint.method)(path)
    return getattr(client, endpoint.method)(path, endpoint.body, format="json")


@pytest.mark.parametrize("persona", list(RIGHTS))
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_persona_on_endpoint(world, persona, endpoint, settings):
    settings.API_THROTTLE_USER = settings.API_THROTTLE_ANON = "100000/minute"
    dataset, rights = world["dataset"], RIGHTS[persona]
    before = state(dataset)
    response = call(world["personas"][persona], endpoint, dataset)
    after = state(dataset)
    if rights is None:
        assert assert_status(response, 401)["error_key"] == "AuthenticationRequiredException"
    elif "read" not in rights:
        body = assert_status(response, 404)
        assert (body["error_key"], body["raw_params"]) == (
            "UnknownDatasetException",
            {"dataset_uid": dataset.dataset_uid},
        )
    elif endpoint.need != "read" and endpoint.need not in rights:
        body = assert_status(response, 403)
        assert body["error_key"] == "PermissionDeniedException"
        missing = [name for name in PERMISSION_OF[endpoint.need] if name not in held_permissions(persona)]
        assert body["raw_params"] == {"permission": missing[0], "dataset_uid": dataset.dataset_uid}
    else:
        body = assert_status(response, endpoint.success)
        expected_success(endpoint, dataset, before, after, body)
        return
    assert after == before, "a refused request changed nothing"


def held_permissions(persona: str) -> set[str]:
    """The dataset permissions each persona holds, as set up in ``world``."""
    return {
        "member": {"edit_dataset"},
        "editor": {"edit_dataset"},
        "publisher": {"publish_dataset"},
        "manager": set(SECURITY),
        "manage_only": {"manage_dataset"},
        "admin_key": {"edit_dataset"},
        "manager_key": {"manage_dataset"},
    }[persona]


@pytest.mark.parametrize(
    ("persona", "listed"),
    [
        ("nobody", []),
        ("member", ["budget"]),
        ("editor", ["budget"]),
        ("publisher", ["budget"]),
        ("manager", ["budget"]),
        ("manage_only", ["budget"]),
        ("admin", ["budget", "other"]),
        ("admin_key", ["budget", "other"]),
        ("manager_key", ["budget"]),
    ],
)
def test_dataset_list_shows_what_rulesets_grant(world, persona, listed):
    body = assert_status(world["personas"][persona].get("/api/management/v2/datasets/"), 200)
    assert [item["dataset_id"] for item in body["datasets"]] == listed
    assert body["nhits"] == len(listed)


def test_anonymous_list_is_401(world):
    assert_status(world["personas"]["anonymous"].get("/api/management/v2/datasets/"), 401)


def test_a_users_ruleset_decides_alone_over_their_groups(world, django_user_model):
    """mia's group grants edit_dataset; a ruleset of her own without permissions takes it away, at once."""
    dataset, mia = world["dataset"], world["personas"]["member"]
    path = f"/api/management/v2/datasets/{dataset.dataset_uid}"
    assert_status(mia.get(path), 200)
    admin = world["personas"]["admin"]
    assert_status(admin.post(f"{path}/security/users", {"user": {"username": "mia"}}, format="json"), 201)
    assert_status(mia.get(path), 404)
    assert assert_status(mia.get("/api/management/v2/datasets/"), 200)["nhits"] == 0
    assert_status(admin.delete(f"{path}/security/users/mia"), 204)
    assert_status(mia.get(path), 200)


def test_security_changes_take_effect_without_publishing(world):
    """Granting publish_dataset through the API opens publishing at once; the dataset stays 'published as is'."""
    dataset, admin, zoe = world["dataset"], world["personas"]["admin"], basic_client("zoe", "zoe-pw")
    path = f"/api/management/v2/datasets/{dataset.dataset_uid}"
    assert_status(zoe.get(path), 404)
    body = {"user": {"username": "zoe"}, "permissions": ["publish_dataset"]}
    assert_status(admin.post(f"{path}/security/users", body, format="json"), 201)
    shown = assert_status(zoe.get(path), 200)
    assert shown["has_unpublished_changes"] is False
    assert [item["dataset_id"] for item in assert_status(zoe.get("/api/management/v2/datasets/"), 200)["datasets"]] == [
        "budget"
    ]
    assert_status(zoe.put(f"{path}/metadata/default/title", {"value": "x"}, format="json"), 403)
    changes = assert_status(admin.get(f"{path}/changes"), 200)
    assert changes[0]["sections"] == ["security"]
    assert changes[0]["diff"]["security"] == [
        {
            "path": ["users", "zoe"],
            "old_value": None,
            "new_value": {**RESET, "permissions": ["publish_dataset"]},
            "operation_type": "create",
        }
    ]
