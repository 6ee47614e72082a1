"""The entries of a shared-strings table (``xl/sharedStrings.xml``), streamed with expat.

No element tree is built: openpyxl's parse (an Element, then a ``Text`` object, per entry) cost tens
of microseconds an entry, which a table of millions of short strings turned into minutes. An entry's
text is what openpyxl's ``Text.content`` gives: its ``<t>`` texts (plain or rich-text runs) joined,
phonetic hints (``<rPh>``) left out, the ``_x005F`` escape prefix dropped. A table declaring a DOCTYPE
is refused: no spreadsheet writes one, and entity declarations are how XML bombs inflate.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import IO
from xml.parsers import expat

from openpyxl.xml.constants import SHEET_MAIN_NS

CHUNK_BYTES = 64 * 1024
ENTRY, TEXT, PHONETIC = (f"{SHEET_MAIN_NS} {name}" for name in ("si", "t", "rPh"))


class DoctypeRefused(ValueError):
    """The table declares a DOCTYPE."""


def table_entries(source: IO[bytes]) -> Iterator[str]:
    """Each entry's text, in table order, reading ``source`` a chunk at a time."""
    entries = _Entries()
    parser = entries.parser()
    while chunk := source.read(CHUNK_BYTES):
        parser.Parse(chunk, False)
        yield from entries.take()
    parser.Parse(b"", True)
    yield from entries.take()


class _Entries:
    """expat handlers collecting the finished entries of what was fed so far."""

    def __init__(self) -> None:
        self.finished: deque[str] = deque()
        self._parts: list[str] | None = None  # the texts of the entry being read
        self._in_text = False
        self._phonetic_depth = 0

    def parser(self) -> expat.XMLParserType:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        parser.StartDoctypeDeclHandler = self._doctype
        return parser

    def take(self) -> Iterator[str]:
        while self.finished:
            yield self.finished.popleft()

    def _start(self, name: str, _attributes: dict[str, str]) -> None:
        if name == ENTRY:
            self._parts = []
        elif name == PHONETIC:
            self._phonetic_depth += 1
        elif name == TEXT and self._parts is not None and not self._phonetic_depth:
            self._in_text = True

    def _end(self, name: str) -> None:
        if name == ENTRY and self._parts is not None:
            self.finished.append("".join(self._parts).replace("x005F_", ""))
            self._parts = None
        elif name == PHONETIC:
            self._phonetic_depth -= 1
        elif name == TEXT:
            self._in_text = False

    def _characters(self, data: str) -> None:
        if self._in_text and self._parts is not None:
            self._parts.append(data)

    @staticmethod
    def _doctype(*_declaration: object) -> None:
        raise DoctypeRefused("the shared strings declare a DOCTYPE")
