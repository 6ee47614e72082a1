"""``/catalog/datasets/{id}/exports`` and ``/exports/{format}``: a whole (or filtered) dataset as a file.

Decisions:

* Exports stream in constant memory: rows come from a server-side cursor on a connection of its own (Django's
  connection stays free for the request, and a named cursor needs its own transaction), batch by batch, into a
  writer of ``datasets.explore.writers`` that yields bytes to a ``StreamingHttpResponse``.
* Everything that can be refused is checked before the first byte: the dataset, the format, the parameters,
  the ODSQL clauses, and the query itself (the first batch is read before the response starts), so errors keep
  the Explore shape instead of cutting a file short.
* Parameters this implementation does not honour yet (``use_labels``, ``compressed``, ``epsg``, ...) are
  refused rather than ignored: an export quietly different from what was asked is worse than an error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from django.http import StreamingHttpResponse
from psycopg import sql
from rest_framework.request import Request
from rest_framework.response import Response

from datasets.api.explore.catalog_params import lang_of
from datasets.api.explore.errors import ExploreError, bad_parameter
from datasets.api.explore.records import clause, etag_of, integer, not_modified, published_or_404, records_where
from datasets.api.explore.views import ExploreView
from datasets.explore import csv_copy, writers
from datasets.explore.query import CompiledQuery, RecordsQuery, compile_records_query
from datasets.pipeline.core import Field

BATCH_SIZE = 2000
COPY_CHUNK = 256 * 1024
QUERY_PARAMETERS = frozenset(
    {"select", "where", "order_by", "group_by", "limit", "offset", "refine", "exclude", "timezone", "lang"}
)
BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class ExportFormat:
    """A dataset export format: its file extension, content type, writer and the options it accepts."""

    extension: str
    content_type: str
    writer: Callable[..., Iterator[bytes]]
    options: dict[str, Callable[[str, str], Any]] = field(default_factory=dict)


def boolean(name: str, raw: str) -> bool:
    if raw.lower() not in BOOLEANS:
        raise bad_parameter(name, f"expected true or false, got '{raw}'")
    return BOOLEANS[raw.lower()]


def one_of(*allowed: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        if raw not in allowed:
            raise bad_parameter(name, f"'{raw}'; expected one of {', '.join(allowed)}")
        return raw

    return parse


def separator(name: str, raw: str) -> str:
    """A list separator: a short text that cannot break a CSV line."""
    if not 1 <= len(raw) <= 5 or "\n" in raw or "\r" in raw:
        raise bad_parameter(name, "expected 1 to 5 characters, no line break")
    return raw


FORMATS = {
    "csv": ExportFormat(
        "csv",
        "text/csv; charset=utf-8",
        writers.write_csv,
        {
            "delimiter": one_of(";", ",", "tab", "\t", "|"),
            "list_separator": separator,
            "quote_all": boolean,
            "with_bom": boolean,
        },
    ),
    "json": ExportFormat("json", "application/json", writers.write_json),
    "jsonl": ExportFormat("jsonl", "application/jsonl", writers.write_jsonl),
    "geojson": ExportFormat("geojson", "application/geo+json", writers.write_geojson),
    "xlsx": ExportFormat(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", writers.write_xlsx
    ),
    "parquet": ExportFormat(
        "parquet",
        "application/vnd.apache.parquet",
        writers.write_parquet,
        {"parquet_compression": one_of("snappy", "zstd")},
    ),
}
WRITER_ARGUMENTS = {"parquet_compression": "compression"}


def export_format(name: str) -> ExportFormat:
    if name not in FORMATS:
        raise bad_parameter("format", f"'{name}'; dataset exports are {', '.join(FORMATS)}")
    return FORMATS[name]


def export_options(request: Request, spec: ExportFormat) -> dict[str, Any]:
    """The writer's keyword arguments; a parameter neither the query nor the format knows is refused."""
    options = {}
    for name in request.query_params:
        if name in spec.options:
            options[WRITER_ARGUMENTS.get(name, name)] = spec.options[name](name, request.query_params[name])
        elif name not in QUERY_PARAMETERS:
            known = ", ".join(sorted(QUERY_PARAMETERS | set(spec.options)))
            raise bad_parameter(name, f"not supported by this export; supported parameters are {known}")
    return options


def export_query(request: Request, fields: list[Field]) -> RecordsQuery:
    """The ODSQL clauses; ``limit`` defaults to -1 (every row); ``where``s, refines and excludes are ANDed."""
    return RecordsQuery(
        select=clause(request, "select"),
        where=records_where(request, fields),
        group_by=clause(request, "group_by"),
        order_by=clause(request, "order_by"),
        limit=integer(request, "limit", -1),
        offset=integer(request, "offset", 0),
        timezone=request.query_params.get("timezone"),
        lang=lang_of(request) if "lang" in request.query_params else None,
    )


def reading_connection(zone: str = "UTC") -> psycopg.Connection:
    """A connection of the export's own, in a transaction whose reads are bounded and whose dates are in ``zone``.

    ``zone`` is a checked IANA id (``dates.check_timezone``); it still goes in as a bound parameter.
    """
    reader = psycopg.connect(**connection.get_connection_params())
    try:
        with reader.cursor() as setup:
            timeout = f"{settings.EXPLORE_STATEMENT_TIMEOUT_MS}ms"
            setup.execute("SELECT set_config('statement_timeout', %s, true)", [timeout])
            setup.execute("SELECT set_config('TimeZone', %s, true)", [zone])
    except BaseException:
        reader.close()
        raise
    return reader


class RowStream:
    """Rows of one query, read through a server-side cursor on a connection of its own, in batches."""

    def __init__(self, statement: sql.Composed, params: list, zone: str = "UTC") -> None:
        self.connection = reading_connection(zone)
        try:
            self.cursor = self.connection.cursor(name="explore_export")
            self.cursor.execute(statement, params)
            self.first = self.cursor.fetchmany(BATCH_SIZE)
        except BaseException:
            self.close()
            raise

    def batches(self) -> Iterator[list[tuple]]:
        """The first batch (read up front, see the module's decisions), then the rest until the cursor is dry."""
        try:
            batch = self.first
            while batch:
                yield batch
                batch = self.cursor.fetchmany(BATCH_SIZE)
        finally:
            self.close()

    def close(self) -> None:
        """Idempotent; closing the connection ends its read-only transaction and frees the cursor."""
        if not self.connection.closed:
            self.connection.close()


class CopyStream(RowStream):
    """The bytes of one ``COPY ... TO STDOUT``, gathered into chunks of about ``COPY_CHUNK`` bytes.

    PostgreSQL sends one message per row; handing each to the response would cost a write per row.
    """

    def __init__(self, statement: sql.Composed, params: list, zone: str = "UTC") -> None:
        self.connection = reading_connection(zone)
        try:
            self.manager = self.connection.cursor().copy(statement, params)
            self.copy = self.manager.__enter__()
            self.first = self.read_chunk()
        except BaseException:
            self.close()
            raise

    def read_chunk(self) -> bytes:
        parts, size = [], 0
        while size < COPY_CHUNK and (data := self.copy.read()):
            parts.append(bytes(data))
            size += len(data)
        return b"".join(parts)

    def chunks(self) -> Iterator[bytes]:
        try:
            chunk = self.first
            while chunk:
                yield chunk
                chunk = self.read_chunk()
            self.finish(None)
        finally:
            self.close()

    def finish(self, error: BaseException | None) -> None:
        """Leave psycopg's COPY context once: after the last chunk, or when the client left (connection closed)."""
        manager, self.manager = getattr(self, "manager", None), None
        if manager is not None:
            with contextlib.suppress(psycopg.Error):
                manager.__exit__(type(error) if error else None, error, None)

    def close(self) -> None:
        super().close()
        self.finish(GeneratorExit())


class Closing:
    """Chunks that also close ``stream``: Django calls ``close()`` even when a client leaves before the end."""

    def __init__(self, chunks: Iterator[bytes], stream: RowStream) -> None:
        self.chunks, self.stream = chunks, stream

    def __iter__(self) -> Iterator[bytes]:
        return self.chunks

    def close(self) -> None:
        self.chunks.close()
        self.stream.close()


class DatasetExportsView(ExploreView):
    """``GET /catalog/datasets/{dataset_id}/exports``: one link per format."""

    def get(self, request: Request, dataset_id: str) -> Response:
        dataset = self.dataset(dataset_id)
        base = request.build_absolute_uri(request.path.rstrip("/"))
        links = [{"rel": "self", "href": base}] + [{"rel": name, "href": f"{base}/{name}"} for name in FORMATS]
        return Response({"dataset_id": dataset.dataset_id, "_links": links})


class DatasetExportView(ExploreView):
    """``GET /catalog/datasets/{dataset_id}/exports/{format}``: the records as a streamed file."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file's type comes from the URL, so an ``Accept: text/csv`` must not be refused with a 406;
        # errors fall back to the first (JSON) renderer.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request: Request, dataset_id: str, export: str) -> StreamingHttpResponse | Response:
        published = published_or_404(self, dataset_id)
        spec = export_format(export)
        options = export_options(request, spec)
        fields = list(published.fields)
        query = export_query(request, fields)
        compiled = compile_records_query(query, published.table_name, fields, unbounded=True, access=published.readable)
        etag = etag_of(request, published)
        if not_modified(request, etag):
            return Response(status=304, headers={"ETag": etag})
        types = compiled.types
        if not compiled.columns:
            # Nothing the caller may read (data not visible, or no visible field): an empty file of the format.
            chunks = spec.writer([], [], iter(()), **options)
            response = StreamingHttpResponse(chunks, content_type=spec.content_type)
            response["Content-Disposition"] = f'attachment; filename="{published.dataset_id}.{spec.extension}"'
            return response
        if spec.extension == "csv":
            stream, chunks = csv_by_copy(compiled, types, options)
        else:
            # Rows come in UTC (psycopg reads timestamptz in the connection's zone): shown in the asked zone here.
            stream = open_stream(RowStream, compiled.sql, compiled.params, "UTC")
            batches = stream.batches()
            if compiled.timezone != "UTC":
                batches = (compiled.localized(batch) for batch in batches)
            chunks = spec.writer(compiled.columns, types, batches, **options)
        response = StreamingHttpResponse(Closing(chunks, stream), content_type=spec.content_type)
        response["Content-Disposition"] = f'attachment; filename="{published.dataset_id}.{spec.extension}"'
        if etag:
            response["ETag"] = etag
        return response


def csv_by_copy(compiled: CompiledQuery, types: list[str], options: dict[str, Any]) -> tuple[CopyStream, Iterator]:
    """CSV written by PostgreSQL (``datasets.explore.csv_copy``): the header from Python, then COPY's chunks."""
    with_bom = options.pop("with_bom", True)
    statement, params = csv_copy.copy_statement(compiled.sql, compiled.params, types, **options)
    stream = open_stream(CopyStream, statement, params, compiled.timezone)
    head = csv_copy.header(
        compiled.columns,
        delimiter=options.get("delimiter", ";"),
        quote_all=options.get("quote_all", False),
        with_bom=with_bom,
    )
    return stream, prefixed(head, stream.chunks())


def prefixed(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def open_stream(kind: type[RowStream], statement: sql.Composed, params: list, zone: str) -> RowStream:
    """Run the export query; a query PostgreSQL refuses (a cast, a timeout) is an Explore error, not a cut file."""
    try:
        return kind(statement, params, zone)
    except psycopg.errors.QueryCanceled:
        raise ExploreError(503, "ExportTimeout", "The export query took too long; narrow it with where") from None
    except psycopg.errors.DataError as error:
        raise ExploreError(400, "ODSQLError", f"ODSQL query failed: {error.diag.message_primary}") from None
