"""A pull reader of JSON text: one value at a time, so an array of any length streams in bounded memory.

Only the value being decoded is held (plus one chunk); values are decoded by the stdlib decoder,
retried on a buffer that doubles until the value is complete or passes the size limit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from datasets.pipeline.core import SourceError
from datasets.pipeline.readers.base import RecordTooLong

_DECODER = json.JSONDecoder()
_NOT_SPACE = re.compile(r"[^ \t\n\r]")
_IN_STRING = re.compile(r'["\\]')
_STRUCTURE = re.compile(r'["\[\]{}]')


class JsonScanner:
    """A cursor over JSON text given as chunks of characters; positions are reported as line/column."""

    def __init__(self, chunks: Iterable[str], max_value_chars: int) -> None:
        self._chunks = iter(chunks)
        self._buf = ""
        self._pos = 0
        self._line = 1  # line and column of self._buf[0]
        self._column = 1
        self._eof = False
        self.max_value_chars = max_value_chars
        self.last_value_chars = 0

    def peek(self) -> str:
        """The next non-blank character, not consumed; '' at the end of the text."""
        while True:
            match = _NOT_SPACE.search(self._buf, self._pos)
            if match:
                self._pos = match.start()
                return match.group()
            self._pos = len(self._buf)
            if not self._fill():
                return ""

    def peek_inside(self) -> str:
        """The first non-blank character after the one under the cursor (the '{' of '[ {'), not consumed."""
        self.peek()
        while True:
            match = _NOT_SPACE.search(self._buf, self._pos + 1)
            if match:
                return match.group()
            if not self._fill():
                return ""

    def read_value(self) -> Any:
        """Decode the value under the cursor; RecordTooLong past ``max_value_chars``."""
        if self.peek() == "":
            raise self.error("unexpected end of the file")
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as error:
                if self._eof:
                    raise self.error(error.msg, error.pos) from None
            else:
                # A number or literal ending exactly at the buffer's end may go on in the next chunk.
                if end < len(self._buf) or self._eof:
                    if end - self._pos > self.max_value_chars:
                        raise RecordTooLong
                    self.last_value_chars = end - self._pos
                    self._pos = end
                    return value
            self._grow()

    def skip_value(self) -> None:
        """Pass over the value under the cursor without building it (a large sibling of a wanted array)."""
        if self.peek() not in ("[", "{"):
            self.read_value()
            return
        depth, in_string, pos = 0, False, self._pos
        while True:
            match = (_IN_STRING if in_string else _STRUCTURE).search(self._buf, pos)
            if match is None or (match.group() == "\\" and match.end() == len(self._buf)):
                # Keep an escaping backslash for the next round: the escaped character is not here yet.
                self._pos = match.start() if match else len(self._buf)
                if not self._fill():
                    raise self.error("unexpected end of the file")
                pos = self._pos
                continue
            char, pos = match.group(), match.end()
            if in_string:
                pos, in_string = (pos + 1, True) if char == "\\" else (pos, False)
            elif char == '"':
                in_string = True
            else:
                depth += 1 if char in "[{" else -1
                if depth == 0:
                    self._pos = pos
                    return

    def iter_array(self) -> Iterator[Any]:
        """The items of the array under the cursor, decoded one by one; consumes the closing bracket."""
        self.expect("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.read_value()
            if self._after_item("]"):
                return

    def members(self) -> Iterator[str]:
        """The keys of the object under the cursor; consumes the closing brace.

        After each key the cursor is on its value, which the caller must read or skip before asking
        for the next key.
        """
        self.expect("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            if self.peek() != '"':
                raise self.error("Expecting property name enclosed in double quotes")
            key = self.read_value()
            self.expect(":")
            yield key
            if self._after_item("}"):
                return

    def iter_values(self) -> Iterator[Any]:
        """Values separated by blanks until the end of the text: JSON Lines, or concatenated JSON."""
        while self.peek():
            yield self.read_value()

    def expect(self, char: str) -> None:
        """Consume ``char`` (after blanks) or raise the JSON error at the cursor."""
        found = self.peek()
        if found != char:
            raise self.error(f"Expecting '{char}'" if found else "unexpected end of the file")
        self._pos += 1

    def expect_end(self) -> None:
        """Only blanks may follow the document."""
        if self.peek():
            raise self.error("Extra data after the end of the JSON document")

    def error(self, message: str, index: int | None = None) -> SourceError:
        """A SourceError 'invalid JSON at line L column C: message' for ``index`` (default: the cursor)."""
        return SourceError(reason=f"invalid JSON at {self._where(self._pos if index is None else index)}: {message}")

    def _after_item(self, closing: str) -> bool:
        char = self.peek()
        if char == closing or char == ",":
            self._pos += 1
            return char == closing
        raise self.error(f"Expecting ',' or '{closing}'" if char else "unexpected end of the file")

    def _where(self, index: int) -> str:
        newlines = self._buf.count("\n", 0, index)
        if not newlines:
            return f"line {self._line} column {self._column + index}"
        return f"line {self._line + newlines} column {index - self._buf.rfind(chr(10), 0, index)}"

    def _fill(self) -> bool:
        """Append the next chunk, first dropping what was consumed; False at the end of the text."""
        chunk = None if self._eof else next(self._chunks, None)
        if chunk is None:
            self._eof = True
            return False
        consumed = self._buf[: self._pos]
        newlines = consumed.count("\n")
        self._line += newlines
        self._column = len(consumed) - consumed.rfind("\n") if newlines else self._column + len(consumed)
        self._buf = self._buf[self._pos :] + chunk
        self._pos = 0
        return True

    def _grow(self) -> None:
        """Read as much again as the pending value holds, so that retries cost O(size) in total."""
        pending = len(self._buf) - self._pos
        if pending > self.max_value_chars:
            raise RecordTooLong
        wanted = 2 * pending + 1
        while len(self._buf) - self._pos < wanted and self._fill():
            pass
