"""JSON shapes of the management API objects, as the reference defines them.

Related objects render as stubs (their natural key) unless the request expands them. Datetimes, and the
values of datetime metadata, are rendered in the zone the request asked for (``timezone``, UTC by default).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import Group, User

from core.api.expand import Expand
from core.api.params import RESPONSE_ZONE, UTC, local_iso
from datasets.metadata_templates import TEMPLATES, FieldDefinition, Template
from datasets.models import (
    ApiKey,
    Change,
    Dataset,
    FieldSpecification,
    File,
    MetadataValue,
    Processor,
    Resource,
    Ruleset,
    Schedule,
)
from datasets.selectors.catalog import APP_TEMPLATES
from datasets.selectors.datasets import metas_repr, stored_metadata
from datasets.selectors.public import localised
from datasets.services.security import ALL_FIELDS
from datasets.services.security_state import ruleset_values
from jobs.models import Job, RecordError


def user_repr(user: User | None, *, expanded: bool) -> dict[str, Any] | None:
    if user is None:
        return None
    stub = {"username": user.get_username()}
    if not expanded:
        return stub
    display_name = user.get_full_name() or user.get_username()
    return {
        **stub,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "display_name": display_name,
    }


def status_repr(dataset: Dataset, expand: Expand, *, with_progress: bool = False) -> dict[str, Any]:
    """The full status object; ``expand`` may hold ``user``; ``with_progress`` adds the active job's progress."""
    status = {
        "name": dataset.status,
        "published": dataset.is_published,
        "since": local_iso(dataset.status_since),
        "user": user_repr(dataset.status_user, expanded=expand.has("user")),
    }
    if dataset.status == Dataset.Status.ERROR and dataset.status_error:
        status |= {key: dataset.status_error.get(key) for key in ("message", "raw_message", "raw_params")}
    if dataset.is_published and dataset.current_version is not None:
        status["records_errors"] = (
            records_errors_repr(dataset) if expand.has("records_errors") else dataset.current_version.record_error_count
        )
    active = dataset.jobs.filter(state__in=Job.ACTIVE_STATES).only("progresses").first() if with_progress else None
    if active is not None:
        status["progresses"] = active.progresses
    return status


def records_errors_repr(dataset: Dataset) -> list[dict[str, Any]]:
    """The record errors kept from the dataset's last successful publish (reference §5.4), in row order."""
    version = dataset.current_version
    if version is None or version.job_id is None:
        return []
    return [record_error_repr(error) for error in RecordError.objects.filter(job=version.job_id)]


def record_error_repr(error: RecordError) -> dict[str, Any]:
    """One record error; ``record_id`` is the id of the published record, null when it was not produced."""
    return {
        "record_id": error.record_id,
        "row": error.row,
        "resource_uid": error.resource_uid or None,
        "processor_uid": error.processor_uid or None,
        "field_uid": error.field or None,
        "message": error.message,
        "raw_message": error.raw_message,
        "raw_params": error.raw_params,
    }


def metadata_repr(
    template: Template, field: FieldDefinition, row: MetadataValue | None, *, expand_definition: bool
) -> dict[str, Any]:
    return {
        "name": field.name,
        "template": template.as_dict(),
        "definition": field.as_dict() if expand_definition else {"name": field.name},
        "value": local_value(template.name, field.name, row.value if row else None),
        "remote_value": local_value(template.name, field.name, row.remote_value if row else None),
        "override_remote_value": row.override_remote_value if row else False,
    }


def local_value(template: str, name: str, value: Any) -> Any:
    """A metadata value; a datetime one (stored in UTC) in the request's zone."""
    zone = RESPONSE_ZONE.get()
    return value if zone == UTC else localised(template, name, value, zone)


def local_metas(metas: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        template: {name: local_value(template, name, value) for name, value in values.items()}
        for template, values in metas.items()
    }


def change_repr(change: Change, expand: Expand) -> dict[str, Any]:
    dataset = change.dataset
    dataset_value = (
        dataset_repr(dataset, expand.child("dataset"), with_changes=False)
        if expand.has("dataset")
        else {"dataset_uid": dataset.dataset_uid, "dataset_id": dataset.dataset_id}
    )
    return {
        "change_uid": change.change_uid,
        "dataset": dataset_value,
        "user": user_repr(change.user, expanded=expand.has("user")),
        "timestamp": local_iso(change.timestamp),
        "diff": change.diff,
        "sections": change.sections,
    }


def dataset_repr(
    dataset: Dataset, expand: Expand, *, with_changes: bool = True, app_metas: bool = False
) -> dict[str, Any]:
    """The dataset object; expects metadata_values (and changes, when shown) prefetched.

    The application templates (``APP_TEMPLATES``: how the portal's views are set up) show in ``metas`` and
    ``metadata`` only with ``app_metas`` (``include_app_metas=true``), as on the Explore API.
    """
    rows = [row for row in stored_metadata(dataset) if app_metas or row.template not in APP_TEMPLATES]
    expand_definition = expand.child("metadata").has("definition")
    body = {
        "dataset_uid": dataset.dataset_uid,
        "dataset_id": dataset.dataset_id,
        "visibility": dataset.visibility,
        "last_modified": local_iso(dataset.last_modified),
        "has_unpublished_changes": dataset.has_unpublished_changes,
        "status": status_repr(dataset, expand.child("status")) if expand.has("status") else {"name": dataset.status},
        "metas": {**local_metas(metas_repr(rows)), "publishing": publishing_repr(dataset)},
        "metadata": [metadata_row_repr(row, expand_definition=expand_definition) for row in rows],
    }
    if with_changes:
        changes = dataset.changes.all()
        body["changes"] = (
            [change_repr(change, expand.child("changes")) for change in changes]
            if expand.has("changes")
            else [{"change_uid": change.change_uid} for change in changes]
        )
    return body


def publishing_repr(dataset: Dataset) -> dict[str, Any]:
    """The read-only ``publishing`` metas (reference §4.1, §9.5): whether the dataset is published, and its status."""
    return {"published": dataset.is_published, "status": dataset.status}


def metadata_row_repr(row: MetadataValue, *, expand_definition: bool) -> dict[str, Any]:
    template = TEMPLATES.get(row.template)
    field = template.field(row.name) if template else None
    if template is None or field is None:
        # A value stored under a definition that no longer exists: shown, without definition.
        return {
            "name": row.name,
            "template": {"name": row.template, "label": row.template, "purpose": "general"},
            "definition": {"name": row.name},
            "value": row.value,
            "remote_value": row.remote_value,
            "override_remote_value": row.override_remote_value,
        }
    return metadata_repr(template, field, row, expand_definition=expand_definition)


def apikey_repr(apikey: ApiKey, *, clear_key: str | None = None) -> dict[str, Any]:
    body = {
        "apikey_uid": apikey.apikey_uid,
        "key_prefix": apikey.key_prefix,
        "label": apikey.label,
        "permissions": apikey.permissions,
        "created_at": local_iso(apikey.created_at),
        "last_used_at": local_iso(apikey.last_used_at),
    }
    if clear_key is not None:
        body["key"] = clear_key
    return body


def file_repr(file: File) -> dict[str, Any]:
    return {
        "file_id": file.file_id,
        "url": file.url,
        "filename": file.filename,
        "properties": {"mimetype": file.mimetype, "size": file.size, "sha256": file.sha256},
        "created": local_iso(file.created_at),
    }


def resource_repr(resource: Resource) -> dict[str, Any]:
    return {
        "resource_uid": resource.resource_uid,
        "url": resource.url,
        "title": resource.title,
        "type": resource.type,
        "params": resource.params,
    }


def processor_repr(processor: Processor) -> dict[str, Any]:
    return {
        "processor_uid": processor.processor_uid,
        "name": processor.name,
        "label": processor.label,
        "args": processor.args,
    }


def schedule_repr(schedule: Schedule) -> dict[str, Any]:
    """A schedule; ``last_job`` is the stub of its last run's job (expects it selected)."""
    job = schedule.last_job
    return {
        "schedule_uid": schedule.schedule_uid,
        "cron_schedule": schedule.cron_schedule,
        "timezone": schedule.timezone,
        "next_run": local_iso(schedule.next_run_at),
        "last_run": local_iso(schedule.last_run_at),
        "last_job": {"job_uid": job.job_uid, "state": job.state} if job else None,
        "created_at": local_iso(schedule.created_at),
    }


def field_specification_repr(specification: FieldSpecification) -> dict[str, Any]:
    return {"processor_uid": specification.processor_uid, "name": specification.name, "args": specification.args}


def group_repr(group: Group, *, expanded: bool) -> dict[str, Any]:
    """A group: ``{"group_id"}`` (its name) unless expanded."""
    stub = {"group_id": group.name}
    if not expanded:
        return stub
    return {**stub, "title": group.name, "user_count": group.user_set.count()}


def ruleset_repr(ruleset: Ruleset | None, expand: Expand) -> dict[str, Any]:
    """A ruleset (reference §14); the default one (or its reset state, ``None``) has no target.

    The default ruleset shows "every field" as the reference's ``["*"]``; it is stored as ``null``, the
    Automation API's spelling, which user and group rulesets still show.
    """
    body = ruleset_values(ruleset)
    if (ruleset is None or ruleset.kind == Ruleset.Kind.DEFAULT) and body["visible_fields"] is None:
        body["visible_fields"] = [ALL_FIELDS]
    if ruleset is not None and ruleset.kind == Ruleset.Kind.USER:
        body["user"] = user_repr(ruleset.user, expanded=expand.has("user"))
    elif ruleset is not None and ruleset.kind == Ruleset.Kind.GROUP:
        body["group"] = group_repr(cast(Group, ruleset.group), expanded=expand.has("group"))
    return body
