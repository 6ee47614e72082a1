"""A workbook whose shared strings are read as the cells need them, not all at open.

openpyxl parses the whole shared-strings table (``xl/sharedStrings.xml``) when it opens a workbook,
even in read-only mode: a small file whose table inflates to hundreds of megabytes cost gigabytes of
memory and minutes before the first row was read. ``LazySharedStrings`` streams the table instead
(``xlsx_string_table``), parsing entries only up to the highest index a cell has asked for: a preview
or a guess, which read the first rows, parse only the strings those rows use. A full read (a publish)
ends up holding the table, which ``xlsx_bounds`` keeps under ``ReadLimits.max_xlsx_shared_strings_bytes``;
so does a first row pointing at the table's last entry: that bound is also the web process's worst case.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from itertools import islice
from typing import Any, BinaryIO

from openpyxl.reader.excel import ExcelReader
from openpyxl.xml.constants import SHARED_STRINGS

from datasets.pipeline.readers.xlsx_string_table import table_entries


class LazySharedStrings:
    """The shared strings of one workbook, parsed forward on demand and kept once parsed.

    Indexing is all openpyxl's sheet parser does with its table (``strings[int(value)]``). An index
    past the end of the table raises IndexError, as openpyxl's list did.
    """

    def __init__(self, archive: zipfile.ZipFile, part: str) -> None:
        self._archive = archive
        self._part = part
        self._strings: list[str] = []
        self._entries: Iterator[str] | None = None
        self._exhausted = False

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(index)
        missing = index + 1 - len(self._strings)
        if missing > 0 and not self._exhausted:
            if self._entries is None:
                self._entries = self._parse()
            self._strings.extend(islice(self._entries, missing))
            self._exhausted = len(self._strings) <= index
        return self._strings[index]

    def __len__(self) -> int:
        """The number of strings parsed so far (the table's size once a cell used its last entry)."""
        return len(self._strings)

    def close(self) -> None:
        """Stop parsing and release the table's member stream."""
        if self._entries is not None:
            self._entries.close()  # type: ignore[attr-defined]  # a generator: closing runs its finally
        self._exhausted = True

    def _parse(self) -> Iterator[str]:
        with self._archive.open(self._part) as source:
            yield from table_entries(source)


class _LazyStringsReader(ExcelReader):
    """openpyxl's reader with the shared-strings table left to ``LazySharedStrings``."""

    def read_strings(self) -> None:
        content_type = self.package.find(SHARED_STRINGS)
        if content_type is not None:
            self.shared_strings = LazySharedStrings(self.archive, content_type.PartName[1:])  # type: ignore[assignment]  # read lazily, where openpyxl keeps a list


def open_workbook(stream: BinaryIO) -> Any:
    """``openpyxl.load_workbook(stream, read_only=True, data_only=True)`` with lazily read shared strings,
    without external links.

    Closing the workbook closes the table's member stream too.
    """
    # keep_links=False: openpyxl would otherwise parse each external workbook's cached copy whole, and
    # nothing here reads them.
    reader = _LazyStringsReader(stream, read_only=True, data_only=True, keep_links=False)
    reader.read()
    workbook = reader.wb
    strings = reader.shared_strings
    if isinstance(strings, LazySharedStrings):
        close_archive = workbook.close

        def close() -> None:
            strings.close()
            close_archive()

        workbook.close = close  # type: ignore[method-assign]  # closing the workbook closes the strings too
    return workbook
