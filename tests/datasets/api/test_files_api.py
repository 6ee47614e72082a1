"""Uploaded files: multipart and JSON uploads, bounds, sniffing, listing, download."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datasets.models import File
from datasets.services.files import file_path
from tests.conftest import assert_status

URL = "/api/management/v2/files/"
CSV = b"name;year\nOak;1990\nElm;2001\n"


def upload(api, content: bytes, name: str = "trees.csv", content_type: str = "text/csv"):
    return api.post(URL, {"file": SimpleUploadedFile(name, content, content_type=content_type)}, format="multipart")


@pytest.mark.django_db
class TestUpload:
    def test_multipart_upload_is_stored_under_a_generated_name(self, alice_api, alice, settings):
        body = assert_status(upload(alice_api, CSV), 201)
        file = File.objects.get(file_id=body["file_id"])
        assert body["url"] == f"odsfile://{file.file_id}"
        assert body["filename"] == "trees.csv"
        assert body["properties"]["size"] == len(CSV)
        assert body["properties"]["mimetype"] == "text/csv"
        stored = file_path(file)
        assert stored.read_bytes() == CSV
        assert stored.is_relative_to(settings.MEDIA_ROOT)
        assert "trees" not in stored.name
        assert file.owner == alice

    def test_client_paths_and_types_are_not_trusted(self, alice_api):
        body = assert_status(upload(alice_api, CSV, name="../../etc/passwd.png", content_type="image/png"), 201)
        assert body["filename"] == "passwd.png"
        assert body["properties"]["mimetype"] == "text/csv"

    def test_json_upload(self, alice_api):
        body = assert_status(alice_api.post(URL, {"content": "a,b\n1,2\n", "filename": "x.csv"}, format="json"), 201)
        assert body["filename"] == "x.csv"
        assert file_path(File.objects.get(file_id=body["file_id"])).read_bytes() == b"a,b\n1,2\n"

    def test_json_upload_without_content_is_refused(self, alice_api):
        body = assert_status(alice_api.post(URL, {"filename": "x.csv"}, format="json"), 400)
        assert body["raw_params"]["field"] == "content"
        assert File.objects.count() == 0

    def test_too_large_upload_is_413_and_leaves_nothing(self, alice_api, settings):
        settings.UPLOAD_MAX_BYTES = 1000
        body = assert_status(upload(alice_api, b"a,b\n" + b"1,2\n" * 2000), 413)
        assert body["error_key"] == "PayloadTooLargeException"
        assert File.objects.count() == 0
        media = settings.MEDIA_ROOT
        assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]

    def test_upload_needs_a_publishing_permission(self, reader_api):
        assert_status(upload(reader_api, CSV), 403)
        assert File.objects.count() == 0


@pytest.mark.django_db
class TestReadFiles:
    @pytest.fixture
    def uploaded(self, alice_api):
        return assert_status(upload(alice_api, CSV), 201)

    def test_list_and_one(self, alice_api, uploaded):
        assert [item["file_id"] for item in assert_status(alice_api.get(URL), 200)] == [uploaded["file_id"]]
        assert assert_status(alice_api.get(f"{URL}{uploaded['file_id']}"), 200) == uploaded

    def test_download_is_an_attachment_that_cannot_run(self, alice_api, uploaded):
        response = alice_api.get(f"/api/management/v2/download_file/{uploaded['file_id']}")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == CSV
        assert response["Content-Disposition"] == 'attachment; filename="trees.csv"'
        assert response["Content-Security-Policy"] == "sandbox"

    def test_others_files_are_invisible(self, bob_api, chief_api, uploaded):
        assert assert_status(bob_api.get(URL), 200) == []
        assert_status(bob_api.get(f"{URL}{uploaded['file_id']}"), 404)
        assert_status(bob_api.get(f"/api/management/v2/download_file/{uploaded['file_id']}"), 404)
        assert_status(chief_api.get(f"{URL}{uploaded['file_id']}"), 200)
