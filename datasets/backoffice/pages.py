"""The back-office pages of a dataset beyond Django's change form: publishing actions, previews, history.

Every write goes through the same services as the management API (``datasets.services``) and is checked
with the same rights (``datasets.access.permissions.Actor``): a dataset the staff user may not manage is not found
(the admin's scoped queryset), a missing right is a 403, and a refused precondition (a dataset already
queued, nothing to abort) comes back as an error message on the page, as the API's 400/409 would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import ManagementAPIError
from datasets.access.permissions import MANAGE_SECURITY, Actor
from datasets.metadata_templates.definitions import TEMPLATES
from datasets.models import Change, Dataset
from datasets.services import change_restore
from datasets.services.history import metadata_snapshot, states_before
from datasets.services.preview import resource_preview
from datasets.services.publishing import dataset_abort_request, dataset_publish_request, dataset_unpublish_request


def publish(dataset: Dataset, user) -> str:
    job = dataset_publish_request(dataset=dataset, user=user)
    return f"Publishing {dataset.dataset_id} queued as job {job.job_uid}."


def unpublish(dataset: Dataset, user) -> str:
    job = dataset_unpublish_request(dataset=dataset, user=user)
    return f"Unpublishing {dataset.dataset_id} queued as job {job.job_uid}."


def abort(dataset: Dataset, user) -> str:
    dataset_abort_request(dataset=dataset, user=user)
    return f"Processing of {dataset.dataset_id} is being aborted."


# The buttons' values (``name="action"``) and the service each one calls; all need ``publish_dataset``.
ACTIONS: dict[str, Callable[[Dataset, Any], str]] = {"publish": publish, "unpublish": unpublish, "abort": abort}
ACTION_PERMISSION = "publish_dataset"


def run_action(request: HttpRequest, dataset: Dataset, action: str) -> bool:
    """Run one action through its service, reporting the outcome as a message; True when it was done."""
    if ACTION_PERMISSION not in Actor(request.user).dataset_permissions(dataset):
        messages.error(request, f"{dataset.dataset_id}: you may not {action} this dataset.")
        return False
    try:
        text = ACTIONS[action](dataset, request.user)
    except ManagementAPIError as error:
        messages.error(request, f"{dataset.dataset_id}: {error}")
        return False
    messages.success(request, text)
    return True


def run_bulk(request: HttpRequest, datasets: Iterable[Dataset], action: str) -> None:
    """A bulk action: each dataset on its own, so one refusal does not stop the others."""
    for dataset in datasets:
        run_action(request, dataset, action)


def dataset_or_404(model_admin, request: HttpRequest, object_id: str) -> Dataset:
    """The dataset if the staff user may see it in the back-office (the admin's scoped queryset)."""
    dataset = model_admin.get_queryset(request).filter(pk=object_id).first() if object_id.isdigit() else None
    if dataset is None:
        raise Http404("No such dataset.")
    return dataset


def change_url(dataset: Dataset) -> str:
    return reverse("admin:datasets_dataset_change", args=[dataset.pk])


@require_POST
def action_view(request: HttpRequest, model_admin, object_id: str) -> HttpResponseRedirect:
    """``POST <id>/action/`` with ``action`` = publish, unpublish or abort (the change page's buttons)."""
    dataset = dataset_or_404(model_admin, request, object_id)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        messages.error(request, f"Unknown action {action!r}.")
    elif ACTION_PERMISSION not in Actor(request.user).dataset_permissions(dataset):
        raise PermissionDenied(f"{ACTION_PERMISSION} is needed to {action} this dataset.")
    else:
        run_action(request, dataset, action)
    return HttpResponseRedirect(change_url(dataset))


def preview_view(request: HttpRequest, model_admin, object_id: str, resource_uid: str) -> TemplateResponse:
    """``<id>/resources/<uid>/preview/``: the management API's preview (first records after processors and
    field specifications) as a table; a resource that cannot be read shows the error instead."""
    dataset = dataset_or_404(model_admin, request, object_id)
    resource = dataset.resources.filter(resource_uid=resource_uid).first()
    if resource is None:
        raise Http404("No such resource.")
    spec = {"url": resource.url, "type": resource.type, "params": resource.params}
    preview, error = None, None
    try:
        preview = resource_preview(dataset=dataset, resource=spec, resource_uid=resource.resource_uid)
    except ManagementAPIError as failure:
        error = str(failure)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": dataset,
        "title": f"Preview of {resource.title or resource.resource_uid}",
        "dataset": dataset,
        "resource": resource,
        "preview": preview,
        "rows": preview_rows(preview) if preview else [],
        "error": error,
    }
    return TemplateResponse(request, "admin/datasets/dataset/preview.html", context)


def preview_rows(preview: dict[str, Any]) -> list[list[str]]:
    """The preview's records as cells in field order, values shown as text (JSON for lists and objects)."""
    names = [field["name"] for field in preview["fields"]]
    return [[cell_text(record.get(name)) for name in names] for record in preview["records"]]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def diff_rows(change: Change) -> list[dict[str, str]]:
    """One row per changed leaf: section, path (``a › b``), operation, old and new values as readable text."""
    rows = []
    for section, entries in sorted(change.diff.items()):
        for entry in entries:
            rows.append(
                {
                    "section": section,
                    "path": " › ".join(str(part) for part in entry["path"]) or "(whole section)",
                    "operation": entry["operation_type"],
                    "old": readable(entry.get("old_value")),
                    "new": readable(entry.get("new_value")),
                }
            )
    return rows


def readable(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def may_restore(actor: Actor, dataset: Dataset, change: Change) -> bool:
    """As the API's restore_change: ``edit_dataset``, and the security rights when rulesets come back."""
    held = actor.dataset_permissions(dataset)
    if "edit_dataset" not in held:
        return False
    return "security" not in states_before(change) or held >= set(MANAGE_SECURITY)


def changes_view(request: HttpRequest, model_admin, object_id: str) -> TemplateResponse:
    """``<id>/changes/``: the configuration history, newest first, each diff as a table, with restore buttons."""
    dataset = dataset_or_404(model_admin, request, object_id)
    actor = Actor(request.user)
    changes: QuerySet[Change] = Change.objects.filter(dataset=dataset).select_related("user")
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": dataset,
        "title": f"Changes of {dataset.dataset_id}",
        "dataset": dataset,
        "changes": [
            {"change": change, "rows": diff_rows(change), "may_restore": may_restore(actor, dataset, change)}
            for change in changes
        ],
    }
    return TemplateResponse(request, "admin/datasets/dataset/changes.html", context)


@require_POST
def restore_view(request: HttpRequest, model_admin, object_id: str, change_uid: str) -> HttpResponseRedirect:
    """``POST <id>/changes/<change_uid>/restore/``: back to the state before that change (a new change)."""
    dataset = dataset_or_404(model_admin, request, object_id)
    change = Change.objects.filter(dataset=dataset, change_uid=change_uid).first()
    if change is None:
        raise Http404("No such change.")
    if not may_restore(Actor(request.user), dataset, change):
        raise PermissionDenied("You may not restore this change.")
    try:
        change_restore(dataset=dataset, change=change, user=request.user)
    except ManagementAPIError as error:
        messages.error(request, f"Could not restore {change_uid}: {error}")
    else:
        messages.success(request, f"{dataset.dataset_id} is back to its state before {change_uid}.")
    return HttpResponseRedirect(reverse("admin:datasets_dataset_changes", args=[dataset.pk]))


def change_page_context(request: HttpRequest, dataset: Dataset) -> dict[str, Any]:
    """What the change page shows beyond the form: actions, metadata by template, pipeline, jobs, errors."""
    held = Actor(request.user).dataset_permissions(dataset)
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
    }
