"""Resources through the management API: CRUD, preview, download, guesses and history."""

import pytest

from datasets.models import Change, Resource
from tests.conftest import assert_status
from tests.datasets.api.conftest import TREES_CSV, stored_file

BASE = "/api/management/v2"


def field_names(preview):
    return [field["name"] for field in preview["fields"]]


@pytest.mark.django_db
class TestResourceCrud:
    def test_create_list_read(self, alice_api, trees, trees_file):
        uid, resource = trees
        assert resource["resource_uid"].startswith("re_")
        assert (resource["url"], resource["type"], resource["title"]) == (trees_file.url, "csvfile", "Trees")
        assert resource["params"]["separator"] == ","
        assert assert_status(alice_api.get(f"{BASE}/datasets/{uid}/resources"), 200) == [resource]
        one = assert_status(alice_api.get(f"{BASE}/datasets/{uid}/resources/{resource['resource_uid']}/"), 200)
        assert one == resource
        change = Change.objects.filter(dataset__dataset_uid=uid).first()
        assert change.sections == ["resources"]
        assert change.diff["resources"][0]["operation_type"] == "create"

    def test_update_and_delete(self, alice_api, trees):
        uid, resource = trees
        path = f"{BASE}/datasets/{uid}/resources/{resource['resource_uid']}"
        body = {**{k: resource[k] for k in ("url", "type", "params")}, "title": "All trees"}
        assert assert_status(alice_api.put(path, body, format="json"), 200)["title"] == "All trees"
        assert Resource.objects.get(resource_uid=resource["resource_uid"]).title == "All trees"
        response = alice_api.delete(path)
        assert response.status_code == 204
        assert not Resource.objects.exists()
        assert_status(alice_api.get(path), 404)

    def test_restore_brings_a_deleted_resource_back_under_its_uid(self, alice_api, trees):
        uid, resource = trees
        alice_api.delete(f"{BASE}/datasets/{uid}/resources/{resource['resource_uid']}")
        deletion = Change.objects.filter(dataset__dataset_uid=uid).first()
        body = {"change_uid": deletion.change_uid}
        assert_status(alice_api.put(f"{BASE}/datasets/{uid}/restore_change", body, format="json"), 200)
        assert Resource.objects.get().resource_uid == resource["resource_uid"]

    @pytest.mark.parametrize(
        ("body", "error_key"),
        [
            ({"url": "odsfile://fi_nothere0000", "type": "csvfile"}, "InvalidRequestParameterException"),
            ({"url": "ftp://example.org/x.csv", "type": "csvfile"}, "InvalidRequestParameterException"),
            ({"url": "FILE", "type": "pdffile"}, "UnknownExtractorException"),
            ({"url": "FILE", "type": "csvfile", "params": {"separator": ";;"}}, "InvalidExtractorParameterException"),
            ({"url": "FILE", "type": "csvfile", "params": {"colour": "red"}}, "InvalidExtractorParameterException"),
            ({"url": "FILE"}, "InvalidRequestParameterException"),
        ],
    )
    def test_bad_resources_are_refused_and_nothing_stored(self, alice_api, trees_file, body, error_key):
        dataset = assert_status(alice_api.post(f"{BASE}/datasets/", {}, format="json"), 201)
        body = {key: (trees_file.url if value == "FILE" else value) for key, value in body.items()}
        error = assert_status(
            alice_api.post(f"{BASE}/datasets/{dataset['dataset_uid']}/resources/", body, format="json"), 400
        )
        assert error["error_key"] == error_key
        assert not Resource.objects.exists()

    def test_others_cannot_touch_resources(self, bob_api, reader_api, trees):
        uid, resource = trees
        assert_status(bob_api.get(f"{BASE}/datasets/{uid}/resources"), 404)
        assert_status(reader_api.get(f"{BASE}/datasets/{uid}/resources"), 200)
        assert_status(reader_api.delete(f"{BASE}/datasets/{uid}/resources/{resource['resource_uid']}"), 403)
        assert Resource.objects.count() == 1


@pytest.mark.django_db
class TestPreviewAndDownload:
    def test_preview_types_and_records(self, alice_api, trees):
        uid, resource = trees
        shown = assert_status(alice_api.get(f"{BASE}/datasets/{uid}/resources/{resource['resource_uid']}/preview"), 200)
        assert field_names(shown) == ["name", "year", "lat", "lon", "when", "html", "json", "note"]
        types = {field["name"]: field["type"] for field in shown["fields"]}
        assert (types["name"], types["year"], types["lat"]) == ("text", "int", "double")
        assert shown["fields"][0]["label"] == "name"
        assert len(shown["records"]) == 2
        assert shown["records"][0]["year"] == 1990

    def test_unsaved_preview(self, alice_api, trees, trees_file):
        uid, _ = trees
        body = {"url": trees_file.url, "type": "csvfile", "params": {"separator": "|"}}
        shown = assert_status(alice_api.post(f"{BASE}/datasets/{uid}/resource_preview", body, format="json"), 200)
        assert len(shown["fields"]) == 1  # with the wrong separator, one column

    def test_download(self, alice_api, trees):
        uid, resource = trees
        response = alice_api.get(f"{BASE}/datasets/{uid}/resources/{resource['resource_uid']}/download")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == TREES_CSV

    def test_guesses(self, alice_api, alice):
        file = stored_file("a;b;c\n1;2;3\n4;5;6\n".encode("cp1252"), "x.csv", alice)
        body = assert_status(alice_api.post(f"{BASE}/guess_extractors/", {"url": file.url}, format="json"), 200)
        assert body["recommended_extractors"][0] == "csvfile"
        body = {"url": file.url, "extractor": "csvfile"}
        guessed = assert_status(alice_api.post(f"{BASE}/guess_extractor_params/", body, format="json"), 200)
        assert guessed["extractor"] == "csvfile"
        assert guessed["params"]["separator"] == ";"
        assert guessed["params"]["headers_first_row"] is True

    def test_extractor_catalogue(self, alice_api):
        body = assert_status(alice_api.get(f"{BASE}/extractors/"), 200)
        assert {item["type"] for item in body} >= {"csvfile", "jsonfile", "geojsonfile", "xlsfile"}
        csv_params = {param["name"] for param in next(item for item in body if item["type"] == "csvfile")["parameters"]}
        assert {"separator", "encoding", "headers_first_row", "first_row_no", "doublequote"} <= csv_params
