"""What every reader shares: limits, the Source returned by open_source, field and size helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any, BinaryIO

from datasets.pipeline.core import Field, Record, RecordError, SourceError
from datasets.pipeline.naming import unique_names

MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """Bounds that keep one hostile or broken file from exhausting memory or disk.

    Sizes of text records are counted in decoded characters, which never exceed the bytes for
    single-byte encodings and UTF-8, so the byte limit is never loosened.
    """

    max_record_bytes: int = 10 * MB
    max_xlsx_uncompressed_bytes: int = 1024**3
    max_xlsx_compression_ratio: int = 200
    # A full read holds the shared strings in memory (several times their XML size as Python strings).
    max_xlsx_shared_strings_bytes: int = 100 * MB
    # Each of the parts openpyxl parses whole (styles, workbook, relationships…), far smaller in real files.
    max_xlsx_part_bytes: int = 32 * MB
    max_xlsx_cells: int = 100_000_000
    max_fields: int = 1000


DEFAULT_LIMITS = ReadLimits()


class NoDataRowsError(SourceError):
    """The source has its header (or is a valid empty container) but not a single record."""


class RecordTooLong(Exception):
    """Internal signal: the record being read passed ``max_record_bytes``; readers add the row number."""


class Source:
    """An opened resource: ``fields`` are known at once, ``rows()`` streams the records (single pass).

    ``rows()`` yields ``(row_number, {field name: raw value})`` with row numbers counted from 1 over
    data rows (skipped blank lines do not count). When it ends without yielding anything it raises
    ``NoDataRowsError``; ``has_rows()`` answers the same question without raising.

    ``problems`` is where a reader reports what it read around rather than stopping (a ragged row,
    undecodable bytes): RecordErrors without resource, appended before the row they concern is
    yielded. ``runner.run`` hands them to its ``on_error`` and empties the list after each row; whoever
    iterates ``rows()`` directly may read them or leave them.
    """

    def __init__(
        self,
        fields: list[Field],
        rows: Iterator[tuple[int, Record]] | None,
        no_rows_reason: str,
        close: Callable[[], None] | None = None,
        problems: list[RecordError] | None = None,
        value_rows: Iterator[tuple[int, list[Any]]] | None = None,
    ) -> None:
        self.fields = fields
        self.problems = problems if problems is not None else []
        # Readers number rows themselves: they quote the numbers in their errors. A reader whose fields are
        # all known at once (CSV) may give its rows as lists of values, in field order: ``value_rows``.
        self.positional = value_rows is not None
        underlying = value_rows if value_rows is not None else rows
        if underlying is None:
            raise ValueError("a source needs rows or value_rows")
        self._rows: Iterator[tuple[int, Any]] = underlying
        self._no_rows_reason = no_rows_reason
        self._close = close
        self._peeked: list[tuple[int, Any]] = []
        self._started = False

    def has_rows(self) -> bool:
        """True when at least one data row follows the header; reads that row ahead if needed."""
        if self._peeked:
            return True
        if self._started:
            raise RuntimeError("has_rows() must be called before rows() is iterated")
        self._peeked = [row for row in [next(self._rows, None)] if row is not None]
        return bool(self._peeked)

    def rows(self) -> Iterator[tuple[int, Record]]:
        """The data rows, numbered from 1; raises NoDataRowsError when there is none."""
        if not self.positional:
            yield from self._numbered()
            return
        names = [field.name for field in self.fields]
        for row, values in self._numbered():
            yield row, dict(zip(names, values, strict=True))

    def value_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """The data rows as lists of values in ``fields`` order (``positional`` sources only)."""
        if not self.positional:
            raise TypeError("this source gives records, not rows of values")
        return self._numbered()

    def _numbered(self) -> Iterator[tuple[int, Any]]:
        self._started = True
        empty = True
        for row in chain(self._peeked, self._rows):
            empty = False
            yield row
        self._peeked = []
        self.close()
        if empty:
            raise NoDataRowsError(reason=self._no_rows_reason)

    def close(self) -> None:
        """Release what the reader holds open (the XLSX archive); the caller's stream stays open."""
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def human_size(size: int) -> str:
    """10485760 -> '10 MB'; exact multiples only get a unit, others stay in bytes."""
    for unit, factor in (("GB", 1024**3), ("MB", MB), ("KB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def plural(count: int, word: str) -> str:
    """'1 value', '3 values'."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def row_label(row: int) -> str:
    """'row 5' for data rows, 'the header row' for row 0."""
    return f"row {row}" if row else "the header row"


def too_long(row: int, limits: ReadLimits) -> SourceError:
    """The SourceError for a record over ``max_record_bytes``: 'row 5 is longer than 10 MB'."""
    return SourceError(reason=f"{row_label(row)} is longer than {human_size(limits.max_record_bytes)}")


def check_field_count(count: int, limits: ReadLimits) -> None:
    """Refuse a table wider than ``max_fields``."""
    if count > limits.max_fields:
        raise SourceError(reason=f"the file has {count} columns; at most {limits.max_fields} are allowed")


def header_fields(headers: list[str], limits: ReadLimits) -> list[Field]:
    """Fields named from a header row; a blank header cell is labelled 'Column N'."""
    check_field_count(len(headers), limits)
    names = unique_names(headers)
    return [
        Field(name=name, label=header.strip() or f"Column {index}", original_name=header)
        for index, (name, header) in enumerate(zip(names, headers, strict=True), start=1)
    ]


def positional_fields(count: int, limits: ReadLimits) -> list[Field]:
    """Fields of a table without header: 'Column 1'/column_1… (the reference's preview shape)."""
    check_field_count(count, limits)
    labels = [f"Column {index}" for index in range(1, count + 1)]
    names = unique_names(labels)
    return [Field(name=name, label=label, original_name=name) for name, label in zip(names, labels, strict=True)]


def ensure_not_empty(stream: BinaryIO) -> None:
    """Raise 'the file is empty' for a zero-byte stream; leaves the stream at its start."""
    stream.seek(0)
    first = stream.read(1)
    stream.seek(0)
    if not first:
        raise SourceError(reason="the file is empty")
