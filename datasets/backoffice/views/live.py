"""The live state of one dataset for its back-office page: ``GET <id>/state/`` (staff-only JSON).

``static/backoffice/dataset-live.js`` polls it so the page follows a publish without a reload: the status
and published badges, the latest job's progress bar, the recent jobs' badges, the banner listing the edits
that wait for a publish, and the link to the public page once published.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from datasets.backoffice.pending import pending_changes, shows_pending
from datasets.backoffice.views.page import dataset_or_404
from datasets.models import Dataset
from jobs.admin_progress import job_progress
from jobs.models import Job

RECENT_JOBS = 5
# While the dataset is in one of these, the page polls fast: something is about to change.
BUSY_STATUSES = {
    Dataset.Status.QUEUED,
    Dataset.Status.PROCESSING,
    Dataset.Status.DELETING,
    Dataset.Status.ABORTING_PROCESSING,
}


def status_error_message(dataset: Dataset) -> str | None:
    """The readable message of the status error (its raw fields stay for superusers)."""
    error = dataset.status_error
    return str(error.get("message") or "") or None if isinstance(error, dict) else None


def job_row(job: Job) -> dict[str, Any]:
    """One line of the page's recent jobs list."""
    return {
        "id": job.pk,
        "job_uid": job.job_uid,
        "function": job.function,
        "state": job.state,
        "state_display": job.get_state_display(),
        "created_at": local_time(job.created_at),
        "url": reverse("admin:jobs_job_change", args=[job.pk]),
    }


def job_state(job: Job) -> dict[str, Any]:
    """The latest job as the page's progress bar shows it (the job page's own progress data)."""
    progress = job_progress(job)
    return {
        **job_row(job),
        "phase": progress["phase"],
        "percent": progress["percent"],
        "finished": progress["finished"],
    }


def local_time(moment: datetime) -> str:
    """As the page's template writes a time (``Y-m-d H:i:s`` in the site's time zone)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def public_url(dataset: Dataset) -> str | None:
    return reverse("catalog-dataset", args=[dataset.dataset_id]) if dataset.is_published else None


def dataset_state(dataset: Dataset) -> dict[str, Any]:
    """What the dataset page shows live (see the module's docstring)."""
    jobs = list(dataset.jobs.select_related("dataset").order_by("-created_at", "-id")[:RECENT_JOBS])
    version = dataset.current_version
    latest = job_state(jobs[0]) if jobs else None
    return {
        "dataset_id": dataset.dataset_id,
        "status": dataset.status,
        "status_display": dataset.get_status_display(),
        "status_error": status_error_message(dataset),
        "is_published": dataset.is_published,
        "has_unpublished_changes": dataset.has_unpublished_changes,
        "shows_pending": shows_pending(dataset),
        "pending_changes": pending_changes(dataset),
        "published_at": dataset.published_at.isoformat() if dataset.published_at else None,
        "published_at_display": local_time(dataset.published_at) if dataset.published_at else None,
        "record_count": version.record_count if version is not None else None,
        "job": latest,
        "jobs": [job_row(job) for job in jobs],
        "active": dataset.status in BUSY_STATUSES or bool(latest and not latest["finished"]),
        "public_url": public_url(dataset),
    }


@require_GET
def state_view(request: HttpRequest, model_admin, object_id: str) -> JsonResponse:
    """``GET <id>/state/``: the dataset's live state as JSON, for whoever may see it in the back-office.

    Never cached: ``admin_view`` marks every admin answer ``no-store``."""
    dataset = dataset_or_404(model_admin, request, object_id)
    return JsonResponse(dataset_state(dataset))
