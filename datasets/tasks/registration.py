"""The datasets app's part of the job system, handed to ``jobs.registry`` from ``DatasetsConfig.ready()``.

Every process running Django registers this at start-up (``django.setup()``), RQ workers included, so a
worker finds the body of a dataset job by the row's ``function``.
"""

from __future__ import annotations

from datasets.access.caller import Caller
from datasets.services.retired_tables import drop_retired_tables
from datasets.services.schedules import run_due_schedules
from datasets.tasks.outcome import recover_dataset_after_dead_job
from datasets.tasks.publish import publish_body
from datasets.tasks.resource_check import resource_check_body
from datasets.tasks.scheduled_run import scheduled_publish_body
from datasets.tasks.unpublish import unpublish_body
from datasets.tasks.visibility import jobs_visible_to
from jobs.registry import register_housekeeping, register_job, register_visibility


def register() -> None:
    """Register the dataset jobs, their dead-worker recovery, job visibility, the scheduler pass and the
    dropping of retired records tables."""
    # Whatever the kind, a dead worker leaves its dataset in an active status and maybe a staging table.
    register_job("publish", publish_body, on_worker_death=recover_dataset_after_dead_job)
    register_job("unpublish", unpublish_body, on_worker_death=recover_dataset_after_dead_job)
    register_job("scheduled_publish", scheduled_publish_body, on_worker_death=recover_dataset_after_dead_job)
    register_job("resource_check", resource_check_body, on_worker_death=recover_dataset_after_dead_job)
    register_visibility(jobs_visible_to, caller_of_user=Caller)
    register_housekeeping("scheduled runs queued", run_due_schedules)
    register_housekeeping("retired records tables dropped", drop_retired_tables)
