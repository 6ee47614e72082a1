"""The back-office in a browser: a staff member creates a dataset, uploads a CSV resource through the
management API with their admin session, publishes with the change page's button and watches the job's
progress bar reach done while a real worker runs the job."""

import pytest
from playwright.sync_api import expect

from tests.conftest import grant
from tests.datasets.api.conftest import rows_csv

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
