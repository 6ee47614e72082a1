"""What a dataset's change page shows beyond Django's form: actions, metadata by template, pipeline,
schedules, recent jobs and the last run's record errors (``admin/datasets/dataset/change_form.html``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from datasets.access.caller import Caller
from datasets.backoffice.views.actions import ACTION_PERMISSION
from datasets.backoffice.views.schedules import schedule_rows
from datasets.metadata_templates.definitions import TEMPLATES
from datasets.models import Dataset
from datasets.services.history import metadata_snapshot


def change_page_context(request: HttpRequest, dataset: Dataset) -> dict[str, Any]:
    """The change page's extra context for ``dataset``."""
    held = Caller(request.user).rights_on(dataset)
    version = dataset.current_version
    errors_job = version.job if version is not None and version.job_id else None
    values = metadata_snapshot(dataset)
    return {
        "may_publish": ACTION_PERMISSION in held,
        "may_edit": "edit_dataset" in held,
        "metadata_by_template": [(template, values.get(template.name, {})) for template in TEMPLATES.values()],
        "resources": dataset.resources.order_by("position", "id"),
        "processors": dataset.processors.order_by("position", "id"),
        "field_specifications": dataset.field_specifications.order_by("position", "id"),
        "recent_jobs": dataset.jobs.all()[:5],
        "errors_job": errors_job,
        "record_errors": errors_job.record_errors.all()[:50] if errors_job else [],
        "action_url": reverse("admin:datasets_dataset_action", args=[dataset.pk]),
        "schedules": schedule_rows(dataset),
    }
