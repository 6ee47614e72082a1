"""Fail jobs whose worker died and re-send lost ones; once, or forever with --loop."""

import time

from django.core.management.base import BaseCommand

from jobs.reconciler import reconcile_jobs


class Command(BaseCommand):
    help = "Close jobs whose worker died (their datasets go to 'error') and enqueue jobs whose enqueue was lost."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, metavar="SECONDS", help="run every SECONDS, forever")

    def handle(self, *args, loop, **options):
        while True:
            outcome = reconcile_jobs()
            if outcome["failed"] or outcome["requeued"]:
                self.stdout.write(f"failed {outcome['failed']}, requeued {outcome['requeued']}")
            if not loop:
                return
            time.sleep(loop)
