"""The expression tokenizer: numbers, strings, names, ``$field`` references and operators, with positions."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from datasets.pipeline.record_expressions.values import LARGEST_INT, ExpressionSyntaxError, to_text


@dataclass(frozen=True)
class Token:
    """``kind`` is one of number, string, literal, name, field, op, end."""

    kind: str
    value: Any
    position: int


TOKEN_RE = re.compile(
    r"""(?P<space>\s+)
    |(?P<number>(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<field>\$[A-Za-z0-9_]+)
    |(?P<op>==|!=|<=|>=|&&|\|\||[-+*/%<>!?:(),\[\]])""",
    re.VERBOSE,
)
KEYWORD_LITERALS = {"true": True, "false": False, "null": None}
KEYWORD_OPERATORS = frozenset({"and", "or", "not"})
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}
HINTS = {"=": " (use '==' to compare)", "&": " (use '&&' or 'and')", "|": " (use '||' or 'or')"}
WRAPPED_RE = re.compile(r"\s*\{\{(.*)\}\}\s*", re.DOTALL)


def _read_string(text: str, start: int, offset: int) -> tuple[str, int]:
    """The string literal opening at ``start`` and the index after it; backslash escapes quotes and itself."""
    quote, index = text[start], start + 1
    parts: list[str] = []
    while index < len(text):
        char = text[index]
        if char == quote:
            return "".join(parts), index + 1
        if char == "\\" and index + 1 < len(text):
            escaped = text[index + 1]
            parts.append(ESCAPES.get(escaped, "\\" + escaped))
            index += 2
            continue
        parts.append(char)
        index += 1
    raise ExpressionSyntaxError("unterminated string", offset + start)


def _number_value(text: str, position: int) -> int | float:
    if any(mark in text for mark in ".eE"):
        value = float(text)
        if not math.isfinite(value):
            raise ExpressionSyntaxError("number too large", position)
        return value
    value = int(text)
    return float(value) if value > LARGEST_INT else value


def _token(kind: str, text: str, position: int) -> Token:
    if kind == "number":
        return Token("number", _number_value(text, position), position)
    if kind == "field":
        return Token("field", text[1:], position)
    if kind == "name" and text in KEYWORD_LITERALS:
        return Token("literal", KEYWORD_LITERALS[text], position)
    if kind == "name" and text in KEYWORD_OPERATORS:
        return Token("op", text, position)
    return Token(kind, text, position)


def tokenize(text: str, offset: int = 0) -> Iterator[Token]:
    """The tokens of ``text``, ending with an ``end`` token; positions are shifted by ``offset``.

    A generator: the parser reads it lazily, so errors are reported in reading order.
    """
    index = 0
    while index < len(text):
        if text[index] in "'\"":
            value, after = _read_string(text, index, offset)
            yield Token("string", value, offset + index)
            index = after
            continue
        match = TOKEN_RE.match(text, index)
        if match is None:
            char = text[index]
            raise ExpressionSyntaxError(f"unexpected character {char!r}{HINTS.get(char, '')}", offset + index)
        if match.lastgroup != "space":
            yield _token(match.lastgroup or "", match.group(), offset + index)
        index = match.end()
    yield Token("end", None, offset + len(text))


def describe(token: Token) -> str:
    if token.kind == "end":
        return "end of expression"
    if token.kind == "string":
        return f"string {token.value!r}"
    return f"'{to_text(token.value)}'"
