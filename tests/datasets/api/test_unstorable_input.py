"""Input PostgreSQL cannot store, numbers beyond its bounds and deep JSON: a 400 naming where, nothing lost.

One test per problem the issue lists; ``test_hostile_input`` walks every management operation the same way.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.input_guard import MAX_JSON_DEPTH
from datasets.models import Dataset, MetadataValue
from tests.conftest import assert_status, basic_client

BASE = "/api/management/v2"
EXPLORE = "/api/explore/v2.1"
HUGE = str(10**20)


def refused(response, field: str) -> dict:
    """The management API's 400 naming ``field``."""
    body = assert_status(response, 400)
    assert body["error_key"] == "InvalidRequestParameterException"
    assert body["status_code"] == 400
    assert f"'{field}'" in body["message"], body["message"]
    return body


def nested(depth: int) -> str:
    """A JSON object holding ``depth`` levels of arrays as its title."""
    return '{"metas": {"default": {"title": ' + "[" * depth + "]" * depth + "}}}"


@pytest.fixture
def seed(alice_api) -> str:
    body = {"dataset_id": "seed", "metas": {"default": {"title": "Seed title"}}}
    return assert_status(alice_api.post(f"{BASE}/datasets/", body, format="json"), 201)["dataset_uid"]


def stored_title(uid: str):
    return MetadataValue.objects.get(dataset__dataset_uid=uid, template="default", name="title").value


@pytest.mark.django_db
class TestDatasetIdMatchedWhole:
    def test_a_trailing_newline_is_refused_on_create(self, alice_api):
        response = alice_api.post(f"{BASE}/datasets/", {"dataset_id": "fresh\n"}, format="json")
        assert assert_status(response, 400)["error_key"] == "InvalidDatasetIdException"
        assert not Dataset.objects.filter(dataset_id__startswith="fresh").exists()

    @pytest.mark.parametrize("method", ["put", "patch"])
    def test_a_trailing_newline_is_refused_on_rename(self, alice_api, seed, method):
        response = getattr(alice_api, method)(f"{BASE}/datasets/{seed}/", {"dataset_id": "renamed\n"}, format="json")
        assert assert_status(response, 400)["error_key"] == "InvalidDatasetIdException"
        assert Dataset.objects.get(dataset_uid=seed).dataset_id == "seed"


@pytest.mark.django_db
class TestUnstorableCharactersInBodies:
    def test_nul_in_a_metadata_value_names_its_path_and_keeps_the_stored_value(self, alice_api, seed):
        body = {"metas": {"default": {"title": "a\x00b"}}}
        refused(alice_api.put(f"{BASE}/datasets/{seed}/", body, format="json"), "metas.default.title")
        assert stored_title(seed) == "Seed title"

    def test_nul_in_a_single_metadata_value(self, alice_api, seed):
        response = alice_api.put(f"{BASE}/datasets/{seed}/metadata/default/title/", {"value": "\x00"}, format="json")
        refused(response, "value")
        assert stored_title(seed) == "Seed title"

    def test_a_lone_surrogate_escape_is_refused(self, alice_api, seed):
        raw = '{"metas": {"default": {"title": "\\ud800"}}}'
        response = alice_api.generic("PUT", f"{BASE}/datasets/{seed}/", raw, "application/json")
        body = refused(response, "metas.default.title")
        assert "U+D800" in body["message"]
        assert stored_title(seed) == "Seed title"

    def test_nul_in_a_key_is_refused(self, alice_api, seed):
        body = {"metas": {"default": {"ti\x00tle": "x"}}}
        refused(alice_api.put(f"{BASE}/datasets/{seed}/", body, format="json"), "metas.default")

    def test_nul_in_an_array_item_names_its_index(self, alice_api, seed):
        body = {"metas": {"default": {"keyword": ["ok", "a\x00"]}}}
        refused(alice_api.put(f"{BASE}/datasets/{seed}/", body, format="json"), "metas.default.keyword[1]")

    def test_nul_in_a_security_username(self, admin_user, seed):
        body = {"user": {"username": "a\x00"}, "permissions": ["explore_restricted_dataset"]}
        root_api = basic_client("root", "root-password-1")
        refused(root_api.post(f"{BASE}/datasets/{seed}/security/users/", body, format="json"), "user.username")

    def test_nul_in_a_change_uid(self, alice_api, seed):
        response = alice_api.put(f"{BASE}/datasets/{seed}/restore_change/", {"change_uid": "\x00"}, format="json")
        refused(response, "change_uid")

    def test_nul_in_an_api_key_label(self, alice_api):
        refused(alice_api.post(f"{BASE}/apikeys/", {"label": "a\x00"}, format="json"), "label")

    def test_nul_in_a_multipart_field(self, alice_api):
        response = alice_api.post(f"{BASE}/files/", {"description": "a\x00"}, format="multipart")
        refused(response, "description")


@pytest.mark.django_db
class TestNumbersAndDepth:
    def test_an_integer_beyond_bigint_in_a_body(self, alice_api, seed):
        body = {"metas": {"default": {"title": 10**20}}}
        refused(alice_api.put(f"{BASE}/datasets/{seed}/", body, format="json"), "metas.default.title")

    def test_an_infinite_float_in_a_body(self, alice_api, seed):
        raw = '{"metas": {"default": {"title": 1e400}}}'
        refused(alice_api.generic("PUT", f"{BASE}/datasets/{seed}/", raw, "application/json"), "metas.default.title")

    def test_json_too_deep_for_python_is_a_400(self, alice_api, seed):
        response = alice_api.generic("PUT", f"{BASE}/datasets/{seed}/", nested(100_000), "application/json")
        assert f"nested deeper than {MAX_JSON_DEPTH} levels" in refused(response, "body")["message"]
        assert stored_title(seed) == "Seed title"

    def test_json_one_level_beyond_the_bound_names_where(self, alice_api, seed):
        # metas (1) . default (2) . title (3): the title's arrays reach the bound one level early.
        response = alice_api.generic("PUT", f"{BASE}/datasets/{seed}/", nested(MAX_JSON_DEPTH), "application/json")
        refused(response, "metas.default.title" + "[0]" * (MAX_JSON_DEPTH - 3))

    def test_page_beyond_bigint(self, alice_api):
        refused(alice_api.get(f"{BASE}/datasets/", {"page": HUGE}), "page")

    def test_page_times_rows_beyond_bigint(self, alice_api):
        refused(alice_api.get(f"{BASE}/datasets/", {"page": str(2**62), "rows": "100"}), "page")


@pytest.mark.django_db
class TestUnstorableCharactersInUrls:
    def test_nul_in_a_path_segment(self, alice_api, seed):
        refused(alice_api.get(f"{BASE}/datasets/{seed}/security/groups/%00/"), "path")

    def test_nul_in_a_query_parameter(self, alice_api):
        refused(alice_api.get(f"{BASE}/jobs/", {"dataset_uid": "\x00"}), "dataset_uid")

    def test_explore_answers_in_its_own_shape(self, public_dataset):
        response = APIClient().get(f"{EXPLORE}/catalog/datasets/", {"where": 'title = "\x00"'})
        body = assert_status(response, 400)
        assert body["error_code"] == "InvalidRESTParameterError"
        assert "where" in body["message"]

    def test_a_catalog_page_answers_a_400_page(self, client, public_dataset):
        response = client.get("/", {"q": "\x00"})
        assert response.status_code == 400
        assert "Invalid value for q" in response.content.decode()

    def test_a_catalog_path_answers_a_400_page(self, client, public_dataset):
        assert client.get("/explore/dataset/tr%00ees/").status_code == 400


@pytest.mark.django_db
def test_a_request_id_with_a_trailing_newline_is_not_reused(client):
    response = client.get("/health/", HTTP_X_REQUEST_ID="abcdefgh12\n")
    assert response["X-Request-ID"] != "abcdefgh12\n"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_a_basic_auth_username_with_nul_is_refused_as_unknown(alice):
    response = basic_client("ali\x00ce", "alice-password-1").get(f"{BASE}/datasets/")
    assert assert_status(response, 401)["error_key"] == "AuthenticationRequiredException"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [f"{BASE}/datasets/", "/", f"{EXPLORE}/catalog/datasets/"])
def test_a_session_cookie_with_nul_is_no_session(client, url):
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    assert client.get(url).status_code in (200, 401)
