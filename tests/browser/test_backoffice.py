"""The back-office in a browser: a staff member creates a dataset, uploads a CSV resource through the
management API with their admin session, publishes with the change page's button and watches the job's
progress bar reach done while a real worker runs the job."""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.conftest import assert_status, basic_client, grant
from tests.datasets.api.conftest import rows_csv, stored_file

from .data import TREES

API = "/api/management/v2"


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("edna", "edna@example.org", "edna-password-1", is_staff=True)
    return grant(user, "create_dataset", "edit_dataset", "publish_dataset")


def log_in(page, username: str, password: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    expect(page).to_have_url("/admin/")


def api_call(page, method: str, path: str, **kwargs):
    """A management API call with the browser's session (SessionAuthentication wants the CSRF token)."""
    token = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    response = page.request.fetch(path, method=method, headers={"X-CSRFToken": token}, **kwargs)
    return response.status, (response.json() if response.body() else None)


def test_create_upload_publish_and_watch_the_progress(page, shot, editor, background_worker):
    log_in(page, "edna", "edna-password-1")
    shot("admin-index")

    status, dataset = api_call(
        page,
        "POST",
        f"{API}/datasets/",
        data={"dataset_id": "new-trees", "visibility": "domain", "metas": {"default": {"title": "New trees"}}},
    )
    assert status == 201, dataset
    upload = {"file": {"name": "trees.csv", "mimeType": "text/csv", "buffer": rows_csv(TREES)}}
    status, file = api_call(page, "POST", f"{API}/files/", multipart=upload)
    assert status == 201, file
    resource = {"url": file["url"], "title": "Trees", "type": "csvfile"}
    status, body = api_call(page, "POST", f"{API}/datasets/{dataset['dataset_uid']}/resources/", data=resource)
    assert status == 201, body
    # Without a session the same call is refused: the API is not open because the browser is.
    anonymous = page.context.browser.new_context(base_url=page.url.split("/admin")[0])
    assert anonymous.request.get(f"{API}/datasets/{dataset['dataset_uid']}/").status in (401, 403)
    anonymous.close()

    page.goto("/admin/datasets/dataset/")
    page.get_by_role("link", name="new-trees").click()
    expect(page.locator("#dataset-published")).to_have_text("Not published")
    expect(page.locator("#dataset-resources")).to_contain_text("Trees")
    shot("change-page")

    page.click("#action-publish")
    expect(page.locator(".messagelist")).to_contain_text("queued as job")
    shot("publish-queued")

    page.locator(".backoffice-jobs a").first.click()
    progress = page.locator("#job-progress")
    expect(progress).to_be_visible()
    expect(page.locator("#job-progress-state")).to_have_text("waiting")
    shot("job-waiting")

    background_worker()  # the page polls: the state changes without a reload
    expect(progress).to_have_attribute("data-state", "done", timeout=20_000)
    expect(page.locator("#job-progress-bar")).to_have_js_property("value", 100)
    expect(page.locator("#job-progress-percent")).to_have_text("100 %")
    shot("job-done")

    page.goto("/explore/dataset/new-trees/table/")
    expect(page.locator(".total-count")).to_have_text(str(len(TREES)))
    shot("published-table")


BAD_HEIGHTS = {2: "tall", 5: "unknown"}  # data rows (1-based) whose height is no integer


@pytest.fixture
def uneven_trees(editor, run_worker):
    """A dataset typing ``height`` as an integer over rows two of which hold words: two record errors."""
    rows = [
        {**tree, "height": BAD_HEIGHTS.get(number, tree["height"])} for number, tree in enumerate(TREES[:8], start=1)
    ]
    api = basic_client("edna", "edna-password-1")
    file = stored_file(rows_csv(rows), "uneven.csv", editor)
    body = {"dataset_id": "uneven-trees", "visibility": "domain"}
    uid = assert_status(api.post(f"{API}/datasets/", body, format="json"), 201)["dataset_uid"]
    assert_status(
        api.post(f"{API}/datasets/{uid}/resources/", {"url": file.url, "type": "csvfile"}, format="json"), 201
    )
    spec = {"name": "type", "args": {"field": "height", "type": "int"}}
    assert_status(api.post(f"{API}/datasets/{uid}/fields_specifications/", spec, format="json"), 201)
    return rows


def test_bulk_publish_then_the_job_page_lists_and_downloads_the_record_errors(
    page, shot, editor, uneven_trees, background_worker
):
    log_in(page, "edna", "edna-password-1")
    page.goto("/admin/datasets/dataset/")
    row = page.locator("#result_list tr", has=page.get_by_role("link", name="uneven-trees"))
    row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "publish_selected")
    shot("bulk-action")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("queued as job")

    page.goto("/admin/jobs/job/")
    page.locator("#result_list tbody tr a").first.click()
    background_worker()
    expect(page.locator("#job-progress")).to_have_attribute("data-state", "done", timeout=20_000)
    page.reload()  # the errors table is drawn by the server
    expect(page.locator("#job-errors-heading")).to_have_text(f"Record errors ({len(BAD_HEIGHTS)})")
    expect(page.locator("#record-errors tbody tr")).to_have_count(len(BAD_HEIGHTS))
    shot("job-with-errors")

    with page.expect_download() as download:
        page.click("#record-errors-csv")
    lines = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert sorted((int(line["row"]), line["field"]) for line in lines) == [(row, "height") for row in BAD_HEIGHTS]
    for line in lines:
        assert BAD_HEIGHTS[int(line["row"])] in line["message"]
