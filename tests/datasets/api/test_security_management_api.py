"""The security endpoints of the management API: shapes, validation, history and restore, API keys."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from datasets.models import Change, Dataset, PublishedVersion, Ruleset
from datasets.services import apikey_create
from tests.conftest import assert_status, basic_client, grant

pytestmark = pytest.mark.django_db

FIELDS = [
    {"name": "city", "label": "City", "type": "text"},
    {"name": "pop", "label": "Population", "type": "int"},
    {"name": "founded", "label": "Founded", "type": "date"},
]
RESET = {
    "is_data_visible": True,
    "visible_fields": None,
    "filter_query": "",
    "api_calls_quota": None,
    "permissions": [],
}
# The default ruleset as the API shows it: "every field" is the reference's ["*"].
DEFAULT_RESET = {**RESET, "visible_fields": ["*"]}


def published(dataset: Dataset) -> Dataset:
    """Give ``dataset`` a published version with FIELDS (no records table: the management side reads fields)."""
    version = PublishedVersion.objects.create(dataset=dataset, number=1, table_name="unused", fields=FIELDS)
    Dataset.objects.filter(pk=dataset.pk).update(
        current_version=version, is_published=True, published_at=timezone.now()
    )
    return Dataset.objects.get(pk=dataset.pk)


@pytest.fixture
def people(django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "root-pw")
    jane = django_user_model.objects.create_user("jane", "jane@example.org", "jane-pw", first_name="Jane")
    zoe = django_user_model.objects.create_user("zoe", "zoe@example.org", "zoe-pw")
    north = Group.objects.create(name="north team")
    jane.groups.add(north)
    return {"admin": admin, "jane": jane, "zoe": zoe, "north": north}


@pytest.fixture
def api(people):
    return basic_client("root", "root-pw")


@pytest.fixture
def dataset(people):
    return published(Dataset.objects.create(dataset_id="towns", owner=people["admin"], visibility="domain"))


def base(dataset) -> str:
    return f"/api/management/v2/datasets/{dataset.dataset_uid}/security"


def rows(dataset) -> list[dict]:
    """The dataset's rulesets as plain values, read straight from the table."""
    return list(
        Ruleset.objects.filter(dataset=dataset)
        .order_by("kind", "id")
        .values(
            "kind",
            "user__username",
            "group__name",
            "is_data_visible",
            "visible_fields",
            "filter_query",
            "api_calls_quota",
            "permissions",
        )
    )


# --- access policy -------------------------------------------------------------------------------


def test_access_policy_is_a_bare_string_with_and_without_trailing_slash(api, dataset):
    assert assert_status(api.get(f"{base(dataset)}/access_policy"), 200) == "domain"
    assert assert_status(api.put(f"{base(dataset)}/access_policy/", "restricted", format="json"), 200) == "restricted"
    assert Dataset.objects.get(pk=dataset.pk).visibility == "restricted"
    assert assert_status(api.get(f"{base(dataset)}/access_policy/"), 200) == "restricted"


@pytest.mark.parametrize("body", ["private", {"access_policy": "domain"}, ["domain"], None, 1])
def test_access_policy_refuses_anything_else(api, dataset, body):
    error = assert_status(api.put(f"{base(dataset)}/access_policy", body, format="json"), 400)
    assert error["raw_params"]["field"] == "access_policy"
    assert Dataset.objects.get(pk=dataset.pk).visibility == "domain"
    assert not Change.objects.filter(dataset=dataset).exists()


# --- default ruleset -----------------------------------------------------------------------------


def test_default_ruleset_without_a_row_reads_as_the_reset_state(api, dataset):
    assert assert_status(api.get(f"{base(dataset)}/default"), 200) == DEFAULT_RESET


def test_default_ruleset_put_replaces_and_delete_resets(api, dataset):
    ruleset = {
        "is_data_visible": True,
        "visible_fields": ["city", "pop"],
        "filter_query": "pop > 1000 and city != 'Lyon'",
        "api_calls_quota": {"limit": 100, "unit": "day"},
        "permissions": [],
    }
    assert assert_status(api.put(f"{base(dataset)}/default/", ruleset, format="json"), 200) == ruleset
    assert assert_status(api.get(f"{base(dataset)}/default"), 200) == ruleset
    assert rows(dataset) == [{"kind": "default", "user__username": None, "group__name": None, **ruleset}]
    # A PUT replaces the whole ruleset: what it leaves out takes the reset value.
    assert assert_status(api.put(f"{base(dataset)}/default", {"is_data_visible": False}, format="json"), 200) == {
        **DEFAULT_RESET,
        "is_data_visible": False,
    }
    assert assert_status(api.delete(f"{base(dataset)}/default"), 200) == DEFAULT_RESET
    assert rows(dataset) == []
    assert assert_status(api.get(f"{base(dataset)}/default/"), 200) == DEFAULT_RESET


def test_star_keeps_its_meaning_and_round_trips(api, dataset):
    body = assert_status(api.put(f"{base(dataset)}/default", {"visible_fields": ["*"]}, format="json"), 200)
    assert body["visible_fields"] == ["*"]
    assert Ruleset.objects.get(dataset=dataset).visible_fields == ["*"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"visible_fields": "city"}, "visible_fields", "list of field names"),
        ({"visible_fields": ["city", 3]}, "visible_fields", "list of field names"),
        ({"visible_fields": ["*", "city"]}, "visible_fields", "'*'"),
        ({"visible_fields": ["city", "mayor"]}, "visible_fields", "mayor"),
        ({"filter_query": "pop >"}, "filter_query", "Syntax error"),
        ({"filter_query": "mayor = 'x'"}, "filter_query", "mayor"),
        ({"filter_query": "pop > 'many'"}, "filter_query", "cannot be compared with a int field"),
        ({"filter_query": 3}, "filter_query", "string"),
        ({"api_calls_quota": {"limit": 0, "unit": "day"}}, "api_calls_quota.limit", "at least 1"),
        ({"api_calls_quota": {"limit": True, "unit": "day"}}, "api_calls_quota.limit", "integer"),
        ({"api_calls_quota": {"limit": 5, "unit": "week"}}, "api_calls_quota.unit", "month"),
        ({"api_calls_quota": {"limit": 5}}, "api_calls_quota", "unit"),
        ({"api_calls_quota": 5}, "api_calls_quota", "limit"),
        ({"is_data_visible": "yes"}, "is_data_visible", "true or false"),
        ({"permissions": ["edit_dataset"]}, "permissions", "default ruleset"),
        ({"colour": "red"}, "colour", "unknown attribute"),
    ],
)
def test_default_ruleset_validation_names_the_attribute(api, dataset, body, field, words):
    error = assert_status(api.put(f"{base(dataset)}/default", body, format="json"), 400)
    assert error["raw_params"]["field"] == field
    assert words in error["message"]
    assert rows(dataset) == []
    assert not Change.objects.filter(dataset=dataset).exists()


def test_several_problems_are_reported_together(api, dataset):
    body = {"visible_fields": 1, "filter_query": "(", "permissions": ["fly"]}
    error = assert_status(api.put(f"{base(dataset)}/default", body, format="json"), 400)
    assert error["error_key"] == "InvalidManagementAPIRequestException"
    assert [item["raw_params"]["field"] for item in error["errors"]] == [
        "visible_fields",
        "filter_query",
        "permissions",
    ]


def test_unpublished_dataset_checks_the_filter_syntax_only(api, people):
    draft = Dataset.objects.create(dataset_id="draft", owner=people["admin"])
    ok = {"filter_query": "anything > 3", "visible_fields": ["not_yet"]}
    assert assert_status(api.put(f"{base(draft)}/default", ok, format="json"), 200)["filter_query"] == "anything > 3"
    error = assert_status(api.put(f"{base(draft)}/default", {"filter_query": "a >"}, format="json"), 400)
    assert error["raw_params"]["field"] == "filter_query"


# --- user and group rulesets ---------------------------------------------------------------------


def test_user_rulesets_create_list_read_update_delete(api, dataset, people):
    created = assert_status(
        api.post(
            f"{base(dataset)}/users",
            {
                "user": {"username": "zoe"},
                "filter_query": "pop > 5",
                "permissions": ["publish_dataset", "edit_dataset"],
            },
            format="json",
        ),
        201,
    )
    # Permissions come back in the canonical order.
    expected_zoe = {**RESET, "filter_query": "pop > 5", "permissions": ["edit_dataset", "publish_dataset"]}
    assert created == {**expected_zoe, "user": {"username": "zoe"}}
    assert_status(api.post(f"{base(dataset)}/users/", {"user": {"username": "jane"}}, format="json"), 201)
    listed = assert_status(api.get(f"{base(dataset)}/users"), 200)
    assert [item["user"]["username"] for item in listed] == ["jane", "zoe"]
    expanded = assert_status(api.get(f"{base(dataset)}/users/jane/?expand=user"), 200)
    assert expanded["user"] == {
        "username": "jane",
        "first_name": "Jane",
        "last_name": "",
        "email": "jane@example.org",
        "is_active": True,
        "display_name": "Jane",
    }
    updated = assert_status(
        api.put(f"{base(dataset)}/users/zoe", {"user": {"username": "zoe"}, "is_data_visible": False}, format="json"),
        200,
    )
    assert updated == {**RESET, "is_data_visible": False, "user": {"username": "zoe"}}
    assert_status(api.delete(f"{base(dataset)}/users/zoe/"), 204)
    assert [row["user__username"] for row in rows(dataset)] == ["jane"]


def test_user_ruleset_errors(api, dataset):
    error = assert_status(api.post(f"{base(dataset)}/users", {"user": {"username": "ghost"}}, format="json"), 404)
    assert (error["error_key"], error["message"]) == ("UnknownUsernameException", "Unknown username: ghost")
    error = assert_status(api.post(f"{base(dataset)}/users", {"filter_query": ""}, format="json"), 400)
    assert error["raw_params"]["field"] == "user"
    error = assert_status(api.post(f"{base(dataset)}/users", {"user": "zoe"}, format="json"), 400)
    assert error["raw_params"]["field"] == "user"
    # A user without a ruleset: the ruleset is unknown; a username naming nobody: the documented error.
    error = assert_status(api.get(f"{base(dataset)}/users/zoe"), 404)
    assert error["error_key"] == "UnknownRulesetException"
    error = assert_status(api.put(f"{base(dataset)}/users/zoe", {}, format="json"), 404)
    assert error["error_key"] == "UnknownRulesetException"
    error = assert_status(api.delete(f"{base(dataset)}/users/ghost"), 404)
    assert (error["error_key"], error["message"]) == ("UnknownUsernameException", "Unknown username: ghost")
    assert_status(api.post(f"{base(dataset)}/users", {"user": {"username": "zoe"}}, format="json"), 201)
    error = assert_status(api.post(f"{base(dataset)}/users", {"user": {"username": "zoe"}}, format="json"), 409)
    assert error["error_key"] == "ConflictException"
    error = assert_status(api.put(f"{base(dataset)}/users/zoe", {"user": {"username": "jane"}}, format="json"), 400)
    assert error["raw_params"]["field"] == "user.username"
    assert len(rows(dataset)) == 1


def test_group_rulesets(api, dataset, people):
    Group.objects.create(name="alpha")
    created = assert_status(
        api.post(f"{base(dataset)}/groups", {"group": {"group_id": "north team"}, "visible_fields": []}, format="json"),
        201,
    )
    assert created == {**RESET, "visible_fields": [], "group": {"group_id": "north team"}}
    assert_status(api.post(f"{base(dataset)}/groups/", {"group": {"group_id": "alpha"}}, format="json"), 201)
    listed = assert_status(api.get(f"{base(dataset)}/groups?expand=group"), 200)
    assert [item["group"] for item in listed] == [
        {"group_id": "alpha", "title": "alpha", "user_count": 0},
        {"group_id": "north team", "title": "north team", "user_count": 1},
    ]
    body = assert_status(api.put(f"{base(dataset)}/groups/north team", {"filter_query": "pop < 3"}, format="json"), 200)
    assert body["filter_query"] == "pop < 3"
    assert_status(api.delete(f"{base(dataset)}/groups/alpha/"), 204)
    error = assert_status(api.post(f"{base(dataset)}/groups", {"group": {"group_id": "nope"}}, format="json"), 400)
    assert error["raw_params"]["field"] == "group.group_id" and "nope" in error["message"]
    assert assert_status(api.get(f"{base(dataset)}/groups/nope"), 404)["error_key"] == "UnknownGroupException"
    error = assert_status(api.get(f"{base(dataset)}/groups/alpha"), 404)
    assert error["error_key"] == "UnknownRulesetException"
    assert [row["group__name"] for row in rows(dataset)] == ["north team"]


def test_expand_refuses_what_is_not_expandable(api, dataset):
    error = assert_status(api.get(f"{base(dataset)}/users?expand=group"), 400)
    assert error["raw_params"]["field"] == "expand"


# --- history -------------------------------------------------------------------------------------


def test_each_write_records_a_security_change_and_restore_puts_rulesets_back(api, dataset, people):
    last_modified = Dataset.objects.get(pk=dataset.pk).last_modified
    assert_status(api.post(f"{base(dataset)}/users", {"user": {"username": "jane"}}, format="json"), 201)
    assert_status(api.put(f"{base(dataset)}/users/jane", {"filter_query": "pop > 2"}, format="json"), 200)
    assert_status(api.put(f"{base(dataset)}/access_policy", "restricted", format="json"), 200)
    assert_status(api.put(f"{base(dataset)}/default", {"is_data_visible": False}, format="json"), 200)
    assert_status(api.delete(f"{base(dataset)}/users/jane"), 204)
    changes = assert_status(api.get(f"/api/management/v2/datasets/{dataset.dataset_uid}/changes"), 200)
    assert [change["sections"] for change in changes] == [["security"]] * 5
    newest_first = [change["diff"]["security"] for change in changes]
    assert newest_first[4] == [
        {"path": ["users", "jane"], "old_value": None, "new_value": RESET, "operation_type": "create"}
    ]
    assert newest_first[3] == [
        {
            "path": ["users", "jane"],
            "old_value": RESET,
            "new_value": {**RESET, "filter_query": "pop > 2"},
            "operation_type": "update",
        }
    ]
    assert newest_first[2] == [
        {"path": ["access_policy"], "old_value": "domain", "new_value": "restricted", "operation_type": "update"}
    ]
    # A new default shows one entry per attribute that holds something (null attributes hold nothing).
    assert newest_first[1] == [
        {"path": ["default", name], "old_value": None, "new_value": value, "operation_type": "create"}
        for name, value in sorted({**RESET, "is_data_visible": False}.items())
        if value is not None
    ]
    assert newest_first[0] == [
        {
            "path": ["users", "jane"],
            "old_value": {**RESET, "filter_query": "pop > 2"},
            "new_value": None,
            "operation_type": "delete",
        }
    ]
    # Security takes effect without publishing: it does not count as an unpublished change.
    dataset = Dataset.objects.get(pk=dataset.pk)
    assert dataset.last_modified == last_modified and not dataset.has_unpublished_changes

    # Back to before the policy change: jane's ruleset (as updated) returns, the default goes, domain again.
    restore = api.put(
        f"/api/management/v2/datasets/{dataset.dataset_uid}/restore_change",
        {"change_uid": changes[2]["change_uid"]},
        format="json",
    )
    assert assert_status(restore, 200)["sections"] == ["security"]
    assert Dataset.objects.get(pk=dataset.pk).visibility == "domain"
    assert rows(dataset) == [
        {"kind": "user", "user__username": "jane", "group__name": None, **RESET, "filter_query": "pop > 2"}
    ]


def test_restoring_security_needs_the_right_to_manage_it(api, dataset, django_user_model):
    grant(django_user_model.objects.create_user("ed", password="ed-pw"), "edit_dataset")
    assert_status(api.put(f"{base(dataset)}/access_policy", "restricted", format="json"), 200)
    change = Change.objects.get(dataset=dataset)
    path = f"/api/management/v2/datasets/{dataset.dataset_uid}/restore_change"
    error = assert_status(basic_client("ed", "ed-pw").put(path, {"change_uid": change.change_uid}, format="json"), 403)
    assert error["raw_params"]["permission"] == "manage_dataset"
    assert Dataset.objects.get(pk=dataset.pk).visibility == "restricted"
    assert Change.objects.filter(dataset=dataset).count() == 1


# --- API keys ------------------------------------------------------------------------------------


def test_a_key_may_hold_rights_its_owner_holds_through_a_ruleset_only(dataset, people):
    Ruleset.objects.create(dataset=dataset, kind="user", user=people["zoe"], permissions=["edit_dataset"])
    _, key = apikey_create(owner=people["zoe"], permissions=["edit_dataset"])
    client = basic_client("zoe", "zoe-pw")
    client.credentials(HTTP_AUTHORIZATION=f"Apikey {key}")
    body = assert_status(client.get(f"/api/management/v2/datasets/{dataset.dataset_uid}"), 200)
    assert body["dataset_uid"] == dataset.dataset_uid
    listed = assert_status(client.get("/api/management/v2/datasets/"), 200)
    assert [item["dataset_id"] for item in listed["datasets"]] == ["towns"]
    # Once the ruleset no longer grants it, the key loses it too: a key never exceeds its owner.
    Ruleset.objects.filter(user=people["zoe"]).update(permissions=[])
    assert_status(client.get(f"/api/management/v2/datasets/{dataset.dataset_uid}"), 404)
    assert assert_status(client.get("/api/management/v2/datasets/"), 200)["nhits"] == 0


def test_a_key_cannot_hold_a_right_its_owner_holds_nowhere(people):
    client = basic_client("zoe", "zoe-pw")
    error = assert_status(
        client.post("/api/management/v2/apikeys/", {"permissions": ["manage_dataset"]}, format="json"), 400
    )
    assert error["error_key"] == "ApiKeyPermissionExceedsOwnerException"
