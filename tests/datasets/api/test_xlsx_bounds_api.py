"""Hostile workbooks through the management API: refused when saved or previewed with a 400 naming the
bound (set in settings) and the measured value, and a publish job fails the same way in the worker."""

import pytest

from datasets.models import Resource
from jobs.models import Job
from tests.conftest import assert_status
from tests.datasets.api.conftest import stored_file
from tests.pipeline.hostile_xlsx import unused_strings, with_dimension, workbook

BASE = "/api/management/v2"
ROWS = [["name", "year"], ["Oak", "1990"]]
TOO_MANY_STRINGS = "its shared strings (xl/sharedStrings.xml) would uncompress to 2.9 MB; at most 2 MB is allowed"


@pytest.fixture
def dataset_uid(alice_api):
    created = alice_api.post(f"{BASE}/datasets/", {"dataset_id": "trees"}, format="json")
    return assert_status(created, 201)["dataset_uid"]


@pytest.fixture
def hostile_url(alice):
    """A workbook whose 3 MB shared-strings table no cell uses."""
    return stored_file(workbook(ROWS, unused_strings(1500, 2000)), "hostile.xlsx", alice).url


@pytest.mark.django_db
def test_saving_and_previewing_a_table_over_the_setting_is_refused(alice_api, dataset_uid, hostile_url, settings):
    settings.XLSX_MAX_SHARED_STRINGS_BYTES = 2 * 1024 * 1024
    body = {"url": hostile_url, "type": "xlsfile", "params": {}}
    error = assert_status(alice_api.post(f"{BASE}/datasets/{dataset_uid}/resources/", body, format="json"), 400)
    assert error["error_key"] == "InvalidSourceException"
    assert TOO_MANY_STRINGS in error["message"]
    assert not Resource.objects.exists()
    error = assert_status(alice_api.post(f"{BASE}/datasets/{dataset_uid}/resource_preview", body, format="json"), 400)
    assert TOO_MANY_STRINGS in error["message"]


@pytest.mark.django_db
def test_a_sheet_over_the_cell_setting_is_refused(alice_api, dataset_uid, alice, settings):
    settings.XLSX_MAX_CELLS = 1000
    url = stored_file(with_dimension(workbook(ROWS), "A1:J200"), "wide.xlsx", alice).url
    body = {"url": url, "type": "xlsfile", "params": {}}
    error = assert_status(alice_api.post(f"{BASE}/datasets/{dataset_uid}/resources/", body, format="json"), 400)
    assert "has about 2000 cells (its dimension A1:J200); at most 1000 cells per sheet" in error["message"]
    assert not Resource.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_publish_of_a_workbook_over_the_bound_fails_its_job(chief_api, hostile_url, settings, run_worker):
    created = chief_api.post(f"{BASE}/datasets/", {"dataset_id": "hostile"}, format="json")
    dataset_uid = assert_status(created, 201)["dataset_uid"]
    body = {"url": hostile_url, "type": "xlsfile", "params": {}}
    assert_status(chief_api.post(f"{BASE}/datasets/{dataset_uid}/resources/", body, format="json"), 201)
    settings.XLSX_MAX_SHARED_STRINGS_BYTES = 2 * 1024 * 1024  # lowered by the operator after the resource was saved
    assert_status(chief_api.put(f"{BASE}/datasets/{dataset_uid}/publish"), 202)
    run_worker()
    job = Job.objects.get(dataset__dataset_uid=dataset_uid)
    assert job.state == Job.State.ERROR
    assert job.error["error_key"] == "InvalidSourceException"
    assert TOO_MANY_STRINGS in job.error["message"]
