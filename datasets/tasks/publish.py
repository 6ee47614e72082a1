"""What a worker does for a publish job; ``PublishRun`` also serves the scheduled run.

Publishing reads every resource twice through the same pipeline as the preview: once to infer the
types over the whole stream (skipped when the served version's publish inferred the same bytes with
the same configuration: ``inference_reuse``), once to load typed records, a column batch at a time
(``batch_load``), with COPY into a new table ``records.<dataset_uid>_v<n>``. Indexes are built after
loading, then one short transaction, under the dataset's advisory lock, points the dataset at the new
table. A failure or an abort drops the new table: the previous version is served throughout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, BinaryIO, cast
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.collector import bulk_pass
from core.errors import ManagementAPIError
from datasets.models import Dataset, PublishedVersion
from datasets.pipeline.batches import BatchedSource
from datasets.pipeline.core import Field
from datasets.pipeline.inference import InferredType
from datasets.pipeline.readers import EncodingDecision, Source, open_source, settled_params
from datasets.pipeline.runner import formats_of, infer, separators_of
from datasets.selectors.datasets import metas_repr, stored_metadata
from datasets.services.configuration import (
    PublishConfiguration,
    ResourceConfig,
    SourceFiles,
    source_files,
    total_bytes,
)
from datasets.services.metadata import touch_modified_on_data_change
from datasets.services.read_limits import configured_limits
from datasets.services.record_errors import RecordErrors
from datasets.services.records_tables import database_limits, drop_in_own_cursor
from datasets.services.retired_tables import retire_table
from datasets.status import status_move
from datasets.store import FinishReport, Loader, advisory_lock_key, create_table, finish_table, table_name
from datasets.store.reading import loading_cursor
from datasets.tasks.batch_load import BatchWriter
from datasets.tasks.inference_reuse import ResourceInference, bytes_hash, inference_key, reusable
from datasets.tasks.outcome import with_dataset_outcome
from jobs.models import Job
from jobs.models import RecordError as StoredRecordError
from jobs.redaction import redact_text, redacted
from jobs.runner import JobAborted


class JobEndedElsewhereError(ManagementAPIError):
    """The publish job was ended by someone else (the reconciler) before its swap: nothing is swapped in."""

    status_code = 409
    error_key = "JobEndedElsewhereException"
    raw_message = "Job {job_uid} was ended while it ran ({reason}); the previous version is still served"


S = Dataset.Status


class Progress:
    """Per-phase counters written to the job row with one UPDATE per batch."""

    PHASES = ("extract", "read", "load", "index", "swap")
    UNITS = {"read": "bytes", "index": "steps", "swap": "steps"}

    def __init__(self, job: Job) -> None:
        self.job = job
        self.phases = {
            name: {"name": name, "done": 0, "total": None, "unit": self.UNITS.get(name, "rows")} for name in self.PHASES
        }

    def set(self, phase: str, done: int, total: int | None = None) -> None:
        self.phases[phase]["done"] = done
        if total is not None:
            self.phases[phase]["total"] = total
        self.job.set_progresses(list(self.phases.values()))


def widest(first: str, second: str) -> str:
    """The type both values fit: the same one, a number for int and double, a datetime for dates, else text."""
    if first == second:
        return first
    pair = {first, second}
    if pair == {"int", "double"}:
        return "double"
    if pair == {"date", "datetime"}:
        return "datetime"
    return "text"


def merged_fields(per_resource: list[list[Field]]) -> list[Field]:
    """One schema for all resources: the union of fields in order, each typed to fit every resource."""
    merged: dict[str, Field] = {}
    for fields in per_resource:
        for field in fields:
            if field.name in merged:
                merged[field.name].type = widest(merged[field.name].type, field.type)
            else:
                merged[field.name] = field
    return list(merged.values())


class PublishRun:
    """One publish of one dataset, in the worker.

    ``configuration`` is what the records are built with and what the new version records;
    ``sources`` holds the resources' bytes (remote ones fetched once); ``metadata``, when given,
    is published instead of the dataset's current metadata (a scheduled run republishes data only).
    """

    def __init__(
        self,
        job: Job,
        configuration: PublishConfiguration,
        sources: SourceFiles,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.job = job
        self.dataset = Dataset.objects.get(pk=cast(int, job.dataset_id))
        self.progress = Progress(job)
        self.errors = RecordErrors()
        self.timings: dict[str, float] = {}
        self.configuration = configuration
        self.sources = sources
        self.metadata = metadata
        self.steps = configuration.steps()
        self.specs = configuration.field_specifications()
        self.resources = configuration.resources
        self.bytes_read = 0
        self.bytes_total: int | None = None  # known once remote resources are fetched
        self.finish_report = FinishReport()
        self.details: dict[str, dict[str, InferredType]] = {}  # per resource: how each field is written
        self.read_params: dict[str, dict[str, Any]] = {}  # per resource, with the encoding decided
        self.encodings: dict[str, EncodingDecision] = {}  # per resource whose declared encoding failed
        self.inference: dict[str, dict[str, Any]] = {}  # per resource: what the version stores of its inference

    def check_abort(self) -> None:
        status = Dataset.objects.filter(pk=self.dataset.pk).values_list("status", flat=True).first()
        if status == S.ABORTING_PROCESSING:
            raise JobAborted()

    def params_of(self, resource: ResourceConfig, stream: BinaryIO) -> dict[str, Any]:
        """The params ``resource`` is read with in this run: a CSV's encoding is decided over its bytes, once."""
        if resource.resource_uid not in self.read_params:
            params, decision = settled_params(resource.type, resource.params, stream)
            self.read_params[resource.resource_uid] = params
            if decision is not None and decision.changed:
                self.encodings[resource.resource_uid] = decision
        return self.read_params[resource.resource_uid]

    def opened(self, resource: ResourceConfig, stream: BinaryIO) -> Source:
        """``resource`` opened from ``stream`` with this run's params and the configured read limits."""
        return open_source(resource.type, self.params_of(resource, stream), stream, limits=configured_limits())

    def infer_fields(self) -> list[Field]:
        """Phase 1: the types of every field over every record of every resource.

        Every PUBLISH_BATCH_ROWS source rows the pass reports ``extract`` (the records of the resources
        already inferred plus the rows read of this one) and checks for an abort, as the load does, so
        an abort does not wait for the whole inference read of a large resource. A resource whose bytes
        and configuration are those of the served version's publish is not read: its stored decision is
        taken (``inference_reuse``).
        """
        started, per_resource, total = time.monotonic(), [], 0
        served = self.served_version()
        for resource in self.resources:
            digest = bytes_hash(resource, self.sources)
            key = inference_key(resource, self.configuration, digest)
            # Without a hash of the bytes (a remote source answering 304), nothing proves them unchanged.
            decided = (reusable(served, resource, key) if digest else None) or self.infer_resource(resource, total)
            self.inference[resource.resource_uid] = decided.as_dict(key)
            self.details[resource.resource_uid] = decided.details
            self.read_params[resource.resource_uid] = decided.params
            if decided.encoding is not None and decided.encoding.changed:
                self.encodings[resource.resource_uid] = decided.encoding
            per_resource.append(decided.fields)
            total += decided.count
            self.progress.set("extract", total)
            self.check_abort()
        self.timings["extract"] = time.monotonic() - started
        return merged_fields(per_resource)

    def served_version(self) -> PublishedVersion | None:
        """The version the dataset serves, whose stored inference a resource may reuse."""
        version_id = Dataset.objects.filter(pk=self.dataset.pk).values_list("current_version_id", flat=True).first()
        return PublishedVersion.objects.filter(pk=version_id).first() if version_id else None

    def infer_resource(self, resource: ResourceConfig, before: int) -> ResourceInference:
        """One resource's inference pass, ``before`` records into the phase."""
        with (
            self.sources.open(resource) as stream,
            self.opened(resource, stream) as source,
        ):
            batched = BatchedSource(source, settings.PUBLISH_BATCH_ROWS, self.inference_batch(before))
            fields, details, count = infer(
                batched, self.steps, self.specs, resource_uid=resource.resource_uid, options=resource.read_options
            )
        encoding = self.encodings.get(resource.resource_uid)
        return ResourceInference(fields, details, count, self.read_params[resource.resource_uid], encoding)

    def inference_batch(self, before: int) -> Callable[[int], None]:
        """The inference pass's per-batch step for one resource, ``before`` records into the pass."""

        def batch_done(rows: int) -> None:
            self.progress.set("extract", before + rows)
            self.check_abort()

        return batch_done

    def load_resource(
        self, loader: Loader, resource: ResourceConfig, fields: list[Field], loaded: int
    ) -> tuple[int, bool]:
        """Phase 2 for one resource; returns the rows loaded so far and whether the record limit stopped it."""
        writer = BatchWriter(
            loader,
            fields,
            formats=formats_of(self.details.get(resource.resource_uid, {})),
            separators=separators_of(fields),
            errors=self.errors,
            resource_uid=resource.resource_uid,
        )
        batch_rows = settings.PUBLISH_BATCH_ROWS
        with (
            self.sources.open(resource) as stream,
            self.opened(resource, stream) as source,
        ):
            # The abort is checked per batch of source rows, not of loaded records: processors that drop most
            # records would otherwise leave it unchecked until the resource's end.
            batched = BatchedSource(source, batch_rows, lambda _rows: self.check_abort())
            for batch in writer.batches(batched, self.steps, self.specs, batch_rows):
                room = settings.MAX_RECORDS_PER_DATASET - loaded
                limited = len(batch) > room
                loaded += len(writer.write(batch.cut(room) if limited else batch))
                self.progress.set("read", self.bytes_read + stream.tell(), self.bytes_total)
                self.progress.set("load", loaded)
                if limited:
                    return loaded, True
            self.bytes_read += stream.tell()
        return loaded, False

    def load(self, table: str, fields: list[Field]) -> tuple[int, bool]:
        started, loaded, limited = time.monotonic(), 0, False
        with loading_cursor() as cursor, database_limits(), cursor.connection.transaction():
            # The table is created in the COPY's transaction, so the rows can be written frozen; an
            # exception (an abort, a dead source) ends the COPY with an error and rolls both back.
            create_table(cursor, table, fields)
            with Loader(cursor, table, fields, freeze=True) as loader:
                for resource in self.resources:
                    loaded, limited = self.load_resource(loader, resource, fields, loaded)
                    if limited:
                        break
        self.progress.set("read", self.bytes_read, self.bytes_total)
        self.progress.set("load", loaded, loaded)
        self.timings["load"] = time.monotonic() - started
        return loaded, limited

    def index(self, table: str, fields: list[Field]) -> None:
        """Indexes and ANALYZE, built on two connections side by side (``datasets.store.indexes``)."""
        started = time.monotonic()
        self.check_abort()
        wanted = visualization_fields(self.published_metadata(self.dataset))
        with loading_cursor() as cursor, loading_cursor() as second:
            self.finish_report = finish_table(
                cursor,
                table,
                fields,
                more_cursors=(second,),
                wanted=wanted,
                default_count=settings.PUBLISH_DEFAULT_INDEXES,
            )
        self.progress.set("index", 1, 1)
        self.timings["index"] = time.monotonic() - started

    def swap(self, table: str, fields: list[Field], count: int, limited: bool) -> PublishedVersion:
        """Point the dataset at the new table in one short transaction, the last step that can fail.

        The old table is retired in the same transaction (``datasets.services.retired_tables``): housekeeping
        drops it after a grace period, so requests that resolved it finish on it, and nothing runs after the
        commit that could fail and make ``run`` drop the table the dataset now points to.
        """
        started = time.monotonic()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [advisory_lock_key(self.dataset.dataset_uid)])
            dataset = Dataset.objects.select_for_update().get(pk=self.dataset.pk)
            if dataset.status == S.ABORTING_PROCESSING:
                raise JobAborted()
            self.check_still_running()
            self.stamp_data_change(dataset)
            version = self.new_version(dataset, table, fields, count, limited)
            old = dataset.current_version
            Dataset.objects.filter(pk=dataset.pk).update(
                current_version=version, is_published=True, published_at=timezone.now()
            )
            if not status_move(dataset, S.LIMIT_REACHED if limited else S.IDLE, origins=(S.PROCESSING,)):
                raise JobEndedElsewhereError(job_uid=self.job.job_uid, reason=f"the dataset is {dataset.status}")
            if old is not None and old.table_name != table:
                retire_table(dataset.dataset_uid, old.table_name)
        self.timings["swap"] = time.monotonic() - started
        return version

    def check_still_running(self) -> None:
        """Refuse to swap when the job is no longer running (locked until the swap commits): the reconciler may
        have failed it, and the dataset's recovery then dropped this job's staging table."""
        job = Job.objects.select_for_update().filter(pk=self.job.pk).values_list("state", flat=True).first()
        if job != Job.State.RUNNING:
            raise JobEndedElsewhereError(job_uid=self.job.job_uid, reason=f"the job is {job}")

    def new_version(self, dataset: Dataset, table: str, fields: list[Field], count: int, limited: bool):
        number, now = int(table.rsplit("_v", 1)[1]), timezone.now()
        return PublishedVersion.objects.create(
            dataset=dataset,
            number=number,
            table_name=table,
            record_count=count,
            fields=[field.as_dict() for field in fields],
            metadata=self.published_metadata(dataset),
            published_at=now,
            metadata_published_at=self.metadata_published_at(dataset, now),
            configuration=self.configuration.snapshot(),
            record_error_count=self.errors.count,
            record_errors=self.errors.as_dicts(),
            limit_reached=limited,
            inference=self.inference,
            job=self.job,
        )

    def stamp_data_change(self, dataset: Dataset) -> None:
        """New data goes public: ``default.modified`` moves to now if the dataset asks for it, in the stored
        metadata and in what this run publishes (a scheduled run publishes the served version's metadata)."""
        modified = touch_modified_on_data_change(dataset)
        if modified is not None and self.metadata is not None:
            self.metadata = {**self.metadata, "default": {**self.metadata.get("default", {}), "modified": modified}}

    def published_metadata(self, dataset: Dataset) -> dict[str, Any]:
        if self.metadata is not None:
            return self.metadata
        return metas_repr(stored_metadata(Dataset.objects.prefetch_related("metadata_values").get(pk=dataset.pk)))

    def metadata_published_at(self, dataset: Dataset, now: datetime) -> datetime:
        """``now``, unless this run republishes the served version's metadata (then that version's time)."""
        if self.metadata is not None and dataset.current_version is not None:
            return dataset.current_version.metadata_published_at
        return now

    def next_table(self) -> str:
        """The next version's table name; a table left there by a dead worker is garbage and goes."""
        last = PublishedVersion.objects.filter(dataset=self.dataset).order_by("-number").first()
        table = table_name(self.dataset.dataset_uid, (last.number if last else 0) + 1)
        drop_in_own_cursor(table)
        return table

    def run(self) -> dict[str, Any]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, false)", [f"{settings.PUBLISH_STATEMENT_TIMEOUT}s"]
            )
        self.sources.fetch_all(self.resources)
        self.configuration.sources = dict(self.sources.states)
        self.bytes_total = total_bytes(self.resources, self.sources)
        with bulk_pass():
            fields = self.infer_fields()
        table = self.next_table()
        try:
            with bulk_pass():
                count, limited = self.load(table, fields)
            self.index(table, fields)
            self.store_record_errors()
            self.swap(table, fields, count, limited)
        except BaseException:
            drop_in_own_cursor(table)
            raise
        # Served from here on: nothing below may drop the table.
        self.progress.set("swap", 1, 1)
        return {
            "records": count,
            "record_errors": self.errors.count,
            "limit_reached": limited,
            "duplicate_record_ids": self.finish_report.duplicate_ids,
            "unindexed_fields": self.finish_report.skipped_indexes,
            "null_markers": self.nulled_by_markers(),
            "encodings": {uid: decision.as_dict() for uid, decision in self.encodings.items()},
            "table": table,
            "timings": {phase: round(seconds, 3) for phase, seconds in self.timings.items()},
        }

    def nulled_by_markers(self) -> dict[str, dict[str, int]]:
        """Field -> marker -> how many values it nulled, over every resource (a documented normalisation)."""
        counts: dict[str, dict[str, int]] = {}
        for details in self.details.values():
            for name, detail in details.items():
                for marker, count in detail.null_markers.items():
                    counts.setdefault(name, {})[marker] = counts.get(name, {}).get(marker, 0) + count
        return counts

    def store_record_errors(self) -> None:
        StoredRecordError.objects.bulk_create(
            StoredRecordError(
                job=self.job,
                row=error.row,
                resource_uid=error.resource_uid or "",
                processor_uid=error.processor_uid or "",
                field=error.field or "",
                # A record's values may hold URLs with credentials; record errors are read by other people.
                raw_message=redact_text(error.raw_message),
                raw_params=redacted(error.raw_params),
                record_id=record_id,
            )
            for error, record_id in zip(self.errors.kept, self.errors.record_ids, strict=True)
        )


# Visualization metadata naming a field the dataset's pages sort, group or filter by; the others
# (table_fields, map_tooltip_fields, map_tooltip_title) only choose what is shown.
QUERIED_VISUALIZATION_FIELDS = ("table_default_sort_field", "calendar_event_start", "calendar_event_end")


def visualization_fields(metadata: dict[str, Any]) -> frozenset[str]:
    """The fields the ``visualization`` metadata queries by: the table's default sort, the calendar's start and
    end, and the group-by field (``x``) of the default analysis (``analyze_default=x=city&agg=count…``)."""
    visualization = metadata.get("visualization") or {}
    names = [visualization.get(key) for key in QUERIED_VISUALIZATION_FIELDS]
    analyze = visualization.get("analyze_default")
    if isinstance(analyze, str):
        names.append(dict(parse_qsl(analyze.lstrip("?"))).get("x"))
    return frozenset(name for name in names if isinstance(name, str) and name)


def publish_body(job: Job) -> dict[str, Any]:
    """The publish job: queued -> processing -> idle (or limit_reached / error / aborted -> idle)."""
    dataset = Dataset.objects.get(pk=cast(int, job.dataset_id))
    status_move(dataset, S.PROCESSING, origins=(S.QUEUED,))
    return with_dataset_outcome(job, lambda: publish_current_configuration(job, dataset))


def publish_current_configuration(job: Job, dataset: Dataset) -> dict[str, Any]:
    with source_files() as sources:
        return PublishRun(job, PublishConfiguration.of_dataset(dataset), sources).run()
