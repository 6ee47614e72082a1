"""The back-office in a browser: a staff member creates a dataset and uploads a CSV resource with the admin's
forms, publishes with the change page's button and watches the job's progress bar reach done while a real
worker runs the job; a bulk publish whose records fail shows their errors."""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.data import TREES
from tests.browser.steps import log_in
from tests.conftest import assert_status, basic_client, grant
from tests.datasets.api.conftest import rows_csv, stored_file

API = "/api/management/v2"


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("edna", "edna@example.org", "edna-password-1", is_staff=True)
    return grant(user, "create_dataset", "edit_dataset", "publish_dataset")


def test_create_upload_publish_and_watch_the_progress(page, shot, editor, background_worker):
    log_in(page, "edna", "edna-password-1")

    page.goto("/admin/datasets/dataset/add/")
    page.fill("#id_dataset_id", "new-trees")
    page.select_option("#id_visibility", "domain")
    shot("add-form")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("new-trees")
    page.locator("#result_list").get_by_role("link", name="new-trees").click()
    expect(page.locator("#dataset-published")).to_have_text("Not published")

    page.click("#resource-upload-link")
    upload = {"name": "trees.csv", "mimeType": "text/csv", "buffer": rows_csv(TREES)}
    page.set_input_files("#id_file", upload)
    page.fill("#id_title", "Trees")
    shot("upload-form")
    page.click("#resource-upload-submit")
    # The preview: the first records of the file, as the pipeline reads them.
    expect(page.locator(".messagelist")).to_contain_text("added to new-trees")
    preview = page.locator("#preview-table tbody tr")
    expect(preview.first).to_contain_text(TREES[0]["name"])
    shot("preview")

    page.get_by_role("link", name="Back to new-trees").click()
    expect(page.locator("#dataset-resources")).to_contain_text("Trees")
    shot("change-page")
    # The management API answers the same session (the dataset is listed), and nobody without one.
    listed = page.request.get(f"{API}/datasets/")
    assert listed.ok and "new-trees" in [item["dataset_id"] for item in listed.json()["datasets"]]
    anonymous = page.context.browser.new_context(base_url=page.url.split("/admin")[0])
    assert anonymous.request.get(f"{API}/datasets/").status in (401, 403)
    anonymous.close()

    page.click("#action-publish")
    expect(page.locator(".messagelist")).to_contain_text("queued as job")
    shot("publish-queued")

    page.locator(".backoffice-jobs a").first.click()
    progress = page.locator("#job-progress")
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
    row = page.locator("#result_list tr", has=page.locator("td.field-dataset_id", has_text="uneven-trees"))
    row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "publish_selected")
    shot("bulk-action")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("queued as job")

    # The jobs list's small bar follows the job too, without a reload.
    page.goto("/admin/jobs/job/")
    bar = page.locator("#result_list progress.job-progress-small")
    expect(bar).to_have_count(1)
    shot("jobs-list-waiting")
    background_worker()
    expect(bar).to_have_attribute("data-state", "done", timeout=20_000)
    expect(page.locator("#result_list [data-progress-text]")).to_have_text("100 %")
    expect(page.locator("#result_list [data-job-state]")).to_have_text("Done")  # the row's state badge too
    shot("jobs-list-done")

    page.locator("#result_list tbody tr a").first.click()
    expect(page.locator("#job-errors-heading")).to_have_text(f"Record errors ({len(BAD_HEIGHTS)})")
    expect(page.locator("#record-errors tbody tr")).to_have_count(len(BAD_HEIGHTS))
    shot("job-with-errors")

    with page.expect_download() as download:
        page.click("#record-errors-csv")
    lines = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert sorted((int(line["row"]), line["field"]) for line in lines) == [(row, "height") for row in BAD_HEIGHTS]
    for line in lines:
        assert BAD_HEIGHTS[int(line["row"])] in line["message"]


@pytest.fixture
def titled(editor):
    """A dataset titled "Old title", made through the management API."""
    api = basic_client("edna", "edna-password-1")
    body = {"dataset_id": "titled", "metas": {"default": {"title": "Old title", "keyword": ["a"]}}}
    assert_status(api.post(f"{API}/datasets/", body, format="json"), 201)


def test_edit_the_metadata_see_the_diff_and_restore(page, shot, editor, titled):
    log_in(page, "edna", "edna-password-1")
    page.goto("/admin/datasets/dataset/")
    # The list names datasets by their title, with the dataset_id beside it.
    row = page.locator("#result_list tr", has=page.locator("td.field-dataset_id", has_text="titled"))
    row.get_by_role("link", name="Old title").click()
    expect(page.locator("#metadata-default")).to_contain_text("Old title")

    page.click("#metadata-edit-default")
    page.fill("#id_title", "New title")
    shot("metadata-form")
    page.click("#metadata-save")
    expect(page.locator(".messagelist")).to_contain_text("saved")
    expect(page.locator("#metadata-default")).to_contain_text("New title")
    shot("metadata-saved")

    page.click("#backoffice-changes-link")
    latest = page.locator("section.backoffice-change").first
    expect(latest.locator("tr", has_text="title")).to_contain_text("Old title")
    expect(latest.locator("tr", has_text="title")).to_contain_text("New title")
    shot("changes")
    latest.get_by_role("button", name="Restore the state before this change").click()
    expect(page.locator(".messagelist")).to_contain_text("is back to its state before")
    # The restore is itself a change, listed first, taking the title back.
    restored = page.locator("section.backoffice-change").first.locator("tr", has_text="title")
    expect(restored.locator(".diff-old")).to_have_text("New title")
    expect(restored.locator(".diff-new")).to_have_text("Old title")
    shot("restored")
    page.get_by_role("link", name="Back to titled").click()
    expect(page.locator("#metadata-default")).to_contain_text("Old title")
    expect(page.locator("#metadata-default")).not_to_contain_text("New title")
