"""Reads of a dataset's metadata: the stored values and what the public sees of them."""

from __future__ import annotations

from typing import Any

from datasets.metadata_templates import TEMPLATES
from datasets.models import Dataset, MetadataValue


def effective_value(row: MetadataValue) -> Any:
    """What the public sees: the remote value unless there is none or it is overridden."""
    if row.remote_value is not None and not row.override_remote_value:
        return row.remote_value
    return row.value


def stored_metadata(dataset: Dataset) -> list[MetadataValue]:
    """The dataset's metadata rows that hold something, in template then field order."""
    order = {
        (template.name, field.name): index
        for index, (template, field) in enumerate((t, f) for t in TEMPLATES.values() for f in t.fields)
    }
    rows = [row for row in dataset.metadata_values.all() if row.value is not None or row.remote_value is not None]
    return sorted(rows, key=lambda row: order.get((row.template, row.name), len(order)))


def metas_repr(rows: list[MetadataValue]) -> dict[str, dict[str, Any]]:
    metas: dict[str, dict[str, Any]] = {}
    for row in rows:
        value = effective_value(row)
        if value is not None:
            metas.setdefault(row.template, {})[row.name] = value
    return metas
