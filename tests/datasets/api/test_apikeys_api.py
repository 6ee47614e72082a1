"""API keys: managed with a password or session, used in the header or the query string."""

import pytest

from datasets.models import ApiKey, Dataset
from datasets.models.apikey import hash_key
from tests.conftest import assert_status, grant

URL = "/api/management/v2/apikeys/"


@pytest.fixture
def created(alice_api):
    return assert_status(
        alice_api.post(URL, {"label": "scripts", "permissions": ["create_dataset"]}, format="json"), 201
    )


@pytest.mark.django_db
class TestManageKeys:
    def test_create_shows_the_key_once_and_stores_only_its_hash(self, alice_api, alice, created):
        key = created["key"]
        assert len(key) == 40
        assert created["label"] == "scripts"
        assert created["permissions"] == ["create_dataset"]
        stored = ApiKey.objects.get(owner=alice)
        assert stored.key_hash == hash_key(key)
        assert key not in (stored.key_prefix, stored.key_hash)
        listed = assert_status(alice_api.get(URL), 200)
        assert listed == [{k: v for k, v in created.items() if k != "key"}]

    def test_empty_create_gets_explore_permission_only_if_the_owner_has_it(self, alice_api, alice):
        body = assert_status(alice_api.post(URL, {}, format="json"), 201)
        assert (body["label"], body["permissions"]) == (None, [])
        grant(alice, "explore_restricted_dataset")
        body = assert_status(alice_api.post(URL, {}, format="json"), 201)
        assert body["permissions"] == ["explore_restricted_dataset"]

    def test_permissions_beyond_the_owners_are_refused(self, alice_api):
        body = assert_status(
            alice_api.post(URL, {"permissions": ["create_dataset", "publish_dataset"]}, format="json"), 400
        )
        assert body["error_key"] == "ApiKeyPermissionExceedsOwnerException"
        assert body["raw_params"] == {"permissions": "publish_dataset"}
        body = assert_status(alice_api.post(URL, {"permissions": ["fly"]}, format="json"), 400)
        assert body["raw_params"]["field"] == "permissions"
        assert ApiKey.objects.count() == 0

    def test_update_needs_label_or_permissions(self, alice_api, created):
        path = f"{URL}{created['apikey_uid']}/"
        body = assert_status(alice_api.put(path, {}, format="json"), 400)
        assert body["error_key"] == "PermissionsOrLabelMissingFromAPIKeyUpdateException"
        body = assert_status(alice_api.put(path, {"label": "renamed"}, format="json"), 200)
        assert (body["label"], body["permissions"]) == ("renamed", ["create_dataset"])
        body = assert_status(alice_api.put(f"{URL}{created['key']}", {"permissions": []}, format="json"), 200)
        assert body["permissions"] == []
        assert ApiKey.objects.get().permissions == []

    def test_delete(self, alice_api, created):
        response = alice_api.delete(f"{URL}{created['apikey_uid']}")
        assert response.status_code == 204
        assert ApiKey.objects.count() == 0
        assert_status(alice_api.delete(f"{URL}{created['apikey_uid']}"), 404)

    def test_someone_elses_key_is_404(self, bob_api, created):
        assert_status(bob_api.get(f"{URL}{created['apikey_uid']}"), 404)
        assert_status(bob_api.delete(f"{URL}{created['key']}"), 404)
        assert ApiKey.objects.count() == 1
        assert assert_status(bob_api.get(URL), 200) == []


@pytest.mark.django_db
class TestUseKeys:
    @pytest.mark.parametrize("scheme", ["Apikey", "apikey", "APIKEY"])
    def test_header_scheme_is_case_insensitive(self, anonymous_api, created, scheme):
        response = anonymous_api.get("/api/management/v2/datasets/", HTTP_AUTHORIZATION=f"{scheme} {created['key']}")
        assert assert_status(response, 200)["nhits"] == 0

    def test_query_parameter(self, anonymous_api, created):
        body = {"dataset_id": "by-key"}
        assert_status(
            anonymous_api.post(f"/api/management/v2/datasets/?apikey={created['key']}", body, format="json"), 201
        )
        dataset = Dataset.objects.get(dataset_id="by-key")
        assert dataset.owner.username == "alice"
        assert ApiKey.objects.get().last_used_at is not None

    def test_a_key_limits_what_its_owner_may_do(self, anonymous_api, alice_api, alice):
        key = assert_status(alice_api.post(URL, {"permissions": []}, format="json"), 201)["key"]
        headers = {"HTTP_AUTHORIZATION": f"Apikey {key}"}
        body = assert_status(anonymous_api.post("/api/management/v2/datasets/", {}, format="json", **headers), 403)
        assert body["raw_params"] == {"permission": "create_dataset"}
        assert Dataset.objects.count() == 0

    def test_permission_removed_from_the_owner_is_gone_from_the_key(self, anonymous_api, alice, created):
        alice.user_permissions.clear()
        headers = {"HTTP_AUTHORIZATION": f"Apikey {created['key']}"}
        assert_status(anonymous_api.post("/api/management/v2/datasets/", {}, format="json", **headers), 403)

    def test_wrong_key_is_401(self, anonymous_api, created):
        body = assert_status(anonymous_api.get("/api/management/v2/datasets/", HTTP_AUTHORIZATION="Apikey nope"), 401)
        assert body["error_key"] == "AuthenticationRequiredException"
        assert_status(anonymous_api.get("/api/management/v2/datasets/?apikey=nope"), 401)

    def test_keys_cannot_manage_keys_and_see_only_themselves(self, anonymous_api, alice_api, created):
        assert_status(alice_api.post(URL, {"label": "second"}, format="json"), 201)
        headers = {"HTTP_AUTHORIZATION": f"Apikey {created['key']}"}
        body = assert_status(anonymous_api.post(URL, {"label": "x"}, format="json", **headers), 403)
        assert body["error_key"] == "PermissionDeniedException"
        assert_status(anonymous_api.delete(f"{URL}{created['apikey_uid']}", **headers), 403)
        listed = assert_status(anonymous_api.get(URL, **headers), 200)
        assert [item["apikey_uid"] for item in listed] == [created["apikey_uid"]]
        assert ApiKey.objects.count() == 2
