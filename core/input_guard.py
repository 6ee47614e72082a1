"""What any request may carry before it reaches the database: storable text, bounded numbers and depth.

PostgreSQL refuses the NUL character (U+0000) in ``text`` and ``jsonb``, and psycopg cannot encode a lone
UTF-16 surrogate (U+D800..U+DFFF, which JSON's ``"\\ud800"`` escape produces) to UTF-8; either would turn a
request into a 500 wherever the value is stored or compared. Integers beyond PostgreSQL's ``bigint`` and
floats beyond ``double precision`` (JSON's ``1e400`` reads as infinity) are refused for the same reason, and a
JSON document nested deeper than ``MAX_JSON_DEPTH`` levels is refused before any code walks it recursively.

The functions here are pure: the parsers (``core.api.parsers``) and the request middleware
(``config.input_guard_middleware``) turn what they find into each surface's own 400.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

# Deep enough for every document the APIs take (metadata, processor args: a handful of levels), shallow
# enough that no recursive walk of a parsed body ever nears Python's recursion limit (API decision 27).
MAX_JSON_DEPTH = 64
# PostgreSQL's bigint: the widest integer column, and the widest offset a LIMIT/OFFSET accepts.
MAX_BIGINT = 2**63 - 1
# The bound of integer query parameters (page, rows, limit, offset...): PostgreSQL's integer, so that any
# product of two of them (page x rows) still fits a bigint offset.
MAX_QUERY_INTEGER = 2**31 - 1

UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class Refusal:
    """Why an input is refused: ``field`` names where (``metas.default.title``, ``where``), ``detail`` what."""

    field: str
    detail: str


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (a NUL or a lone surrogate, named by code point), or None."""
    found = UNSTORABLE_CHARACTER.search(text)
    if found is None:
        return None
    character = found.group()
    name = "the NUL character" if character == "\x00" else "a lone surrogate"
    return f"contains {name} (U+{ord(character):04X}), which cannot be stored"


def number_problem(number: int | float) -> str | None:
    """Why a JSON number cannot be stored: an integer beyond bigint, or a float that is not finite."""
    if isinstance(number, bool):
        return None
    if isinstance(number, int) and not -MAX_BIGINT - 1 <= number <= MAX_BIGINT:
        return f"integer out of range (-{MAX_BIGINT + 1} to {MAX_BIGINT})"
    if isinstance(number, float) and not math.isfinite(number):
        return "number out of range (too large for a double precision)"
    return None


def json_problem(value: Any, field: str = "body") -> Refusal | None:
    """The first key or value of a parsed JSON document that cannot be stored, or a nesting too deep.

    Iterative (an explicit stack), so that no document, however built, makes this walk recurse.
    """
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        current, path, depth = stack.pop()
        if isinstance(current, dict | list):
            if depth >= MAX_JSON_DEPTH:
                return Refusal(path, f"nested deeper than {MAX_JSON_DEPTH} levels")
            children = current.items() if isinstance(current, dict) else enumerate(current)
            for key, child in children:
                if isinstance(key, str) and (detail := text_problem(key)):
                    return Refusal(path, f"a key {detail}")
                child_path = f"{path}[{key}]" if isinstance(current, list) else join(path, cast(str, key))
                stack.append((child, child_path, depth + 1))
        elif detail := scalar_problem(current):
            return Refusal(path, detail)
    return None


def scalar_problem(value: Any) -> str | None:
    """Why a JSON scalar (string, number, boolean, null) cannot be stored, or None."""
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, int | float):
        return number_problem(value)
    return None


def join(path: str, key: str) -> str:
    """``metas.default`` + ``title``; the top level of a body is named by its keys alone."""
    return key if path == "body" else f"{path}.{key}"


def pairs_problem(pairs: Iterable[tuple[str, str]]) -> Refusal | None:
    """The first name or value of query parameters or form fields that cannot be stored."""
    for name, value in pairs:
        if detail := text_problem(name):
            return Refusal(printable(name), f"a parameter name {detail}")
        if detail := text_problem(value):
            return Refusal(name, detail)
    return None


def every_pair(query_dict) -> Iterable[tuple[str, str]]:
    """Each ``(name, value)`` of a QueryDict, every value of a repeated name included."""
    return ((name, value) for name, values in query_dict.lists() for value in values)


def path_problem(path: str) -> Refusal | None:
    """An URL path holding a character that cannot be stored (``/security/groups/%00``)."""
    detail = text_problem(path)
    return Refusal("path", f"the URL path {detail}") if detail else None


def printable(text: str) -> str:
    """``text`` with its unstorable characters escaped, so that an error message naming it can be stored."""
    return UNSTORABLE_CHARACTER.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
