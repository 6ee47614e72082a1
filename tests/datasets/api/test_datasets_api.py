"""Datasets through the management API: create, list, read, rename, delete, status."""

import re
from datetime import datetime

import pytest

from datasets.models import Change, Dataset, MetadataValue
from tests.conftest import assert_status

URL = "/api/management/v2/datasets/"


def create(api, body, query=""):
    return api.post(f"{URL}{query}", body, format="json")


@pytest.mark.django_db
class TestCreate:
    def test_empty_body_gives_the_uid_as_id(self, alice_api, alice):
        body = assert_status(create(alice_api, {}), 201)
        assert re.fullmatch(r"da_[a-z0-9]{6}", body["dataset_uid"])
        assert body["dataset_id"] == body["dataset_uid"]
        assert body["status"] == {"name": "idle"}
        # Only what the platform sets itself: the creation date and the publishing state (reference §4.4).
        modified = body["metas"]["default"]["modified"]
        publishing = {"published": False, "status": "idle"}
        assert body["metas"] == {"default": {"modified": modified}, "publishing": publishing}
        created = datetime.fromisoformat(body["last_modified"])
        assert abs(datetime.fromisoformat(modified) - created).total_seconds() < 2
        assert body["visibility"] == "restricted"
        dataset = Dataset.objects.get(dataset_uid=body["dataset_uid"])
        assert dataset.owner == alice

    def test_id_is_slugified_from_the_title_and_deduplicated(self, alice_api):
        first = assert_status(create(alice_api, {"metas": {"default": {"title": "Arbres d'Été 2024"}}}), 201)
        second = assert_status(create(alice_api, {"metas": {"default": {"title": "Arbres d'Été 2024"}}}), 201)
        assert first["dataset_id"] == "arbres-dete-2024"
        assert second["dataset_id"] == "arbres-dete-2024-2"
        assert first["metas"]["default"]["title"] == "Arbres d'Été 2024"

    def test_taken_id_is_altered_unless_strict(self, alice_api):
        assert_status(create(alice_api, {"dataset_id": "trees"}), 201)
        assert assert_status(create(alice_api, {"dataset_id": "trees"}), 201)["dataset_id"] == "trees-2"
        body = assert_status(create(alice_api, {"dataset_id": "trees"}, "?strict=true"), 400)
        assert body["error_key"] == "DatasetIdAlreadyExistsException"
        assert body["raw_params"] == {"dataset_id": "trees"}
        assert Dataset.objects.filter(dataset_id__startswith="trees").count() == 2

    def test_strict_without_id_is_refused(self, alice_api):
        body = assert_status(create(alice_api, {"metas": {"default": {"title": "T"}}}, "?strict=true"), 400)
        assert body == {
            "status_code": 400,
            "error_key": "ODSException",
            "message": "Dataset identifier (dataset_id) is mandatory",
            "raw_message": "Dataset identifier (dataset_id) is mandatory",
            "raw_params": {},
        }
        assert Dataset.objects.count() == 0

    def test_strict_with_a_free_id_keeps_it(self, alice_api):
        body = assert_status(create(alice_api, {"dataset_id": "my-data"}, "?strict=true"), 201)
        assert body["dataset_id"] == "my-data"

    def test_metadata_array_form_is_accepted(self, alice_api):
        metadata = [
            {"name": "title", "template": {"name": "default"}, "value": "Bikes"},
            {"name": "keyword", "template": "default", "value": ["mobility"]},
            {"name": "contact_email", "template": "dcat", "value": "data@example.org"},
        ]
        body = assert_status(create(alice_api, {"metadata": metadata}), 201)
        assert body["metas"] == {
            "default": {"title": "Bikes", "keyword": ["mobility"], "modified": body["metas"]["default"]["modified"]},
            "dcat": {"contact_email": "data@example.org"},
            "publishing": {"published": False, "status": "idle"},
        }
        assert [(m["template"]["name"], m["name"]) for m in body["metadata"]] == [
            ("default", "title"),
            ("default", "keyword"),
            ("default", "modified"),
            ("dcat", "contact_email"),
        ]

    def test_invalid_metadata_reports_every_problem_and_stores_nothing(self, alice_api):
        metas = {"default": {"title": 12, "language": "xx", "nope": 1}, "unknown": {"a": 1}}
        body = assert_status(create(alice_api, {"metas": metas}), 400)
        assert body["error_key"] == "InvalidManagementAPIRequestException"
        keys = sorted(error["error_key"] for error in body["errors"])
        assert keys == [
            "InvalidMetadataValueException",
            "InvalidMetadataValueException",
            "UnknownMetadataFieldException",
            "UnknownMetadataTemplateException",
        ]
        assert Dataset.objects.count() == 0
        assert MetadataValue.objects.count() == 0

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"dataset_id": "Has Spaces"}, None),
            ({"dataset_id": 12}, "dataset_id"),
            ({"metas": ["not", "a", "dict"]}, "metas"),
            ({"visibility": "public"}, "visibility"),
            ({"surprise": 1}, "surprise"),
        ],
    )
    def test_malformed_bodies_are_refused_with_the_field_named(self, alice_api, body, field):
        error = assert_status(create(alice_api, body), 400)
        if field:
            assert error["raw_params"]["field"] == field
        else:
            assert error["error_key"] == "InvalidDatasetIdException"
        assert Dataset.objects.count() == 0

    def test_bad_json_is_a_400_envelope(self, alice_api):
        response = alice_api.post(URL, '{"dataset_id": ', content_type="application/json")
        body = assert_status(response, 400)
        assert body["error_key"] == "InvalidJSONException"

    def test_non_json_content_type_is_415(self, alice_api):
        body = assert_status(alice_api.post(URL, "dataset_id=x", content_type="text/plain"), 415)
        assert body["error_key"] == "UnsupportedMediaTypeException"

    def test_creation_is_recorded_as_a_change(self, alice_api, alice):
        body = assert_status(create(alice_api, {"dataset_id": "bikes", "metas": {"default": {"title": "Bikes"}}}), 201)
        change = Change.objects.get(dataset__dataset_uid=body["dataset_uid"])
        assert change.user == alice
        assert change.sections == ["dataset", "metadata"]
        modified = body["metas"]["default"]["modified"]
        assert change.diff["metadata"] == [
            {"path": ["default", "modified"], "old_value": None, "new_value": modified, "operation_type": "create"},
            {"path": ["default", "title"], "old_value": None, "new_value": "Bikes", "operation_type": "create"},
        ]
        assert body["changes"] == [{"change_uid": change.change_uid}]

    def test_user_without_create_permission_gets_403(self, reader_api):
        body = assert_status(create(reader_api, {}), 403)
        assert body["error_key"] == "PermissionDeniedException"
        assert body["raw_params"] == {"permission": "create_dataset"}
        assert Dataset.objects.count() == 0


@pytest.mark.django_db
class TestList:
    @pytest.fixture
    def many(self, alice_api):
        for number in range(12):
            title = f"Set {number:02d}"
            assert_status(
                create(alice_api, {"dataset_id": f"set-{number:02d}", "metas": {"default": {"title": title}}}), 201
            )

    def test_lists_own_datasets_with_paging(self, alice_api, many):
        body = assert_status(alice_api.get(URL), 200)
        assert (body["nhits"], body["rows"], body["page"]) == (12, 10, 1)
        assert [d["dataset_id"] for d in body["datasets"]][:2] == ["set-00", "set-01"]
        body = assert_status(alice_api.get(URL, {"rows": 5, "page": 3}), 200)
        assert [d["dataset_id"] for d in body["datasets"]] == ["set-10", "set-11"]

    def test_sorts(self, alice_api, many):
        body = assert_status(alice_api.get(URL, {"sort": "-dataset_id", "rows": 2}), 200)
        assert [d["dataset_id"] for d in body["datasets"]] == ["set-11", "set-10"]
        body = assert_status(alice_api.get(URL, {"sort": "-title", "rows": 1}), 200)
        assert body["datasets"][0]["metas"]["default"]["title"] == "Set 11"
        body = assert_status(alice_api.get(URL, {"sort": "owner"}), 400)
        assert body["raw_params"]["field"] == "sort"

    def test_sorts_by_the_modified_metadata_latest_first(self, alice_api, many):
        for dataset_id, modified in (("set-04", "2031-05-01T00:00:00+00:00"), ("set-09", "2030-01-01T00:00:00+00:00")):
            uid = Dataset.objects.get(dataset_id=dataset_id).dataset_uid
            url = f"{URL}{uid}/metadata/default/modified/"
            assert_status(alice_api.put(url, {"value": modified}, format="json"), 200)
        MetadataValue.objects.filter(dataset__dataset_id="set-07", template="default", name="modified").delete()
        body = assert_status(alice_api.get(URL, {"sort": "-modified", "rows": 100}), 200)
        ids = [d["dataset_id"] for d in body["datasets"]]
        assert ids[:2] == ["set-04", "set-09"] and ids[-1] == "set-07"
        body = assert_status(alice_api.get(URL, {"sort": "modified", "rows": 100}), 200)
        assert [d["dataset_id"] for d in body["datasets"]][-3:] == ["set-09", "set-04", "set-07"]

    def test_where_filters_on_id_and_metadata(self, alice_api, many):
        body = assert_status(alice_api.get(URL, {"where": 'dataset_id = "set-03"'}), 200)
        assert [d["dataset_id"] for d in body["datasets"]] == ["set-03"]
        body = assert_status(alice_api.get(URL, {"where": 'default.title = "Set 07" OR title = "Set 08"'}), 200)
        assert [d["dataset_id"] for d in body["datasets"]] == ["set-07", "set-08"]
        body = assert_status(alice_api.get(URL, {"where": "title = "}), 400)
        assert body["error_key"] == "InvalidWhereClauseException"

    @pytest.mark.parametrize(
        ("params", "field"), [({"rows": 101}, "rows"), ({"rows": "x"}, "rows"), ({"page": 0}, "page")]
    )
    def test_paging_bounds(self, alice_api, params, field):
        body = assert_status(alice_api.get(URL, params), 400)
        assert body["raw_params"]["field"] == field

    def test_others_datasets_are_not_listed(self, bob_api, alice_api, many):
        assert assert_status(bob_api.get(URL), 200)["nhits"] == 0

    def test_domain_editors_see_everything(self, chief_api, many):
        assert assert_status(chief_api.get(URL), 200)["nhits"] == 12

    def test_query_count_does_not_grow_with_rows(self, alice_api, many, django_assert_max_num_queries):
        with django_assert_max_num_queries(8):
            assert_status(alice_api.get(URL, {"rows": 12, "expand": "status,changes"}), 200)


@pytest.mark.django_db
class TestRetrieveRenameDelete:
    @pytest.fixture
    def dataset(self, alice_api):
        body = create(alice_api, {"dataset_id": "trees", "metas": {"default": {"title": "Trees"}}})
        return assert_status(body, 201)

    def test_retrieve_with_and_without_slash_and_expansions(self, alice_api, dataset):
        uid = dataset["dataset_uid"]
        plain = assert_status(alice_api.get(f"{URL}{uid}"), 200)
        assert plain["status"] == {"name": "idle"}
        assert plain["has_unpublished_changes"] is True
        full = assert_status(
            alice_api.get(f"{URL}{uid}/", {"expand": "status.user,changes.user,metadata.definition"}), 200
        )
        assert full["status"]["published"] is False
        assert full["status"]["user"] is None
        assert full["changes"][0]["user"]["username"] == "alice"
        assert full["changes"][0]["user"]["email"] == "alice@example.org"
        assert full["metadata"][0]["definition"]["type"] == "text"
        body = assert_status(alice_api.get(f"{URL}{uid}/", {"expand": "owner"}), 400)
        assert body["raw_params"]["field"] == "expand"

    def test_unknown_dataset_is_404(self, alice_api):
        body = assert_status(alice_api.get(f"{URL}da_zzzzzz/"), 404)
        assert body["error_key"] == "UnknownDatasetException"
        assert body["message"] == "Unknown dataset: da_zzzzzz"

    def test_another_users_dataset_is_404_not_403(self, bob_api, dataset):
        uid = dataset["dataset_uid"]
        for response in (
            bob_api.get(f"{URL}{uid}/"),
            bob_api.delete(f"{URL}{uid}/"),
            bob_api.put(f"{URL}{uid}/", {"dataset_id": "x"}, format="json"),
        ):
            assert assert_status(response, 404)["error_key"] == "UnknownDatasetException"
        assert Dataset.objects.filter(dataset_uid=uid, dataset_id="trees").exists()

    def test_reader_may_read_but_not_edit(self, reader_api, dataset):
        uid = dataset["dataset_uid"]
        assert_status(reader_api.get(f"{URL}{uid}/"), 200)
        body = assert_status(reader_api.put(f"{URL}{uid}/", {"dataset_id": "renamed"}, format="json"), 403)
        assert body["raw_params"] == {"permission": "edit_dataset", "dataset_uid": uid}
        assert_status(reader_api.delete(f"{URL}{uid}/"), 403)
        assert Dataset.objects.filter(dataset_uid=uid, dataset_id="trees").exists()

    def test_rename_while_unpublished_records_a_change(self, alice_api, dataset):
        uid = dataset["dataset_uid"]
        body = assert_status(alice_api.put(f"{URL}{uid}", {"dataset_id": "street-trees"}, format="json"), 200)
        assert body["dataset_id"] == "street-trees"
        assert Dataset.objects.get(dataset_uid=uid).dataset_id == "street-trees"
        change = Change.objects.filter(dataset__dataset_uid=uid).first()
        assert change.diff == {
            "dataset": [
                {"path": ["dataset_id"], "old_value": "trees", "new_value": "street-trees", "operation_type": "update"}
            ]
        }
        body = assert_status(alice_api.patch(f"{URL}{uid}/", {"dataset_id": "Bad Id"}, format="json"), 400)
        assert body["error_key"] == "InvalidDatasetIdException"

    def test_rename_to_a_taken_id_is_refused(self, alice_api, dataset):
        assert_status(create(alice_api, {"dataset_id": "taken"}), 201)
        body = assert_status(
            alice_api.put(f"{URL}{dataset['dataset_uid']}/", {"dataset_id": "taken"}, format="json"), 400
        )
        assert body["error_key"] == "DatasetIdAlreadyExistsException"
        assert Dataset.objects.get(dataset_uid=dataset["dataset_uid"]).dataset_id == "trees"

    def test_rename_of_a_published_dataset_is_forbidden(self, alice_api, dataset):
        Dataset.objects.filter(dataset_uid=dataset["dataset_uid"]).update(is_published=True)
        body = assert_status(
            alice_api.put(f"{URL}{dataset['dataset_uid']}/", {"dataset_id": "other"}, format="json"), 400
        )
        assert body["error_key"] == "DatasetIdChangeForbiddenException"
        assert Dataset.objects.get(dataset_uid=dataset["dataset_uid"]).dataset_id == "trees"

    def test_rename_needs_a_dataset_id(self, alice_api, dataset):
        body = assert_status(alice_api.put(f"{URL}{dataset['dataset_uid']}/", {}, format="json"), 400)
        assert body["raw_params"] == {"field": "dataset_id", "detail": "This field is required."}

    def test_delete(self, alice_api, dataset):
        uid = dataset["dataset_uid"]
        response = alice_api.delete(f"{URL}{uid}")
        assert response.status_code == 204
        assert response.content == b""
        assert not Dataset.objects.filter(dataset_uid=uid).exists()
        assert not MetadataValue.objects.exists()
        assert_status(alice_api.delete(f"{URL}{uid}"), 404)

    def test_status(self, alice_api, reader_api, dataset):
        uid = dataset["dataset_uid"]
        body = assert_status(alice_api.get(f"{URL}{uid}/status"), 200)
        assert set(body) == {"name", "published", "since", "user"}
        assert (body["name"], body["published"]) == ("idle", False)
        assert_status(reader_api.get(f"{URL}{uid}/status/"), 200)
        Dataset.objects.filter(dataset_uid=uid).update(
            status="error", status_error={"message": "m", "raw_message": "m", "raw_params": {}}
        )
        body = assert_status(alice_api.get(f"{URL}{uid}/status", {"expand": "user"}), 200)
        assert (body["name"], body["message"], body["raw_params"]) == ("error", "m", {})
