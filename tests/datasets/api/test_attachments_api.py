"""Attachments and alternative exports through the management API (reference §13): CRUD, download, errors,
permissions, history and restore."""

from dataclasses import dataclass

import pytest

from datasets.models import AlternativeExport, Attachment, Change
from tests.conftest import assert_status
from tests.datasets.api.conftest import stored_file

BASE = "/api/management/v2"
REPORT = b"section,page\nmethod,1\nsources,4\n"


@dataclass(frozen=True)
class Kind:
    collection: str
    uid_field: str
    download: str
    prefix: str
    model: type
    unknown_key: str


ATTACHMENTS = Kind(
    "attachments", "attachment_uid", "download_attachment", "at_", Attachment, "UnknownAttachmentException"
)
EXPORTS = Kind(
    "alternative_exports",
    "export_uid",
    "download_alternative_export",
    "ae_",
    AlternativeExport,
    "UnknownAlternativeExportException",
)


@pytest.fixture(params=[ATTACHMENTS, EXPORTS], ids=["attachments", "alternative_exports"])
def kind(request) -> Kind:
    return request.param


@pytest.fixture
def dataset_uid(alice_api):
    return assert_status(alice_api.post(f"{BASE}/datasets/", {"dataset_id": "trees"}, format="json"), 201)[
        "dataset_uid"
    ]


@pytest.fixture
def report(alice):
    return stored_file(REPORT, "../Method report (v2).csv", alice)


def create(api, dataset_uid, kind, body, expected=201):
    return assert_status(api.post(f"{BASE}/datasets/{dataset_uid}/{kind.collection}/", body, format="json"), expected)


@pytest.mark.django_db
class TestCrud:
    def test_create_list_retrieve_with_and_without_slash(self, alice_api, dataset_uid, kind, report):
        item = create(alice_api, dataset_uid, kind, {"url": report.url, "title": "Method"})
        uid = item[kind.uid_field]
        assert uid.startswith(kind.prefix) and len(uid) == 9
        assert item == {kind.uid_field: uid, "url": report.url, "title": "Method"}
        collection = f"{BASE}/datasets/{dataset_uid}/{kind.collection}"
        assert assert_status(alice_api.get(collection), 200) == [item]
        assert assert_status(alice_api.get(f"{collection}/"), 200) == [item]
        assert assert_status(alice_api.get(f"{collection}/{uid}"), 200) == item
        assert assert_status(alice_api.get(f"{collection}/{uid}/"), 200) == item
        row = kind.model.objects.get()
        assert (row.url, row.title, row.dataset.dataset_uid) == (report.url, "Method", dataset_uid)

    def test_title_is_optional_and_items_keep_their_order(self, alice_api, dataset_uid, kind, report):
        first = create(alice_api, dataset_uid, kind, {"url": report.url})
        second = create(alice_api, dataset_uid, kind, {"url": report.url, "title": "Again"})
        assert first["title"] == ""
        listed = assert_status(alice_api.get(f"{BASE}/datasets/{dataset_uid}/{kind.collection}"), 200)
        assert [item[kind.uid_field] for item in listed] == [first[kind.uid_field], second[kind.uid_field]]

    def test_update_replaces_url_and_title(self, alice_api, alice, dataset_uid, kind, report):
        uid = create(alice_api, dataset_uid, kind, {"url": report.url, "title": "Old"})[kind.uid_field]
        other = stored_file(b"a,b\n1,2\n", "full.csv", alice)
        path = f"{BASE}/datasets/{dataset_uid}/{kind.collection}/{uid}/"
        updated = assert_status(alice_api.put(path, {"url": other.url, "title": "New"}, format="json"), 200)
        assert updated == {kind.uid_field: uid, "url": other.url, "title": "New"}
        assert (kind.model.objects.get().url, kind.model.objects.get().title) == (other.url, "New")

    def test_delete_answers_200_with_the_deleted_item(self, alice_api, dataset_uid, kind, report):
        item = create(alice_api, dataset_uid, kind, {"url": report.url})
        path = f"{BASE}/datasets/{dataset_uid}/{kind.collection}/{item[kind.uid_field]}"
        assert assert_status(alice_api.delete(path), 200) == item
        assert not kind.model.objects.exists()
        assert assert_status(alice_api.get(path), 404)["error_key"] == kind.unknown_key

    def test_download_streams_the_file_with_its_type_and_a_clean_name(self, alice_api, dataset_uid, kind, report):
        uid = create(alice_api, dataset_uid, kind, {"url": report.url})[kind.uid_field]
        for suffix in ("", "/"):
            response = alice_api.get(f"{BASE}/datasets/{dataset_uid}/{kind.download}/{uid}{suffix}")
            assert response.status_code == 200
            assert response.streaming
            assert b"".join(response.streaming_content) == REPORT
            assert response["Content-Type"] == "text/csv"
            assert response["Content-Disposition"] == 'attachment; filename="Method_report_v2.csv"'


@pytest.mark.django_db
class TestErrors:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"url": "odsfile://fi_nothere0000"}, "url"),
            ({"url": "https://example.org/report.pdf"}, "url"),
            ({"url": "ftp://example.org/report.pdf"}, "url"),
            ({"url": 42}, "url"),
            ({"url": "odsfile://fi_a\u0000b"}, "url"),
            ({"url": "FILE", "title": "a\u0000b"}, "title"),
            ({}, "url"),
            ({"url": "FILE", "title": ["x"]}, "title"),
            ({"url": "FILE", "title": "t" * 256}, "title"),
            ({"url": "FILE", "colour": "red"}, "colour"),
        ],
    )
    def test_bad_bodies_are_400_naming_the_field_and_store_nothing(
        self, alice_api, dataset_uid, kind, report, body, field
    ):
        body = {key: (report.url if value == "FILE" else value) for key, value in body.items()}
        error = create(alice_api, dataset_uid, kind, body, expected=400)
        assert error["error_key"] == "InvalidRequestParameterException"
        assert error["raw_params"]["field"] == field
        assert not kind.model.objects.exists()
        assert not Change.objects.filter(sections__contains=[kind.collection]).exists()

    def test_a_bad_update_keeps_the_stored_item(self, alice_api, dataset_uid, kind, report):
        item = create(alice_api, dataset_uid, kind, {"url": report.url, "title": "Kept"})
        path = f"{BASE}/datasets/{dataset_uid}/{kind.collection}/{item[kind.uid_field]}"
        error = assert_status(alice_api.put(path, {"url": "http://example.org/x"}, format="json"), 400)
        assert error["raw_params"]["field"] == "url"
        assert assert_status(alice_api.get(path), 200) == item

    def test_unknown_uids_are_404_with_the_list_error_key(self, alice_api, dataset_uid, kind):
        for path in (
            f"{BASE}/datasets/{dataset_uid}/{kind.collection}/{kind.prefix}zzzzzz",
            f"{BASE}/datasets/{dataset_uid}/{kind.download}/{kind.prefix}zzzzzz",
        ):
            error = assert_status(alice_api.get(path), 404)
            assert error["error_key"] == kind.unknown_key
            assert error["raw_params"] == {"uid": f"{kind.prefix}zzzzzz", "dataset_uid": dataset_uid}
        put = alice_api.put(
            f"{BASE}/datasets/{dataset_uid}/{kind.collection}/{kind.prefix}zzzzzz", {"url": "x"}, format="json"
        )
        assert assert_status(put, 404)["error_key"] == kind.unknown_key
        deleted = alice_api.delete(f"{BASE}/datasets/{dataset_uid}/{kind.collection}/{kind.prefix}zzzzzz")
        assert assert_status(deleted, 404)["error_key"] == kind.unknown_key

    def test_an_item_of_another_dataset_is_unknown_here(self, alice_api, dataset_uid, kind, report):
        item = create(alice_api, dataset_uid, kind, {"url": report.url})
        other = assert_status(alice_api.post(f"{BASE}/datasets/", {"dataset_id": "other"}, format="json"), 201)
        path = f"{BASE}/datasets/{other['dataset_uid']}/{kind.collection}/{item[kind.uid_field]}"
        assert assert_status(alice_api.get(path), 404)["error_key"] == kind.unknown_key
        assert assert_status(alice_api.delete(path), 404)["error_key"] == kind.unknown_key
        assert kind.model.objects.count() == 1

    def test_unknown_dataset_is_404(self, alice_api, kind):
        error = assert_status(alice_api.get(f"{BASE}/datasets/da_zzzzzz/{kind.collection}"), 404)
        assert error["error_key"] == "UnknownDatasetException"

    def test_a_file_removed_since_is_a_404_on_download(self, alice_api, dataset_uid, kind, report):
        uid = create(alice_api, dataset_uid, kind, {"url": report.url})[kind.uid_field]
        report.delete()
        error = assert_status(alice_api.get(f"{BASE}/datasets/{dataset_uid}/{kind.download}/{uid}"), 404)
        assert (error["error_key"], error["raw_params"]) == ("UnknownFileException", {"url": report.url})


@pytest.mark.django_db
class TestPermissions:
    def test_readers_read_and_download_but_cannot_write(self, alice_api, reader_api, dataset_uid, kind, report):
        item = create(alice_api, dataset_uid, kind, {"url": report.url})
        uid = item[kind.uid_field]
        collection = f"{BASE}/datasets/{dataset_uid}/{kind.collection}"
        assert assert_status(reader_api.get(collection), 200) == [item]
        assert reader_api.get(f"{BASE}/datasets/{dataset_uid}/{kind.download}/{uid}").status_code == 200
        for response in (
            reader_api.post(f"{collection}/", {"url": report.url}, format="json"),
            reader_api.put(f"{collection}/{uid}", {"url": report.url, "title": "x"}, format="json"),
            reader_api.delete(f"{collection}/{uid}"),
        ):
            assert assert_status(response, 403)["error_key"] == "PermissionDeniedException"
        assert list(kind.model.objects.values_list("title", flat=True)) == [""]

    def test_others_do_not_see_the_dataset(self, alice_api, bob_api, anonymous_api, dataset_uid, kind, report):
        uid = create(alice_api, dataset_uid, kind, {"url": report.url})[kind.uid_field]
        assert_status(bob_api.get(f"{BASE}/datasets/{dataset_uid}/{kind.collection}"), 404)
        assert_status(bob_api.get(f"{BASE}/datasets/{dataset_uid}/{kind.download}/{uid}"), 404)
        assert_status(bob_api.delete(f"{BASE}/datasets/{dataset_uid}/{kind.collection}/{uid}"), 404)
        assert_status(anonymous_api.get(f"{BASE}/datasets/{dataset_uid}/{kind.download}/{uid}"), 401)
        assert kind.model.objects.count() == 1


@pytest.mark.django_db
class TestHistory:
    def changes(self, dataset_uid, kind):
        return list(Change.objects.filter(dataset__dataset_uid=dataset_uid, sections=[kind.collection]))

    def test_each_write_records_a_change(self, alice_api, alice, dataset_uid, kind, report):
        uid = create(alice_api, dataset_uid, kind, {"url": report.url})[kind.uid_field]
        path = f"{BASE}/datasets/{dataset_uid}/{kind.collection}/{uid}"
        assert_status(alice_api.put(path, {"url": report.url, "title": "Named"}, format="json"), 200)
        assert_status(alice_api.delete(path), 200)
        deletion, update, creation = self.changes(dataset_uid, kind)
        created = {
            tuple(entry["path"]): (entry["operation_type"], entry["new_value"])
            for entry in creation.diff[kind.collection]
        }
        assert created == {
            (uid, "url"): ("create", report.url),
            (uid, "title"): ("create", ""),
            (uid, "position"): ("create", 0),
        }
        assert update.diff[kind.collection] == [
            {"path": [uid, "title"], "old_value": "", "new_value": "Named", "operation_type": "update"}
        ]
        assert {entry["operation_type"] for entry in deletion.diff[kind.collection]} == {"delete"}
        listed = assert_status(alice_api.get(f"{BASE}/datasets/{dataset_uid}/changes"), 200)
        assert kind.collection in listed[0]["sections"]

    def test_restore_brings_a_deleted_item_back_under_its_uid(self, alice_api, dataset_uid, kind, report):
        item = create(alice_api, dataset_uid, kind, {"url": report.url, "title": "Keep me"})
        assert_status(alice_api.delete(f"{BASE}/datasets/{dataset_uid}/{kind.collection}/{item[kind.uid_field]}"), 200)
        deletion = self.changes(dataset_uid, kind)[0]
        body = {"change_uid": deletion.change_uid}
        assert_status(alice_api.put(f"{BASE}/datasets/{dataset_uid}/restore_change", body, format="json"), 200)
        assert assert_status(alice_api.get(f"{BASE}/datasets/{dataset_uid}/{kind.collection}"), 200) == [item]

    def test_restore_before_a_creation_removes_the_item(self, alice_api, dataset_uid, kind, report):
        create(alice_api, dataset_uid, kind, {"url": report.url})
        creation = self.changes(dataset_uid, kind)[0]
        body = {"change_uid": creation.change_uid}
        assert_status(alice_api.put(f"{BASE}/datasets/{dataset_uid}/restore_change", body, format="json"), 200)
        assert not kind.model.objects.exists()
        assert Change.objects.filter(dataset__dataset_uid=dataset_uid).first().sections == [kind.collection]
