"""The whitelist of functions an expression may call (``len``, ``replace``, ``round``, ``year``, ``now``…)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from datasets.pipeline.core import RecordFailure
from datasets.pipeline.record_expressions.values import (
    ROUNDING_CONTEXT,
    as_number,
    bounded,
    checked,
    is_blank,
    shown,
    to_text,
)


@dataclass(frozen=True)
class Function:
    """A whitelisted function: its arity (``maximum`` None = any number) and its implementation."""

    minimum: int
    maximum: int | None
    call: Callable[..., Any]


def _now() -> datetime:
    return datetime.now(UTC)


def _whole(value: Any, function: str, argument: str) -> int:
    number = as_number(value)
    if isinstance(number, float) and not number.is_integer():
        raise RecordFailure(
            'Argument {argument} of {function}() must be a whole number, got "{value}"',
            argument=argument,
            function=function,
            value=shown(value),
        )
    return int(number)


def _text_function(transform: Callable[[str], str]) -> Callable[[Any], str | None]:
    return lambda value: None if value is None else transform(to_text(value))


def _length(value: Any) -> int | None:
    if value is None:
        return None
    return len(value) if isinstance(value, list) else len(to_text(value))


def _replace(value: Any, old: Any, new: Any) -> str | None:
    if value is None:
        return None
    old_text = to_text(old)
    if not old_text:
        return to_text(value)  # replacing "" would insert `new` between every character
    return bounded(to_text(value).replace(old_text, to_text(new)))


def _substring(value: Any, start: Any, length: Any = None) -> str | None:
    if value is None:
        return None
    text = to_text(value)[_whole(start, "substring", "start") :]
    if length is None:
        return text
    count = _whole(length, "substring", "length")
    if count < 0:
        raise RecordFailure("Argument length of substring() must not be negative, got {value}", value=count)
    return text[:count]


def _contains(value: Any, part: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, list):
        return any(to_text(item) == to_text(part) for item in value)
    return to_text(part) in to_text(value)


def _affix_test(method: str) -> Callable[[Any, Any], bool]:
    return lambda value, affix: value is not None and getattr(to_text(value), method)(to_text(affix))


def _number(value: Any) -> int | float | None:
    return None if is_blank(value) else as_number(value)


def _integer(value: Any) -> int | None:
    return None if is_blank(value) else int(as_number(value))


def _round(value: Any, digits: Any = 0) -> int | float | None:
    """Half away from zero (2.5 -> 3), not Python's banker's rounding."""
    if is_blank(value):
        return None
    number, places = as_number(value), _whole(digits, "round", "digits")
    if not 0 <= places <= 15:
        raise RecordFailure("Argument digits of round() must be between 0 and 15, got {value}", value=places)
    if isinstance(number, int):
        return number
    if number.is_integer():  # also every float beyond 2**52, which Decimal would need many digits for
        return number if places else int(number)
    # repr() is the shortest text of the float: 1.005 rounds to 1.01, as the user wrote it.
    rounded = Decimal(repr(number)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, ROUNDING_CONTEXT)
    return float(rounded) if places else int(rounded)


def _absolute(value: Any) -> int | float | None:
    return None if is_blank(value) else checked(abs(as_number(value)))


def _concat(*values: Any) -> str:
    return bounded("".join(to_text(value) for value in values))


def _coalesce(*values: Any) -> Any:
    return next((value for value in values if not is_blank(value)), None)


def _date_part(part: str) -> Callable[[Any], int | None]:
    def extract(value: Any) -> int | None:
        if is_blank(value):
            return None
        try:
            moment = datetime.fromisoformat(to_text(value).strip())
        except ValueError:
            raise RecordFailure('Cannot read "{value}" as a date', value=shown(value)) from None
        return getattr(moment, part)

    return extract


FUNCTIONS: dict[str, Function] = {
    "len": Function(1, 1, _length),
    "lower": Function(1, 1, _text_function(str.lower)),
    "upper": Function(1, 1, _text_function(str.upper)),
    "trim": Function(1, 1, _text_function(str.strip)),
    "replace": Function(3, 3, _replace),
    "substring": Function(2, 3, _substring),
    "contains": Function(2, 2, _contains),
    "startswith": Function(2, 2, _affix_test("startswith")),
    "endswith": Function(2, 2, _affix_test("endswith")),
    "number": Function(1, 1, _number),
    "int": Function(1, 1, _integer),
    "round": Function(1, 2, _round),
    "abs": Function(1, 1, _absolute),
    "concat": Function(0, None, _concat),
    "coalesce": Function(1, None, _coalesce),
    "isnull": Function(1, 1, is_blank),
    "year": Function(1, 1, _date_part("year")),
    "month": Function(1, 1, _date_part("month")),
    "day": Function(1, 1, _date_part("day")),
    "now": Function(0, 0, lambda: _now().replace(microsecond=0).isoformat()),
}
