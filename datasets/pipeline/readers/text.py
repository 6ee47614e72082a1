"""Bytes to text for the text readers: incremental decoding (strict or marking), binary sniffing, bounded lines."""

from __future__ import annotations

import codecs
import re
import threading
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from datasets.pipeline.core import SourceError
from datasets.pipeline.readers.base import RecordTooLong

CHUNK_SIZE = 64 * 1024
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Magic numbers of the binary formats people upload by mistake instead of a CSV or JSON file.
SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document such as an .xls workbook"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)")
# Characters str.splitlines() also breaks on, which CSV does not. Looked for one by one: each ``in`` is a
# C scan (memchr), ten times faster than a regular expression's character class over the whole text.
_OTHER_BREAKS = ("\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
# What a marking decode puts in place of each run of undecodable bytes: a lone surrogate, which no
# decoder produces from valid input (UTF-8, UTF-16 and UTF-32 refuse encoded surrogates), so finding
# one in a value always means bytes were lost there. Readers replace it before a value leaves them.
MARK = "\udcff"
REPLACEMENT = "\ufffd"
_MARKING = "opendata-mark"
_marks = threading.local()  # the handler's sink for the decode call under way in this thread


def _mark(error: UnicodeError) -> tuple[str, int]:
    """The codec error handler of a marking decode: note (start, bytes) of the run, put MARK instead."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    _marks.sink.append((error.start, bytes(error.object[error.start : error.end])))
    return MARK, error.end


codecs.register_error(_MARKING, _mark)


def binary_signature(head: bytes) -> str | None:
    """What binary format ``head`` starts with ('a PNG image'…), or None."""
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)


def bom_encoding(head: bytes) -> str | None:
    """The encoding a byte order mark at the start of ``head`` announces (UTF-32 checked before UTF-16)."""
    return next((encoding for bom, encoding in BOMS if head.startswith(bom)), None)


def codec_name(encoding: str) -> str:
    """Python's canonical name of ``encoding`` ('UTF8' -> 'utf-8', 'latin-1' -> 'iso8859-1')."""
    return codecs.lookup(encoding).name


def decoded_chunks(
    stream: BinaryIO,
    encoding: str,
    chunk_size: int = CHUNK_SIZE,
    *,
    invalid: list[tuple[int, bytes]] | None = None,
) -> Iterator[str]:
    """Decode ``stream`` chunk by chunk.

    Strict by default: invalid bytes raise SourceError with their offset. With an ``invalid`` list
    the decode marks instead: each run of undecodable bytes becomes one MARK character in the text
    and ``(byte offset, bytes)`` is appended to ``invalid``, in stream order, before the chunk holding
    the mark is yielded. Valid input decodes at the same (C) speed either way.

    UTF-8 is read with or without a BOM (the BOM is dropped), because spreadsheet software adds one.
    """
    name = codec_name(encoding)
    utf8 = name in ("utf-8", "utf-8-sig")
    decoder = codecs.getincrementaldecoder("utf-8" if utf8 else name)(errors="strict" if invalid is None else _MARKING)
    offset = 0
    if utf8 and stream.read(3) == codecs.BOM_UTF8:
        offset = 3
    else:
        stream.seek(0)
    while True:
        data = stream.read(chunk_size)
        pending = len(decoder.getstate()[0])
        marks: list[tuple[int, bytes]] = []
        _marks.sink = marks
        try:
            text = decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            raise SourceError(
                reason=f"bytes at offset {offset - pending + error.start} are not valid {encoding}"
            ) from None
        if marks and invalid is not None:  # marks only come with ``invalid`` (the marking handler)
            # The decoder sees the bytes it held back from the previous chunk, then this one.
            invalid.extend((offset - pending + start, bad) for start, bad in marks)
        offset += len(data)
        if text:
            yield text
        if not data:
            return


def check_text(chunks: Iterable[str], kind: str) -> Iterator[str]:
    """Pass chunks through, refusing NUL characters: no text format contains them, binary files do."""
    for chunk in chunks:
        if "\x00" in chunk:
            raise SourceError(reason=f"the file looks binary (it contains NUL bytes), not {kind} text")
        yield chunk


def split_lines(chunks: Iterable[str], max_chars: int) -> Iterator[str]:
    """Physical lines with their endings (\\n, \\r\\n or \\r), as ``newline=''`` would give them.

    A line growing past ``max_chars`` raises RecordTooLong before it is held whole in memory.
    """
    pieces: list[str] = []  # the unfinished line, kept in pieces so that a long one is joined once
    held = 0
    for chunk in chunks:
        if "\n" not in chunk and "\r" not in chunk:
            pieces.append(chunk)
            held += len(chunk)
        else:
            lines = _lines_of("".join(pieces) + chunk)
            # The last piece has no line end yet (or ends in \r, maybe half of \r\n): it waits for more.
            rest = lines.pop()
            pieces, held = [rest], len(rest)
            yield from lines
        if held > max_chars:
            raise RecordTooLong
    yield from filter(None, _lines_of("".join(pieces)))


def _lines_of(text: str) -> list[str]:
    """Lines of ``text`` with their endings, then the unfinished rest (possibly empty, or ending in \\r)."""
    if any(brk in text for brk in _OTHER_BREAKS):
        lines = _LINE.findall(text)
        lines.append(text[sum(map(len, lines)) :])
    else:
        lines = text.splitlines(keepends=True)  # C speed, and exact once no other break character is present
        if not lines or lines[-1][-1] in "\r\n":
            lines.append("")
    if lines[-1] == "" and len(lines) > 1 and lines[-2].endswith("\r"):
        lines.pop()  # a final \r may be the first half of \r\n: it is part of the rest
    return lines
