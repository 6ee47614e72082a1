"""The expression language's values: limits, CSV-friendly coercions, arithmetic and comparisons."""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable
from decimal import Context
from typing import Any

from datasets.pipeline.core import RecordFailure

MAX_LENGTH = 2000
MAX_DEPTH = 50
MAX_TEXT = 1_000_000  # a bound on the texts replace()/concat()/+ may build, so nesting cannot explode
MAX_NUMBER_TEXT = 100  # longer digit strings are not numbers (and would be slow to parse)
LARGEST_INT = 2**63  # integer results beyond this become floats, keeping arithmetic cheap
EXCERPT = 100
ROUNDING_CONTEXT = Context(prec=40)  # 16 significant digits of a float + 15 decimals fit


class ExpressionSyntaxError(ValueError):
    """The expression cannot be read: ``message`` says why, ``position`` where (0-based, in the source text)."""

    def __init__(self, message: str, position: int) -> None:
        self.message = message
        self.position = position
        super().__init__(f"{message} at position {position}")


NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
FALSE_TEXTS = frozenset({"", "false", "0"})


def to_text(value: Any) -> str:
    """The text form of a record value: ``null`` is empty, booleans are ``true``/``false``, JSON for the rest."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # 3.0 prints as "3", the way a spreadsheet or JavaScript shows it.
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def is_blank(value: Any) -> bool:
    """``null`` or a text of spaces only: an empty CSV cell and a missing value are the same thing."""
    return value is None or (isinstance(value, str) and not value.strip())


def truthy(value: Any) -> bool:
    """Truth of a value; the texts ``""``, ``"0"`` and ``"false"`` are false because CSV values are texts."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_TEXTS
    if isinstance(value, bool | int | float):
        return bool(value)
    return len(value) > 0


def shown(value: Any) -> str:
    """A short text of a value for error messages."""
    if value is None:
        return "null"
    text = to_text(value)
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


def numeric(value: Any) -> int | float | None:
    """The number a value stands for (numbers and numeric texts), else None; booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) > MAX_NUMBER_TEXT or not NUMBER_RE.fullmatch(text):
        return None
    if any(mark in text for mark in ".eE"):
        number = float(text)
        return number if math.isfinite(number) else None
    return checked(int(text))


def as_number(value: Any) -> int | float:
    """``numeric()`` or a RecordFailure: the value was meant to be a number."""
    number = numeric(value)
    if number is None:
        raise RecordFailure('Cannot use "{value}" as a number', value=shown(value))
    return number


def checked(number: int | float) -> int | float:
    """Big integers become floats; infinities and NaN stop the evaluation."""
    if isinstance(number, int) and abs(number) > LARGEST_INT:
        number = float(number)
    if isinstance(number, float) and not math.isfinite(number):
        raise RecordFailure("Number out of range in the expression")
    return number


def bounded(text: str) -> str:
    """Refuse texts longer than MAX_TEXT, the only way an expression could use a lot of memory."""
    if len(text) > MAX_TEXT:
        raise RecordFailure("Text longer than {limit} characters in the expression", limit=MAX_TEXT)
    return text


# ---------------------------------------------------------------------------------------------- operators


def _divide(left: int | float, right: int | float) -> int | float:
    if isinstance(left, int) and isinstance(right, int) and left % right == 0:
        return left // right
    return left / right


ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
    "%": operator.mod,
}
ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
COMPARISONS = ("==", "!=", *ORDERING)


def arithmetic(symbol: str, left: Any, right: Any) -> Any:
    """``+`` joins texts when either side is a text; otherwise numbers, and ``null`` gives ``null``."""
    if symbol == "+" and (isinstance(left, str) or isinstance(right, str)):
        return bounded(to_text(left) + to_text(right))
    if left is None or right is None:
        return None
    left_number, right_number = as_number(left), as_number(right)
    try:
        return checked(ARITHMETIC[symbol](left_number, right_number))
    except ZeroDivisionError:
        raise RecordFailure("Division by zero in the expression") from None
    except OverflowError:
        raise RecordFailure("Number out of range in the expression") from None


def equal(left: Any, right: Any) -> bool:
    """Equality with CSV semantics: blank equals null, numeric texts compare as numbers."""
    if is_blank(left) or is_blank(right):
        return is_blank(left) and is_blank(right)
    left_number, right_number = numeric(left), numeric(right)
    if left_number is not None and right_number is not None:
        return left_number == right_number
    return to_text(left) == to_text(right)


def compare(symbol: str, left: Any, right: Any) -> bool:
    """``==``/``!=`` via equal(); orderings compare numbers when both sides are numeric, else texts."""
    if symbol in ("==", "!="):
        return equal(left, right) == (symbol == "==")
    if left is None or right is None:
        return False  # as in SQL: null is neither smaller nor greater than anything
    left_number, right_number = numeric(left), numeric(right)
    if left_number is None or right_number is None:
        return ORDERING[symbol](to_text(left), to_text(right))
    return ORDERING[symbol](left_number, right_number)
