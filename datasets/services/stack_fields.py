"""The fields a processor or a field specification sees at its place in the stack, checked when it is saved.

A processor or specification naming a field that does not exist at its point of the pipeline
would make every later preview, guess and publish of the dataset fail. It is refused when
saved instead (``InvalidProcessorArgumentException`` / ``InvalidFieldSpecificationException``
naming the field and the fields that exist there). The fields come from the dataset's resources
as read (headers, and the keys of the first records for JSON sources) followed through the
stack before the item. When they cannot be known — no resource yet, a resource that cannot be
read now, an earlier item that no longer fits — the item is accepted as before: a configuration
may be written before its data.
"""

from __future__ import annotations

from typing import Any

from core.errors import ManagementAPIError
from datasets.models import Dataset
from datasets.pipeline.core import Field
from datasets.pipeline.processors import build_processor
from datasets.pipeline.readers import open_source, settled_params
from datasets.pipeline.specifications import FieldSpecifications
from datasets.services.preview import PREVIEW_RECORDS, resource_stream

NEW_ITEM_UID = "new"  # the uid a not-yet-created item's errors carry


def resource_fields(url: str, extractor: str, params: dict[str, Any]) -> list[Field]:
    """A resource's fields as its reader sees them after its first records (JSON keys appear with records)."""
    with resource_stream(url) as stream:
        settled, _decision = settled_params(extractor, params, stream)
        with open_source(extractor, settled, stream) as source:
            for index, _ in enumerate(source.rows()):
                if index + 1 >= PREVIEW_RECORDS:
                    break
            return list(source.fields)


def source_fields(dataset: Dataset) -> list[Field] | None:
    """The fields of all the dataset's resources, first seen first; None when they cannot be known now."""
    fields: dict[str, Field] = {}
    resources = list(dataset.resources.order_by("position", "id"))
    if not resources:
        return None
    for resource in resources:
        try:
            read = resource_fields(resource.url, resource.type, dict(resource.params))
        except (ManagementAPIError, OSError):  # SourceError and fetch errors included
            return None
        for field in read:
            fields.setdefault(field.name, field)
    return list(fields.values())


def processors_before(dataset: Dataset, position: int | None) -> list[Any]:
    """The dataset's compiled processors placed before ``position`` (all of them when None)."""
    rows = dataset.processors.order_by("position", "id")
    if position is not None:
        rows = rows.filter(position__lt=position)
    return [build_processor(row.name, row.args, row.processor_uid) for row in rows]


def fields_through(fields: list[Field], steps: list[Any]) -> list[Field]:
    for step in steps:
        fields = step.fields(fields)
    return fields


def check_processor_fields(dataset: Dataset, values: dict[str, Any], position: int | None, uid: str | None) -> None:
    """Raise InvalidProcessorArgumentError when the processor reads a field missing at ``position``."""
    source = source_fields(dataset)
    if source is None:
        return
    try:
        fields = fields_through(source, processors_before(dataset, position))
    except ManagementAPIError:
        return  # an earlier processor no longer fits the data: that one is the problem, not this item
    step = build_processor(values["name"], values["args"], uid or NEW_ITEM_UID)
    step.fields(fields)


def check_specification_fields(dataset: Dataset, values: dict[str, Any], position: int | None, uid: str | None) -> None:
    """Raise InvalidFieldSpecificationError when the specification names a field missing at ``position``."""
    source = source_fields(dataset)
    if source is None:
        return
    rows = dataset.field_specifications.order_by("position", "id")
    if position is not None:
        rows = rows.filter(position__lt=position)
    earlier = [(row.processor_uid, row.name, row.args) for row in rows]
    try:
        fields = FieldSpecifications(earlier).fields(
            fields_through(source, processors_before(dataset, None)), check_annotations=False
        )
    except ManagementAPIError:
        return
    item = [(uid or NEW_ITEM_UID, values["name"], values["args"])]
    FieldSpecifications(item).fields(fields, check_annotations=False)
