"""The ``csvfile`` reader: marking decoding, stdlib ``csv`` parsing, bounded records, rows fitted to the header.

What a row cannot hold is reported, never fatal: a row with fewer values than the header is padded
with nulls, one with more keeps the header's width and its extra values go into its record error,
and bytes the encoding cannot decode are read as U+FFFD with a record error giving their offset.
These problems go to the Source's ``problems`` list (see ``base.Source``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from datasets.pipeline.conversion import truncate
from datasets.pipeline.core import Field, RecordError, SourceError
from datasets.pipeline.readers.base import (
    ReadLimits,
    RecordTooLong,
    Source,
    ensure_not_empty,
    header_fields,
    positional_fields,
    row_label,
    too_long,
)
from datasets.pipeline.readers.text import (
    MARK,
    REPLACEMENT,
    binary_signature,
    check_text,
    decoded_chunks,
    split_lines,
)

UNDECODABLE = 'Bytes at offset {offset} are not valid {encoding} ({bytes}): the value is read as "{value}"'


class _CsvTable:
    """One pass over the records of a CSV stream, bounding each record's size as it is read.

    csv.reader pulls exactly the lines of one record before returning it, so counting the characters
    fed since the last record bounds every record, quoted newlines included.
    """

    def __init__(self, stream: BinaryIO, params: dict[str, Any], limits: ReadLimits) -> None:
        self.limits = limits
        self.encoding = params["encoding"]
        self.headers_first_row = params["headers_first_row"]
        self.problems: list[RecordError] = []
        # (offset, bytes) of the undecodable runs decoded but not yet found in a row: the decoder
        # runs at most a chunk ahead of the parser, and MARKs come back in the same order.
        self.undecoded: list[tuple[int, bytes]] = []
        chunks = check_text(decoded_chunks(stream, self.encoding, invalid=self.undecoded), "CSV")
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
                line = next(self._lines, None)
                if line is None:
                    raise SourceError(reason=f"the file ends before line {count + 1} (first_row_no)")
                del self.undecoded[: line.count(MARK)]  # lines above the table are not read

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

    def unmark(self, values: list[str], row: int, names: list[str]) -> list[str]:
        """``values`` with their MARKs read as U+FFFD, one problem per value that had any."""
        for index, value in enumerate(values):
            if MARK in value:
                runs = self.undecoded[: value.count(MARK)]
                del self.undecoded[: len(runs)]
                values[index] = value = value.replace(MARK, REPLACEMENT)
                field = names[index] if index < len(names) else None
                self.problems.append(undecodable(row, field, value, runs, self.encoding))
        return values

    def fit(self, values: list[str], row: int, names: list[str]) -> list[Any]:
        """A ragged row cut or padded to the header's width, with a problem saying what was done."""
        count, width = len(values), len(names)
        params: dict[str, Any] = {"values": count, "columns": width}
        if count < width:
            message = f"{ragged_template(count, width, self.headers_first_row)}: the missing values are null"
            self.problems.append(RecordError(row=row, raw_message=message, raw_params=params))
            return [*values, *([None] * (width - count))]
        params["extra"] = [truncate(value) for value in values[width:]]
        template = ragged_template(count, width, self.headers_first_row)
        message = f"{template}: the extra values are left out of the record ({{extra}})"
        self.problems.append(RecordError(row=row, raw_message=message, raw_params=params))
        return values[:width]

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Turn the size guard and csv.Error into SourceErrors naming the row being read."""
        try:
            yield
        except (RecordTooLong, csv.Error) as error:
            raise read_error(error, self.row, self.limits) from None


def ragged_template(count: int, width: int, header: bool) -> str:
    """'Row has {values} values but the header has {columns} columns', its nouns agreeing with the counts."""
    values = "value" if count == 1 else "values"
    if header:
        return f"Row has {{values}} {values} but the header has {{columns}} {'column' if width == 1 else 'columns'}"
    return f"Row has {{values}} {values} but the first row has {{columns}} {'value' if width == 1 else 'values'}"


def undecodable(row: int, field: str | None, value: str, runs: list[tuple[int, bytes]], encoding: str) -> RecordError:
    """The problem of a value holding undecodable bytes: the first run's offset, every run's bytes in hex."""
    params = {
        "offset": runs[0][0] if runs else None,
        "bytes": " ".join(bad.hex(" ") for _, bad in runs),
        "encoding": encoding,
        "value": truncate(value),
    }
    return RecordError(row=row, raw_message=UNDECODABLE, raw_params=params, field=field)


def open_csv(params: dict[str, Any], stream: BinaryIO, limits: ReadLimits) -> Source:
    """Open a CSV stream: the header (or the first row, without header) is read at once."""
    ensure_not_empty(stream)
    _refuse_binary(stream)
    table = _CsvTable(stream, params, limits)
    table.row = 0 if params["headers_first_row"] else 1
    first = table.first_values()
    if params["headers_first_row"]:
        fields = header_fields(table.unmark(first, 0, []) if table.undecoded else first, limits)
        table.row = 1  # the first row _rows reads
        rows = _value_rows(table, fields, None)
        return Source(fields, None, "the file has a header but no data rows", problems=table.problems, value_rows=rows)
    fields = positional_fields(len(first), limits)
    if table.undecoded:
        first = table.unmark(first, 1, [field.name for field in fields])
    table.row = 2
    rows = _value_rows(table, fields, first)
    return Source(fields, None, "the file has no data rows", problems=table.problems, value_rows=rows)


def _value_rows(table: _CsvTable, fields: list[Field], first: list[str] | None) -> Iterator[tuple[int, list[Any]]]:
    """Numbered rows of values, as wide as the header.

    The hot loop of the pipeline: no per-row attribute, keyword or new integer.

    Undecodable bytes and ragged rows take a branch of their own, so a clean row costs two truthiness
    checks and a length comparison.
    """
    names, fed, undecoded = [field.name for field in fields], table.fed, table.undecoded
    if first is not None:
        yield 1, first
    start = table.row
    index, blank_lines = start - 1, 0  # the row being read is always index - blank_lines + 1
    try:
        for index, values in enumerate(table.reader, start=start):
            if undecoded:
                values = table.unmark(values, index - blank_lines, names)
            if len(values) != len(names):
                if not values:
                    blank_lines += 1
                    continue
                values = table.fit(values, index - blank_lines, names)
            yield (index - blank_lines if blank_lines else index), values
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
