"""Who reads which job in ``/jobs/``: the datasets' managers (within their API key), never staff as such."""

from __future__ import annotations

import pytest

from datasets.models import Ruleset
from datasets.services import dataset_create
from datasets.services.apikeys import apikey_create
from jobs.models import Job
from tests.conftest import assert_status, basic_client, grant

JOBS = "/api/management/v2/jobs/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def datasets(alice):
    """Two of alice's datasets: ``mine`` (a staff publisher manages it through a ruleset) and ``theirs``."""
    return dataset_create(owner=alice, dataset_id="mine"), dataset_create(owner=alice, dataset_id="theirs")


@pytest.fixture
def staff_publisher(django_user_model, datasets):
    """A back-office member who edits and publishes ``mine`` only, through a user ruleset."""
    user = django_user_model.objects.create_user("pat", "pat@example.org", "pat-password-1", is_staff=True)
    Ruleset.objects.create(
        dataset=datasets[0], kind=Ruleset.Kind.USER, user=user, permissions=["edit_dataset", "publish_dataset"]
    )
    return user


def finished_job(dataset, user=None, **fields) -> Job:
    return Job.objects.create(function="publish", dataset=dataset, user=user, state="done", **fields)


def listed(api, **params) -> list[str]:
    return [job["job_uid"] for job in assert_status(api.get(JOBS, params), 200)]


def key_client(user, password: str, permissions: list[str]):
    _, key = apikey_create(owner=user, permissions=permissions)
    client = basic_client(user.get_username(), password)
    client.credentials(HTTP_AUTHORIZATION=f"Apikey {key}")
    return client


def test_staff_limited_to_one_dataset_reads_only_its_jobs(staff_publisher, datasets, chief):
    mine, theirs = datasets
    visible = finished_job(mine, chief, params={"dataset_uid": mine.dataset_uid})
    hidden = finished_job(theirs, chief, error={"message": "Cannot fetch the source"})
    api = basic_client("pat", "pat-password-1")
    assert listed(api) == [visible.job_uid]
    assert_status(api.get(f"{JOBS}{visible.job_uid}"), 200)
    body = assert_status(api.get(f"{JOBS}{hidden.job_uid}"), 404)
    assert body["error_key"] == "NotFoundException" and "Cannot fetch" not in str(body)
    # The dataset itself answers 404 too: the job is hidden exactly as its dataset is.
    assert_status(api.get(f"/api/management/v2/datasets/{theirs.dataset_uid}"), 404)


def test_a_datasets_manager_reads_every_job_of_it_whoever_started_it(alice_api, datasets, chief):
    mine, _ = datasets
    by_chief = finished_job(mine, chief)
    scheduled = finished_job(mine)
    assert listed(alice_api) == [scheduled.job_uid, by_chief.job_uid]


def test_own_job_of_a_dataset_no_longer_visible_is_hidden(staff_publisher, datasets):
    mine, _ = datasets
    job = finished_job(mine, staff_publisher)
    api = basic_client("pat", "pat-password-1")
    assert listed(api) == [job.job_uid]
    Ruleset.objects.filter(user=staff_publisher).delete()
    assert listed(api) == []
    assert_status(api.get(f"{JOBS}{job.job_uid}"), 404)


def test_own_jobs_without_dataset_stay_visible_others_do_not(alice_api, alice, bob):
    own = Job.objects.create(function="ping", user=alice, state="done", result={"message": "pong"})
    Job.objects.create(function="ping", user=bob, state="done")
    assert listed(alice_api) == [own.job_uid]


def test_an_api_key_without_management_rights_reads_no_dataset_job(chief, datasets):
    mine, _ = datasets
    job = finished_job(mine, chief)
    limited = key_client(chief, "chief-password-1", ["create_dataset"])
    assert listed(limited) == []
    assert_status(limited.get(f"{JOBS}{job.job_uid}"), 404)
    full = key_client(chief, "chief-password-1", ["edit_dataset"])
    assert listed(full) == [job.job_uid]


def test_a_superuser_reads_every_job(admin_user, datasets, chief):
    jobs = [finished_job(dataset, chief).job_uid for dataset in datasets]
    assert sorted(listed(basic_client("root", "root-password-1"))) == sorted(jobs)


def test_a_domain_publisher_reads_every_job_and_filters_still_apply(django_user_model, datasets, alice):
    grant(django_user_model.objects.create_user("pub", "pub@example.org", "pub-password-1"), "publish_dataset")
    mine, theirs = datasets
    first, second = finished_job(mine, alice), finished_job(theirs, alice)
    api = basic_client("pub", "pub-password-1")
    assert sorted(listed(api)) == sorted([first.job_uid, second.job_uid])
    assert listed(api, dataset_uid=theirs.dataset_uid) == [second.job_uid]
