"""Guessing, from the first bytes of an upload, its media type, the extractor to read it and its params.

Content decides; the file name and the client's media type only break ties (a ZIP whose first
entries do not show the workbook, JSON that does not show a Feature in its head). Text guesses work
on ``HEAD_BYTES`` read by ``read_head``, which seeks the stream back to 0.

Decisions: a UTF-8 BOM is reported as encoding "utf-8" (the CSV reader drops the BOM itself);
``doublequote`` is always guessed true (the stdlib convention, and the only one without an escape
character); ``first_row_no`` moves past title lines only, never past blank lines (readers skip those).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
from collections import Counter
from itertools import islice
from typing import Any, BinaryIO

from datasets.pipeline.core import SourceError
from datasets.pipeline.extractors import VALUE_PARAMETERS, extractor_spec, extractor_types
from datasets.pipeline.readers.base import DEFAULT_LIMITS, ReadLimits, RecordTooLong
from datasets.pipeline.readers.json_reader import json_encoding
from datasets.pipeline.readers.json_scanner import JsonScanner
from datasets.pipeline.readers.text import binary_signature, bom_encoding
from datasets.pipeline.readers.xlsx_reader import load_workbook, sheet_rows

HEAD_BYTES = 64 * 1024
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEPARATORS = (",", ";", "\t", "|")
SAMPLE_RECORDS = 50
_GEOJSON = re.compile(r'"type"\s*:\s*"(?:FeatureCollection|Feature)"')
_JSON_START = re.compile(r'\{\s*(?:"|\}|$)|\[\s*(?:[\[\]{"\-0-9]|true|false|null|$)')
_NUMBER = re.compile(r"[-+]?(?:\d[\d\s\u00a0',]*(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?%?")
_DATE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T].*)?")
_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json"}
_EXTENSIONS |= {".geojson": "geojson", ".xlsx": "xlsx", ".xlsm": "xlsx"}
_MIMETYPES = {"text/csv": "csv", "application/json": "json", "application/geo+json": "geojson", XLSX_MIMETYPE: "xlsx"}


def read_head(stream: BinaryIO, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of ``stream``, which is then sought back to 0."""
    stream.seek(0)
    head = stream.read(size)
    stream.seek(0)
    return head


def sniff_mimetype(head: bytes, filename: str | None = None) -> str:
    """The media type of an upload from its content: CSV, JSON, GeoJSON, XLSX, ZIP, plain text or binary."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return XLSX_MIMETYPE if _zip_is_workbook(head) or _hint(filename, None) == "xlsx" else "application/zip"
    if binary_signature(head):
        return "application/octet-stream"
    decoded = decode_head(head)
    if decoded is None:
        return "application/octet-stream"
    text = decoded[1].lstrip("\ufeff \t\r\n")
    if _JSON_START.match(text):
        return "application/geo+json" if _GEOJSON.search(text) else "application/json"
    _, width, _ = _guess_separator(_whole_lines(text, head), '"')
    return "text/csv" if width > 1 else "text/plain"


def guess_extractors(head: bytes, filename: str | None = None, mimetype: str | None = None) -> dict[str, list[str]]:
    """``{"recommended_extractors": [...], "other_extractors": [...]}`` for an upload starting with ``head``."""
    recommended = _recommended(sniff_mimetype(head, filename), _hint(filename, mimetype))
    others = [extractor for extractor in extractor_types() if extractor not in recommended]
    return {"recommended_extractors": recommended, "other_extractors": others}


def guess_extractor_params(
    extractor: str, head: bytes, stream: BinaryIO | None = None, *, limits: ReadLimits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """Complete params for ``extractor`` (defaults where nothing better is found).

    The XLSX guess needs the whole file: pass ``stream`` (``head`` is used only when it is the whole file).
    """
    spec = extractor_spec(extractor)
    params = {p["name"]: p["default"] for p in spec["parameters"] if p["name"] not in VALUE_PARAMETERS}
    if extractor == "csvfile":
        params |= guess_csv_params(head)
        params["encoding"] = confirmed_encoding(params["encoding"], head, stream)
    elif extractor == "jsonfile":
        params |= guess_json_params(head)
    elif extractor == "xlsfile" and (stream is not None or len(head) < HEAD_BYTES):
        params |= guess_xlsx_params(stream or io.BytesIO(head), limits)
    return params


def _recommended(sniffed: str, hint: str | None) -> list[str]:
    if sniffed == XLSX_MIMETYPE or (sniffed == "application/zip" and hint == "xlsx"):
        return ["xlsfile"]
    if sniffed == "application/geo+json" or (sniffed == "application/json" and hint == "geojson"):
        return ["geojsonfile", "jsonfile"]
    if sniffed == "application/json":
        return ["jsonfile"]
    if sniffed in ("text/csv", "text/plain"):
        return ["csvfile"]  # plain text is a one-column CSV
    return []


def _hint(filename: str | None, mimetype: str | None) -> str | None:
    """What the name or the client's media type claims: 'csv', 'json', 'geojson', 'xlsx' or None."""
    extension = re.search(r"\.[A-Za-z0-9]+$", filename or "")
    by_name = _EXTENSIONS.get(extension.group().lower()) if extension else None
    return by_name or _MIMETYPES.get((mimetype or "").split(";")[0].strip().lower())


def _zip_is_workbook(head: bytes) -> bool:
    """Whether the local file headers readable in ``head`` include an ``xl/`` part."""
    offset = 0
    while head.startswith(b"PK\x03\x04", offset) and offset + 30 <= len(head):
        flags, size, name_length, extra_length = struct.unpack_from("<6xH10xI4xHH", head, offset)
        name = head[offset + 30 : offset + 30 + name_length]
        if name.startswith(b"xl/"):
            return True
        if flags & 0x08:  # sizes follow the data: the next header cannot be located from here
            return False
        offset += 30 + name_length + extra_length + size
    return False


def guess_encoding(head: bytes) -> str:
    """BOM first; then UTF-16 without BOM from its NULs; then UTF-8 if valid; else cp1252 (latin-1 if not)."""
    if bom := bom_encoding(head):
        return bom
    sample = head[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if len(sample) >= 4 and max(even, odd) > 0.4 * len(sample) / 2 and min(even, odd) < 0.05 * len(sample) / 2:
        return "utf-16-le" if odd > even else "utf-16-be"
    for encoding in ("utf-8", "cp1252"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=len(head) < HEAD_BYTES)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def confirmed_encoding(encoding: str, head: bytes, stream: BinaryIO | None) -> str:
    """The head's guess, checked against the rest of ``stream`` when the head is only ASCII.

    An export's first accent may come megabytes in (a city at row 5,000): an ASCII head reads as UTF-8,
    so the rest decides, in one streaming pass: UTF-8 if it all decodes, else cp1252 (latin-1 if not).
    """
    if encoding != "utf-8" or stream is None or len(head) < HEAD_BYTES or not head.isascii():
        return encoding
    decoders = {name: codecs.getincrementaldecoder(name)() for name in ("utf-8", "cp1252")}
    stream.seek(len(head))
    try:
        while decoders and (chunk := stream.read(HEAD_BYTES)):
            decoders = {name: decoder for name, decoder in decoders.items() if decodes(decoder, chunk)}
        decoders = {name: decoder for name, decoder in decoders.items() if decodes(decoder, b"", final=True)}
    finally:
        stream.seek(0)
    return next(iter(decoders), "latin-1")


def decodes(decoder: codecs.IncrementalDecoder, data: bytes, final: bool = False) -> bool:
    try:
        decoder.decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def decode_head(head: bytes) -> tuple[str, str] | None:
    """(encoding, text) of ``head``, or None when it looks binary (NUL or many control characters)."""
    encoding = guess_encoding(head)
    decoder = codecs.getincrementaldecoder("utf-8-sig" if encoding == "utf-8" else encoding)(errors="replace")
    text = decoder.decode(head, final=len(head) < HEAD_BYTES)
    controls = sum(1 for char in text[:4096] if ord(char) < 32 and char not in "\t\n\r\f\v\x1a")
    if "\x00" in text or controls > len(text[:4096]) * 0.05:
        return None
    return encoding, text


def guess_csv_params(head: bytes) -> dict[str, Any]:
    """encoding, separator, quotechar, doublequote, first_row_no and headers_first_row of a CSV head."""
    encoding, text = decode_head(head) or ("utf-8", "")
    text = _whole_lines(text.lstrip("\ufeff"), head)
    quotechar = _guess_quotechar(text)
    separator, width, records = _guess_separator(text, quotechar)
    first_row_no, start = table_start(records, width)
    return {
        "encoding": encoding,
        "separator": separator,
        "quotechar": quotechar,
        "doublequote": True,
        "first_row_no": first_row_no,
        "headers_first_row": has_header([values for _, values in records[start:]]),
    }


def _whole_lines(text: str, head: bytes) -> str:
    """Drop the last, cut line of a head that is not the whole file."""
    if len(head) < HEAD_BYTES:
        return text
    end = max(text.rfind("\n"), text.rfind("\r"))
    return text[: end + 1] if end >= 0 else text


def _guess_quotechar(text: str) -> str:
    if '"' in text:
        return '"'
    quoted = re.findall(r"(?:^|[,;\t|])'[^'\r\n]*'(?=[,;\t|]|\r?$)", text, re.MULTILINE)
    return "'" if len(quoted) >= 2 else '"'


def _guess_separator(text: str, quotechar: str) -> tuple[str, int, list[tuple[int, list[str]]]]:
    """The separator giving the most consistent count of values (more than one) over the sample records."""
    best: tuple[tuple, str, int, list] = ((False, 0.0, 0), ",", 1, [])
    for separator in SEPARATORS:
        records = sample_records(text, separator, quotechar)
        if not records:
            continue
        width, frequency = Counter(len(values) for _, values in records).most_common(1)[0]
        score = (width > 1, frequency / len(records), width)
        if score > best[0]:
            best = (score, separator, width, records)
    return best[1], best[2], best[3]


def sample_records(text: str, separator: str, quotechar: str) -> list[tuple[int, list[str]]]:
    """(first line number, values) of the first non-empty records of ``text``."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar=quotechar)
    records, line = [], 1
    try:
        for values in reader:
            if values:
                records.append((line, values))
            line = reader.line_num + 1
            if len(records) >= SAMPLE_RECORDS:
                break
    except csv.Error:
        pass
    return records


def table_start(records: list[tuple[int, list[str]]], width: int) -> tuple[int, int]:
    """(first_row_no, index in ``records``) of the first record as wide as the table; 1 without title lines."""
    for index, (line, values) in enumerate(records):
        if len(values) >= width:
            return (line if index else 1), index
    return 1, 0


def has_header(rows: list[list[str]]) -> bool:
    """True when a column's first value is text over numbers or dates, or when the first row is all
    distinct text and no column says otherwise; False when the first row looks like data."""
    if not rows:
        return True
    first, data = rows[0], rows[1:]
    for index, top in enumerate(first):
        below = {value_kind(row[index]) for row in data if index < len(row)} - {"empty"}
        if value_kind(top) == "text" and below and "text" not in below:
            return True
    labels = [value.strip() for value in first]
    return all(value_kind(label) == "text" for label in labels) and len(set(labels)) == len(labels)


def value_kind(value: str) -> str:
    """'empty', 'number', 'date' or 'text', as far as a header guess needs to know."""
    value = value.strip()
    if not value:
        return "empty"
    if _NUMBER.fullmatch(value):
        return "number"
    return "date" if _DATE.fullmatch(value) else "text"


def guess_json_params(head: bytes) -> dict[str, Any]:
    """format ('array', 'jsonl' or 'auto') and json_path (the first array of objects in a top-level object)."""
    text = codecs.getincrementaldecoder(json_encoding(head))(errors="replace").decode(head)
    first = text.lstrip("\ufeff \t\r\n")[:1]
    if first == "[":
        return {"format": "array", "json_path": None}
    if first != "{":
        return {"format": "auto", "json_path": None}
    if _is_json_lines(text.lstrip("\ufeff")):
        return {"format": "jsonl", "json_path": None}
    return {"format": "auto", "json_path": _records_path(text.lstrip("\ufeff"))}


def _is_json_lines(text: str) -> bool:
    scanner = JsonScanner([text], len(text) + 1)
    try:
        scanner.read_value()
    except (SourceError, RecordTooLong):
        return False
    return scanner.peek() == "{"


def _records_path(text: str) -> str | None:
    try:
        path = _find_records(JsonScanner([text], len(text) + 1), [])
    except (SourceError, RecordTooLong):
        return None  # the head ends before any array of objects
    return ".".join(path) if path else None


def _find_records(scanner: JsonScanner, prefix: list[str], depth: int = 0) -> list[str] | None:
    """Depth-first: the key path of the first array whose first item is an object."""
    for key in scanner.members():
        usable = "." not in key and depth < 8
        if usable and scanner.peek() == "[" and scanner.peek_inside() == "{":
            return [*prefix, key]
        if usable and scanner.peek() == "{":
            found = _find_records(scanner, [*prefix, key], depth + 1)
            if found:
                return found
        else:
            scanner.skip_value()
    return None


def guess_xlsx_params(stream: BinaryIO, limits: ReadLimits) -> dict[str, Any]:
    """sheet (the first one with data), first_row_no and headers_first_row of a workbook."""
    workbook = load_workbook(stream, limits)
    try:
        for worksheet in workbook.worksheets:
            records = [row for row in islice(sheet_rows(workbook, worksheet.title, 1), 500) if row[1]]
            if records:
                return _table_params(worksheet.title, records[:SAMPLE_RECORDS])
        return {}
    finally:
        workbook.close()


def _table_params(sheet: str, records: list[tuple[int, list[str]]]) -> dict[str, Any]:
    width = Counter(len(values) for _, values in records).most_common(1)[0][0]
    first_row_no, start = table_start(records, width)
    return {
        "sheet": sheet,
        "first_row_no": first_row_no,
        "headers_first_row": has_header([v for _, v in records[start:]]),
    }
