"""The ``jsonfile`` reader: a JSON array of objects (streamed), JSON Lines, or an array at a dotted path.

Fields are the union of the keys of the first READ_AHEAD_RECORDS records (or of as many as fit in
``max_record_bytes``), in order of first appearance. A key first seen later still reaches the
records, under its own unique name, and its Field is appended to ``Source.fields`` at that moment.
Nested objects and arrays are kept as Python values; a key missing from a record gives None.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any, BinaryIO

from datasets.pipeline.core import Field, Record, SourceError
from datasets.pipeline.naming import unique_names
from datasets.pipeline.readers.base import ReadLimits, RecordTooLong, Source, check_field_count, too_long
from datasets.pipeline.readers.json_scanner import JsonScanner
from datasets.pipeline.readers.text import binary_signature, bom_encoding, check_text, decoded_chunks

READ_AHEAD_RECORDS = 1000
_END = object()
_KINDS = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}


def open_json(params: dict[str, Any], stream: BinaryIO, limits: ReadLimits) -> Source:
    """Open a JSON or JSON Lines stream; path and format errors are raised here, record errors lazily."""
    scanner = open_scanner(stream, limits, "JSON")
    values = _values(scanner, params)
    return keyed_source(scanner, json_objects(values, limits), KeyedFields([], limits), "the file has no records")


def open_scanner(stream: BinaryIO, limits: ReadLimits, kind: str) -> JsonScanner:
    """A scanner on the decoded stream (UTF-8, or UTF-16/32 as RFC 8259 detects them), past blanks."""
    head = stream.read(4)
    stream.seek(0)
    signature = binary_signature(head)
    if signature:
        raise SourceError(reason=f"the file looks binary ({signature}), not {kind} text")
    chunks = check_text(decoded_chunks(stream, json_encoding(head)), kind)
    scanner = JsonScanner(chunks, limits.max_record_bytes)
    if scanner.peek() == "":
        raise SourceError(reason="the file is empty")
    return scanner


def json_encoding(head: bytes) -> str:
    """JSON text is UTF-8; UTF-16 and UTF-32 are recognised by their BOM or by the NULs of an ASCII start."""
    if bom := bom_encoding(head):
        return bom
    if len(head) >= 2 and head[0] == 0 and head[1] != 0:
        return "utf-16-be"
    if len(head) >= 2 and head[0] != 0 and head[1] == 0 and head[2:4] != b"\x00\x00":
        return "utf-16-le"
    return "utf-8"


def _values(scanner: JsonScanner, params: dict[str, Any]) -> Iterator[Any]:
    first = scanner.peek()
    if params["json_path"]:
        goto_path(scanner, params["json_path"])
        return scanner.iter_array()
    if params["format"] == "jsonl" or (params["format"] == "auto" and first == "{"):
        return scanner.iter_values()
    if first != "[":
        expected = "a JSON array" if params["format"] == "array" else "JSON objects"
        raise SourceError(reason=f"the file does not hold {expected}: it starts with {first!r}")
    return _whole_array(scanner)


def _whole_array(scanner: JsonScanner) -> Iterator[Any]:
    yield from scanner.iter_array()
    scanner.expect_end()


def goto_path(scanner: JsonScanner, path: str) -> None:
    """Move the scanner onto the array at dotted ``path``, skipping the values on the way."""
    keys = path.split(".")
    for depth, key in enumerate(keys):
        where = f"'{'.'.join(keys[:depth])}'" if depth else "the top-level value"
        if scanner.peek() != "{":
            raise SourceError(reason=f"the JSON path '{path}' was not found: {where} is not an object")
        if not seek_key(scanner, key):
            raise SourceError(reason=f"the JSON path '{path}' was not found: no key '{key}' in {where}")
    if scanner.peek() != "[":
        raise SourceError(reason=f"the JSON path '{path}' does not lead to an array")


def seek_key(scanner: JsonScanner, wanted: str, seen: dict[str, Any] | None = None) -> bool:
    """Walk the object under the cursor up to the value of ``wanted`` (True), or past its end (False)."""
    for key in scanner.members():
        if key == wanted:
            return True
        if seen is not None and scanner.peek() == '"':
            seen[key] = scanner.read_value()
        else:
            scanner.skip_value()
    return False


def json_objects(values: Iterator[Any], limits: ReadLimits) -> Iterator[dict[str, Any]]:
    """The values, each required to be an object; a value over the size limit names its row."""
    row = 0
    while True:
        row += 1
        try:
            value = next(values, _END)
        except RecordTooLong:
            raise too_long(row, limits) from None
        if value is _END:
            return
        if not isinstance(value, dict):
            raise SourceError(reason=f"row {row} is not a JSON object (it is {json_kind(value)})")
        yield value


def json_kind(value: Any) -> str:
    """'an object', 'an array', 'a string', 'a number', 'a boolean' or 'null', for error messages."""
    return _KINDS.get(type(value), "a number")


class KeyedFields:
    """Fields for object keys in order of first appearance, names made unique against earlier fields."""

    def __init__(self, fields: list[Field], limits: ReadLimits) -> None:
        self.fields = fields
        self._labels = [field.label for field in fields]
        self._names: dict[str, str] = {}
        self._limits = limits

    def name_of(self, key: str) -> str:
        """The field name for ``key``, creating the Field when the key is new."""
        name = self._names.get(key)
        if name is None:
            check_field_count(len(self.fields) + 1, self._limits)
            self._labels.append(key)
            # Naming the whole list again gives exactly the names a single pass would have given.
            name = self._names[key] = unique_names(self._labels)[-1]
            self.fields.append(Field(name=name, label=key.strip() or f"Column {len(self._labels)}", original_name=key))
        return name

    def record(self, members: dict[str, Any], start: Record | None = None) -> Record:
        """One record with every field known so far (None when absent) and each member under its name."""
        record = dict.fromkeys(field.name for field in self.fields)
        record.update(start or {})
        for key, value in members.items():
            record[self.name_of(key)] = value
        return record


def keyed_source(
    scanner: JsonScanner, objects: Iterator[dict[str, Any]], keyed: KeyedFields, no_rows_reason: str
) -> Source:
    """Read ahead to learn the keys, then stream every object as a record."""
    ahead = read_ahead(scanner, objects)
    for members in ahead:
        for key in members:
            keyed.name_of(key)
    records = (keyed.record(members) for members in chain(ahead, objects))
    return Source(keyed.fields, enumerate(records, start=1), no_rows_reason)


def read_ahead(scanner: JsonScanner, objects: Iterator[Any]) -> list[Any]:
    """Up to READ_AHEAD_RECORDS objects, stopping early once they add up to the record size limit."""
    ahead: list[Any] = []
    budget = scanner.max_value_chars
    for item in objects:
        ahead.append(item)
        budget -= scanner.last_value_chars
        if len(ahead) >= READ_AHEAD_RECORDS or budget <= 0:
            break
    return ahead
