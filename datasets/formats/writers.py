"""Export formatters: rows in, bytes out, batch by batch, so an export never holds the whole result.

Every writer takes the result's column names, their ODSQL types (``geo_point_2d`` and ``geo_shape`` values
arrive as JSON: ``{"lon", "lat"}`` and GeoJSON geometries) and an iterable of row batches (lists of tuples).
Text writers yield encoded chunks; xlsx and parquet are built in a temporary file, then read back in chunks,
because their containers (zip, footer) cannot be written front to back.

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

import csv
import datetime as dt
import io
import json
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

GEO_TYPES = ("geo_point_2d", "geo_shape")
EXACT_IN_A_DOUBLE = 2**53  # integers up to this size survive a spreadsheet number
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITERS = {";": ";", ",": ",", "tab": "\t", "\t": "\t", "|": "|"}
FILE_CHUNK = 64 * 1024
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


def write_xlsx(columns: list[str], types: list[str], batches: Batches) -> Iterator[bytes]:
    """One sheet in a write-only workbook (rows go to disk as they come), then the file in chunks."""
    from openpyxl import Workbook

    with tempfile.TemporaryFile() as file:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("export")
        sheet.append([xlsx_cell(name, "text") for name in columns])
        for batch in batches:
            for row in batch:
                sheet.append([xlsx_cell(value, kind) for value, kind in zip(row, types, strict=True)])
        workbook.save(file)
        yield from read_back(file)


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


def write_parquet(
    columns: list[str], types: list[str], batches: Batches, *, compression: str = "snappy"
) -> Iterator[bytes]:
    """One row group per batch in a temporary file, then the file in chunks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(columns, types)
    with tempfile.TemporaryFile() as file:
        with pq.ParquetWriter(file, schema, compression=compression) as writer:
            for batch in batches:
                arrays = [
                    pa.array([parquet_value(row[index], kind) for row in batch], type=schema.field(index).type)
                    for index, kind in enumerate(types)
                ]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
        yield from read_back(file)


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
