"""The trivial job through the real Redis queue and real RQ workers."""

import os
import subprocess
import sys
from pathlib import Path

import django_rq
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jobs.models import Job
from jobs.services import job_ping_request
from tests.conftest import redis_url_for_tests

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_ping_goes_from_waiting_to_done_through_an_in_process_worker(redis, run_worker):
    job = job_ping_request(message="hello")
    assert Job.objects.get(pk=job.pk).state == Job.State.WAITING
    assert django_rq.get_queue("default").job_ids == [str(job.rq_job_id)]

    run_worker()

    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert job.result["pong"] == "hello"
    assert job.result["pid"] == os.getpid()
    assert django_rq.get_queue("default").count == 0


@pytest.mark.django_db(transaction=True)
def test_ping_runs_in_a_separate_forking_worker_process(redis):
    """A worker started the way `make run` and other machines start one: its own process."""
    job = job_ping_request(message="from afar")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url_for_tests(),
    }
    worker = subprocess.run(
        [sys.executable, "manage.py", "rqworker", "default", "--burst"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode == 0, worker.stderr

    job.refresh_from_db()
    assert job.state == Job.State.DONE, worker.stderr
    assert job.result["pong"] == "from afar"
    assert job.result["pid"] != os.getpid()


@pytest.mark.django_db(transaction=True)
def test_job_ping_command_enqueues_and_reports(redis, capsys):
    call_command("job_ping", "--message", "cli")
    out = capsys.readouterr().out
    job = Job.objects.get()
    assert out.strip() == f"{job.job_uid} waiting"
    assert job.params == {"message": "cli"}
    assert django_rq.get_queue("default").job_ids == [str(job.rq_job_id)]


@pytest.mark.django_db(transaction=True)
def test_job_ping_wait_fails_clearly_without_a_worker(redis):
    with pytest.raises(CommandError, match="is waiting after 0.3s; is a worker running"):
        call_command("job_ping", "--wait", "0.3")
