"""URL secrets are masked in job objects, job errors/results and log lines; everything else stays readable."""

from __future__ import annotations

import logging
import sys

import pytest

from datasets.models import Dataset
from datasets.services import dataset_create
from jobs.models import Job, RecordError
from jobs.redaction import RedactingFilter, redact_text, redacted
from tests.conftest import assert_status
from tests.datasets.api.conftest import publish_public_csv

JOBS = "/api/management/v2/jobs/"

URLS = {
    "https://data.example.org/x.csv?token=s3cr3t&year=2024": "https://data.example.org/x.csv?token=***&year=2024",
    "https://h.example/x?Access_Token=ab&apikey=cd#key=ef": "https://h.example/x?Access_Token=***&apikey=***#key=***",
    "https://b.example/o?X-Amz-Signature=ff&X-Amz-Date=1": "https://b.example/o?X-Amz-Signature=***&X-Amz-Date=1",
    "ftp://bob:hunter2@ftp.example/data.csv": "ftp://***@ftp.example/data.csv",
    "https://ok.example/data.csv?keyword=tree&page=2": "https://ok.example/data.csv?keyword=tree&page=2",
}


@pytest.mark.parametrize("url", sorted(URLS))
def test_only_the_secret_parts_of_a_url_are_masked(url):
    assert redact_text(f"Cannot fetch {url}: 403") == f"Cannot fetch {URLS[url]}: 403"


def test_nested_values_and_secret_named_keys_are_masked():
    value = {"url": "https://u:p@h.example/a", "password": "plain", "rows": [{"n": "ok"}, 3], "token": 7}
    assert redacted(value) == {
        "url": "https://***@h.example/a",
        "password": "***",
        "rows": [{"n": "ok"}, 3],
        "token": 7,
    }


@pytest.mark.django_db
def test_a_failed_job_stores_and_shows_its_error_without_the_token(alice, alice_api):
    dataset = dataset_create(owner=alice, dataset_id="trees")
    job = Job.objects.create(function="publish", dataset=dataset, user=alice, state="running")
    message = "Cannot fetch https://data.example.org/trees.csv?access_token=s3cr3t&year=2024"
    job.fail({"status_code": 400, "error_key": "ResourceFetchException", "message": message})
    job.refresh_from_db()
    assert "s3cr3t" not in str(job.error)
    shown = assert_status(alice_api.get(f"{JOBS}{job.job_uid}"), 200)
    assert shown["error"]["message"] == "Cannot fetch https://data.example.org/trees.csv?access_token=***&year=2024"


@pytest.mark.django_db
def test_rows_stored_before_masking_are_masked_when_shown(alice, alice_api):
    dataset = dataset_create(owner=alice, dataset_id="trees")
    job = Job.objects.create(
        function="publish",
        dataset=dataset,
        state="done",
        params={"source": "https://u:pw@h.example/t.csv"},
        result={"fetched": "https://h.example/t.csv?key=k1"},
    )
    shown = assert_status(alice_api.get(f"{JOBS}{job.job_uid}"), 200)
    assert shown["params"] == {"source": "https://***@h.example/t.csv"}
    assert shown["result"] == {"fetched": "https://h.example/t.csv?key=***"}


def test_log_lines_and_tracebacks_are_masked():
    record = logging.LogRecord(
        "t", logging.ERROR, __file__, 1, "fetch %s failed", ("https://h.example/?token=t0k",), None
    )
    try:
        raise ValueError("https://u:pw@h.example/x")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "fetch https://h.example/?token=*** failed"
    assert "pw@" not in record.exc_text and "https://***@h.example/x" in record.exc_text


@pytest.mark.django_db(transaction=True)
def test_record_errors_of_a_publish_keep_no_url_secret(chief_api, alice, run_worker):
    secret_row = b"name,height\nOak,12,https://u:pw@h.example/x.csv?token=s3cr3t&y=1\nAsh,5\n"
    uid = publish_public_csv(chief_api, alice, run_worker, "leaky", secret_row)
    job = Job.objects.filter(dataset__dataset_uid=uid).order_by("-id").first()
    assert job.state == "done", job.error
    assert Dataset.objects.get(dataset_uid=uid).is_published
    stored = RecordError.objects.get(job__dataset__dataset_uid=uid)
    assert "s3cr3t" not in str(stored.raw_params) and "pw@" not in str(stored.raw_params)
    shown = assert_status(chief_api.get(f"/api/management/v2/datasets/{uid}/status/records_errors"), 200)
    assert shown[0]["raw_params"]["extra"] == ["https://***@h.example/x.csv?token=***&y=1"]
