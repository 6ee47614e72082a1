"""Skipping the inference pass of a resource whose bytes and configuration did not change.

Inference reads every record of a resource to decide its fields' types and formats; the result
depends only on the resource's bytes, its extractor parameters, the processors, the field
specifications, the read limits and the data time zone. A version stores, per resource, what its
inference decided under a key over all of those (``ResourceInference``); the next publish whose
key is the same for a resource takes the stored decision instead of reading the resource twice. A
scheduled run of an unchanged file then costs one pass: the load.

``INFERENCE_FORMAT`` is part of the key: a change in how inference decides bumps it, and every
stored decision is inferred again once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from datasets.models import File, PublishedVersion
from datasets.pipeline.core import Field
from datasets.pipeline.formats import ColumnFormat
from datasets.pipeline.inference import InferredType
from datasets.pipeline.readers import EncodingDecision
from datasets.services.configuration import PublishConfiguration, ResourceConfig, SourceFiles
from datasets.services.read_limits import configured_limits

INFERENCE_FORMAT = 1


@dataclass
class ResourceInference:
    """What inference decided for one resource: its typed fields, each field's details, its record count,
    the parameters it was read with (the encoding settled) and the encoding decision when it changed."""

    fields: list[Field]
    details: dict[str, InferredType]
    count: int
    params: dict[str, Any]
    encoding: EncodingDecision | None

    def as_dict(self, key: str) -> dict[str, Any]:
        return {
            "key": key,
            "fields": [field.as_dict() for field in self.fields],
            "details": {name: detail_dict(detail) for name, detail in self.details.items()},
            "count": self.count,
            "params": self.params,
            "encoding": self.encoding.as_dict() if self.encoding is not None else None,
        }

    @classmethod
    def from_dict(cls, stored: dict[str, Any], resource: ResourceConfig) -> ResourceInference:
        zone = resource.read_options.timezone  # part of the key: the same zone as when it was stored
        return cls(
            fields=[Field.from_dict(item) for item in stored["fields"]],
            details={name: inferred_type(item, zone) for name, item in stored["details"].items()},
            count=int(stored["count"]),
            params=dict(stored["params"]),
            encoding=EncodingDecision(**stored["encoding"]) if stored.get("encoding") else None,
        )


def detail_dict(detail: InferredType) -> dict[str, Any]:
    """An InferredType as JSON; the column format's time zone is the resource's, not stored."""
    column = detail.format
    return {
        "type": detail.type,
        "counter_examples": detail.counter_examples,
        "null_count": detail.null_count,
        "value_count": detail.value_count,
        "null_markers": detail.null_markers,
        "format": {
            "decimal_mark": column.decimal_mark,
            "date_order": column.date_order,
            "null_markers": sorted(column.null_markers),
        },
    }


def inferred_type(stored: dict[str, Any], zone: Any) -> InferredType:
    column = stored["format"]
    return InferredType(
        type=stored["type"],
        counter_examples=list(stored["counter_examples"]),
        null_count=int(stored["null_count"]),
        value_count=int(stored["value_count"]),
        format=ColumnFormat(
            decimal_mark=column["decimal_mark"],
            date_order=column["date_order"],
            null_markers=frozenset(column["null_markers"]),
            timezone=zone,
        ),
        null_markers=dict(stored["null_markers"]),
    )


def bytes_hash(resource: ResourceConfig, sources: SourceFiles) -> str:
    """The SHA-256 of the bytes this run reads for ``resource`` ('' when unknown)."""
    if resource.is_remote:
        state = sources.states.get(resource.resource_uid)
        return state.sha256 if state is not None else ""
    file_id = resource.url.removeprefix("odsfile://")
    return File.objects.filter(file_id=file_id).values_list("sha256", flat=True).first() or ""


def inference_key(resource: ResourceConfig, configuration: PublishConfiguration, digest: str) -> str:
    """A hash of everything the resource's inference depends on, ``digest`` (its bytes) included."""
    options = resource.read_options
    payload = {
        "format": INFERENCE_FORMAT,
        "bytes": digest,
        "type": resource.type,
        "params": resource.params,
        "processors": [[step.name, step.args] for step in configuration.processors],
        "specifications": [[step.name, step.args] for step in configuration.specifications],
        "timezone": str(options.timezone),
        "limits": asdict(configured_limits()),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def reusable(version: PublishedVersion | None, resource: ResourceConfig, key: str) -> ResourceInference | None:
    """The decision ``version`` stored for ``resource`` under ``key``, or None (absent, other key, unreadable)."""
    if version is None or not isinstance(version.inference, dict):
        return None
    stored = version.inference.get(resource.resource_uid)
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    try:
        return ResourceInference.from_dict(stored, resource)
    except (AttributeError, KeyError, TypeError, ValueError):  # stored by hand, or by a bug: infer again
        return None
