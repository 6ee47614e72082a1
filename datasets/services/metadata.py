"""Writes on dataset metadata, every value checked against its template's definition."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidFieldError, ManagementAPIError, combine
from datasets.metadata_templates import resolve_field, validate_value
from datasets.models import Dataset, MetadataValue
from datasets.services.history import recording_change


def validated_metas(metas: Any) -> dict[str, dict[str, Any]]:
    """Check a ``{template: {name: value}}`` mapping; every problem is reported at once."""
    if not isinstance(metas, dict) or not all(isinstance(values, dict) for values in metas.values()):
        raise InvalidFieldError(field="metas", detail="expected an object of templates, each an object of values")
    clean: dict[str, dict[str, Any]] = {}
    errors: list[ManagementAPIError] = []
    for template, values in metas.items():
        for name, value in values.items():
            try:
                normalised = validate_value(resolve_field(template, name), value)
            except ManagementAPIError as error:
                errors.append(error)
                continue
            if normalised is not None:
                clean.setdefault(template, {})[name] = normalised
    if errors:
        raise combine(errors)
    return clean


def now_iso() -> str:
    """The current time as metadata datetimes are stored (UTC, to the second)."""
    return timezone.now().replace(microsecond=0).isoformat()


def touch_modified(dataset: Dataset, written: set[tuple[str, str]]) -> None:
    """Move ``default.modified`` to now after a metadata change, when ``modified_updates_on_metadata_change`` is
    true (reference §9.5); a change that sets ``modified`` itself keeps its value."""
    if ("default", "modified") in written:
        return
    flag = MetadataValue.objects.filter(dataset=dataset, template="default", name="modified_updates_on_metadata_change")
    if flag.values_list("value", flat=True).first() is True:
        store_value(dataset, "default", "modified", now_iso(), None)


def touch_modified_on_data_change(dataset: Dataset) -> str | None:
    """Move ``default.modified`` to now when ``modified_updates_on_data_change`` is true, for a publish of new data
    (reference §9.5); returns the new value, None when the flag is off. Not a configuration change: no Change."""
    flag = MetadataValue.objects.filter(dataset=dataset, template="default", name="modified_updates_on_data_change")
    if flag.values_list("value", flat=True).first() is not True:
        return None
    value = now_iso()
    row: dict[str, Any] = {"dataset": dataset, "template": "default", "name": "modified"}
    MetadataValue.objects.update_or_create(**row, defaults={"value": value})
    return value


def store_value(dataset: Dataset, template: str, name: str, value: Any, override: bool | None) -> MetadataValue:
    """Write one already validated value; keep the row when it still carries a remote value."""
    row, _ = MetadataValue.objects.get_or_create(dataset=dataset, template=template, name=name)
    row.value = value
    if override is not None:
        row.override_remote_value = override
    if row.override_remote_value is False and row.remote_value is not None:
        # A value that does not override the remote one is never shown: it is not kept.
        row.value = None
    row.save()
    return row


@transaction.atomic
def metadata_set(
    *,
    dataset: Dataset,
    template: str,
    name: str,
    value: Any,
    override_remote_value: bool | None = None,
    user: User | AnonymousUser | None,
) -> MetadataValue:
    """Set one metadata value after checking it against its definition."""
    clean = validate_value(resolve_field(template, name), value)
    with recording_change(dataset=dataset, user=user, sections=("metadata",)):
        row = store_value(dataset, template, name, clean, override_remote_value)
        touch_modified(dataset, {(template, name)})
        return row


@transaction.atomic
def metadata_reset(
    *, dataset: Dataset, template: str, name: str, user: User | AnonymousUser | None
) -> MetadataValue | None:
    """Remove one value (and stop overriding the remote one)."""
    resolve_field(template, name)
    with recording_change(dataset=dataset, user=user, sections=("metadata",)):
        row = MetadataValue.objects.filter(dataset=dataset, template=template, name=name).first()
        if row is None:
            return None
        row.value = None
        row.override_remote_value = False
        row.save(update_fields=["value", "override_remote_value"])
        touch_modified(dataset, {(template, name)})
        return row


@transaction.atomic
def metadata_bulk_set(
    *, dataset: Dataset, items: list[dict[str, Any]], user: User | AnonymousUser | None
) -> list[tuple[str, str]]:
    """Set several values as one change; nothing is written unless every item is valid.

    Each item is ``{template_name, metadata_name, value[, override_remote_value]}``. Returns the
    ``(template, name)`` pairs written, in order.
    """
    clean_items, errors = [], []
    for index, item in enumerate(items):
        try:
            field = resolve_field(item["template_name"], item["metadata_name"])
            clean_items.append((field.template, field.name, validate_value(field, item.get("value")), item))
        except ManagementAPIError as error:
            errors.append(error)
        except KeyError as missing:
            errors.append(
                InvalidFieldError(field=f"metas[{index}].{missing.args[0]}", detail="This field is required.")
            )
    if errors:
        raise combine(errors)
    with recording_change(dataset=dataset, user=user, sections=("metadata",)):
        for template, name, value, item in clean_items:
            store_value(dataset, template, name, value, item.get("override_remote_value"))
        touch_modified(dataset, {(template, name) for template, name, _, _ in clean_items})
    return [(template, name) for template, name, _, _ in clean_items]
