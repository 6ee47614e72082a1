"""A workbook whose shared strings are read as the cells need them, not all at open.

openpyxl parses the whole shared-strings table (``xl/sharedStrings.xml``) when it opens a workbook,
even in read-only mode: a small file whose table inflates to hundreds of megabytes cost gigabytes of
memory and minutes before the first row was read. ``LazySharedStrings`` streams the table instead,
parsing entries only up to the highest index a cell has asked for: a preview or a guess, which read
the first rows, parse only the strings those rows use. A full read (a publish) ends up holding the
table, which ``xlsx_bounds`` keeps under ``ReadLimits.max_xlsx_shared_strings_bytes``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse  # defusedxml's when installed, as openpyxl parses

STRING_TAG = f"{{{SHEET_MAIN_NS}}}si"


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
        while len(self._strings) <= index and not self._exhausted:
            self._read_next()
        return self._strings[index]

    def __len__(self) -> int:
        """The number of strings parsed so far (the table's size once a cell used its last entry)."""
        return len(self._strings)

    def close(self) -> None:
        """Stop parsing and release the table's member stream."""
        if self._entries is not None:
            self._entries.close()  # type: ignore[attr-defined]  # a generator: closing runs its finally
        self._exhausted = True

    def _read_next(self) -> None:
        if self._entries is None:
            self._entries = self._parse()
        text = next(self._entries, None)
        if text is None:
            self._exhausted = True
        else:
            self._strings.append(text)

    def _parse(self) -> Iterator[str]:
        """Each ``<si>`` entry's text, as openpyxl reads it (runs joined, phonetic hints left out)."""
        with self._archive.open(self._part) as source:
            root = None
            for event, node in iterparse(source, events=("start", "end")):
                if root is None:
                    root = node
                elif event == "end" and node.tag == STRING_TAG:
                    yield Text.from_tree(node).content.replace("x005F_", "")
                    # Drop the parsed entries from the tree too, or the root would keep every one.
                    root.clear()


class _LazyStringsReader(ExcelReader):
    """openpyxl's reader with the shared-strings table left to ``LazySharedStrings``."""

    def read_strings(self) -> None:
        content_type = self.package.find(SHARED_STRINGS)
        if content_type is not None:
            self.shared_strings = LazySharedStrings(self.archive, content_type.PartName[1:])


def open_workbook(stream: BinaryIO) -> Any:
    """``openpyxl.load_workbook(stream, read_only=True, data_only=True)`` with lazily read shared strings.

    Closing the workbook closes the table's member stream too.
    """
    reader = _LazyStringsReader(stream, read_only=True, data_only=True)
    reader.read()
    workbook = reader.wb
    strings = reader.shared_strings
    if isinstance(strings, LazySharedStrings):
        close_archive = workbook.close

        def close() -> None:
            strings.close()
            close_archive()

        workbook.close = close
    return workbook
