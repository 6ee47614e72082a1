"""The whole-file check of one resource: what a publish would make of it, without publishing.

The check streams every record of the resource through the dataset's current processors and
field specifications with ``runner.infer``, the first phase of a publish: the type of each field
over the whole stream with its inference as ``InferredType.as_dict()`` reports it (counter-examples,
null and value counts, and any detail inference adds later, passed through whole), the record
count, the encoding, and the record errors as a publish would keep them. Nothing is written: no
records table, no version, no change in the history, no status move.

Record errors come from two places in a publish: processors, and the conversion of each value to
its field's type while loading. Processor errors are reported by the inference pass itself. An
inferred type accepts every value of its field by construction (``tests/pipeline/test_inference.py``
checks that whatever inference accepts converts), so only the types declared by a ``type``
specification can fail to convert: a second pass converts those fields, and runs only when the
dataset declares some.

Resources up to ``RESOURCE_CHECK_SYNC_MAX_BYTES`` (the uploaded file's size, or the fetched size of
a remote one) are checked within the request; larger ones by a job whose result is the same body
(its body: ``datasets.tasks.resource_check``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from core.collector import bulk_pass
from core.errors import ConflictError
from datasets.models import Dataset, Resource
from datasets.pipeline.batches import BatchedSource
from datasets.pipeline.column_batches import record_batches
from datasets.pipeline.core import Field, RecordError
from datasets.pipeline.extractors import validate_params
from datasets.pipeline.formats import PLAIN
from datasets.pipeline.inference import InferredType
from datasets.pipeline.readers import EncodingDecision, open_source, settled_params
from datasets.pipeline.readers.json_reader import json_encoding
from datasets.pipeline.readers.text import codec_name
from datasets.pipeline.record_batch import CONVERT
from datasets.pipeline.runner import SourceLike, formats_of, infer, pipeline_fields, separators_of
from datasets.services.configuration import (
    PublishConfiguration,
    ResourceConfig,
    SourceFiles,
    source_files,
    total_bytes,
)
from datasets.services.read_limits import configured_limits
from datasets.services.record_errors import RecordErrors
from datasets.store.cells import ColumnCells
from jobs.models import Job
from jobs.services import job_enqueue

CHECK_FUNCTION = "resource_check"
JSON_EXTRACTORS = ("jsonfile", "geojsonfile")


@dataclass
class CheckOutcome:
    """What a check request gave: the check's body (checked in the request) or the job doing it."""

    result: dict[str, Any] | None = None
    job: Job | None = None


# --- the check itself ----------------------------------------------------------------------------


class CheckProgress:
    """Per-pass byte counters written to the check's job (``infer``, then ``convert`` when it runs)."""

    def __init__(self, job: Job, total: int) -> None:
        self.job = job
        self.phases: dict[str, dict[str, Any]] = {}
        self.total = total

    def set(self, phase: str, done: int) -> None:
        self.phases[phase] = {"name": phase, "done": done, "total": self.total, "unit": "bytes"}
        self.job.set_progresses(list(self.phases.values()))


def merged_errors(*parts: RecordErrors) -> tuple[int, list[RecordError]]:
    """The total count and the first RECORD_ERRORS_KEPT errors of several passes, in row order.

    Each pass keeps its first errors in row order, so the first of the union are among them; the
    sort is stable, so within a row processor errors come before conversion errors, as in a publish.
    """
    kept = sorted((error for part in parts for error in part.kept), key=lambda error: error.row)
    return sum(part.count for part in parts), kept[: settings.RECORD_ERRORS_KEPT]


def source_encoding(extractor: str, params: dict[str, Any], stream: BinaryIO) -> str | None:
    """The text encoding the reader decodes the resource with; None for a workbook (binary format)."""
    if extractor == "csvfile":
        return codec_name(validate_params(extractor, params)["encoding"])
    if extractor in JSON_EXTRACTORS:
        position = stream.tell()  # the reader may have read ahead already: leave the stream where it was
        stream.seek(0)
        head = stream.read(4)
        stream.seek(position)
        return json_encoding(head)
    return None


def checked_field(field: Field, detail: InferredType | None) -> dict[str, Any]:
    """A field as a publish would type it, with what inference saw (for a declared type: its format)."""
    return {**field.as_dict(), "inference": detail.as_dict() if detail is not None else None}


def json_safe(body: dict[str, Any]) -> dict[str, Any]:
    """The body as plain JSON values (a processor may leave dates in counter-examples), as a job stores it."""
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


class ResourceCheck:
    """One check of one resource with a dataset's configuration; ``run()`` returns the check's body."""

    def __init__(
        self,
        configuration: PublishConfiguration,
        resource: ResourceConfig,
        sources: SourceFiles,
        size: int,
        progress: CheckProgress | None = None,
    ) -> None:
        self.resource = resource
        self.sources = sources
        self.size = size
        self.progress = progress
        self.steps = configuration.steps()
        self.specs = configuration.field_specifications()
        self.params: dict[str, Any] | None = None  # as read: a CSV's encoding decided over its bytes
        self.decision: EncodingDecision | None = None

    @contextmanager
    def opened(self, phase: str) -> Iterator[tuple[SourceLike, BinaryIO]]:
        """The resource opened from its start, reporting progress under ``phase`` in a job."""
        resource = self.resource
        with self.sources.open(resource) as stream:
            if self.params is None:
                self.params, self.decision = settled_params(resource.type, resource.params, stream)
            with open_source(resource.type, self.params, stream, limits=configured_limits()) as source:
                yield self.reporting(source, stream, phase)

    def reporting(self, source: SourceLike, stream: BinaryIO, phase: str) -> tuple[SourceLike, BinaryIO]:
        """``source``, reporting the bytes read under ``phase`` every PUBLISH_BATCH_ROWS rows and at the end
        when the check runs as a job."""
        progress = self.progress
        if progress is None:
            return source, stream
        return BatchedSource(
            source, settings.PUBLISH_BATCH_ROWS, lambda _rows: progress.set(phase, stream.tell())
        ), stream

    def infer(self, errors: RecordErrors) -> tuple[list[Field], dict[str, InferredType], int, str | None]:
        """The inference pass: typed fields, per-field inference, record count, encoding."""
        with self.opened("infer") as (source, stream):
            encoding = source_encoding(self.resource.type, cast(dict[str, Any], self.params), stream)
            fields, details, count = infer(
                source,
                self.steps,
                self.specs,
                resource_uid=self.resource.resource_uid,
                on_error=errors,
                options=self.resource.read_options,
            )
        return fields, details, count, encoding

    def convert_declared(self, fields: list[Field], details: dict[str, InferredType], errors: RecordErrors) -> None:
        """The conversion pass over the fields whose type a specification declared (none: no pass).

        Column batches as in a publish's load (``column_batches``, ``ColumnCells``): only the conversion
        failures are kept, the inference pass reported the reader's and the processors' errors already.
        """
        declared = [field for field in fields if field.name in self.specs.declared_types]
        if not declared:
            return
        formats, separators = formats_of(details), separators_of(fields)
        cells = [ColumnCells(field, separators.get(field.name), formats.get(field.name, PLAIN)) for field in declared]
        names, resource_uid = [field.name for field in declared], self.resource.resource_uid
        with self.opened("convert") as (source, _stream):
            batches = record_batches(
                source, self.steps, self.specs, names, batch_rows=settings.PUBLISH_BATCH_ROWS, resource_uid=resource_uid
            )
            for batch in batches:
                for order, (name, column) in enumerate(zip(names, cells, strict=True)):
                    batch.conversion_errors(name, order, column.cells(batch.columns[name])[1], resource_uid)
                for pending in batch.ordered():
                    if pending.stage == CONVERT:
                        errors(pending.error)

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        processing, conversion = RecordErrors(), RecordErrors()
        with bulk_pass():
            fields, details, count, encoding = self.infer(processing)
            self.convert_declared(fields, details, conversion)
        error_count, kept = merged_errors(processing, conversion)
        return json_safe(
            {
                "resource_uid": self.resource.resource_uid,
                "encoding": encoding,
                "bytes": self.size,
                "encoding_decision": self.decision.as_dict() if self.decision and self.decision.changed else None,
                "records": min(count, settings.MAX_RECORDS_PER_DATASET),
                "limit_reached": count > settings.MAX_RECORDS_PER_DATASET,
                "fields": [checked_field(field, details.get(field.name)) for field in fields],
                "record_error_count": error_count,
                "record_errors": [error.as_dict() for error in kept],
                "seconds": round(time.monotonic() - started, 3),
            }
        )


# --- in the request, or as a job ----------------------------------------------------------------


def resource_config(configuration: PublishConfiguration, resource_uid: str) -> ResourceConfig | None:
    return next((item for item in configuration.resources if item.resource_uid == resource_uid), None)


def ensure_openable(check: ResourceCheck) -> None:
    """Open the resource and apply the configuration to its header, so a job starts only on a readable one."""
    with check.opened("open") as (source, _stream):
        pipeline_fields(source.fields, check.steps, check.specs)


def queue_check(dataset: Dataset, resource_uid: str, user: User | AnonymousUser | None) -> Job:
    """A check job on ``dataset``; refused (409) while another job, a publish for one, is active on it."""
    try:
        with transaction.atomic():
            return job_enqueue(
                function=CHECK_FUNCTION,
                params={"dataset_uid": dataset.dataset_uid, "resource_uid": resource_uid},
                dataset=dataset,
                user=user if user is not None and user.is_authenticated else None,
            )
    except IntegrityError:
        active = Job.objects.filter(dataset=dataset, state__in=Job.ACTIVE_STATES).first()
        detail = f"job {active.job_uid} is still active on this dataset" if active else "another job is active"
        raise ConflictError(detail=detail) from None


def resource_check_request(*, dataset: Dataset, resource: Resource, user: User | AnonymousUser | None) -> CheckOutcome:
    """Check ``resource`` now when it is small, else queue a job; either way nothing is written but the job."""
    configuration = PublishConfiguration.of_dataset(dataset)
    target = cast(ResourceConfig, resource_config(configuration, resource.resource_uid))
    with source_files() as sources:
        sources.fetch_all([target])
        size = total_bytes([target], sources)
        check = ResourceCheck(configuration, target, sources, size)
        if size <= settings.RESOURCE_CHECK_SYNC_MAX_BYTES:
            return CheckOutcome(result=check.run())
        ensure_openable(check)
    return CheckOutcome(job=queue_check(dataset, resource.resource_uid, user))
