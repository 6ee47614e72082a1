"""``/catalog/datasets/{id}/exports`` and ``/exports/{format}``: a whole (or filtered) dataset as a file.

Decisions:

* Exports stream in constant memory: rows come from a server-side cursor on a connection of its own (Django's
  connection stays free for the request, and a named cursor needs its own transaction), batch by batch, into a
  writer of ``datasets.formats.writers`` that yields bytes to a ``StreamingHttpResponse``. The connection and its
  streams are ``datasets.store.reading``'s; the formats and their options are ``datasets.formats.exports``.
* Everything that can be refused is checked before the first byte: the dataset, the format, the parameters,
  the ODSQL clauses, the query itself (the first batch is read before the response starts) and the writer's
  first chunk (produced before the response starts too: an xlsx with more records than a sheet has rows is a
  400 ``ExportTooLarge``), so errors keep the Explore shape instead of cutting a file short. A parameter no
  format here knows is refused rather than ignored: an export quietly different from what was asked is worse
  than an error.
* An export holds one of the process's ``EXPLORE_MAX_EXPORTS_IN_FLIGHT`` slots from before its connection opens
  until its stream ends, fails or is closed (``datasets.store.export_slots``); with none free it is a 503 with
  ``Retry-After``. A 304 or a file of nothing readable opens no connection and takes no slot.
* Every format accepts the export-only parameters ``use_labels``, ``compressed`` and ``epsg`` (section 3):

  - ``use_labels=true`` names each column after its field's label instead of its name, wherever a format
    names fields: the csv and xlsx header, the keys of json and jsonl objects, the properties of geojson
    features and the parquet column names (every format here lists fields, so none ignores it). A column
    computed in ``select`` keeps its name or alias; a column named after a field takes that field's label. Two
    columns must not share a key: when a label is already taken, the column falls back to its name, and when
    that is taken too, gets ``_2``, ``_3``... (the first column in select order keeps the label). Labels are
    the caller's visible fields' only, so a hidden field's label cannot leak; they are publisher text and go
    through the same formula neutralisation and CSV quoting as any cell (``writers.neutralise``).
  - ``compressed=true`` gzips the same bytes while they stream (``writers.gzipped``, zlib in constant
    memory), for every format and the CSV COPY path alike. The response is ``application/gzip`` (RFC 6713)
    named ``<dataset>.<ext>.gz``: not ``Content-Encoding: gzip``, which HTTP clients undo silently, and
    ``.gz`` rather than the reference's example ``.csv.gzip`` because ``gunzip`` and archive tools recognise
    ``.gz`` only. The ETag covers the whole query string, so compressed and plain exports never share one.
  - ``epsg=<code>`` (default 4326) is the projection of the geometries written: an EPSG code PostGIS knows
    (``spatial_ref_sys``, checked with a bound parameter; otherwise a 400 naming ``epsg``). The records query
    is wrapped, not rewritten (``projected``): each geometry column is read back from its JSON and passed
    through ``ST_Transform`` to the code, a bound parameter. Points keep their ``{"lon", "lat"}`` shape (and
    their ``lat, lon`` text in csv, xlsx and parquet) with ``lon`` the x (easting) and ``lat`` the y (northing)
    of the projection, so a reader of the 4326 export reads any other the same way. GeoJSON (RFC 7946) only
    knows WGS 84: a geojson export in another projection carries the legacy (GeoJSON 2008) ``crs`` member
    ``{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::<code>"}}``, which GDAL and QGIS read;
    coordinates stay in x, y order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import psycopg
from django.db import connection
from django.http import StreamingHttpResponse
from psycopg import sql
from rest_framework.request import Request
from rest_framework.response import Response

from datasets.access.errors import ExploreError, bad_parameter
from datasets.api.explore.catalog_params import lang_of
from datasets.api.explore.records import clause, etag_of, integer, not_modified, published_or_404, records_where
from datasets.api.explore.views import ExploreView
from datasets.formats import csv_copy, writers
from datasets.formats.exports import FORMATS, WRITER_ARGUMENTS, ExportFormat, boolean
from datasets.odsql.records.query import CompiledQuery, RecordsQuery, compile_records_query
from datasets.pipeline.core import Field
from datasets.store.export_slots import ExportSlot, export_slot
from datasets.store.reading import CopyStream, RowStream

QUERY_PARAMETERS = frozenset(
    {"select", "where", "order_by", "group_by", "limit", "offset", "refine", "exclude", "timezone", "lang"}
)
WGS84 = 4326
# A geometry column read back from the JSON of ``query.GEO_OUTPUT`` and projected to the ``epsg`` code (%s).
# A point that is null (or has null coordinates) is left as it came, so projecting never changes its shape.
PROJECTIONS = {
    "geo_point_2d": sql.SQL(
        "coalesce((SELECT json_build_object('lon', ST_X(g), 'lat', ST_Y(g)) FROM ST_Transform(ST_SetSRID("
        "ST_MakePoint(({0} ->> 'lon')::float8, ({0} ->> 'lat')::float8), 4326), %s) AS g WHERE g IS NOT NULL), {0})"
    ),
    "geo_shape": sql.SQL("ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON({0}), 4326), %s))::json"),
}


@dataclass(frozen=True)
class ExportSettings:
    """The export-only parameters every format accepts (see the module's decisions)."""

    use_labels: bool = False
    compressed: bool = False
    epsg: int = WGS84


def epsg_code(name: str, raw: str) -> int:
    """An EPSG code PostGIS can project to: digits only, then looked up in ``spatial_ref_sys`` (bound)."""
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise bad_parameter(name, f"'{raw}'; expected an EPSG code such as 4326 or 3857")
    with connection.cursor() as cursor:
        cursor.execute("SELECT srid FROM spatial_ref_sys WHERE auth_name = 'EPSG' AND auth_srid = %s", [int(raw)])
        row = cursor.fetchone()
    if row is None:
        raise bad_parameter(name, f"EPSG:{int(raw)} is not a projection this server knows")
    return row[0]


EXPORT_PARAMETERS: dict[str, Callable[[str, str], Any]] = {
    "use_labels": boolean,
    "compressed": boolean,
    "epsg": epsg_code,
}


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
        elif name not in QUERY_PARAMETERS and name not in EXPORT_PARAMETERS:
            known = ", ".join(sorted(QUERY_PARAMETERS | set(EXPORT_PARAMETERS) | set(spec.options)))
            raise bad_parameter(name, f"not supported by this export; supported parameters are {known}")
    return options


def export_settings(request: Request) -> ExportSettings:
    """``use_labels``, ``compressed`` and ``epsg``, each checked (a 400 naming it) before anything runs."""
    values = {
        name: parse(name, request.query_params[name])
        for name, parse in EXPORT_PARAMETERS.items()
        if name in request.query_params
    }
    return ExportSettings(**values)


def labelled(columns: list[str], fields: list[Field]) -> list[str]:
    """Column names for ``use_labels``: a field's label for a column named after it, never twice the same.

    ``fields`` are the caller's visible fields. A label already taken falls back to the column's name, and
    a name taken too gets ``_2``, ``_3``...: JSON keys and parquet columns cannot share a name.
    """
    labels = {field.name: field.label for field in fields}
    taken: set[str] = set()
    names = []
    for column in columns:
        name = labels.get(column) or column
        if name in taken:
            name = column
        base, suffix = name, 2
        while name in taken:
            name, suffix = f"{base}_{suffix}", suffix + 1
        taken.add(name)
        names.append(name)
    return names


def projected(statement: sql.Composable, params: list, types: list[str], srid: int) -> tuple[sql.Composable, list]:
    """``statement`` with its geometry columns projected to ``srid``; unchanged for WGS 84 or without geometry.

    The query is wrapped like the CSV COPY path wraps it (``SELECT <cells> FROM (<query>) AS projected(...)``),
    so every ODSQL feature keeps working and no user text reaches the SQL: ``srid`` is a bound parameter.
    """
    if srid == WGS84 or not any(kind in PROJECTIONS for kind in types):
        return statement, params
    names = [sql.Identifier(f"c{index}") for index in range(len(types))]
    cells: list[sql.Composable] = []
    cell_params: list[Any] = []
    for name, kind in zip(names, types, strict=True):
        if kind in PROJECTIONS:
            cells.append(PROJECTIONS[kind].format(name))
            cell_params.append(srid)
        else:
            cells.append(name)
    wrapped = sql.SQL("SELECT {cells} FROM ({query}) AS projected ({names})").format(
        cells=sql.SQL(", ").join(cells), query=statement, names=sql.SQL(", ").join(names)
    )
    # The outer select's parameters come first in the text.
    return wrapped, [*cell_params, *params]


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


class Closing:
    """Chunks that also close ``stream`` and free the export's ``slot``, at their end or when closed.

    Django calls ``close()`` even when a client leaves before the end; the slot is freed however the response
    ends (``datasets.store.export_slots``), and closing twice is harmless.
    """

    def __init__(self, chunks: Iterator[bytes], stream: RowStream, slot: ExportSlot) -> None:
        self.chunks, self.stream, self.slot = chunks, stream, slot
        self.first = b""

    def prime(self) -> None:
        """Produce the first chunk now, before the response starts, so a writer's refusal (an xlsx past a sheet's
        rows) is an error answer too; xlsx and parquet write their first row group or whole file here."""
        self.first = next(self.chunks, b"")

    def __iter__(self) -> Iterator[bytes]:
        try:
            if self.first:
                yield self.first
            yield from self.chunks
        finally:
            self.close()

    def close(self) -> None:
        try:
            self.chunks.close()  # type: ignore[attr-defined]  # a generator: closing runs its finally
            self.stream.close()
        finally:
            self.slot.release()


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
        chosen = export_settings(request)
        if spec.names_projection:
            options["epsg"] = chosen.epsg
        fields = list(published.fields)
        query = export_query(request, fields)
        compiled = compile_records_query(query, published.table_name, fields, unbounded=True, access=published.readable)
        etag = etag_of(request, published)
        if not_modified(request, etag):
            return Response(status=304, headers={"ETag": cast(str, etag)})
        if not compiled.columns:
            # Nothing the caller may read (data not visible, or no visible field): an empty file of the format.
            chunks = spec.writer([], [], iter(()), **options)
            body = writers.gzipped(chunks) if chosen.compressed else chunks
            return attachment(body, published.dataset_id, spec, chosen, None)
        columns = labelled(compiled.columns, fields) if chosen.use_labels else compiled.columns
        return attachment(streamed(spec, compiled, columns, chosen, options), published.dataset_id, spec, chosen, etag)


def streamed(
    spec: ExportFormat, compiled: CompiledQuery, columns: list[str], chosen: ExportSettings, options: dict[str, Any]
) -> Closing:
    """The file's chunks, in an export slot (``datasets.store.export_slots``, a 503 when none is free).

    The slot is taken before the connection is opened and given back if anything fails before streaming.
    """
    slot = export_slot()
    try:
        stream, chunks = export_chunks(spec, compiled, columns, chosen, options)
        if chosen.compressed:
            chunks = writers.gzipped(chunks)
        body = Closing(chunks, stream, slot)
    except BaseException:
        slot.release()
        raise
    try:
        with query_refusals():  # the first chunk of xlsx or parquet reads more batches than the first
            body.prime()
    except BaseException:
        body.close()
        raise
    return body


def export_chunks(
    spec: ExportFormat, compiled: CompiledQuery, columns: list[str], chosen: ExportSettings, options: dict[str, Any]
) -> tuple[RowStream, Iterator[bytes]]:
    """Run the export query on a connection of its own; its stream and the file's chunks, written by ``spec``."""
    types = compiled.types
    statement, params = projected(compiled.sql, compiled.params, types, chosen.epsg)
    if spec.extension == "csv":
        return csv_by_copy(statement, params, compiled.timezone, columns, types, options)
    # Rows come in UTC (psycopg reads timestamptz in the connection's zone): shown in the asked zone here.
    stream = open_stream(RowStream, cast(sql.Composed, statement), params, "UTC")
    batches = stream.batches()
    if compiled.timezone != "UTC":
        batches = (compiled.localized(batch) for batch in batches)
    return stream, spec.writer(columns, types, batches, **options)


def attachment(
    body: Iterable[bytes], dataset_id: str, spec: ExportFormat, chosen: ExportSettings, etag: str | None
) -> StreamingHttpResponse:
    """The streamed file (``body``, already gzipped when ``compressed`` was asked), named for download."""
    filename, content_type = f"{dataset_id}.{spec.extension}", spec.content_type
    if chosen.compressed:
        filename, content_type = f"{filename}.gz", "application/gzip"
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if etag:
        response["ETag"] = etag
    return response


def csv_by_copy(
    query: sql.Composable, params: list, zone: str, columns: list[str], types: list[str], options: dict[str, Any]
) -> tuple[CopyStream, Iterator]:
    """CSV written by PostgreSQL (``datasets.formats.csv_copy``): the header from Python, then COPY's chunks.

    ``columns`` are the header's names (labels with ``use_labels``); the header writer neutralises them.
    """
    with_bom = options.pop("with_bom", True)
    statement, copy_params = csv_copy.copy_statement(query, params, types, **options)
    stream = open_stream(CopyStream, statement, copy_params, zone)
    head = csv_copy.header(
        columns,
        delimiter=options.get("delimiter", ";"),
        quote_all=options.get("quote_all", False),
        with_bom=with_bom,
    )
    return stream, prefixed(head, stream.chunks())


def prefixed(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


Stream = TypeVar("Stream", bound=RowStream)


def open_stream(kind: type[Stream], statement: sql.Composed, params: list, zone: str) -> Stream:
    """Run the export query; a query PostgreSQL refuses (a cast, a timeout) is an Explore error, not a cut file."""
    with query_refusals():
        return kind(statement, params, zone)


@contextmanager
def query_refusals() -> Iterator[None]:
    """What PostgreSQL refuses while the export reads, before its response starts, as the Explore error."""
    try:
        yield
    except psycopg.errors.QueryCanceled:
        raise ExploreError(503, "ExportTimeout", "The export query took too long; narrow it with where") from None
    except psycopg.errors.DataError as error:
        raise ExploreError(400, "ODSQLError", f"ODSQL query failed: {error.diag.message_primary}") from None
