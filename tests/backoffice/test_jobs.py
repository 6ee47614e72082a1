"""The jobs back-office: list and page with a live progress bar, its JSON, the record errors and their CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import Job, RecordError
from tests.backoffice.conftest import DATASETS, JOBS, csv_dataset

pytestmark = pytest.mark.django_db

PROGRESS_KEYS = {
    "job_uid",
    "function",
    "state",
    "finished",
    "phase",
    "percent",
    "rows_done",
    "rows_total",
    "eta_seconds",
    "phases",
    "error",
    "dataset_status",
}


def running_job(dataset, seconds: int = 10) -> Job:
    """A publish job a quarter through loading: 100 rows inferred, 50 of 200 bytes read, 25 rows loaded."""
    return Job.objects.create(
        function="publish",
        dataset=dataset,
        state="running",
        started_at=timezone.now() - timedelta(seconds=seconds),
        progresses=[
            {"name": "extract", "done": 100, "total": None, "unit": "rows"},
            {"name": "read", "done": 50, "total": 200, "unit": "bytes"},
            {"name": "load", "done": 25, "total": None, "unit": "rows"},
            {"name": "index", "done": 0, "total": None, "unit": "steps"},
            {"name": "swap", "done": 0, "total": None, "unit": "steps"},
        ],
    )


def test_job_list_renders_with_badges_and_live_bars(root_client, trees):
    job = running_job(trees)
    Job.objects.create(function="unpublish", dataset=csv_dataset("other"), state="done")
    response = root_client.get(JOBS)
    assert response.status_code == 200
    body = response.content.decode()
    assert len(response.context["cl"].result_list) == 2
    assert '<span class="badge badge-job-running" data-job-state>Running</span>' in body
    assert f'data-progress-url="{JOBS}{job.pk}/progress/"' in body
    assert "backoffice/job-progress.js" in body


def test_job_list_is_scoped_for_limited_staff(editor_client, trees, hidden):
    mine = running_job(trees)
    Job.objects.create(function="publish", dataset=hidden, state="done")
    response = editor_client.get(JOBS)
    assert response.status_code == 200
    assert [job.job_uid for job in response.context["cl"].result_list] == [mine.job_uid]


def test_jobs_are_refused_to_outsiders_and_non_staff(outsider_client, member_client, hidden):
    job = Job.objects.create(function="publish", dataset=hidden, state="done")
    assert outsider_client.get(JOBS).status_code == 403
    assert outsider_client.get(f"{JOBS}{job.pk}/progress/").status_code == 404
    assert outsider_client.get(f"{JOBS}{job.pk}/record_errors.csv").status_code == 404
    for url in (JOBS, f"{JOBS}{job.pk}/progress/", f"{JOBS}{job.pk}/record_errors.csv"):
        response = member_client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("client_name", ["root_client", "editor_client"])
def test_job_page_has_the_progress_bar_and_its_script(request, client_name, trees):
    job = running_job(trees)
    response = request.getfixturevalue(client_name).get(f"{JOBS}{job.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="job-progress-bar"' in body
    assert f'data-progress-url="{JOBS}{job.pk}/progress/"' in body
    assert '<script src="/static/backoffice/job-progress.js" defer></script>' in body
    assert "<script>" not in body  # no inline script: the CSP forbids them
    assert 'id="job-progress-phase" data-field="phase">load<' in body


def test_job_page_of_another_dataset_is_refused(editor_client, hidden):
    job = Job.objects.create(function="publish", dataset=hidden, state="done")
    assert editor_client.get(f"{JOBS}{job.pk}/change/").status_code in (302, 403)
    assert editor_client.get(f"{JOBS}{job.pk}/progress/").status_code == 404


def test_progress_json_of_a_running_job(editor_client, trees):
    job = running_job(trees, seconds=10)
    response = editor_client.get(f"{JOBS}{job.pk}/progress/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert set(body) == PROGRESS_KEYS
    # Extract (a quarter of the time) is over, loading (65 %) is a quarter through by bytes read.
    fraction = 0.25 + 0.65 * (50 / 200)
    assert body["percent"] == round(fraction * 100)
    assert (body["state"], body["finished"], body["phase"]) == ("running", False, "load")
    assert (body["rows_done"], body["rows_total"]) == (25, 100)
    assert abs(body["eta_seconds"] - 10 * (1 - fraction) / fraction) <= 1
    assert body["dataset_status"] == "idle"
    assert [phase["name"] for phase in body["phases"]] == ["extract", "read", "load", "index", "swap"]


def test_progress_json_of_a_waiting_and_a_failed_job(root_client, trees, hidden):
    waiting = Job.objects.create(function="unpublish", dataset=trees)
    body = root_client.get(f"{JOBS}{waiting.pk}/progress/").json()
    assert (body["phase"], body["percent"], body["eta_seconds"], body["finished"]) == ("waiting", None, None, False)
    failed = Job.objects.create(function="publish", dataset=hidden, state="error", error={"message": "bad file"})
    body = root_client.get(f"{JOBS}{failed.pk}/progress/").json()
    assert (body["phase"], body["finished"], body["error"]) == ("error", True, "bad file")


@pytest.mark.django_db(transaction=True)
def test_progress_json_after_a_real_publish(editor_client, trees, run_worker):
    editor_client.post(f"{DATASETS}{trees.pk}/action/", {"action": "publish"})
    job = Job.objects.get(dataset=trees)
    assert editor_client.get(f"{JOBS}{job.pk}/progress/").json()["state"] == "waiting"
    run_worker()
    body = editor_client.get(f"{JOBS}{job.pk}/progress/").json()
    trees.refresh_from_db()
    assert (body["state"], body["finished"], body["percent"], body["eta_seconds"]) == ("done", True, 100, None)
    assert body["rows_done"] == body["rows_total"] == trees.current_version.record_count == 2


def record_errors(job: Job) -> list[RecordError]:
    return [
        RecordError.objects.create(
            job=job,
            row=row,
            resource_uid="re_1",
            field="year",
            raw_message="{value} is not an int",
            raw_params=params,
            record_id=record_id,
        )
        for row, params, record_id in ((3, {"value": "abc"}, "a1b2"), (7, {"value": 'x,"y"'}, None))
    ]


def test_record_errors_csv(editor_client, trees):
    job = running_job(trees)
    errors = record_errors(job)
    response = editor_client.get(f"{JOBS}{job.pk}/record_errors.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"{job.job_uid}-record-errors.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["row", "record_id", "resource_uid", "processor_uid", "field", "message", "raw_message"]
    expected = [
        [str(e.row), e.record_id or "", "re_1", "", "year", e.raw_message.format(**e.raw_params), e.raw_message]
        for e in errors
    ]
    assert [row[1] for row in expected] == ["a1b2", ""]  # empty when the record was not produced
    assert rows[1:] == expected
    assert expected[1][5] == 'x,"y" is not an int'


def test_job_page_lists_the_record_errors(editor_client, trees):
    job = running_job(trees)
    record_errors(job)
    body = editor_client.get(f"{JOBS}{job.pk}/change/").content.decode()
    assert "Record errors (2)" in body
    assert "abc is not an int" in body
    assert f'href="{JOBS}{job.pk}/record_errors.csv"' in body


@pytest.mark.django_db(transaction=True)
def test_dataset_page_shows_the_errors_of_the_last_publish(editor_client, trees, run_worker):
    editor_client.post(f"{DATASETS}{trees.pk}/action/", {"action": "publish"})
    run_worker()
    job = Job.objects.get(dataset=trees)
    record_errors(job)
    body = editor_client.get(f"{DATASETS}{trees.pk}/change/").content.decode()
    assert f'href="{JOBS}{job.pk}/record_errors.csv"' in body
    assert 'id="record-errors"' in body and "abc is not an int" in body


def test_the_dataset_page_links_its_jobs_list(root_client, trees, hidden):
    mine = Job.objects.create(function="publish", dataset=trees, state="done")
    Job.objects.create(function="publish", dataset=hidden, state="done")
    page = root_client.get(f"{DATASETS}{trees.pk}/change/").content.decode()
    link = f"{JOBS}?dataset__id__exact={trees.pk}"
    assert f'href="{link}"' in page
    response = root_client.get(link)
    assert response.status_code == 200
    assert [job.job_uid for job in response.context["cl"].result_list] == [mine.job_uid]
