"""The back-office's other actions in a browser, with a real worker: unpublish, abort a running publish, and
a URL resource refreshed by a schedule.

The abort is made deterministic the way the API's abort test is: one row per batch, and the worker is held
at its first loaded batch (a gate on the job's progress) while the page presses Abort, then let go.
"""

import threading
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from datasets.models import Dataset, Schedule
from datasets.services.schedules import run_due_schedules
from datasets.tasks import publish as publish_job
from tests.browser.data import TREES, TREES_METAS, publish
from tests.browser.steps import log_in
from tests.conftest import assert_status, basic_client, grant, http_server
from tests.datasets.api.conftest import rows_csv, stored_file

API = "/api/management/v2"


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("edna", "edna@example.org", "edna-password-1", is_staff=True)
    return grant(user, "create_dataset", "edit_dataset", "publish_dataset")


@pytest.fixture
def editor_api(editor):
    return basic_client("edna", "edna-password-1")


def change_page(dataset_id: str) -> str:
    return f"/admin/datasets/dataset/{Dataset.objects.get(dataset_id=dataset_id).pk}/change/"


def open_latest_job(page, state: str) -> None:
    """From the change page, the newest job's page, which polls until the job reaches ``state``."""
    page.locator(".backoffice-jobs a").first.click()
    expect(page.locator("#job-progress")).to_have_attribute("data-state", state, timeout=15_000)


@pytest.fixture
def trees(editor, editor_api, run_worker):
    """The 45 street trees, published once (by the test's own worker, before the browser starts)."""
    return publish(editor_api, editor, run_worker, "trees", TREES, TREES_METAS)


def test_unpublish_takes_the_dataset_off_the_public_site_and_keeps_its_configuration(
    page, shot, trees, background_worker
):
    page.goto("/explore/dataset/trees/table/")
    expect(page.locator(".total-count")).to_have_text(str(len(TREES)))

    log_in(page, "edna", "edna-password-1")
    page.goto(change_page("trees"))
    expect(page.locator("#dataset-published")).to_have_text("Published")
    resources = page.locator("#dataset-resources tbody tr")
    expect(resources).to_have_count(1)
    shot("published")

    page.click("#action-unpublish")
    expect(page.locator(".messagelist")).to_contain_text("queued as job")
    expect(page.locator("#dataset-status")).to_have_text("Status: Queued")
    shot("unpublish-queued")

    background_worker()
    open_latest_job(page, "done")
    shot("job-done")
    page.goto(change_page("trees"))
    expect(page.locator("#dataset-status")).to_have_text("Status: Idle")
    expect(page.locator("#dataset-published")).to_have_text("Not published")
    expect(page.locator(".backoffice-jobs li").first).to_contain_text("unpublish")
    expect(page.locator(".backoffice-jobs li").first.locator(".badge")).to_have_text("Done")
    # The configuration stays: the resource is still listed, ready for the next publish.
    expect(resources).to_have_count(1)
    expect(resources.first).to_contain_text("csvfile")
    shot("unpublished")

    page.allowed_console_errors.append("/explore/dataset/trees/)")  # its 404, on purpose
    response = page.goto("/explore/dataset/trees/")
    assert response.status == 404
    shot("public-404")
    dataset = Dataset.objects.get(dataset_id="trees")
    assert (dataset.is_published, dataset.current_version_id, dataset.resources.count()) == (False, None, 1)


class LoadGate:
    """Holds the publish job at its first loaded batch until the test lets it go.

    ``reached`` is set once the worker has loaded one row (and written its progress); the worker then
    waits for ``release`` before its abort check, so the dataset is ``processing`` for as long as the page
    needs, with no timing involved.
    """

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()

    def wrap(self, original):
        def set_and_wait(progress, phase, done, total=None):
            original(progress, phase, done, total)
            if phase == "load" and done == 1 and not self.reached.is_set():
                self.reached.set()
                assert self.release.wait(timeout=20), "the test never let the worker go"

        return set_and_wait


@pytest.fixture
def load_gate(trees, monkeypatch, settings):
    """The gate, set once the trees' first publish has gone through unhindered."""
    settings.PUBLISH_BATCH_ROWS = 1  # a progress update (and an abort check) after every row
    gate = LoadGate()
    monkeypatch.setattr(publish_job.Progress, "set", gate.wrap(publish_job.Progress.set))
    yield gate
    gate.release.set()  # never leave the worker thread waiting, whatever happened


MORE_TREES = [{**TREES[number % len(TREES)], "name": f"New tree {number:02d}"} for number in range(60)]


def test_abort_stops_a_running_publish_and_keeps_the_published_version(
    page, shot, trees, editor, editor_api, load_gate, background_worker
):
    # The resource now holds 60 trees: a publish that went through would serve 60 records, not 45.
    resource = Dataset.objects.get(dataset_id="trees").resources.get()
    bigger = stored_file(rows_csv(MORE_TREES), "more.csv", editor)
    body = {"url": bigger.url, "type": "csvfile", "title": "Trees"}
    assert_status(editor_api.put(f"{API}/datasets/{trees}/resources/{resource.resource_uid}", body, format="json"), 200)

    log_in(page, "edna", "edna-password-1")
    page.goto(change_page("trees"))
    page.click("#action-publish")
    expect(page.locator(".messagelist")).to_contain_text("queued as job")

    background_worker()
    assert load_gate.reached.wait(timeout=15), "the publish never loaded its first row"
    page.reload()
    expect(page.locator("#dataset-status")).to_have_text("Status: Processing")
    shot("processing")

    page.click("#action-abort")
    expect(page.locator(".messagelist")).to_contain_text("Processing of trees is being aborted.")
    expect(page.locator("#dataset-status")).to_have_text("Status: Aborting Processing")
    shot("aborting")
    load_gate.release.set()

    open_latest_job(page, "aborted")
    shot("job-aborted")
    page.goto(change_page("trees"))
    expect(page.locator("#dataset-status")).to_have_text("Status: Idle")
    # Still the first version, and the bigger resource still waits for a publish that goes through.
    expect(page.locator("#dataset-published")).to_have_text("Published · changes pending")
    expect(page.locator("#pending-changes li")).to_have_text([f"Resources: {resource.resource_uid}"])
    expect(page.locator(".backoffice-jobs li").first.locator(".badge")).to_have_text("Aborted")
    shot("idle-after-abort")

    page.goto("/explore/dataset/trees/table/")
    expect(page.locator(".total-count")).to_have_text(str(len(TREES)))
    expect(page.locator("table.records")).not_to_contain_text("New tree")
    shot("previous-version-served")
    dataset = Dataset.objects.select_related("current_version").get(dataset_id="trees")
    assert (dataset.status, dataset.current_version.number) == ("idle", 1)


FIRST = [{"name": "Oak", "height": 12}, {"name": "Elm", "height": 20}]
SECOND = [*FIRST, {"name": "Ash", "height": 9}, {"name": "Yew", "height": 4}]


class Source:
    """The CSV the local server answers with; a test changes ``body`` to change the source."""

    def __init__(self) -> None:
        self.body = rows_csv(FIRST)


@pytest.fixture
def source():
    return Source()


@pytest.fixture
def source_url(source, settings):
    """An http URL on 127.0.0.1 serving ``source.body`` (private addresses allowed for the fetches)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(source.body)))
            self.end_headers()
            self.wfile.write(source.body)

        def log_message(self, *args):
            pass

    # Read at each fetch, by the live server's and the worker's threads alike (one process).
    settings.RESOURCE_FETCH_ALLOW_PRIVATE = True
    with http_server(Handler) as base:
        yield f"{base}/orchard.csv"


@pytest.fixture
def orchard(editor_api):
    """An empty public dataset: its resource is added in the page."""
    body = {"dataset_id": "orchard", "visibility": "domain"}
    assert_status(editor_api.post(f"{API}/datasets/", body, format="json"), 201)


def next_three_in_paris(now: datetime) -> str:
    """The next 03:00 on Paris's clock after ``now``, as the page writes it (computed without cron)."""
    paris = ZoneInfo("Europe/Paris")
    local = now.astimezone(paris)
    day = local.date() if local.time() < time(3) else local.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=paris).strftime("%Y-%m-%d %H:%M %Z")


def test_a_url_resource_published_then_refreshed_by_its_schedule(
    page, shot, editor, orchard, source, source_url, background_worker
):
    log_in(page, "edna", "edna-password-1")
    page.goto(change_page("orchard"))
    page.click("#resource-url-link")
    page.fill("#id_url", source_url)
    page.fill("#id_title", "Orchard")
    shot("url-form")
    page.click("#resource-url-submit")
    expect(page.locator(".messagelist")).to_contain_text("added to orchard")
    expect(page.locator("#preview-table tbody tr")).to_have_count(len(FIRST))
    expect(page.locator("#preview-table tbody tr").first).to_contain_text("Oak")
    shot("preview")

    page.get_by_role("link", name="Back to orchard").click()
    expect(page.locator("#dataset-resources")).to_contain_text(source_url)
    page.click("#action-publish")
    background_worker()
    open_latest_job(page, "done")
    page.goto("/explore/dataset/orchard/table/")
    expect(page.locator(".total-count")).to_have_text(str(len(FIRST)))
    shot("first-publish")

    page.goto(change_page("orchard"))
    expect(page.locator("#dataset-schedules")).to_have_count(0)
    page.click("#schedule-add-link")
    page.fill("#id_cron_schedule", "0 3 * * *")
    page.fill("#id_timezone", "Europe/Paris")
    shot("schedule-form")
    expected_next = next_three_in_paris(timezone.now())
    page.click("#schedule-save")
    expect(page.locator(".messagelist")).to_contain_text(f"next run {expected_next}")
    schedule = Schedule.objects.get(dataset__dataset_id="orchard")
    row = page.locator(f"#schedule-{schedule.schedule_uid}")
    expect(row).to_contain_text("0 3 * * *")
    expect(row).to_contain_text("Europe/Paris")
    expect(row).to_contain_text(expected_next)
    expect(row).to_contain_text("Never")  # no run yet
    shot("schedule-added")

    # The source changes, the schedule's time comes, and one scheduler pass queues its run.
    source.body = rows_csv(SECOND)
    Schedule.objects.update(next_run_at=timezone.now() - timedelta(minutes=1))
    jobs = run_due_schedules()
    assert len(jobs) == 1
    page.reload()
    page.click(f"#schedule-job-{schedule.schedule_uid}")
    expect(page.locator("#job-progress")).to_have_attribute("data-state", "done", timeout=15_000)
    shot("scheduled-job-done")

    page.goto(change_page("orchard"))
    expect(row.locator(".badge")).to_have_text("Done")
    expect(row).to_contain_text(jobs[0].job_uid)
    expect(row).not_to_contain_text("Never")
    expect(row).to_contain_text(next_three_in_paris(timezone.now()))
    shot("schedule-ran")

    page.goto("/explore/dataset/orchard/table/")
    expect(page.locator(".total-count")).to_have_text(str(len(SECOND)))
    names = page.locator("table.records tbody td:first-child").all_inner_texts()
    assert sorted(names) == sorted(row["name"] for row in SECOND)
    shot("refreshed-table")
