"""Enqueue the trivial job and, with --wait, follow it until a worker has run it."""

import time

from django.core.management.base import BaseCommand, CommandError

from jobs.models import Job
from jobs.services import job_ping_request


class Command(BaseCommand):
    help = "Enqueue a ping job; with --wait, print its states until it ends (needs a running worker)."

    def add_arguments(self, parser):
        parser.add_argument("--message", default="ping")
        parser.add_argument("--wait", type=float, default=0, metavar="SECONDS", help="follow the job this long")

    def handle(self, *args, message, wait, **options):
        job = job_ping_request(message=message)
        self.stdout.write(f"{job.job_uid} {job.state}")
        if not wait:
            return
        deadline = time.monotonic() + wait
        seen = job.state
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.state != seen:
                seen = job.state
                self.stdout.write(f"{job.job_uid} {job.state}")
            if job.state in Job.TERMINAL_STATES:
                break
            time.sleep(0.1)
        if job.state != Job.State.DONE:
            raise CommandError(f"{job.job_uid} is {job.state} after {wait:g}s; is a worker running?")
        self.stdout.write(f"result: {job.result}")
