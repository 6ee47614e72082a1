"""The processors of the pipeline: catalogue, validation, compilation into steps, parameter guessing.

A dataset's processor stack is a list of ``{name, args}``. The API validates each one with
``validate_processor`` (and stores the normalised arguments); a run compiles them with
``build_processor`` into ``Step`` objects, asks each for the schema after it (``Step.fields``)
and passes every record through ``Step.apply``.
"""

from __future__ import annotations

from typing import Any

from datasets.pipeline.core import Field, Record, UnknownProcessorError
from datasets.pipeline.processors.base import Step
from datasets.pipeline.processors.catalogue import SPECS, ProcessorSpec
from datasets.pipeline.processors.dates import DateNormalizer, SetTimezone
from datasets.pipeline.processors.distance import GeoDistance
from datasets.pipeline.processors.fields import AddField, CopyField, DeleteField, ExpressionStep
from datasets.pipeline.processors.geo import CreateGeopoint
from datasets.pipeline.processors.geojoin import GeoJoin
from datasets.pipeline.processors.guess import guess_params
from datasets.pipeline.processors.json import ExpandJsonArray, ExtractFromJson
from datasets.pipeline.processors.projection import TransformCoordinates
from datasets.pipeline.processors.records import DeleteRecord, SkipRecord
from datasets.pipeline.processors.text import (
    Concat,
    DecodeHtml,
    RegexpReplace,
    Split,
    StringExtractor,
    StringReplace,
    UnicodeNormalize,
)
from datasets.pipeline.processors.validation import validate_arguments

__all__ = ["Step", "build_processor", "guess_processor_params", "processor_catalogue", "validate_processor"]

STEPS: dict[str, type[Step]] = {
    step.name: step
    for step in (
        StringReplace,
        RegexpReplace,
        Concat,
        Split,
        UnicodeNormalize,
        DecodeHtml,
        StringExtractor,
        CopyField,
        AddField,
        DeleteField,
        ExpressionStep,
        SkipRecord,
        CreateGeopoint,
        DateNormalizer,
        SetTimezone,
        ExtractFromJson,
        DeleteRecord,
        GeoDistance,
        TransformCoordinates,
        ExpandJsonArray,
        GeoJoin,
    )
}


def spec_for(name: object) -> ProcessorSpec:
    """The specification of processor ``name``, or UnknownProcessorError listing the known ones."""
    spec = SPECS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise UnknownProcessorError(processor=str(name), known=", ".join(SPECS))
    return spec


def processor_catalogue() -> list[dict[str, Any]]:
    """Every processor with its arguments, sorted by name (the body of ``GET /processors/``)."""
    return [spec.as_dict() for spec in SPECS.values()]


def validate_processor(name: str, args: object) -> dict[str, Any]:
    """Normalised ``args`` for processor ``name`` (defaults filled).

    Raises UnknownProcessorError, or InvalidProcessorArgumentError naming the first bad argument.
    """
    return validate_arguments(spec_for(name), args)


def build_processor(name: str, args: dict[str, Any], uid: str) -> Step:
    """The compiled Step; ``args`` are validated again, which costs little and fills defaults of older configs."""
    return STEPS[spec_for(name).name](validate_processor(name, args), uid)


def guess_processor_params(name: str, fields: list[Field], sample: list[Record]) -> dict[str, dict[str, Any]]:
    """``{argument: {field name: field.as_dict()}}``: candidate fields for the arguments that can be guessed."""
    spec_for(name)
    return guess_params(name, fields, sample)
