"""Shared vocabulary of the pipeline: fields, record errors, and the errors it raises.

The pipeline is pure: readers turn bytes into records, processors transform records,
field specifications shape the schema, conversion types the values. No ORM, no HTTP; the
publish worker and the preview endpoints run exactly this code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.errors import ManagementAPIError

# ``file``: a reference to a file (``odsfile://<file_id>`` or an http(s) URL), stored as text; never inferred,
# only declared by a ``type`` field specification.
FIELD_TYPES = ("text", "int", "double", "boolean", "date", "datetime", "geo_point_2d", "geo_shape", "file")

Record = dict[str, Any]


@dataclass
class Field:
    """One column of the dataset as the pipeline sees it at some stage.

    ``name`` is the technical name (a slug, stable across publishes), ``label`` the human one,
    ``original_name`` the header as read from the source (None for fields a processor created).
    ``annotations`` are ``{"name": ..., "args": [...]}`` objects (facet, sortable, unit…).
    """

    name: str
    label: str
    type: str = "text"
    original_name: str | None = None
    description: str | None = None
    annotations: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "original_name": self.original_name,
            "description": self.description,
            "annotations": [dict(annotation) for annotation in self.annotations],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Field:
        """The inverse of ``as_dict`` (missing optional keys stay empty)."""
        return cls(
            name=data["name"],
            label=data["label"],
            type=data["type"],
            original_name=data.get("original_name"),
            description=data.get("description"),
            annotations=list(data.get("annotations") or []),
        )

    def annotation(self, name: str) -> dict[str, Any] | None:
        return next((annotation for annotation in self.annotations if annotation["name"] == name), None)


class RecordFailure(Exception):
    """One record could not be processed or converted; raised for that record only.

    The runner turns it into a RecordError, sets the value concerned to null (or drops nothing
    else) and goes on: one bad row never stops a run.
    """

    def __init__(self, raw_message: str, *, field: str | None = None, **raw_params: Any) -> None:
        self.raw_message = raw_message
        self.field = field
        self.raw_params = raw_params
        super().__init__(raw_message.format(**raw_params))


@dataclass(frozen=True)
class RecordError:
    """A record-level problem: where (row, processor, field) and what (message template and params)."""

    row: int
    raw_message: str
    raw_params: dict[str, Any]
    field: str | None = None
    processor_uid: str | None = None
    resource_uid: str | None = None

    @property
    def message(self) -> str:
        return self.raw_message.format(**self.raw_params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "resource_uid": self.resource_uid,
            "processor_uid": self.processor_uid,
            "field_uid": self.field,
            "message": self.message,
            "raw_message": self.raw_message,
            "raw_params": self.raw_params,
        }


def record_error(
    row: int, failure: RecordFailure, field: str | None, processor_uid: str | None, resource_uid: str | None
) -> RecordError:
    """The RecordError of ``failure`` met at ``row`` in ``field`` (by a processor, or by conversion)."""
    return RecordError(
        row=row,
        raw_message=failure.raw_message,
        raw_params=failure.raw_params,
        field=field,
        processor_uid=processor_uid,
        resource_uid=resource_uid,
    )


class SourceError(ManagementAPIError):
    """The resource cannot be read at all (empty, binary, wrong encoding, too large a row…)."""

    error_key = "InvalidSourceException"
    raw_message = "Cannot read the resource: {reason}"


class UnknownExtractorError(ManagementAPIError):
    error_key = "UnknownExtractorException"
    raw_message = "Unknown extractor '{extractor}'; known extractors: {known}"


class InvalidExtractorParameterError(ManagementAPIError):
    error_key = "InvalidExtractorParameterException"
    raw_message = "Invalid extractor parameter '{parameter}' for {extractor}: {reason}"


class UnknownProcessorError(ManagementAPIError):
    error_key = "UnknownProcessorException"
    raw_message = "Unknown processor '{processor}'; known processors: {known}"


class InvalidProcessorArgumentError(ManagementAPIError):
    error_key = "InvalidProcessorArgumentException"
    raw_message = "Invalid argument '{argument}' for processor {processor}: {reason}"


class UnknownFieldSpecificationError(ManagementAPIError):
    error_key = "UnknownFieldSpecificationException"
    raw_message = "Unknown field specification '{name}'; known: {known}"


class InvalidFieldSpecificationError(ManagementAPIError):
    error_key = "InvalidFieldSpecificationException"
    raw_message = "Invalid argument '{argument}' for field specification {name}: {reason}"
