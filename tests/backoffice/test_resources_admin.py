"""A dataset's resources in the back-office: added from a URL, edited (title, source, format, params),
their file replaced, removed; always through the processing services, with the API's edit right.

URL sources are served by a local HTTP server; the SSRF guard is lifted for it only where a test says so.
"""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datasets.models import Change, File, Resource, Ruleset
from datasets.services.files import file_path
from tests.backoffice.conftest import DATASETS, logged_in
from tests.conftest import http_server

pytestmark = pytest.mark.django_db

SEMICOLONS = [["name", "height"], ["Oak", "12"], ["Elm", "7"], ["Ash", "9"]]
PIPES = [["species", "age"], ["Lime", "40"], ["Yew", "300"]]
JSON_ROWS = [{"city": "Lyon", "trees": 12}, {"city": "Nice", "trees": 4}]
# Served at each path: (status, body). A missing path is a 404.
SOURCES = {
    "/trees.csv": (200, "\n".join(";".join(row) for row in SEMICOLONS).encode() + b"\n"),
    "/species.csv": (200, "\n".join("|".join(row) for row in PIPES).encode() + b"\n"),
    "/cities.json": (200, json.dumps(JSON_ROWS).encode()),
    "/broken.xls": (200, b"\x00\x01\x02 this is no spreadsheet"),
}


class SourceHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server API
        status, body = SOURCES.get(self.path, (404, b"not here"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """The base URL of a local HTTP server of ``SOURCES`` (a private address: the SSRF guard refuses it)."""
    with http_server(SourceHandler) as base:
        yield base


@pytest.fixture
def base(server, settings):
    """The local server, with private addresses allowed (as an installation harvesting its own network)."""
    settings.RESOURCE_FETCH_ALLOW_PRIVATE = True
    return server


@pytest.fixture
def publisher(django_user_model, trees):
    """Staff who may publish the trees dataset but not edit it."""
    user = django_user_model.objects.create_user("pat", password="pat-password-1", is_staff=True)
    Ruleset.objects.create(dataset=trees, kind="user", user=user, permissions=["publish_dataset"])
    return user


def add_url(dataset) -> str:
    return f"{DATASETS}{dataset.pk}/resources/add-url/"


def edit_url(dataset, resource) -> str:
    return f"{DATASETS}{dataset.pk}/resources/{resource.resource_uid}/edit/"


def delete_url(dataset, resource) -> str:
    return f"{DATASETS}{dataset.pk}/resources/{resource.resource_uid}/delete/"


def stored(resource: Resource) -> tuple:
    resource.refresh_from_db()
    return (resource.resource_uid, resource.title, resource.url, resource.type, resource.params, resource.position)


def edit_fields(resource: Resource, **changes) -> dict:
    """The edit form as shown for ``resource``, with ``changes`` applied."""
    fields = {
        "title": resource.title,
        "url": resource.url,
        "type": resource.type,
        "params": json.dumps(resource.params),
    }
    return {**fields, **changes}


def preview_rows(client, response) -> list[list[str]]:
    assert response.status_code == 302, response.context and response.context["form"].errors
    return client.get(response["Location"]).context["rows"]


def test_adding_a_resource_from_a_url_guesses_its_format_and_shows_its_preview(editor, editor_client, trees, base):
    response = editor_client.post(add_url(trees), {"url": f"{base}/trees.csv", "title": "Served trees", "type": ""})
    resource = trees.resources.order_by("-position").first()
    assert response["Location"] == f"{DATASETS}{trees.pk}/resources/{resource.resource_uid}/preview/"
    assert (resource.url, resource.title, resource.type) == (f"{base}/trees.csv", "Served trees", "csvfile")
    assert resource.params["separator"] == ";"
    assert trees.resources.count() == 2
    assert preview_rows(editor_client, response) == SEMICOLONS[1:]
    newest = Change.objects.filter(dataset=trees).first()
    assert (newest.user, newest.sections) == (editor, ["resources"])


def test_a_chosen_format_is_kept_and_its_params_guessed(editor_client, trees, base):
    response = editor_client.post(add_url(trees), {"url": f"{base}/cities.json", "type": "jsonfile"})
    resource = trees.resources.order_by("-position").first()
    assert resource.type == "jsonfile"
    assert preview_rows(editor_client, response) == [[row["city"], str(row["trees"])] for row in JSON_ROWS]


def test_a_private_address_is_refused_by_the_ssrf_guard(editor_client, trees, server, settings):
    settings.RESOURCE_FETCH_ALLOW_PRIVATE = False
    changes = Change.objects.count()
    response = editor_client.post(add_url(trees), {"url": f"{server}/trees.csv", "type": ""})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"Cannot fetch {server}/trees.csv: host '127.0.0.1' is a private or local address"
    ]
    assert 'id="resource-errors"' in response.content.decode()
    assert trees.resources.count() == 1 and Change.objects.count() == changes


@pytest.mark.parametrize(
    ("url", "kind"),
    [("ftp://example.org/trees.csv", "url"), ("/missing.csv", "fetch"), ("/broken.xls", "read")],
)
def test_an_unusable_url_is_refused_with_the_reason(editor_client, trees, base, url, kind):
    url = url if "://" in url else f"{base}{url}"
    response = editor_client.post(add_url(trees), {"url": url, "type": "xlsfile" if kind == "read" else ""})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert trees.resources.count() == 1


def test_editing_title_url_and_params_keeps_the_uid_and_records_a_change(editor, editor_client, trees, base):
    resource = trees.resources.get()
    uid, position = resource.resource_uid, resource.position
    title_before, url_before = resource.title, resource.url
    fields = edit_fields(resource, title="Species", url=f"{base}/species.csv", params=json.dumps({"separator": "|"}))
    response = editor_client.post(edit_url(trees, resource), fields)
    assert response["Location"] == f"{DATASETS}{trees.pk}/resources/{uid}/preview/"
    assert preview_rows(editor_client, response) == PIPES[1:]
    assert trees.resources.count() == 1
    (uid_now, title, url, extractor, params, position_now) = stored(resource)
    assert (uid_now, title, url, extractor, position_now) == (
        uid,
        "Species",
        f"{base}/species.csv",
        "csvfile",
        position,
    )
    assert params["separator"] == "|"
    newest = Change.objects.filter(dataset=trees).first()
    assert (newest.user, newest.sections) == (editor, ["resources"])
    diff = {tuple(entry["path"]): (entry["old_value"], entry["new_value"]) for entry in newest.diff["resources"]}
    assert diff[(uid, "title")] == (title_before, "Species")
    assert diff[(uid, "url")] == (url_before, f"{base}/species.csv")
    assert (diff[(uid, "params")][0]["separator"], diff[(uid, "params")][1]["separator"]) == (",", "|")
    history = editor_client.get(f"{DATASETS}{trees.pk}/changes/").content.decode()
    assert newest.change_uid in history and f"{base}/species.csv" in history and "Species" in history


def test_the_edit_form_shows_the_current_params(editor_client, trees):
    resource = trees.resources.get()
    form = editor_client.get(edit_url(trees, resource)).context["form"]
    assert json.loads(form["params"].value()) == resource.params
    assert (form["url"].value(), form["type"].value()) == (resource.url, "csvfile")


def test_empty_params_are_guessed_and_so_are_unchanged_params_of_a_new_format(editor_client, trees, base):
    resource = trees.resources.get()
    guessed = editor_client.post(edit_url(trees, resource), edit_fields(resource, url=f"{base}/trees.csv", params=""))
    assert preview_rows(editor_client, guessed) == SEMICOLONS[1:]
    assert stored(resource)[4]["separator"] == ";"
    # The CSV params are left as they were while the format becomes JSON: JSON params are guessed instead.
    to_json = editor_client.post(
        edit_url(trees, resource), edit_fields(resource, url=f"{base}/cities.json", type="jsonfile")
    )
    assert preview_rows(editor_client, to_json) == [[row["city"], str(row["trees"])] for row in JSON_ROWS]
    assert stored(resource)[3] == "jsonfile" and "separator" not in resource.params


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"url": "/missing.csv"}, "service"),
        ({"url": "/broken.xls", "type": "xlsfile", "params": ""}, "service"),
        ({"params": json.dumps({"sheet_name": "x"})}, "service"),
        ({"params": json.dumps({"separator": 5})}, "service"),
        ({"url": "gopher://example.org/"}, "service"),
        ({"params": "{separator:"}, "params"),
        ({"params": "[1]"}, "params"),
        ({"url": "", "params": ""}, "form"),
    ],
)
def test_an_edit_that_makes_the_resource_unreadable_changes_nothing(editor_client, trees, base, changes, where):
    resource = trees.resources.get()
    before, changes_before = stored(resource), Change.objects.count()
    if changes.get("url", "").startswith("/"):
        changes["url"] = f"{base}{changes['url']}"
    response = editor_client.post(edit_url(trees, resource), edit_fields(resource, **changes))
    assert response.status_code == 200
    form = response.context["form"]
    if where == "params":
        assert "params" in form.errors
    else:
        assert form.non_field_errors()
    assert stored(resource) == before and Change.objects.count() == changes_before


def test_the_service_message_is_shown_when_an_edit_is_refused(editor_client, trees):
    resource = trees.resources.get()
    response = editor_client.post(edit_url(trees, resource), edit_fields(resource, params=json.dumps({"nope": 1})))
    [message] = response.context["form"].non_field_errors()
    assert "nope" in message
    assert message in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def test_replacing_the_file_keeps_the_uid(editor_client, trees):
    resource = trees.resources.get()
    uid, old_url = resource.resource_uid, resource.url
    file = SimpleUploadedFile("species.csv", b"species|age\nLime|40\nYew|300\n", content_type="text/csv")
    fields = {**edit_fields(resource, params=""), "file": file}
    response = editor_client.post(edit_url(trees, resource), fields)
    assert preview_rows(editor_client, response) == PIPES[1:]
    (uid_now, _, url, extractor, params, _) = stored(resource)
    assert uid_now == uid and url != old_url and url.startswith("odsfile://")
    assert (extractor, params["separator"]) == ("csvfile", "|")


def test_removing_asks_first_then_removes_and_records_the_change(editor, editor_client, trees):
    resource = trees.resources.get()
    changes = Change.objects.count()
    confirm = editor_client.get(delete_url(trees, resource))
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert 'id="resource-delete-form"' in page and 'method="post"' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # the CSP allows no inline script
    assert trees.resources.count() == 1 and Change.objects.count() == changes
    response = editor_client.post(delete_url(trees, resource))
    assert response.status_code == 302 and response["Location"] == f"{DATASETS}{trees.pk}/change/"
    assert not trees.resources.exists()
    newest = Change.objects.filter(dataset=trees).first()
    assert (newest.user, newest.sections) == (editor, ["resources"])
    assert editor_client.post(delete_url(trees, resource)).status_code == 404
    assert editor_client.get(edit_url(trees, resource)).status_code == 404


def test_the_dataset_page_shows_the_controls_to_editors_only(editor_client, publisher, trees):
    resource = trees.resources.get()
    uid = resource.resource_uid
    page = editor_client.get(f"{DATASETS}{trees.pk}/change/").content.decode()
    for anchor in (f'id="resource-edit-{uid}"', f'id="resource-delete-{uid}"', 'id="resource-url-link"'):
        assert anchor in page
    assert edit_url(trees, resource) in page and add_url(trees) in page
    shown = logged_in(publisher).get(f"{DATASETS}{trees.pk}/change/")
    assert shown.status_code == 200
    assert f'id="preview-{uid}"' in shown.content.decode()
    for anchor in ("resource-edit-", "resource-delete-", "resource-url-link"):
        assert anchor not in shown.content.decode()


def test_every_write_needs_the_edit_right(publisher, editor_client, trees, hidden, base):
    resource = trees.resources.get()
    before, changes = stored(resource), Change.objects.count()
    client = logged_in(publisher)
    assert client.get(add_url(trees)).status_code == 403
    assert client.post(add_url(trees), {"url": f"{base}/trees.csv", "type": ""}).status_code == 403
    assert client.get(edit_url(trees, resource)).status_code == 403
    assert client.post(edit_url(trees, resource), edit_fields(resource, title="Mine")).status_code == 403
    assert client.get(delete_url(trees, resource)).status_code == 403
    assert client.post(delete_url(trees, resource)).status_code == 403
    assert stored(resource) == before and trees.resources.count() == 1 and Change.objects.count() == changes
    # A dataset out of the editor's scope is not found at all.
    other = hidden.resources.get()
    assert editor_client.post(add_url(hidden), {"url": f"{base}/trees.csv"}).status_code == 404
    assert editor_client.post(edit_url(hidden, other), edit_fields(other, title="Mine")).status_code == 404
    assert editor_client.post(delete_url(hidden, other)).status_code == 404
    assert hidden.resources.count() == 1 and Change.objects.count() == changes


def blobs(settings) -> list[str]:
    return sorted(path.name for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


def test_a_refused_replacement_or_upload_leaves_no_file_behind(editor_client, trees, settings):
    resource = trees.resources.get()
    before, files = stored(resource), list(File.objects.values_list("file_id", flat=True))
    garbage = SimpleUploadedFile("bad.xls", b"\x00\x01\x02garbage", content_type="application/vnd.ms-excel")
    fields = {**edit_fields(resource, type="xlsfile", params=""), "file": garbage}
    refused = editor_client.post(edit_url(trees, resource), fields)
    assert refused.status_code == 200 and refused.context["form"].non_field_errors()
    garbage = SimpleUploadedFile("bad.xls", b"\x00\x01\x02garbage", content_type="application/vnd.ms-excel")
    upload = {"file": garbage, "type": "xlsfile"}
    assert editor_client.post(f"{DATASETS}{trees.pk}/resources/add/", upload).context["form"].non_field_errors()
    assert stored(resource) == before and trees.resources.count() == 1
    assert list(File.objects.values_list("file_id", flat=True)) == files
    assert blobs(settings) == [file_path(file).name for file in File.objects.all()]
