"""Dates in ODSQL: the ``timezone`` parameter, ``now(...)``, ``date_format`` patterns and date histogram units.

Decisions:

* ``timezone`` is an IANA (CLDR) zone id checked against the zones Python knows (``zoneinfo``); it only ever
  reaches SQL as a bound parameter of ``AT TIME ZONE``. Date functions, ``date_format`` and date grouping
  compute the wall-clock time in that zone; ``date`` fields have no zone and are read as they are.
* ``now(...)`` is computed here, once per query, as dateutil's ``relativedelta`` would: singular arguments set a
  part (``year=2000``), plural ones shift (``months=-1``), then ``weekday=0..6`` moves to that weekday (0 is
  Monday), today included. It becomes a bound ``timestamptz`` parameter.
* ``date_format`` patterns are translated token by token from an allow-list, each token to its own
  ``to_char`` call; free text (quoted, or delimiters) becomes a bound text parameter, so no user text is ever
  read by ``to_char`` as a format. Day and month names come from the tables below, in the ``lang`` language
  (English, French, German or Spanish; English for any other language).
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from core.timezones import zone_named
from datasets.odsql import ODSQLError, ast

UTC = "UTC"

# now(): parts set by singular arguments, shifts of plural ones (months and years shift the calendar).
NOW_PARTS = ("year", "month", "day", "hour", "minute", "second", "microsecond")
NOW_SHIFTS = {
    "weeks": "weeks",
    "days": "days",
    "hours": "hours",
    "minutes": "minutes",
    "seconds": "seconds",
    "microseconds": "microseconds",
}
NOW_MONTH_SHIFTS = {"years": 12, "months": 1}


def check_timezone(name: str | None) -> str:
    """The ``timezone`` parameter as a known IANA zone id (``UTC`` when absent); ``ODSQLError`` otherwise."""
    if name is None or not name.strip():
        return UTC
    name = name.strip()
    if zone_named(name) is None:
        message = f"Invalid value for timezone: unknown time zone {name!r}; use an IANA id such as Europe/Paris"
        raise ODSQLError(message) from None
    return name


def localize(value: Any, zone: str) -> Any:
    """An aware datetime shown in ``zone`` (records come back in the zone the request asked for)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(zoneinfo.ZoneInfo(zone))
    return value


# now()


def now_value(node: ast.FunctionCall, zone: str, clause: str, current: dt.datetime | None = None) -> dt.datetime:
    """The datetime ``now(...)`` stands for, in ``zone``; ``current`` replaces the clock in tests."""
    base = (current or dt.datetime.now(dt.UTC)).astimezone(zoneinfo.ZoneInfo(zone))
    arguments = _now_arguments(node, clause)
    try:
        value = base.replace(**cast(dict[str, Any], {name: arguments[name] for name in NOW_PARTS if name in arguments}))
        months = sum(arguments.get(name, 0) * factor for name, factor in NOW_MONTH_SHIFTS.items())
        value = _add_months(value, months)
        value += dt.timedelta(**{NOW_SHIFTS[name]: arguments[name] for name in NOW_SHIFTS if name in arguments})
    except (ValueError, OverflowError) as error:
        raise ODSQLError(f"now() at position {node.position} in {clause}: {error}", node.position) from None
    if "weekday" in arguments:
        value += dt.timedelta(days=(arguments["weekday"] - value.weekday()) % 7)
    return value


def _now_arguments(node: ast.FunctionCall, clause: str) -> dict[str, int]:
    known = (*NOW_PARTS, *NOW_SHIFTS, *NOW_MONTH_SHIFTS, "weekday")
    arguments = {}
    for argument in node.args:
        if not isinstance(argument, ast.NamedArgument) or argument.name not in known:
            message = f"now() at position {node.position} in {clause} takes named arguments among {', '.join(known)}"
            raise ODSQLError(message, node.position)
        value = argument.value
        if not isinstance(value, ast.Literal) or value.kind != ast.NUMBER or not isinstance(value.value, int):
            raise ODSQLError(f"now() argument {argument.name} at position {argument.position} must be an integer")
        arguments[argument.name] = value.value
    if not 0 <= arguments.get("weekday", 0) <= 6:
        raise ODSQLError(f"now() at position {node.position} in {clause}: weekday is 0 (Monday) to 6 (Sunday)")
    return arguments


def _add_months(value: dt.datetime, months: int) -> dt.datetime:
    """Shift by whole months; the day is clamped to the target month's length (Jan 31 + 1 month = Feb 28/29)."""
    if not months:
        return value
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


# date_format()

# (letter, run length) -> to_char format of one token; NAMES tokens take names from the tables below.
TO_CHAR = {
    ("y", 2): "YY",
    ("y", 4): "YYYY",
    ("Y", 2): "YY",
    ("Y", 4): "YYYY",
    ("x", 2): "IY",
    ("x", 4): "IYYY",
    ("w", 1): "FMIW",
    ("w", 2): "IW",
    ("e", 1): "ID",
    ("D", 1): "FMDDD",
    ("D", 3): "DDD",
    ("M", 1): "FMMM",
    ("M", 2): "MM",
    ("d", 1): "FMDD",
    ("d", 2): "DD",
    ("H", 1): "FMHH24",
    ("H", 2): "HH24",
    ("m", 1): "FMMI",
    ("m", 2): "MI",
    ("s", 1): "FMSS",
    ("s", 2): "SS",
}
# (letter, run length) -> (names table, wide?, the date part indexing it).
NAME_TOKENS = {
    ("E", 1): ("days", False),
    ("E", 2): ("days", False),
    ("E", 3): ("days", False),
    ("E", 4): ("days", True),
    ("M", 3): ("months", False),
    ("M", 4): ("months", True),
}
NAME_INDEX = {"days": "ISODOW", "months": "MONTH"}

DAY_NAMES = {
    "en": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
}
SHORT_DAY_NAMES = {
    "en": ["mon.", "tue.", "wed.", "thu.", "fri.", "sat.", "sun."],
    "fr": ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
    "de": ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."],
    "es": ["lun.", "mar.", "mié.", "jue.", "vie.", "sáb.", "dom."],
}
MONTH_NAMES = {
    "en": [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}
SHORT_MONTH_NAMES = {
    "en": ["jan.", "feb.", "mar.", "apr.", "may", "jun.", "jul.", "aug.", "sep.", "oct.", "nov.", "dec."],
    "fr": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
    "de": ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sep.", "Okt.", "Nov.", "Dez."],
    "es": ["ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.", "ago.", "sept.", "oct.", "nov.", "dic."],
}
NAME_TABLES = {
    ("days", True): DAY_NAMES,
    ("days", False): SHORT_DAY_NAMES,
    ("months", True): MONTH_NAMES,
    ("months", False): SHORT_MONTH_NAMES,
}


@dataclass(frozen=True)
class FormatPart:
    """One piece of a date_format result: a ``to_char`` token, free text, or a name looked up by a date part."""

    kind: str  # "to_char", "text" or "name"
    value: str | list[str]
    index: str = ""  # for names: the EXTRACT field that indexes them (a constant of NAME_INDEX)


def format_parts(pattern: str, lang: str | None, position: int) -> list[FormatPart]:
    """The pieces of a ``date_format`` pattern; ``ODSQLError`` for a letter or a run that is not supported."""
    language = lang if lang in DAY_NAMES else "en"
    parts: list[FormatPart] = []
    for kind, text in _pattern_tokens(pattern, position):
        if kind == "text":
            if parts and parts[-1].kind == "text":
                parts[-1] = FormatPart("text", cast(str, parts[-1].value) + text)
            else:
                parts.append(FormatPart("text", text))
        elif (text[0], len(text)) in TO_CHAR:
            parts.append(FormatPart("to_char", TO_CHAR[text[0], len(text)]))
        elif (text[0], len(text)) in NAME_TOKENS:
            table, wide = NAME_TOKENS[text[0], len(text)]
            parts.append(FormatPart("name", NAME_TABLES[table, wide][language], NAME_INDEX[table]))
        else:
            supported = "yy yyyy xx xxxx w ww e E EEEE D DDD M MM MMM MMMM d dd H HH m mm s ss"
            message = f"date_format() pattern at position {position}: {text!r} is not supported; use {supported}"
            raise ODSQLError(f"{message}, and quote free text ('at' HH)", position)
    if not parts:
        raise ODSQLError(f"date_format() at position {position} needs a non-empty pattern", position)
    return parts


def _pattern_tokens(pattern: str, position: int) -> Iterator[tuple[str, str]]:
    """``("letters", "yyyy")`` for a run of one letter, ``("text", ...)`` for quoted text and other characters.

    As in CLDR patterns, text between single quotes is free text and ``''`` is one single quote.
    """
    index = 0
    while index < len(pattern):
        character = pattern[index]
        if character == "'":
            text, index = _quoted(pattern, index, position)
            yield "text", text
        elif character.isascii() and character.isalpha():
            end = index
            while end < len(pattern) and pattern[end] == character:
                end += 1
            yield "letters", pattern[index:end]
            index = end
        elif character.isalpha():
            raise ODSQLError(f"date_format() pattern at position {position}: quote the letter {character!r}")
        else:
            yield "text", character
            index += 1


def _quoted(pattern: str, start: int, position: int) -> tuple[str, int]:
    """The free text of a quote starting at ``start`` and the index after it; ``''`` is a quote character."""
    if pattern.startswith("''", start):
        return "'", start + 2
    text, index = "", start + 1
    while index < len(pattern):
        if pattern.startswith("''", index):
            text, index = text + "'", index + 2
        elif pattern[index] == "'":
            return text, index + 1
        else:
            text, index = text + pattern[index], index + 1
    raise ODSQLError(f"date_format() pattern at position {position}: unterminated quoted text", position)


# range(date, 1 day): histogram units.

# Unit as written -> (canonical unit, date_trunc field, seconds in one unit or None for calendar units).
UNITS = {
    "ms": ("ms", "milliseconds", Decimal("0.001")),
    "s": ("s", "second", Decimal(1)),
    "m": ("m", "minute", Decimal(60)),
    "h": ("h", "hour", Decimal(3600)),
    "d": ("d", "day", Decimal(86400)),
    "w": ("w", "week", None),
    "M": ("M", "month", None),
    "q": ("q", "quarter", None),
    "y": ("y", "year", None),
}
UNIT_WORDS = {
    "millisecond": "ms",
    "second": "s",
    "minute": "m",
    "hour": "h",
    "day": "d",
    "week": "w",
    "month": "M",
    "quarter": "q",
    "year": "y",
}
DATE_UNITS = frozenset({"d", "w", "M", "q", "y"})  # what a date (without time) can be grouped by


@dataclass(frozen=True)
class Interval:
    """A histogram width: ``amount`` of ``unit`` (one of UNITS' keys)."""

    amount: int
    unit: str

    @property
    def trunc_field(self) -> str:
        return UNITS[self.unit][1]

    @property
    def seconds(self) -> Decimal | None:
        """The width in seconds for fixed units (ms to days); None for weeks, months, quarters and years."""
        per_unit = UNITS[self.unit][2]
        return None if per_unit is None else per_unit * self.amount


def interval(node: ast.Quantity, date_only: bool, clause: str) -> Interval:
    """The width of ``range(date_field, 1 day)``; ``ODSQLError`` for an unknown unit or an unsupported amount."""
    unit = UNIT_WORDS.get(node.unit.rstrip("s") if len(node.unit) > 2 else "", node.unit)
    if unit not in UNITS:
        known = "ms s m h d w M q y (or millisecond, second, minute, hour, day, week, month, quarter, year)"
        raise ODSQLError(f"Unknown unit {node.unit!r} at position {node.position} in {clause}; units: {known}")
    if not isinstance(node.amount, int) or node.amount < 1:
        raise ODSQLError(f"range() width at position {node.position} in {clause} must be a whole number of {unit}")
    if UNITS[unit][2] is None and node.amount != 1:
        raise ODSQLError(f"range() at position {node.position} in {clause}: weeks, months, quarters and years go by 1")
    if date_only and unit not in DATE_UNITS:
        raise ODSQLError(f"range() of a date field at position {node.position} in {clause} takes d, w, M, q or y")
    return Interval(node.amount, unit)
