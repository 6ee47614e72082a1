"""Housekeeping of the job system, once or forever with --loop.

Each pass fails jobs whose worker died, re-sends lost ones, then runs the housekeeping steps apps
registered (``jobs.registry.register_housekeeping``; the datasets app starts the runs of due schedules and
drops retired records tables).
"""

import logging
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from jobs.reconciler import reconcile_jobs
from jobs.registry import housekeeping_steps

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Close jobs whose worker died (their datasets go to 'error'), enqueue jobs whose enqueue was lost, "
        "start the runs of due schedules and drop records tables retired long enough ago."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, metavar="SECONDS", help="run every SECONDS, forever")

    def handle(self, *args, loop, **options):
        while True:
            self.run_once(keep_going=bool(loop))
            if not loop:
                return
            time.sleep(loop)

    def run_once(self, *, keep_going: bool) -> None:
        """One pass; in a loop, a database outage is logged and the next pass tries again."""
        try:
            outcome = reconcile_jobs()
            started = [(label, step()) for label, step in housekeeping_steps()]
        except DatabaseError as error:
            if not keep_going:
                raise
            logger.error("reconciler pass skipped, database unreachable: %s", error)
            close_old_connections()
            return
        if outcome["failed"] or outcome["requeued"]:
            self.stdout.write(f"failed {outcome['failed']}, requeued {outcome['requeued']}")
        for label, done in started:
            if done:
                self.stdout.write(f"{label}: {[getattr(item, 'job_uid', item) for item in done]}")
