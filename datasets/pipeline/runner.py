"""The pipeline end to end: source rows -> processors -> field specifications -> typed records.

Everything streams: ``run`` yields one record at a time, ``infer`` makes one pass keeping only
per-field counters, ``preview`` reads a bounded sample. A bad value or a failing processor never
stops a run: it becomes a RecordError handed to ``on_error`` and the value concerned becomes null.
The readers and processors are duck-typed (``SourceLike``, ``StepLike``) so the runner does not
depend on their modules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol, cast

from datasets.pipeline.conversion import converter, json_ready
from datasets.pipeline.core import Field, Record, RecordError, RecordFailure, record_error
from datasets.pipeline.formats import PLAIN, ColumnFormat, ReadOptions
from datasets.pipeline.inference import InferredType, TypeInference
from datasets.pipeline.record_batch import PositionalSource, positional_batches
from datasets.pipeline.specifications import FieldSpecifications

PREVIEW_ERRORS = 20
INFER_BATCH_ROWS = 10_000  # records per column batch of the inference pass (a few MB of strings)
# A declared type that cannot read more than this share of a column's values is flagged in the preview.
NULLED_WARNING_SHARE = 0.02

ErrorHandler = Callable[[RecordError], None]


class SourceLike(Protocol):
    """A resource opened by a reader: its fields, its ``(row number, raw record)`` pairs, and the
    ``problems`` (RecordErrors) its reader met while reading the row it just yielded."""

    @property
    def fields(self) -> list[Field]: ...

    @property
    def problems(self) -> list[RecordError]: ...

    def rows(self) -> Iterator[tuple[int, Record]]: ...


class StepLike(Protocol):
    """A processor: its schema effect and its effect on one record (None drops the record)."""

    @property
    def uid(self) -> str | None: ...

    def fields(self, fields: list[Field]) -> list[Field]: ...

    def apply(self, record: Record) -> Record | list[Record] | None: ...


def ignore(error: RecordError) -> None:
    """The default error handler of ``infer``: record errors are the publish's business."""


def pipeline_fields(source_fields: list[Field], steps: list[StepLike], specs: FieldSpecifications) -> list[Field]:
    """The schema after processors and specifications, before inference (declared types set)."""
    fields = list(source_fields)
    for step in steps:
        fields = step.fields(fields)
    return specs.fields(fields, check_annotations=False)


def types_of(fields: list[Field]) -> dict[str, str]:
    """Field name -> type, the ``types`` argument of ``run``."""
    return {field.name: field.type for field in fields}


def formats_of(details: dict[str, InferredType]) -> dict[str, ColumnFormat]:
    """Field name -> the format inference decided, the ``formats`` argument of ``run``."""
    return {name: detail.format for name, detail in details.items()}


def separators_of(fields: list[Field]) -> dict[str, str]:
    """Field name -> separator of the text fields annotated ``multivalued``, for ``run``."""
    separators = {}
    for field in fields:
        multivalued = field.annotation("multivalued")
        if multivalued and field.type == "text":
            separators[field.name] = multivalued["args"][0]
    return separators


# --- streaming records ---------------------------------------------------------------------------


def run(
    source: SourceLike,
    steps: list[StepLike],
    specs: FieldSpecifications,
    *,
    resource_uid: str | None = None,
    types: dict[str, str] | None = None,
    separators: dict[str, str] | None = None,
    formats: dict[str, ColumnFormat] | None = None,
    on_error: ErrorHandler,
) -> Generator[tuple[int, Record], None, None]:
    """Stream ``(row, record)`` through the processors and the specifications, typed if asked.

    The reader's own problems (``source.problems``: a ragged row, undecodable bytes) are reported
    first, before the row they concern is processed. A step returning None drops the record; a
    RecordFailure is reported with the step's uid, its field nulled, and the record goes on. With
    ``types`` (see ``types_of``, ``separators_of``, ``formats_of``) a record becomes exactly those
    fields, in order, converted; failures are reported and nulled. A step returning a list of
    records yields each of them with the same row number.
    """
    plan = conversion_plan(types, separators, formats) if types is not None else None
    rows, problems = source.rows(), source.problems
    try:
        for row, raw in rows:
            if problems:
                report_problems(problems, resource_uid, on_error)
            for record in process(row, raw, steps, resource_uid, on_error):
                record = specs.apply(record)
                if plan is not None:
                    record = convert_record(row, record, plan, resource_uid, on_error)
                yield row, record
        if problems:
            report_problems(problems, resource_uid, on_error)
    finally:
        if hasattr(rows, "close"):
            rows.close()  # a consumer stopping early (preview) releases the source's file at once


def report_problems(problems: list[RecordError], resource_uid: str | None, on_error: ErrorHandler) -> None:
    """Hand the reader's pending problems to ``on_error``, stamped with the resource, and empty the list."""
    for problem in problems:
        on_error(replace(problem, resource_uid=resource_uid) if resource_uid else problem)
    problems.clear()


def process(
    row: int, record: Record, steps: list[StepLike], resource_uid: str | None, on_error: ErrorHandler
) -> list[Record]:
    """One source record through the processors: the records it becomes (none when a step dropped it).

    A step returns a record, None (drop it) or a list of records (``expand_json_array``: one per
    array element); each of those goes through the following steps and keeps the source's row number.
    """
    records = [record]
    for step in steps:
        records = [result for current in records for result in applied(row, current, step, resource_uid, on_error)]
        if not records:
            break
    return records


def applied(row: int, record: Record, step: StepLike, resource_uid: str | None, on_error: ErrorHandler) -> list[Record]:
    """``step`` applied to one record, as a list; a RecordFailure is reported and its field nulled."""
    try:
        result = step.apply(record)
    except RecordFailure as failure:
        on_error(record_error(row, failure, failure.field, step.uid, resource_uid))
        if failure.field is not None:
            record[failure.field] = None
        return [record]
    if result is None:
        return []
    return result if isinstance(result, list) else [result]


Plan = list[tuple[str, Callable[[Any], Any]]]


def conversion_plan(
    types: dict[str, str],
    separators: dict[str, str] | None = None,
    formats: dict[str, ColumnFormat] | None = None,
) -> Plan:
    """One converter per field, built once for the whole stream."""
    separators, formats = separators or {}, formats or {}
    return [(name, converter(type_, separators.get(name), formats.get(name, PLAIN))) for name, type_ in types.items()]


def convert_record(row: int, record: Record, plan: Plan, resource_uid: str | None, on_error: ErrorHandler) -> Record:
    """The planned fields of ``record``, converted; failures reported and nulled."""
    typed, get = {}, record.get
    for name, convert in plan:
        try:
            typed[name] = convert(get(name))
        except RecordFailure as failure:
            on_error(record_error(row, failure, name, None, resource_uid))
            typed[name] = None
    return typed


# --- inference and preview -----------------------------------------------------------------------


def infer(
    source: SourceLike,
    steps: list[StepLike],
    specs: FieldSpecifications,
    *,
    resource_uid: str | None = None,
    on_error: ErrorHandler = ignore,
    options: ReadOptions | None = None,
) -> tuple[list[Field], dict[str, InferredType], int]:
    """One pass over every record: (typed fields, inference of every field, record count).

    Types declared by a ``type`` specification win (only their format is inferred). Fields a
    reader meets late (a JSON key first seen at record 5,000) join the schema when they appear.
    Raises InvalidFieldSpecificationError when an annotation does not fit the final type of its field.
    """
    schema = pipeline_fields(source.fields, steps, specs)
    inference = TypeInference(schema, options=options, declared=dict(specs.declared_types))
    if not steps and getattr(source, "positional", False):
        count = infer_columns(inference, source, specs, resource_uid, on_error)
        details = inference.result()
        return typed_fields(pipeline_fields(source.fields, steps, specs), details, specs), details, count
    known, count = len(source.fields), 0
    for row, record in run(source, steps, specs, resource_uid=resource_uid, on_error=on_error):
        if len(source.fields) != known:
            known = learn_late_fields(inference, source, steps, specs)
        inference.observe(row, record)
        count += 1
    details = inference.result()
    return typed_fields(pipeline_fields(source.fields, steps, specs), details, specs), details, count


def infer_columns(
    inference: TypeInference,
    source: SourceLike,
    specs: FieldSpecifications,
    resource_uid: str | None,
    on_error: ErrorHandler,
) -> int:
    """``infer``'s pass over a source of rows of values without processors: a column batch at a time.

    Returns the record count; the reader's problems go to ``on_error`` in row order.
    """
    count = 0
    batches = positional_batches(
        cast(PositionalSource, source), specs, inference.names, batch_rows=INFER_BATCH_ROWS, resource_uid=resource_uid
    )
    for batch in batches:
        for pending in batch.ordered():
            on_error(pending.error)
        inference.observe_columns(batch.rows, batch.columns)
        count += len(batch)
    return count


def learn_late_fields(
    inference: TypeInference, source: SourceLike, steps: list[StepLike], specs: FieldSpecifications
) -> int:
    """Add to ``inference`` the fields the reader met since it started; returns the source's field count."""
    names = set(inference.names)
    schema = pipeline_fields(source.fields, steps, specs)
    inference.add_fields([field for field in schema if field.name not in names])
    return len(source.fields)


def typed_fields(schema: list[Field], details: dict[str, InferredType], specs: FieldSpecifications) -> list[Field]:
    """The schema with inferred types, its annotations checked against them."""
    fields = [replace(field, type=details[field.name].type) if field.name in details else field for field in schema]
    specs.check_annotations(fields)
    return fields


@dataclass
class Sample:
    """What a preview keeps of its bounded read: the inference, the first records, the declared values, the counts."""

    inference: TypeInference
    head: list[tuple[int, Record]] = dataclasses.field(default_factory=list)
    declared: list[tuple[int, Record]] = dataclasses.field(default_factory=list)
    count: int = 0
    sampled: bool = False


def preview(
    source: SourceLike,
    steps: list[StepLike],
    specs: FieldSpecifications,
    *,
    limit: int = 20,
    inference_rows: int = 20_000,
    resource_uid: str | None = None,
    options: ReadOptions | None = None,
) -> dict[str, Any]:
    """The resource preview: typed fields, the first ``limit`` typed records (JSON-ready), the first errors.

    Types are inferred from at most ``inference_rows`` records (after processors) so a huge file
    previews fast; ``sampled`` tells the source had more. ``record_errors`` are the first 20 of the
    sample's processor errors, of the conversion errors of declared types and of shown records.
    Each field tells how many sampled values would be null (by marker, and unreadable by a
    declared type), with a warning when a declared type cannot read a noticeable share.
    """
    sample_errors: list[RecordError] = []
    declared = dict(specs.declared_types)
    inference = TypeInference(pipeline_fields(source.fields, steps, specs), options=options, declared=declared)
    sample = read_sample(source, steps, specs, Sample(inference), inference_rows, limit, resource_uid, sample_errors)
    details = sample.inference.result()
    fields = typed_fields(pipeline_fields(source.fields, steps, specs), details, specs)
    unreadable, examples = convert_sample(sample.declared, fields, details, resource_uid, collector(sample_errors))
    head_errors: list[RecordError] = []
    records = typed_head(sample.head, fields, details, set(declared), resource_uid, collector(head_errors))
    errors = sorted(sample_errors + head_errors, key=lambda error: error.row)[:PREVIEW_ERRORS]
    return {
        "fields": [
            preview_field(field, details.get(field.name), sample.count, unreadable.get(field.name, 0), examples)
            for field in fields
        ],
        "records": records,
        "record_errors": [error.as_dict() for error in errors],
        "sampled": sample.sampled,
    }


def read_sample(
    source: SourceLike,
    steps: list[StepLike],
    specs: FieldSpecifications,
    sample: Sample,
    inference_rows: int,
    limit: int,
    resource_uid: str | None,
    errors: list[RecordError],
) -> Sample:
    """Infer from up to ``inference_rows`` records, keeping the first ``limit`` and the values of declared types."""
    declared, known = list(specs.declared_types), len(source.fields)
    records = run(source, steps, specs, resource_uid=resource_uid, on_error=collector(errors))
    try:
        for row, record in records:
            if sample.count == inference_rows:
                sample.sampled = True
                break
            if len(source.fields) != known:
                known = learn_late_fields(sample.inference, source, steps, specs)
            sample.inference.observe(row, record)
            sample.count += 1
            if declared:
                sample.declared.append((row, {name: record.get(name) for name in declared}))
            if len(sample.head) < limit:
                sample.head.append((row, dict(record)))
    finally:
        records.close()  # stop reading: run() closes the source's rows, releasing its file now
    return sample


def convert_sample(
    kept: list[tuple[int, Record]],
    fields: list[Field],
    details: dict[str, InferredType],
    resource_uid: str | None,
    on_error: ErrorHandler,
) -> tuple[dict[str, int], dict[str, Any]]:
    """Convert the sampled values of declared types with their formats: errors reported; per field, how many
    values could not be read and the first of them (what the warning shows)."""
    names = {name for _row, record in kept[:1] for name in record}
    types = {f.name: f.type for f in fields if f.name in names}
    plan = conversion_plan(types, separators_of(fields), formats_of(details))
    counts: dict[str, int] = {}
    examples: dict[str, Any] = {}

    def count(error: RecordError) -> None:
        field = cast(str, error.field)  # conversion errors name their field
        counts[field] = counts.get(field, 0) + 1
        examples.setdefault(field, error.raw_params.get("value"))
        on_error(error)

    for row, record in kept:
        convert_record(row, record, plan, resource_uid, count)
    return counts, examples


def typed_head(
    head: list[tuple[int, Record]],
    fields: list[Field],
    details: dict[str, InferredType],
    declared: set[str],
    resource_uid: str | None,
    on_error: ErrorHandler,
) -> list[Record]:
    """The preview's records, every field converted with its format, as JSON values.

    Conversion errors of declared types were reported with the sample (``convert_sample``): only
    the inferred fields report theirs here.
    """
    formats, separators = formats_of(details), separators_of(fields)
    inferred_plan = conversion_plan({f.name: f.type for f in fields if f.name not in declared}, separators, formats)
    declared_plan = conversion_plan({f.name: f.type for f in fields if f.name in declared}, separators, formats)
    records = []
    for row, record in head:
        typed = convert_record(row, record, inferred_plan, resource_uid, on_error)
        typed.update(convert_record(row, record, declared_plan, resource_uid, ignore))
        records.append({field.name: json_ready(typed.get(field.name)) for field in fields})
    return records


def preview_field(
    field: Field, detail: InferredType | None, sample_rows: int, unreadable: int, examples: dict[str, Any]
) -> dict[str, Any]:
    """A preview's field: its specification, and what inference saw and would null in the sample."""
    inference = detail.as_dict() if detail is not None else {"counter_examples": [], "null_markers": {}}
    markers = inference.get("null_markers") or {}
    return {
        **field.as_dict(),
        "inference": {
            "counter_examples": inference["counter_examples"],
            "sample_rows": sample_rows,
            "null_markers": markers,
            "decimal_mark": inference.get("decimal_mark"),
            "date_order": inference.get("date_order"),
            "nulled": sum(markers.values()) + unreadable,
            "unreadable": unreadable,
            "warning": unreadable_warning(field, unreadable, detail, examples.get(field.name)),
        },
    }


def unreadable_warning(field: Field, unreadable: int, detail: InferredType | None, example: Any = None) -> str | None:
    """A warning when the field's declared type cannot read a noticeable share of its values, with the first
    such value as written (what the publisher looks for in the file)."""
    values = (detail.value_count if detail is not None else 0) or 0
    if not unreadable or unreadable <= NULLED_WARNING_SHARE * values:
        return None
    share = 100 * unreadable / values
    return (
        f"{unreadable} of {values} values ({share:.0f}%) of {field.name} cannot be read as {field.type}"
        f' and would be null (e.g. "{example}"): check the field\'s type specification'
    )


def collector(errors: list[RecordError], cap: int = PREVIEW_ERRORS) -> ErrorHandler:
    """An error handler keeping the first ``cap`` errors in ``errors``."""

    def collect(error: RecordError) -> None:
        if len(errors) < cap:
            errors.append(error)

    return collect
