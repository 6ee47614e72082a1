"""The ``xlsfile`` reader: one sheet of an .xlsx workbook, read with openpyxl in read-only mode.

The zip is checked first (declared sizes and compression ratios, then the bounds of ``xlsx_bounds``)
because openpyxl would inflate whatever the archive holds; shared strings are read as cells need
them (``xlsx_strings``). Python's zipfile never inflates a member past its declared size, so
the declared sizes are a real bound. Cells become the strings a user sees (see ``cell_text``).
"""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any, BinaryIO

from datasets.pipeline.core import Field, InvalidExtractorParameterError, Record, SourceError
from datasets.pipeline.readers.base import (
    ReadLimits,
    Source,
    ensure_not_empty,
    header_fields,
    human_size,
    positional_fields,
    too_long,
)
from datasets.pipeline.readers.text import binary_signature
from datasets.pipeline.readers.xlsx_bounds import check_parts
from datasets.pipeline.readers.xlsx_strings import open_workbook

DAMAGED = "the XLSX file is damaged or truncated"
# Members smaller than this cannot hurt whatever their ratio; tiny XML parts often compress 100:1.
RATIO_CHECK_MIN_BYTES = 1024 * 1024


def open_xlsx(params: dict[str, Any], stream: BinaryIO, limits: ReadLimits) -> Source:
    """Open the chosen sheet; its header (or first row) is read at once."""
    workbook = load_workbook(stream, limits)
    try:
        rows = sheet_rows(workbook, params["sheet"], params["first_row_no"])
        return _source(rows, params, limits, workbook.close)
    except BaseException:
        workbook.close()
        raise


def load_workbook(stream: BinaryIO, limits: ReadLimits) -> Any:
    """The workbook in read-only mode, after refusing non-XLSX input and zip bombs."""
    ensure_not_empty(stream)
    check_archive(stream, limits)
    stream.seek(0)
    try:
        return open_workbook(stream)
    except Exception:  # openpyxl reports a damaged part with any exception type (KeyError, zlib.error…)
        raise SourceError(reason=DAMAGED) from None


def check_archive(stream: BinaryIO, limits: ReadLimits) -> None:
    """Refuse .xls, non-zip and non-workbook files, then oversized or over-compressed members."""
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SourceError(reason="the file is an old Excel 97-2003 workbook (.xls); save it as .xlsx")
    if not head.startswith(b"PK"):
        kind = binary_signature(head) or "text or an unknown format"
        raise SourceError(reason=f"the file is not an XLSX workbook ({kind})")
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            if "xl/workbook.xml" not in {member.filename for member in members}:
                raise SourceError(reason="the file is a ZIP archive but not an XLSX workbook")
            _check_sizes(members, limits)
            check_parts(archive, limits)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise SourceError(reason=DAMAGED) from None


def _check_sizes(members: list[zipfile.ZipInfo], limits: ReadLimits) -> None:
    total = sum(member.file_size for member in members)
    if total > limits.max_xlsx_uncompressed_bytes:
        limit = human_size(limits.max_xlsx_uncompressed_bytes)
        raise SourceError(reason=f"the XLSX file would uncompress to more than {limit}")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= RATIO_CHECK_MIN_BYTES and ratio > limits.max_xlsx_compression_ratio:
            raise SourceError(
                reason=f"the XLSX file looks like a zip bomb: {member.filename} is compressed "
                f"{int(ratio)} to 1 (at most {limits.max_xlsx_compression_ratio} to 1 is allowed)"
            )


def sheet_rows(workbook: Any, sheet: int | str | None, first_row_no: int) -> Iterator[tuple[int, list[str]]]:
    """(sheet row number, cell texts without trailing empty cells) from ``first_row_no`` on."""
    worksheet = pick_sheet(workbook, sheet)
    # Dimensions written by some producers are wrong (often just "A1"); trusting them would cut rows.
    worksheet.reset_dimensions()
    cells = worksheet.iter_rows(min_row=first_row_no, values_only=True)
    return _texts(cells, first_row_no)


def _texts(cells: Iterator[tuple[Any, ...]], first_row_no: int) -> Iterator[tuple[int, list[str]]]:
    number = first_row_no
    while True:
        try:
            values = next(cells, None)
        except Exception:  # a truncated or corrupt sheet part surfaces while parsing, as any error type
            raise SourceError(reason=DAMAGED) from None
        if values is None:
            return
        texts = [cell_text(value) for value in values]
        while texts and texts[-1] == "":
            texts.pop()
        yield number, texts
        number += 1


def pick_sheet(workbook: Any, sheet: int | str | None) -> Any:
    """The worksheet named ``sheet``, or at 1-based position ``sheet`` (a digit string too), or the first."""
    worksheets = workbook.worksheets
    if sheet is None:
        if not worksheets:
            raise SourceError(reason="the workbook has no worksheet")
        return worksheets[0]
    for worksheet in worksheets:
        if isinstance(sheet, str) and worksheet.title == sheet:
            return worksheet
    position = int(sheet) if isinstance(sheet, int) or sheet.strip().isdigit() else 0
    if 1 <= position <= len(worksheets):
        return worksheets[position - 1]
    names = ", ".join(repr(worksheet.title) for worksheet in worksheets)
    reason = f"the workbook has no sheet {sheet!r}; its sheets are {names}"
    raise InvalidExtractorParameterError(parameter="sheet", extractor="xlsfile", reason=reason)


def cell_text(value: Any) -> str:
    """A cell as a user sees it: 3 not 3.0, ISO 8601 dates (a midnight datetime is a date), true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _source(
    rows: Iterator[tuple[int, list[str]]], params: dict[str, Any], limits: ReadLimits, close: Callable[[], None]
) -> Source:
    nonempty = (row for row in rows if row[1])
    first = next(nonempty, None)
    if first is None:
        raise SourceError(reason="the sheet is empty")
    if params["headers_first_row"]:
        fields = header_fields(first[1], limits)
        records = _records(nonempty, fields, limits)
        return Source(fields, enumerate(records, start=1), "the sheet has a header but no data rows", close)
    fields = positional_fields(len(first[1]), limits)
    records = _records(chain([first], nonempty), fields, limits)
    return Source(fields, enumerate(records, start=1), "the sheet has no data rows", close)


def _records(rows: Iterator[tuple[int, list[str]]], fields: list[Field], limits: ReadLimits) -> Iterator[Record]:
    names = [field.name for field in fields]
    for row, (number, texts) in enumerate(rows, start=1):
        if len(texts) > len(names):
            raise SourceError(
                reason=f"row {row} (sheet row {number}) has a value in column {len(texts)} "
                f"but the table has {len(names)} columns"
            )
        if sum(map(len, texts)) > limits.max_record_bytes:
            raise too_long(row, limits)
        texts += [""] * (len(names) - len(texts))
        yield dict(zip(names, texts, strict=True))
