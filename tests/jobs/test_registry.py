"""The job registry: apps register kinds, RQ runs them through one generic entry point."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rq.job import Job as RQJob
from rq.utils import import_attribute

from jobs import registry, tasks
from jobs.models import Job
from jobs.services import job_enqueue


@pytest.fixture
def own_kinds(monkeypatch):
    """Register kinds for one test only."""
    monkeypatch.setattr(registry, "_kinds", dict(registry._kinds))


def echo_body(job: Job) -> dict:
    return {"echo": job.params["say"]}


def test_the_apps_register_their_kinds_at_startup():
    assert registry.job_functions() == ["ping", "publish", "resource_check", "scheduled_publish", "unpublish"]
    assert registry.job_kind("publish").on_worker_death is not None
    assert registry.job_kind("ping").on_worker_death is None


def test_the_names_rq_has_stored_all_resolve_to_the_generic_entry_point():
    """Jobs queued before the registry carry these names; a worker must still find them."""
    for name in tasks.ENTRY_POINTS:
        assert tasks.entry_point(name) == f"jobs.tasks.{name}"
        assert import_attribute(f"jobs.tasks.{name}") is tasks.run


@pytest.mark.django_db(transaction=True)
def test_a_kind_registered_later_goes_through_jobs_tasks_run(own_kinds, redis, run_worker):
    registry.register_job("echo", echo_body)

    job = job_enqueue(function="echo", params={"say": "hello"})

    assert RQJob.fetch(str(job.rq_job_id), connection=redis).func_name == "jobs.tasks.run"
    run_worker()
    job.refresh_from_db()
    assert (job.state, job.result) == ("done", {"echo": "hello"})


def test_one_name_for_two_bodies_is_refused(own_kinds):
    registry.register_job("echo", echo_body)
    registry.register_job("echo", echo_body)  # ready() running twice is harmless
    with pytest.raises(ImproperlyConfigured, match="'echo' is registered twice"):
        registry.register_job("echo", lambda job: {})
