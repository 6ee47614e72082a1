"""Dataset metadata through the management API."""

import pytest

from datasets.models import Change, MetadataValue
from tests.conftest import assert_status


@pytest.fixture
def dataset(alice_api):
    body = {"dataset_id": "trees", "metas": {"default": {"title": "Trees", "keyword": ["nature"]}}}
    return assert_status(alice_api.post("/api/management/v2/datasets/", body, format="json"), 201)


@pytest.fixture
def url(dataset):
    return f"/api/management/v2/datasets/{dataset['dataset_uid']}/metadata"


@pytest.mark.django_db
class TestReadMetadata:
    def test_list_covers_every_template_field_set_or_not(self, alice_api, url):
        body = assert_status(alice_api.get(url), 200)
        templates = {item["template"]["name"] for item in body}
        assert templates == {"default", "internal", "visualization", "dcat", "asset_content_configuration"}
        title = next(item for item in body if item["name"] == "title")
        assert title == {
            "name": "title",
            "template": {"name": "default", "label": "Default metadata", "purpose": "general"},
            "definition": {"name": "title"},
            "value": "Trees",
            "remote_value": None,
            "override_remote_value": False,
        }
        description = next(item for item in body if item["name"] == "description")
        assert description["value"] is None

    def test_list_filtered_by_template_with_definitions(self, alice_api, url):
        body = assert_status(alice_api.get(url, {"template": "dcat", "expand": "definition"}), 200)
        assert {item["template"]["name"] for item in body} == {"dcat"}
        frequency = next(item for item in body if item["name"] == "accrual_periodicity")
        assert "monthly" in frequency["definition"]["choices"]
        assert assert_status(alice_api.get(url, {"template": "nope"}), 400)["raw_params"]["field"] == "template"

    def test_one(self, alice_api, url):
        body = assert_status(alice_api.get(f"{url}/default/keyword"), 200)
        assert body["value"] == ["nature"]
        expanded = assert_status(alice_api.get(f"{url}/default/keyword/", {"expand": "definition"}), 200)
        assert expanded["definition"]["type"] == "multitext"
        assert expanded["definition"]["widget"]["type"] == "tags"

    @pytest.mark.parametrize("path", ["nope/title", "default/nope"])
    def test_unknown_template_or_field_is_404(self, alice_api, url, path):
        body = assert_status(alice_api.get(f"{url}/{path}"), 404)
        assert body["error_key"] == "UnknownMetadataException"


@pytest.mark.django_db
class TestWriteMetadata:
    def test_put_sets_a_value_and_records_a_change(self, alice_api, alice, url, dataset):
        body = assert_status(
            alice_api.put(f"{url}/default/description", {"value": "<p>Big <b>trees</b></p>"}, format="json"), 200
        )
        assert body["value"] == "<p>Big <b>trees</b></p>"
        row = MetadataValue.objects.get(dataset__dataset_uid=dataset["dataset_uid"], name="description")
        assert row.value == "<p>Big <b>trees</b></p>"
        change = Change.objects.filter(dataset__dataset_uid=dataset["dataset_uid"]).first()
        assert change.user == alice
        assert change.diff == {
            "metadata": [
                {
                    "path": ["default", "description"],
                    "old_value": None,
                    "new_value": "<p>Big <b>trees</b></p>",
                    "operation_type": "create",
                }
            ]
        }

    def test_html_is_sanitised(self, alice_api, url):
        body = assert_status(
            alice_api.put(
                f"{url}/default/description",
                {"value": '<p onclick="x()">Hi<script>alert(1)</script></p>'},
                format="json",
            ),
            200,
        )
        assert body["value"] == "<p>Hi</p>"

    @pytest.mark.parametrize(
        ("path", "value", "reason_part"),
        [
            ("default/language", "xx", "allowed choices"),
            ("default/keyword", "one", "list"),
            ("default/title", 5, "string"),
            ("dcat/created", "2024-13-01", "date"),
            ("dcat/contact_email", "not-an-email", "email"),
            ("internal/draft", "yes", "boolean"),
        ],
    )
    def test_values_outside_their_definition_are_refused(self, alice_api, url, dataset, path, value, reason_part):
        before = Change.objects.count()
        body = assert_status(alice_api.put(f"{url}/{path}", {"value": value}, format="json"), 400)
        assert body["error_key"] == "InvalidMetadataValueException"
        assert reason_part in body["raw_params"]["reason"]
        assert Change.objects.count() == before

    def test_put_needs_a_value_and_no_strangers(self, alice_api, url):
        assert (
            assert_status(alice_api.put(f"{url}/default/title", {}, format="json"), 400)["raw_params"]["field"]
            == "value"
        )
        body = assert_status(alice_api.put(f"{url}/default/title", {"value": "x", "colour": 1}, format="json"), 400)
        assert body["raw_params"]["field"] == "colour"
        body = assert_status(
            alice_api.put(f"{url}/default/title", {"value": "x", "override_remote_value": "y"}, format="json"), 400
        )
        assert body["raw_params"]["field"] == "override_remote_value"

    def test_delete_resets_the_value(self, alice_api, url, dataset):
        body = assert_status(alice_api.delete(f"{url}/default/keyword"), 200)
        assert body["value"] is None
        assert MetadataValue.objects.get(dataset__dataset_uid=dataset["dataset_uid"], name="keyword").value is None
        dataset_body = assert_status(alice_api.get(f"/api/management/v2/datasets/{dataset['dataset_uid']}/"), 200)
        assert dataset_body["metas"]["default"]["title"] == "Trees"
        assert "keyword" not in dataset_body["metas"]["default"]

    def test_bulk_put_sets_all_or_nothing(self, alice_api, url, dataset):
        metas = [
            {
                "template_name": "default",
                "metadata_name": "title",
                "override_remote_value": False,
                "value": "Street trees",
            },
            {"template_name": "default", "metadata_name": "keyword", "value": ["trees", "city"]},
        ]
        body = assert_status(alice_api.put(f"{url}/", {"metas": metas}, format="json"), 200)
        assert [(item["name"], item["value"]) for item in body] == [
            ("title", "Street trees"),
            ("keyword", ["trees", "city"]),
        ]
        assert Change.objects.filter(dataset__dataset_uid=dataset["dataset_uid"]).count() == 2

        bad = [
            {"template_name": "default", "metadata_name": "title", "value": "Changed"},
            {"template_name": "default", "metadata_name": "language", "value": "klingon"},
            {"template_name": "nope", "metadata_name": "x", "value": 1},
        ]
        body = assert_status(alice_api.put(url, {"metas": bad}, format="json"), 400)
        assert body["error_key"] == "InvalidManagementAPIRequestException"
        assert [error["error_key"] for error in body["errors"]] == [
            "InvalidMetadataValueException",
            "UnknownMetadataTemplateException",
        ]
        title = MetadataValue.objects.get(dataset__dataset_uid=dataset["dataset_uid"], name="title")
        assert title.value == "Street trees"

    def test_bulk_put_shape_errors(self, alice_api, url):
        assert (
            assert_status(alice_api.put(url, {"metas": {"a": 1}}, format="json"), 400)["raw_params"]["field"] == "metas"
        )
        body = assert_status(alice_api.put(url, {"metas": [{"template_name": "default"}]}, format="json"), 400)
        assert body["raw_params"]["field"] == "metas[0].metadata_name"

    def test_others_cannot_write(self, bob_api, reader_api, url, dataset):
        assert_status(bob_api.put(f"{url}/default/title", {"value": "Mine"}, format="json"), 404)
        assert_status(reader_api.put(f"{url}/default/title", {"value": "Mine"}, format="json"), 403)
        assert_status(reader_api.get(f"{url}/default/title"), 200)
        assert MetadataValue.objects.get(dataset__dataset_uid=dataset["dataset_uid"], name="title").value == "Trees"
