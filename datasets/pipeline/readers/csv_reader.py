"""The ``csvfile`` reader: strict decoding, stdlib ``csv`` parsing, bounded records, exact-width rows."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from datasets.pipeline.core import Field, Record, SourceError
from datasets.pipeline.readers.base import (
    ReadLimits,
    RecordTooLong,
    Source,
    ensure_not_empty,
    header_fields,
    plural,
    positional_fields,
    row_label,
    too_long,
)
from datasets.pipeline.readers.text import binary_signature, check_text, decoded_chunks, split_lines


class _CsvTable:
    """One pass over the records of a CSV stream, bounding each record's size as it is read.

    csv.reader pulls exactly the lines of one record before returning it, so counting the characters
    fed since the last record bounds every record, quoted newlines included.
    """

    def __init__(self, stream: BinaryIO, params: dict[str, Any], limits: ReadLimits) -> None:
        self.limits = limits
        chunks = check_text(decoded_chunks(stream, params["encoding"]), "CSV")
        self._lines = split_lines(chunks, limits.max_record_bytes)
        self.fed = [0]  # characters fed to csv.reader since the current record began
        self.row = 0  # the row being read while opening; 0 for the header
        self._skip_lines(params["first_row_no"] - 1)
        # The csv module's field limit is process-wide; our own per-record count is the real bound.
        csv.field_size_limit(max(csv.field_size_limit(), limits.max_record_bytes))
        self.reader = csv.reader(
            self._feed(),
            delimiter=params["separator"],
            quotechar=params["quotechar"],
            doublequote=params["doublequote"],
        )

    def _skip_lines(self, count: int) -> None:
        with self.errors():
            for _ in range(count):
                if next(self._lines, None) is None:
                    raise SourceError(reason=f"the file ends before line {count + 1} (first_row_no)")

    def _feed(self) -> Iterator[str]:
        fed, limit = self.fed, self.limits.max_record_bytes
        for line in self._lines:
            fed[0] += len(line)
            if fed[0] > limit:
                raise RecordTooLong
            yield line

    def first_values(self) -> list[str]:
        """The first non-empty record (the header, or row 1 without header)."""
        with self.errors():
            values = next((values for values in self.reader if values), None)
        if values is None:
            raise SourceError(reason="the file is empty")
        self.fed[0] = 0
        return values

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Turn the size guard and csv.Error into SourceErrors naming the row being read."""
        try:
            yield
        except (RecordTooLong, csv.Error) as error:
            raise read_error(error, self.row, self.limits) from None


def open_csv(params: dict[str, Any], stream: BinaryIO, limits: ReadLimits) -> Source:
    """Open a CSV stream: the header (or the first row, without header) is read at once."""
    ensure_not_empty(stream)
    _refuse_binary(stream)
    table = _CsvTable(stream, params, limits)
    table.row = 0 if params["headers_first_row"] else 1
    first = table.first_values()
    table.row += 1  # the first row _rows reads
    if params["headers_first_row"]:
        fields = header_fields(first, limits)
        width = f"the header has {plural(len(fields), 'column')}"
        return Source(fields, _rows(table, fields, None, width), "the file has a header but no data rows")
    fields = positional_fields(len(first), limits)
    width = f"the first row has {plural(len(fields), 'value')}"
    return Source(fields, _rows(table, fields, first, width), "the file has no data rows")


def _rows(table: _CsvTable, fields: list[Field], first: list[str] | None, width: str) -> Iterator[tuple[int, Record]]:
    """Numbered records. The hot loop of the pipeline: no per-row attribute, keyword or new integer."""
    names, fed = [field.name for field in fields], table.fed
    if first is not None:
        yield 1, dict(zip(names, first))  # noqa: B905 - widths are equal: the fields come from this row
    start = table.row
    index, blank_lines = start - 1, 0  # the row being read is always index - blank_lines + 1
    try:
        for index, values in enumerate(table.reader, start=start):
            if len(values) != len(names):
                if not values:
                    blank_lines += 1
                    continue
                row = index - blank_lines
                raise SourceError(reason=f"row {row} has {plural(len(values), 'value')} but {width}")
            yield (index - blank_lines if blank_lines else index), dict(zip(names, values))  # noqa: B905 - checked
            fed[0] = 0
    except (RecordTooLong, csv.Error) as error:
        raise read_error(error, index - blank_lines + 1, table.limits) from None


def read_error(error: Exception, row: int, limits: ReadLimits) -> SourceError:
    """The SourceError for the size guard or a csv.Error met while reading ``row`` (0: the header)."""
    if isinstance(error, RecordTooLong):
        return too_long(row, limits)
    return SourceError(reason=f"{row_label(row)} is not valid CSV: {error}")


def _refuse_binary(stream: BinaryIO) -> None:
    kind = binary_signature(stream.read(16))
    stream.seek(0)
    if kind:
        raise SourceError(reason=f"the file looks binary ({kind}), not CSV text")
