"""What a dataset's change page shows beyond Django's form: actions, the live publication panel with the
edits waiting for a publish, metadata by template, pipeline, schedules, recent jobs and the last run's
record errors (``admin/datasets/dataset/change_form.html``)."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse

from datasets.access.caller import Caller
from datasets.backoffice.pending import pending_changes, shows_pending
from datasets.backoffice.views.actions import ACTION_PERMISSION
from datasets.backoffice.views.live import RECENT_JOBS, public_url, status_error_message
from datasets.backoffice.views.schedules import schedule_rows
from datasets.metadata_templates.definitions import TEMPLATES
from datasets.models import Dataset
from datasets.services.history import metadata_snapshot
from jobs.models import Job


def readable_value(value: Any) -> str:
    """A metadata value as a reader writes it: lists joined by commas, no JSON quotes."""
    if isinstance(value, list):
        return ", ".join(readable_value(item) for item in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def readable_metadata(dataset: Dataset) -> list[tuple[Any, dict[str, str]]]:
    """Each template with its values, readable (see ``readable_value``)."""
    values = metadata_snapshot(dataset)
    return [
        (template, {name: readable_value(value) for name, value in values.get(template.name, {}).items()})
        for template in TEMPLATES.values()
    ]


def record_error_counts(job: Job | None) -> list[dict[str, Any]]:
    """How many record errors the job kept per field, most first (errors with no field count as "")."""
    if job is None:
        return []
    rows = job.record_errors.values("field").annotate(count=Count("id")).order_by("-count", "field")
    return [{"field": row["field"], "count": row["count"]} for row in rows]


def change_page_context(request: HttpRequest, dataset: Dataset) -> dict[str, Any]:
    """The change page's extra context for ``dataset``."""
    held = Caller(request.user).rights_on(dataset)
    version = dataset.current_version
    errors_job = version.job if version is not None and version.job_id else None
    return {
        "may_publish": ACTION_PERMISSION in held,
        "may_edit": "edit_dataset" in held,
        "metadata_by_template": readable_metadata(dataset),
        "resources": dataset.resources.order_by("position", "id"),
        "processors": dataset.processors.order_by("position", "id"),
        "field_specifications": dataset.field_specifications.order_by("position", "id"),
        "recent_jobs": dataset.jobs.order_by("-created_at", "-id")[:RECENT_JOBS],
        "latest_job": dataset.jobs.order_by("-created_at", "-id").first(),
        "errors_job": errors_job,
        "record_errors": errors_job.record_errors.all()[:50] if errors_job else [],
        "record_error_counts": record_error_counts(errors_job),
        "action_url": reverse("admin:datasets_dataset_action", args=[dataset.pk]),
        "state_url": reverse("admin:datasets_dataset_state", args=[dataset.pk]),
        "shows_pending": shows_pending(dataset),
        "pending_changes": pending_changes(dataset),
        "public_url": public_url(dataset),
        "status_error_message": status_error_message(dataset),
        "record_count": version.record_count if version is not None else None,
        "schedules": schedule_rows(dataset),
    }
