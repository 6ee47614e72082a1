"""Scheduled runs end to end: a local HTTP source, the scheduler pass, a real RQ worker, PostgreSQL.

A changed source gives a new version; an unchanged one (304, or the same bytes) gives none; a
failing one fails the job and the published version stays served.
"""

import hashlib
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from django.core.management import call_command
from django.utils import timezone

from datasets.models import Dataset, PublishedVersion, Schedule
from datasets.services.schedules import run_due_schedules
from jobs.models import Job
from tests.conftest import assert_status, http_server
from tests.datasets.api.conftest import rows_csv, stored_file

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "/api/management/v2/datasets"
EXPLORE = "/api/explore/v2.1/catalog/datasets"
FIRST = [{"name": "Oak", "height": "12"}, {"name": "Elm", "height": "20"}]
SECOND = [{"name": "Oak", "height": "13"}, {"name": "Elm", "height": "21"}, {"name": "Ash", "height": "9"}]


class Source:
    """What the local server answers, and what it was asked."""

    def __init__(self) -> None:
        self.body = rows_csv(FIRST)
        self.validators = True  # send ETag / Last-Modified and honour conditional requests
        self.fail = False
        self.requests: list[dict[str, str]] = []

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


def handler_for(source: Source):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            source.requests.append(
                {name: self.headers.get(name, "") for name in ("If-None-Match", "If-Modified-Since")}
            )
            if source.fail:
                self.send_response(503)
                self.end_headers()
                return
            if source.validators and self.headers.get("If-None-Match") == source.etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(source.body)))
            if source.validators:
                self.send_header("ETag", source.etag)
                self.send_header("Last-Modified", "Sat, 28 Nov 2026 10:00:00 GMT")
            self.end_headers()
            self.wfile.write(source.body)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def source():
    return Source()


@pytest.fixture
def source_url(source, settings):
    settings.RESOURCE_FETCH_ALLOW_PRIVATE = True
    with http_server(handler_for(source)) as base:
        yield f"{base}/trees.csv"


@pytest.fixture
def published(chief_api, run_worker, source_url):
    """A public dataset fed by the local URL, published once by hand, with a daily schedule."""
    created = chief_api.post(f"{BASE}/", {"dataset_id": "trees", "visibility": "domain"}, format="json")
    uid = assert_status(created, 201)["dataset_uid"]
    resource = {"url": source_url, "type": "csvfile", "title": "Trees"}
    assert_status(chief_api.post(f"{BASE}/{uid}/resources/", resource, format="json"), 201)
    assert_status(chief_api.put(f"{BASE}/{uid}/publish"), 202)
    run_worker()
    assert Dataset.objects.get(dataset_uid=uid).current_version.number == 1
    assert_status(chief_api.post(f"{BASE}/{uid}/schedules/", {"cron_schedule": "0 3 * * *"}, format="json"), 201)
    return uid


def run_schedule(run_worker) -> Job:
    """Make the schedule due, run one scheduler pass and the worker; the run's job."""
    Schedule.objects.update(next_run_at=timezone.now() - timedelta(minutes=1))
    jobs = run_due_schedules()
    assert len(jobs) == 1
    run_worker()
    return Job.objects.get(pk=jobs[0].pk)


def served(api) -> list[tuple[str, int]]:
    body = assert_status(api.get(f"{EXPLORE}/trees/records?order_by=name&limit=100"), 200)
    return [(record["name"], record["height"]) for record in body["results"]]


def test_a_changed_source_is_published_as_a_new_version(published, source, run_worker, anonymous_api):
    assert served(anonymous_api) == [("Elm", 20), ("Oak", 12)]
    first_table = PublishedVersion.objects.get(number=1).table_name
    source.body = rows_csv(SECOND)
    job = run_schedule(run_worker)
    assert job.state == Job.State.DONE, job.error
    assert (job.function, job.user, job.params["cron_schedule"]) == ("scheduled_publish", None, "0 3 * * *")
    assert job.result["skipped"] is False
    assert job.result["records"] == 3 and job.result["previous_version"] == 1
    read = next(phase for phase in job.progresses if phase["name"] == "read")
    assert read["done"] == read["total"] == len(source.body)  # the fetched size is known: progress has a total
    dataset = Dataset.objects.select_related("current_version").get(dataset_uid=published)
    assert (dataset.current_version.number, dataset.current_version.record_count, dataset.status) == (2, 3, "idle")
    assert served(anonymous_api) == [("Ash", 9), ("Elm", 21), ("Oak", 13)]
    # The conditional request carried the validators recorded by the manual publish.
    assert source.requests[-1]["If-None-Match"] == f'"{hashlib.sha256(rows_csv(FIRST)).hexdigest()[:16]}"'
    assert source.requests[-1]["If-Modified-Since"] == "Sat, 28 Nov 2026 10:00:00 GMT"
    recorded = dataset.current_version.configuration["sources"]
    assert list(recorded.values()) == [
        {
            "etag": source.etag,
            "last_modified": "Sat, 28 Nov 2026 10:00:00 GMT",
            "sha256": hashlib.sha256(source.body).hexdigest(),
        }
    ]
    schedule = Schedule.objects.get()
    assert schedule.last_job_id == job.pk and schedule.next_run_at > timezone.now()
    assert PublishedVersion.objects.get(number=2).table_name != first_table


def test_an_unchanged_source_answering_304_gives_no_new_version(published, source, run_worker, anonymous_api):
    job = run_schedule(run_worker)
    assert job.state == Job.State.DONE, job.error
    assert job.result == {"skipped": True, "reason": "no source changed since the last publish", "version": 1}
    assert source.requests[-1]["If-None-Match"] == source.etag
    dataset = Dataset.objects.get(dataset_uid=published)
    assert (dataset.current_version.number, dataset.status) == (1, "idle")
    assert PublishedVersion.objects.count() == 1
    assert served(anonymous_api) == [("Elm", 20), ("Oak", 12)]


def test_an_unchanged_source_without_validators_is_compared_by_hash(published, source, run_worker, chief_api):
    source.validators = False
    unchanged = run_schedule(run_worker)
    assert unchanged.result["skipped"] is True, unchanged.error
    assert PublishedVersion.objects.count() == 1
    source.body = rows_csv(SECOND)
    changed = run_schedule(run_worker)
    assert changed.result["skipped"] is False, changed.error
    assert Dataset.objects.get(dataset_uid=published).current_version.record_count == 3
    # The run's job is listed to the dataset's owner, who did not start it.
    jobs = assert_status(chief_api.get(f"/api/management/v2/jobs/?dataset_uid={published}"), 200)
    assert {job["job_uid"] for job in jobs} >= {unchanged.job_uid, changed.job_uid}


def test_a_failing_source_fails_the_job_and_keeps_the_served_version(published, source, run_worker, anonymous_api):
    source.fail = True
    job = run_schedule(run_worker)
    assert job.state == Job.State.ERROR
    assert job.error["error_key"] == "ResourceFetchException"
    assert "the server answered 503" in job.error["message"]
    dataset = Dataset.objects.get(dataset_uid=published)
    assert dataset.status == "error"
    assert "the server answered 503" in dataset.status_error["message"]
    assert (dataset.current_version.number, PublishedVersion.objects.count()) == (1, 1)
    assert served(anonymous_api) == [("Elm", 20), ("Oak", 12)]
    # The next occurrence is planned all the same, and a recovered source publishes again.
    assert Schedule.objects.get().next_run_at > timezone.now()
    source.fail, source.body = False, rows_csv(SECOND)
    assert run_schedule(run_worker).state == Job.State.DONE
    assert Dataset.objects.get(dataset_uid=published).status == "idle"
    assert served(anonymous_api) == [("Ash", 9), ("Elm", 21), ("Oak", 13)]


def test_a_run_republishes_with_the_published_configuration_only(published, source, run_worker, chief_api):
    """Edits made after the last publish (a renamed field, a new title) stay private after a scheduled run."""
    spec = {"name": "rename", "args": {"from_name": "height", "to_name": "size"}}
    assert_status(chief_api.post(f"{BASE}/{published}/fields_specifications/", spec, format="json"), 201)
    title = {"value": "Draft title"}
    assert_status(chief_api.put(f"{BASE}/{published}/metadata/default/title", title, format="json"), 200)
    source.body = rows_csv(SECOND)
    job = run_schedule(run_worker)
    assert job.state == Job.State.DONE, job.error
    version = Dataset.objects.get(dataset_uid=published).current_version
    assert version.number == 2
    assert [field["name"] for field in version.fields] == ["name", "height"]
    first = PublishedVersion.objects.get(number=1)
    assert version.metadata == first.metadata
    assert "Draft title" not in str(version.metadata)
    # The catalog says the data is new and the metadata is not.
    metas = assert_status(chief_api.get(f"{EXPLORE}/trees"), 200)["metas"]["default"]
    assert datetime.fromisoformat(metas["data_processed"]) == version.published_at
    assert datetime.fromisoformat(metas["metadata_processed"]) == first.published_at < version.published_at
    processed_since = first.published_at.isoformat()
    found = chief_api.get("/api/explore/v2.1/catalog/datasets", {"where": f"metadata_processed > '{processed_since}'"})
    assert assert_status(found, 200)["total_count"] == 0
    assert version.configuration["fields_specifications"] == []


def test_a_busy_dataset_keeps_its_run_due_until_it_is_free(published, source, run_worker, chief_api):
    assert_status(chief_api.put(f"{BASE}/{published}/publish"), 202)  # a manual publish, not run yet
    Schedule.objects.update(next_run_at=timezone.now() - timedelta(minutes=1))
    assert run_due_schedules() == []
    assert Schedule.objects.get().last_job is None
    run_worker()
    assert len(run_due_schedules()) == 1
    run_worker()
    assert Schedule.objects.get().last_job.state == Job.State.DONE


def test_due_runs_are_started_once(published, run_worker):
    Schedule.objects.update(next_run_at=timezone.now() - timedelta(days=3))  # three missed occurrences
    assert len(run_due_schedules()) == 1
    assert run_due_schedules() == []
    assert Job.objects.filter(function="scheduled_publish").count() == 1


def test_an_unpublished_dataset_is_skipped(chief_api, run_worker, source_url):
    uid = assert_status(chief_api.post(f"{BASE}/", {"dataset_id": "draft"}, format="json"), 201)["dataset_uid"]
    assert_status(chief_api.post(f"{BASE}/{uid}/schedules/", {"cron_schedule": "0 3 * * *"}, format="json"), 201)
    job = run_schedule(run_worker)
    assert job.result == {"skipped": True, "reason": "the dataset is not published", "version": None}
    dataset = Dataset.objects.get(dataset_uid=uid)
    assert (dataset.status, dataset.current_version) == ("idle", None)


def test_uploaded_files_alone_never_change(chief, chief_api, run_worker):
    file = stored_file(rows_csv(FIRST), "trees.csv", chief)
    uid = assert_status(chief_api.post(f"{BASE}/", {"dataset_id": "files"}, format="json"), 201)["dataset_uid"]
    assert_status(chief_api.post(f"{BASE}/{uid}/resources/", {"url": file.url, "type": "csvfile"}, format="json"), 201)
    assert_status(chief_api.put(f"{BASE}/{uid}/publish"), 202)
    run_worker()
    assert_status(chief_api.post(f"{BASE}/{uid}/schedules/", {"cron_schedule": "0 3 * * *"}, format="json"), 201)
    job = run_schedule(run_worker)
    assert job.result["skipped"] is True
    assert job.result["reason"] == "the dataset has no URL resource to refresh"
    assert PublishedVersion.objects.count() == 1


def test_the_housekeeping_command_starts_due_runs(published, source, run_worker, capsys):
    """``make run`` runs ``jobs_reconcile --loop``; each pass starts the due schedules."""
    source.body = rows_csv(SECOND)
    call_command("jobs_reconcile")
    assert not Job.objects.filter(function="scheduled_publish").exists()  # not due yet
    Schedule.objects.update(next_run_at=timezone.now() - timedelta(seconds=1))
    call_command("jobs_reconcile")
    job = Job.objects.get(function="scheduled_publish")
    assert f"scheduled runs queued: ['{job.job_uid}']" in capsys.readouterr().out
    run_worker()
    assert Dataset.objects.get(dataset_uid=published).current_version.number == 2
