"""Export formatters: rows in, bytes out, batch by batch, so an export never holds the whole result.

Every writer takes the result's column names, their ODSQL types (``geo_point_2d`` and ``geo_shape`` values
arrive as JSON: ``{"lon", "lat"}`` and GeoJSON geometries) and an iterable of row batches (lists of tuples).
Text writers yield encoded chunks, and so does parquet, one row group at a time (its footer comes last and
needs no seeking back). xlsx is built in a temporary file, then read back in chunks: its zip container is
written by openpyxl only when the workbook is saved (see ``write_xlsx``).

Decisions:

* A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading apostrophe in csv
  and xlsx, so a spreadsheet shows it instead of evaluating it as a formula (CSV injection).
* Flat formats (csv, xlsx, parquet) show a point as ``"lat, lon"`` and a shape as its GeoJSON text.
* A spreadsheet number is a double: xlsx writes an integer beyond 2**53 (an identifier, a big count) as the
  text of its digits, which keeps every one of them, where a number cell would round it silently.
* Column names are written like cells: a header name (a field label with ``use_labels``, publisher text) is
  neutralised in csv and xlsx and quoted by the csv writer like any value.
* ``gzipped`` compresses any writer's chunks as they pass (zlib's gzip container, mtime 0, so the same export
  compresses to the same bytes), each chunk flushed out at once; memory stays one chunk plus zlib's window.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from datasets.access.errors import ExploreError

GEO_TYPES = ("geo_point_2d", "geo_shape")
EXACT_IN_A_DOUBLE = 2**53  # integers up to this size survive a spreadsheet number
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITERS = {";": ";", ",": ",", "tab": "\t", "\t": "\t", "|": "|"}
FILE_CHUNK = 64 * 1024
XLSX_MAX_ROWS = 1_048_576  # rows of a spreadsheet sheet (Excel's limit), the header included
# A parquet row group ends at this many rows or this many bytes of Arrow data, whichever comes first: readers
# skip and read in parallel by row group, so tiny ones make slow files, and the writer holds one in memory.
PARQUET_ROW_GROUP_ROWS = 64 * 1024
PARQUET_ROW_GROUP_BYTES = 32 * 1024 * 1024
GZIP_LEVEL = 6  # gzip's own default: most of level 9's ratio at a fraction of its time
GZIP_CONTAINER = 16 + zlib.MAX_WBITS  # zlib's wbits for a gzip header and trailer rather than a zlib one

Batches = Iterable[list[tuple]]


def json_default(value: Any) -> Any:
    """What ``json.dumps`` cannot write by itself: dates as ISO 8601, decimals as numbers."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"Cannot export a {type(value).__name__}")


def to_json(value: Any) -> str:
    return json.dumps(value, default=json_default, ensure_ascii=False, separators=(",", ":"))


def neutralise(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def flat_value(value: Any, kind: str, list_separator: str = ",") -> Any:
    """A value for a flat cell: points as ``lat, lon``, shapes as GeoJSON, lists joined; others unchanged."""
    if value is None:
        return None
    if kind == "geo_point_2d" and isinstance(value, dict):
        return f"{value['lat']}, {value['lon']}"
    if isinstance(value, dict):
        return to_json(value)
    if isinstance(value, list | tuple):
        return list_separator.join("" if item is None else str(item) for item in value)
    return value


def csv_cell(value: Any, kind: str, list_separator: str) -> str:
    value = flat_value(value, kind, list_separator)
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(value) if isinstance(value, str) else str(value)


def write_csv(
    columns: list[str],
    types: list[str],
    batches: Batches,
    *,
    delimiter: str = ";",
    list_separator: str = ",",
    quote_all: bool = False,
    with_bom: bool = True,
) -> Iterator[bytes]:
    """CSV in UTF-8 (with a BOM by default, so spreadsheets detect the encoding), one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=CSV_DELIMITERS[delimiter],
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        lineterminator="\r\n",
    )
    writer.writerow([neutralise(name) for name in columns])
    yield (("\ufeff" if with_bom else "") + drain(buffer)).encode()
    for batch in batches:
        writer.writerows(
            [csv_cell(v, kind, list_separator) for v, kind in zip(row, types, strict=True)] for row in batch
        )
        yield drain(buffer).encode()


def drain(buffer: io.StringIO) -> str:
    """Take what was written to ``buffer`` and empty it, so memory stays one batch large."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def as_objects(columns: list[str], batch: list[tuple]) -> Iterator[dict[str, Any]]:
    return (dict(zip(columns, row, strict=True)) for row in batch)


def write_json(columns: list[str], types: list[str], batches: Batches) -> Iterator[bytes]:
    """One JSON array of objects, written element by element."""
    first = True
    yield b"["
    for batch in batches:
        parts = []
        for record in as_objects(columns, batch):
            parts.append(("" if first else ",") + to_json(record))
            first = False
        yield "".join(parts).encode()
    yield b"]"


def write_jsonl(columns: list[str], types: list[str], batches: Batches) -> Iterator[bytes]:
    """JSON Lines: one object per line."""
    for batch in batches:
        yield "".join(to_json(record) + "\n" for record in as_objects(columns, batch)).encode()


def geometry(value: Any, kind: str) -> dict | None:
    """A GeoJSON geometry from a point (``{"lon", "lat"}``) or a shape (already GeoJSON)."""
    if value is None:
        return None
    if kind == "geo_point_2d":
        return {"type": "Point", "coordinates": [value["lon"], value["lat"]]}
    return value


def write_geojson(columns: list[str], types: list[str], batches: Batches, *, epsg: int = 4326) -> Iterator[bytes]:
    """A FeatureCollection: geometry from the first geo column, every other column a property.

    Coordinates in another projection than WGS 84 (``epsg``) are declared with the legacy GeoJSON 2008 ``crs``
    member, the only way GeoJSON readers (GDAL, QGIS) learn it; RFC 7946 itself knows WGS 84 only.
    """
    geo = next((index for index, kind in enumerate(types) if kind in GEO_TYPES), None)
    first = True
    crs = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{int(epsg)}"}}
    yield (
        '{"type":"FeatureCollection",' + ("" if epsg == 4326 else f'"crs":{to_json(crs)},') + '"features":['
    ).encode()
    for batch in batches:
        parts = []
        for row in batch:
            shape = geometry(row[geo], types[geo]) if geo is not None else None
            properties = {
                name: value for index, (name, value) in enumerate(zip(columns, row, strict=True)) if index != geo
            }
            feature = {"type": "Feature", "geometry": shape, "properties": properties}
            parts.append(("" if first else ",") + to_json(feature))
            first = False
        yield "".join(parts).encode()
    yield b"]}"


def xlsx_cell(value: Any, kind: str) -> Any:
    """A cell openpyxl accepts: no illegal control characters, and no timezone (Excel has none): a datetime
    keeps the wall time of the zone it comes in (the export's ``timezone``, UTC by default)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = flat_value(value, kind)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > EXACT_IN_A_DOUBLE:
        return str(value)
    return value


def too_many_rows() -> ExploreError:
    return ExploreError(
        400,
        "ExportTooLarge",
        f"An xlsx sheet holds at most {XLSX_MAX_ROWS - 1:,} records (its {XLSX_MAX_ROWS:,} rows less the header); "
        "narrow the export with where or limit, or export to csv or parquet",
    )


def write_xlsx(columns: list[str], types: list[str], batches: Batches) -> Iterator[bytes]:
    """One sheet in a write-only workbook (rows go to disk as they come), then the file in chunks.

    openpyxl writes the zip only when the workbook is saved, so nothing can be sent before the last row: the
    sheet's XML goes to openpyxl's temporary file, then the saved workbook to ours, both in the system's
    temporary directory and removed however the export ends. A result with more records than a sheet has rows
    is refused (``ExportTooLarge``) rather than cut short or written past the sheet's end (Excel then refuses
    the file); the Explore export reads the first chunk before its response starts, so this is a 400.
    """
    from openpyxl import Workbook

    with tempfile.TemporaryFile() as file:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("export")
        try:
            sheet.append([xlsx_cell(name, "text") for name in columns])
            written = 1
            for batch in batches:
                written += len(batch)
                if written > XLSX_MAX_ROWS:
                    raise too_many_rows()
                for row in batch:
                    sheet.append([xlsx_cell(value, kind) for value, kind in zip(row, types, strict=True)])
            workbook.save(file)
        finally:
            discard_sheet_file(sheet)
        yield from read_back(file)


def discard_sheet_file(sheet: Any) -> None:
    """Remove the temporary file openpyxl writes a write-only sheet's XML to, when saving did not.

    openpyxl removes it once the workbook is saved, and otherwise only when the process exits: an export that
    fails or is abandoned before saving would leave it on disk until then.
    """
    writer = getattr(sheet, "_writer", None)  # openpyxl's WorksheetWriter, made at the first row
    path = getattr(writer, "out", None)
    if writer is None or not isinstance(path, str) or not os.path.exists(path):
        return
    # Its XML streams are half written: close the rows' stream, then the sheet's, so neither writes to the file
    # later when collected; only removing the file matters here.
    for stream in (getattr(sheet, "_rows", None), writer):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.close()
    os.remove(path)
    from openpyxl.worksheet import _writer

    with contextlib.suppress(ValueError):
        _writer.ALL_TEMP_FILES.remove(path)


def read_back(file: IO[bytes]) -> Iterator[bytes]:
    file.seek(0)
    while chunk := file.read(FILE_CHUNK):
        yield chunk


def arrow_schema(columns: list[str], types: list[str]) -> Any:
    """Parquet columns typed from the ODSQL types, so an all-null batch cannot change a column's type."""
    import pyarrow as pa

    mapping = {
        "int": pa.int64(),
        "double": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "datetime": pa.timestamp("us", tz="UTC"),
    }
    return pa.schema(
        [pa.field(name, mapping.get(kind, pa.string())) for name, kind in zip(columns, types, strict=True)]
    )


def parquet_value(value: Any, kind: str) -> Any:
    """Geometries and lists become text (see the module's decisions); decimals become floats."""
    if isinstance(value, Decimal):
        return float(value)
    if kind in ("int", "double", "boolean", "date", "datetime"):
        return value
    value = flat_value(value, kind)
    return None if value is None else str(value)


class ParquetSink:
    """Where pyarrow writes the parquet file, front to back: what it wrote is taken out after each row group.

    Parquet needs no seeking (the footer, written last, says where each row group starts), so the file streams
    and memory holds one row group at most; ``tell`` is all pyarrow asks of a sink besides ``write``.
    """

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0
        self.closed = False

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        """What was written since the last call."""
        chunk = b"".join(self.parts)
        self.parts.clear()
        return chunk


def arrow_batch(schema: Any, types: list[str], batch: list[tuple]) -> Any:
    """One batch of rows as an Arrow record batch of ``schema`` (columnar: far smaller than the rows)."""
    import pyarrow as pa

    arrays = [
        pa.array([parquet_value(row[index], kind) for row in batch], type=schema.field(index).type)
        for index, kind in enumerate(types)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def row_groups(schema: Any, types: list[str], batches: Batches) -> Iterator[list[Any]]:
    """Record batches gathered until a row group is ``PARQUET_ROW_GROUP_ROWS`` rows or ``PARQUET_ROW_GROUP_BYTES``
    of Arrow data, whichever comes first (wide rows make smaller groups, so memory stays bounded)."""
    group: list[Any] = []
    rows = size = 0
    for batch in batches:
        if not batch:
            continue
        record = arrow_batch(schema, types, batch)
        group.append(record)
        rows, size = rows + record.num_rows, size + record.nbytes
        if rows >= PARQUET_ROW_GROUP_ROWS or size >= PARQUET_ROW_GROUP_BYTES:
            yield group
            group, rows, size = [], 0, 0
    if group:
        yield group


def write_parquet(
    columns: list[str], types: list[str], batches: Batches, *, compression: str = "snappy"
) -> Iterator[bytes]:
    """Parquet written as it streams: each row group's bytes are yielded once it is written, the footer last."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(columns, types)
    sink = ParquetSink()
    with pq.ParquetWriter(sink, schema, compression=compression) as writer:
        for group in row_groups(schema, types, batches):
            table = pa.Table.from_batches(group, schema=schema)
            writer.write_table(table, row_group_size=table.num_rows)  # the whole group is one row group
            yield sink.take()
    yield sink.take()


def gzipped(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """``chunks`` gzip-compressed as they come (a ``.gz`` file once joined), without holding the whole file.

    Closing this generator (a client that left) closes ``chunks`` too, so their cursor or file is released.
    """
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, GZIP_CONTAINER)
    try:
        for chunk in chunks:
            if chunk:
                # A sync flush per chunk (a batch, or 256 KiB of COPY) hands the client what is ready instead of
                # letting zlib sit on it; it costs a few bytes per chunk and keeps the dictionary.
                yield compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
        yield compressor.flush()
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
