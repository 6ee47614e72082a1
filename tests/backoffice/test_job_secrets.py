"""The back-office's job page and record-error CSV mask URL secrets, in rows stored before masking too."""

from __future__ import annotations

import pytest

from datasets.services import dataset_create
from jobs.models import Job, RecordError
from tests.backoffice.conftest import JOBS

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_job(root):
    """A failed publish stored unmasked, as rows written before masking were."""
    dataset = dataset_create(owner=root, dataset_id="trees")
    job = Job.objects.create(
        function="publish",
        dataset=dataset,
        state="error",
        params={"source": "https://u:pw-one@h.example/t.csv"},
        result={"fetched": "https://h.example/t.csv?token=tok-two"},
        error={"message": "Could not read https://h.example/t.csv?access_token=tok-three"},
    )
    RecordError.objects.create(
        job=job,
        row=2,
        field="f",
        raw_message="Bad value in {url}",
        raw_params={"url": "https://h.example/?key=tok-four"},
    )
    return job


def test_the_job_page_shows_params_result_error_and_record_errors_masked(root_client, old_job):
    page = root_client.get(f"{JOBS}{old_job.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for secret in ("pw-one", "tok-two", "tok-three", "tok-four"):
        assert secret not in html, secret
    assert "h.example/t.csv?token=***" in html and "https://***@h.example/t.csv" in html
    assert "Bad value in https://h.example/?key=***" in html


def test_the_record_errors_csv_is_masked(root_client, old_job):
    response = root_client.get(f"{JOBS}{old_job.pk}/record_errors.csv")
    assert response.status_code == 200
    text = response.content.decode()
    assert "tok-four" not in text and "Bad value in https://h.example/?key=***" in text
