"""How a column writes its values: null markers, decimal mark, date order, time zone.

Real files write the same value many ways: ``NA`` for a missing number, ``1 234,56`` for
1234.56, ``13/01/2012`` for 2012-01-13, ``oui`` for true. Inference decides these conventions per
column, over every value (``inference.py``); conversion then reads each value with its column's
``ColumnFormat`` (``conversion.py``). A resource's extractor parameters give what a column cannot
decide by itself (``ReadOptions``).

The rules, documented in the README ("What publishing does to values"):

* **Null markers** (``DEFAULT_NULL_MARKERS``, or the resource's ``null_markers``) are null in a
  column of any type but text; a text column keeps them as written. Compared after stripping.
* **Numbers**: the decimal mark is ``.`` or ``,``; thousands may be grouped by a space, a no-break
  or narrow no-break space, an apostrophe, or the other mark, in groups of exactly three
  digits, one separator kind per value. A value that reads one way only decides its column
  (``79,97``, ``1 234,56`` -> ``,``; ``3.14``, ``1,234.5`` -> ``.``); ``1,500`` reads both ways. A column
  that never decides takes the mark its resource's other columns decided, else the resource's
  ``decimal_mark`` parameter, else ``.``. Leading zeros (``007``) and a leading ``+`` are text.
* **Dates**: ISO ``YYYY-MM-DD`` and ``YYYY/MM/DD`` read alike in any order; ``DD/MM/YYYY`` with
  ``/``, ``.`` or ``-`` is day-first or month-first as the column decides (a first part above 12 is
  day-first, a second above 12 month-first), else as the resource's ``date_order`` (``dmy`` by
  default). Four-digit years only. A time ``HH:MM[:SS[.ffffff]]`` and a zone (``Z``, ``±HH:MM``,
  ``±HHMM``) may follow after a space or ``T``; a time without zone is read in the resource's
  ``timezone`` (default: the DATA_TIME_ZONE setting).
* **Booleans**: ``BOOLEAN_WORDS`` in English, French, German, Spanish, Italian and Dutch, any case;
  ``0`` and ``1`` stay integers.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from core.timezones import zone_named

DOT, COMMA = 1, 2  # decimal marks, as bits: a value may read both ways
DMY, MDY = 1, 2  # date orders, as bits
BOTH = 3
MARKS = {DOT: ".", COMMA: ","}
ORDERS = {DMY: "dmy", MDY: "mdy"}
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

DEFAULT_NULL_MARKERS = ("NA", "N/A", "n/a", "#N/A", "NULL", "null", "NaN", "nan", "None", "-", "--", ".", "..", "...")

TRUE_WORDS = frozenset({"true", "yes", "vrai", "oui", "wahr", "ja", "verdadero", "sí", "si", "vero", "sì", "waar"})
FALSE_WORDS = frozenset({"false", "no", "faux", "non", "falsch", "nein", "falso", "nee", "onwaar"})
BOOLEAN_WORDS = TRUE_WORDS | FALSE_WORDS
LONGEST_BOOLEAN_WORD = max(map(len, BOOLEAN_WORDS))

# One separator kind per value, groups of three digits after a first group of one to three.
DOT_NUMBER = re.compile(
    r"(-?)(?:([1-9][0-9]{0,2})([, \u00a0\u202f'])([0-9]{3}(?:\3[0-9]{3})*)|(0|[1-9][0-9]*))"
    r"(\.[0-9]+)?([eE][-+]?[0-9]+)?"
)
COMMA_NUMBER = re.compile(
    r"(-?)(?:([1-9][0-9]{0,2})([. \u00a0\u202f'])([0-9]{3}(?:\3[0-9]{3})*)|(0|[1-9][0-9]*))(,[0-9]+)?()"
)
NUMBER_CHARS = frozenset("0123456789.,-eE+' \u00a0\u202f")
LOCAL_DATE = re.compile(
    r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4})"
    r"(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,6}))?)?"
    r"\s*(Z|[-+][0-9]{2}(?::?[0-9]{2})?)?)?"
)


@dataclass(frozen=True)
class ReadOptions:
    """A resource's reading conventions, from its extractor parameters (``from_params``)."""

    null_markers: frozenset[str] = frozenset(DEFAULT_NULL_MARKERS)
    decimal_mark: str = "auto"  # "auto", "." or ","
    date_order: str = "dmy"  # the order of dates no value of their column decides
    timezone: dt.tzinfo = dt.UTC

    @classmethod
    def from_params(cls, params: dict[str, Any] | None, default_timezone: str = "UTC") -> ReadOptions:
        params = params or {}
        markers = params.get("null_markers")
        zone = params.get("timezone") or default_timezone
        return cls(
            null_markers=frozenset(DEFAULT_NULL_MARKERS if markers is None else (m.strip() for m in markers)),
            decimal_mark=params.get("decimal_mark") or "auto",
            date_order=params.get("date_order") or "dmy",
            timezone=time_zone(zone),
        )


def time_zone(name: str) -> dt.tzinfo:
    """The IANA zone ``name`` (UTC for "UTC"); raises ValueError for an unknown name."""
    if name.upper() == "UTC":
        return dt.UTC
    zone = zone_named(name)
    if zone is None:
        raise ValueError(f"unknown time zone {name!r}")
    return zone


@dataclass(frozen=True)
class ColumnFormat:
    """How one column writes its values, as inference decided it; conversion reads with it."""

    decimal_mark: str = "."
    date_order: str = "dmy"
    null_markers: frozenset[str] = field(default_factory=frozenset)
    timezone: dt.tzinfo = dt.UTC


PLAIN = ColumnFormat()  # ISO dates, a decimal point, no marker: how values read without inference


# --- numbers -----------------------------------------------------------------------------------


def number_readings(text: str) -> tuple[int | float | None, int | float | None]:
    """``text`` read with a ``.`` decimal mark and with a ``,`` one: (dot reading, comma reading).

    None where ``text`` is not a number written that way. Integral readings are ints (None beyond
    64 bits: such digits are identifiers, kept as text); fractional ones finite floats.
    """
    if not NUMBER_CHARS.issuperset(text):
        return None, None
    return read_number(DOT_NUMBER, text), read_number(COMMA_NUMBER, text)


def read_number(pattern: re.Pattern[str], text: str) -> int | float | None:
    match = pattern.fullmatch(text)
    if match is None:
        return None
    sign, head, _separator, groups, plain, fraction, exponent = match.groups()
    digits = plain if plain is not None else head + groups.replace(match[3], "")
    if fraction is None and not exponent:
        number: int | float = int(sign + digits)
        return number if INT64_MIN <= number <= INT64_MAX else None
    number = float(f"{sign}{digits}.{fraction[1:] if fraction else '0'}{exponent or ''}")
    return number if math.isfinite(number) else None


def number_marks(text: str) -> tuple[int, int]:
    """(marks ``text`` reads under, marks under which it reads as a fraction), as DOT/COMMA bits."""
    dot, comma = number_readings(text)
    marks = (DOT if dot is not None else 0) | (COMMA if comma is not None else 0)
    fractions = (DOT if isinstance(dot, float) else 0) | (COMMA if isinstance(comma, float) else 0)
    return marks, fractions


def read_with_mark(text: str, mark: str) -> int | float | None:
    """``text`` read as a number with decimal ``mark``; None when it is not one."""
    return read_number(DOT_NUMBER if mark == "." else COMMA_NUMBER, text)


# --- dates -------------------------------------------------------------------------------------


def date_orders(text: str) -> tuple[int, bool]:
    """(orders ``text`` reads as a real date under, as DMY/MDY bits; whether it has a time).

    (0, False) when it is not a day-first or month-first date.
    """
    match = LOCAL_DATE.fullmatch(text)
    if match is None:
        return 0, False
    orders = (DMY if local_moment(match, DMY) is not None else 0) | (MDY if local_moment(match, MDY) is not None else 0)
    return orders, match[5] is not None


def local_date_iso(text: str, order: str) -> str:
    """``DD/MM/YYYY`` (``order`` "dmy") or ``MM/DD/YYYY`` (also with ``.`` or ``-``), exactly ten characters,
    as ``YYYY-MM-DD`` by slicing; whether it is a real date is the caller's to check. ``""`` stays ``""``."""
    if not text:
        return text
    day, month = (text[:2], text[3:5]) if order == "dmy" else (text[3:5], text[:2])
    return f"{text[6:10]}-{month}-{day}"


def read_local_date(text: str, order: str, zone: dt.tzinfo) -> dt.date | dt.datetime | None:
    """A day-first (``order`` "dmy") or month-first date, with its time if any; None if not one."""
    match = LOCAL_DATE.fullmatch(text)
    if match is None:
        return None
    return local_moment(match, DMY if order == "dmy" else MDY, zone)


def local_moment(match: re.Match[str], order: int, zone: dt.tzinfo = dt.UTC) -> dt.date | dt.datetime | None:
    first, _separator, second, year, hour, minute, second_, fraction, offset = match.groups()
    day, month = (first, second) if order == DMY else (second, first)
    try:
        if hour is None:
            return dt.date(int(year), int(month), int(day))
        micro = int((fraction or "0").ljust(6, "0"))
        moment = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second_ or 0), micro)
    except ValueError:
        return None
    return moment.replace(tzinfo=offset_zone(offset) if offset else zone)


def offset_zone(offset: str) -> dt.tzinfo:
    """``Z``, ``+01``, ``+0100`` or ``+01:00`` as a fixed zone."""
    if offset == "Z":
        return dt.UTC
    digits = offset[1:].replace(":", "").ljust(4, "0")
    delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return dt.timezone(-delta if offset[0] == "-" else delta)


# --- booleans ----------------------------------------------------------------------------------


def boolean_word(text: str) -> bool | None:
    """True or False for a boolean word of ``BOOLEAN_WORDS`` (any case), else None."""
    if len(text) > LONGEST_BOOLEAN_WORD:
        return None
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
