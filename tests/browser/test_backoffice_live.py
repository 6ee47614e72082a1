"""The dataset page follows its dataset without a reload: a publisher publishes and watches the badges, the
progress bar and the public link change while a real worker runs; then edits the title, sees the banner of
edits waiting for a publish and publishes them from it. And every back-office page the dataset page links to
opens for that publisher without a server error or a browser console error."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from datasets.models import Dataset, Schedule
from tests.browser.data import TREES, TREES_METAS, publish
from tests.browser.steps import log_in
from tests.conftest import basic_client, grant
from tests.datasets.api.conftest import rows_csv, stored_file

WORKER_TIMEOUT = 20_000  # ms: the background worker polls the queue, the page polls the state every second


@pytest.fixture
def publisher(django_user_model):
    """Staff, not a superuser: domain rights to create, edit and publish datasets."""
    user = django_user_model.objects.create_user("pia", "pia@example.org", "pia-password-1", is_staff=True)
    return grant(user, "create_dataset", "edit_dataset", "publish_dataset")


def draft(publisher) -> Dataset:
    """The street trees as a draft: created through the API with their CSV, never published."""
    api = basic_client("pia", "pia-password-1")
    file = stored_file(rows_csv(TREES), "trees.csv", publisher)
    body = {"dataset_id": "trees", "visibility": "domain", "metas": TREES_METAS}
    uid = api.post("/api/management/v2/datasets/", body, format="json").json()["dataset_uid"]
    api.post(f"/api/management/v2/datasets/{uid}/resources/", {"url": file.url, "type": "csvfile"}, format="json")
    return Dataset.objects.get(dataset_uid=uid)


def change_page(dataset: Dataset) -> str:
    return f"/admin/datasets/dataset/{dataset.pk}/change/"


def test_publish_and_pending_changes_show_without_a_reload(page, shot, publisher, background_worker):
    dataset = draft(publisher)
    log_in(page, "pia", "pia-password-1")
    page.goto(change_page(dataset))
    expect(page.locator("#dataset-published")).to_have_text("Not published")
    expect(page.locator("#dataset-public-link")).to_be_hidden()
    expect(page.locator("#pending-changes")).to_be_hidden()
    shot("draft")

    page.click("#action-publish")
    expect(page.locator(".messagelist")).to_contain_text("queued as job")
    expect(page.locator("#dataset-status")).to_have_text("Status: Queued")
    expect(page.locator(".backoffice-jobs li").first.locator(".badge")).to_have_text("Waiting")
    shot("queued")
    background_worker()

    # No reload from here: the page's script follows the job.
    expect(page.locator("#dataset-published")).to_have_text("Published", timeout=WORKER_TIMEOUT)
    expect(page.locator("#dataset-status")).to_have_text("Status: Idle")
    expect(page.locator("#dataset-job-progress")).to_have_attribute("value", "100")
    expect(page.locator(".backoffice-jobs li").first.locator(".badge")).to_have_text("Done")
    link = page.locator("#dataset-public-link")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", "/explore/dataset/trees/")
    expect(page.locator("#dataset-published-facts")).to_contain_text(f"{len(TREES)} records")
    expect(page.locator("#pending-changes")).to_be_hidden()
    shot("published-live")

    page.click("#metadata-edit-default")
    page.fill("#id_title", "Urban trees")
    page.click("#metadata-save")
    expect(page).to_have_url(change_page(dataset))
    banner = page.locator("#pending-changes")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Edits wait for a publish")
    expect(banner.locator("li")).to_have_text(["Metadata: title"])
    expect(page.locator("#dataset-published")).to_have_text("Published · changes pending")
    shot("pending")

    page.click("#publish-changes")
    expect(page.locator(".messagelist")).to_contain_text("queued as job")
    expect(banner).to_be_hidden(timeout=WORKER_TIMEOUT)
    expect(page.locator("#dataset-published")).to_have_text("Published")
    expect(page.locator("#dataset-status")).to_have_text("Status: Idle")
    shot("changes-published")

    page.click("#dataset-public-link")
    expect(page.locator("h1")).to_contain_text("Urban trees")
    shot("public-page")


def same_site_admin_links(page) -> list[str]:
    """The back-office pages the change page links to (its content and object tools), each once."""
    hrefs = page.locator("#content a[href]").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc or not parts.path.startswith("/admin/") or parts.path == "/admin/logout/":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path not in paths:
            paths.append(path)
    return paths


def test_every_page_linked_from_the_dataset_page_opens_for_a_publisher(page, shot, publisher, run_worker):
    uid = publish(basic_client("pia", "pia-password-1"), publisher, run_worker, "trees", TREES, TREES_METAS)
    dataset = Dataset.objects.get(dataset_uid=uid)
    Schedule.objects.create(
        dataset=dataset, cron_schedule="0 3 * * *", timezone="Europe/Paris", next_run_at=timezone.now()
    )
    log_in(page, "pia", "pia-password-1")
    page.goto(change_page(dataset))
    links = same_site_admin_links(page)
    assert len(links) >= 10, links  # metadata templates, resources, schedules, jobs, history, record errors
    # And the lists, and the guided flow's steps (linked from the datasets list and from one another).
    guide = [f"/admin/datasets/dataset/{dataset.pk}/guide/{step}/" for step in ("fields", "describe", "access")]
    lists = ["/admin/", "/admin/datasets/dataset/", "/admin/jobs/job/", "/admin/datasets/dataset/new/"]
    for path in [*lists, *guide, f"/admin/datasets/dataset/{dataset.pk}/guide/publish/", *links]:
        response = page.request.get(path)
        assert response.status < 400, f"{path}: {response.status}"
        if response.headers.get("content-type", "").startswith("text/html"):
            page.goto(path)  # in the tab, so its scripts run and any console error fails the test
            expect(page.locator("#content")).to_be_visible()
    shot("last-linked-page")
