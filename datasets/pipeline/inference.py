"""Streaming type inference: one pass over every record, constant memory per field.

Rules (narrowest candidate first; a field gets the narrowest type that accepts all its values):

* ``boolean``: the words of ``formats.BOOLEAN_WORDS`` (six languages) in any case, and JSON
  booleans. 0/1 are ints.
* ``int``: an integer in the 64-bit range, plain (``-12``) or with thousands grouped
  (``1 234``). Leading zeros (``"007"``, postal codes like ``"01000"``) and a leading ``+``
  (phone numbers) make text, and so does an integer beyond 64 bits (an identifier: a double
  would lose digits).
* ``double``: ints plus finite decimals (``3.14``, ``1e5``, ``79,97``, ``1 234,56``): the column's
  decimal mark is decided over its values (``FieldState.marks``, rules in ``formats.py``); values
  contradicting it make text.
* ``date``: ``YYYY-MM-DD`` or ``YYYY/MM/DD``, or ``DD/MM/YYYY`` (also ``.`` and ``-``) day- or
  month-first as the column decides (``FieldState.orders``), a real calendar date.
* ``datetime``: dates plus a time ``HH:MM[:SS[.fraction]]`` after a space or ``T`` and an
  optional zone.
* ``geo_point_2d``: ``"lat,lon"`` with a dot fraction on both (so ``"3,14"`` is never a point),
  or a ``[lat, lon]`` JSON list of numbers; ``|lat| <= 90``, ``|lon| <= 180``.
* ``geo_shape``: a GeoJSON geometry or Feature (dict or JSON text) or WKT POINT/LINESTRING/POLYGON
  and their MULTI forms.
* ``text``: always possible.

None and ``""`` are nulls (``null_count``); they never reject a type, nor do whitespace-only
strings (which count as values: the text type keeps them), nor the resource's null markers
(``NA``…: counted per marker, nulls unless the field ends up text). Other strings are tested
with surrounding whitespace ignored, as conversion does.
A field's annotations restrict its candidates (``decimals`` allows only double, ``multivalued``
only text…), so inference never picks a type its annotations refuse.

Counter-examples explain why a narrower type was not chosen: for each candidate that some value
supported and a later value rejected, the first ``max_counter_examples`` rejecting values with
their rows. Types no value ever supported are not reported (an int column does not list every
row as a non-boolean). When the first values of a field are already text, inference keeps
classifying up to ``WATCH_VALUES`` more values: if one fits a type, the early text values are
reported as that type's counter-examples (an ``"unknown"`` at row 1 of a numeric column).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from datasets.pipeline.conversion import (
    INT64_MAX,
    INT64_MIN,
    Invalid,
    parse_date_text,
    parse_datetime_text,
    to_geo_shape,
    truncate,
)
from datasets.pipeline.core import Field
from datasets.pipeline.formats import (
    BOOLEAN_WORDS,
    BOTH,
    COMMA,
    COMMA_NUMBER,
    DMY,
    DOT,
    LONGEST_BOOLEAN_WORD,
    MARKS,
    MDY,
    ORDERS,
    ColumnFormat,
    ReadOptions,
    date_orders,
    local_date_iso,
    number_marks,
    read_local_date,
    read_number,
)
from datasets.pipeline.specifications import ANNOTATIONS

CANDIDATES = ("boolean", "int", "double", "date", "datetime", "geo_point_2d", "geo_shape")
# The kinds of value each candidate accepts: a type accepts its own values and narrower ones.
ACCEPTS = {candidate: frozenset({candidate}) for candidate in CANDIDATES} | {
    "double": frozenset({"int", "double"}),
    "datetime": frozenset({"date", "datetime"}),
}
WATCH_VALUES = 100
INT_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)")
DOUBLE_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
POINT_TEXT = re.compile(r"\s*(-?[0-9]{1,3}\.[0-9]+)\s*,\s*(-?[0-9]{1,3}\.[0-9]+)\s*")
GEO_SHAPE_START = frozenset("{PLMplm")  # "{" for GeoJSON text, the initials of the WKT types


# --- value checks: each answers "does this (non-null) raw value fit the type?" -------------------
# They run once per value on the hot path, so each starts with the cheapest test that can say no.


def is_boolean(value: Any) -> bool:
    if type(value) is str:
        return len(value) <= LONGEST_BOOLEAN_WORD and value.lower() in BOOLEAN_WORDS
    return type(value) is bool


def in_int64(text: str) -> bool:
    return len(text) < 19 or INT64_MIN <= int(text) <= INT64_MAX


def is_int(value: Any) -> bool:
    if type(value) is str:
        return INT_TEXT.fullmatch(value) is not None and (len(value) < 19 or INT64_MIN <= int(value) <= INT64_MAX)
    return type(value) is int and INT64_MIN <= value <= INT64_MAX


def is_double(value: Any) -> bool:
    kind = type(value)
    if kind is str:
        if DOUBLE_TEXT.fullmatch(value) is None:
            return False
        if len(value) < 16 and "e" not in value and "E" not in value:
            return True
        # Long integers are identifiers (text, see in_int64); huge exponents overflow to inf.
        return in_int64(value) if INT_TEXT.fullmatch(value) else math.isfinite(float(value))
    if kind is float:
        return math.isfinite(value)
    return kind is int and INT64_MIN <= value <= INT64_MAX


def is_date(value: Any) -> bool:
    if type(value) is str:
        return parse_date_text(value) is not None
    return type(value) is dt.date


def is_datetime(value: Any) -> bool:
    if type(value) is str:
        size = len(value)
        if size == 10:
            return parse_date_text(value) is not None
        return size >= 16 and parse_datetime_text(value) is not None
    return isinstance(value, dt.date)


def is_geo_point(value: Any) -> bool:
    if type(value) is str:
        match = POINT_TEXT.fullmatch(value) if "," in value else None
        return match is not None and in_ranges(float(match[1]), float(match[2]))
    if type(value) in (list, tuple) and len(value) == 2:
        lat, lon = value
        return all(type(item) in (int, float) for item in value) and in_ranges(lat, lon)
    return False


def in_ranges(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def is_geo_shape(value: Any) -> bool:
    if type(value) is str and (not value or value.lstrip()[:1] not in GEO_SHAPE_START):
        return False
    if type(value) not in (str, dict):
        return False
    try:
        to_geo_shape(value)
    except (Invalid, ValueError, TypeError, RecursionError):
        return False
    return True


CHECKS: dict[str, Callable[[Any], bool]] = {
    "boolean": is_boolean,
    "int": is_int,
    "double": is_double,
    "date": is_date,
    "datetime": is_datetime,
    "geo_point_2d": is_geo_point,
    "geo_shape": is_geo_shape,
}


def is_comma_number(value: Any) -> bool:
    """A number written with a decimal comma (the check of a column that decided ``,``)."""
    if type(value) is str:
        return read_number(COMMA_NUMBER, value) is not None
    return is_double(value)


def ordered_date_check(order: str, with_time: bool) -> Callable[[Any], bool]:
    """The check of a date (or datetime) column that decided its day/month order."""
    iso = is_datetime if with_time else is_date

    def check(value: Any) -> bool:
        if iso(value):
            return True
        if type(value) is not str:
            return False
        moment = read_local_date(value, order, dt.UTC)
        return moment is not None and (with_time or not isinstance(moment, dt.datetime))

    return check


ORDERED_CHECKS = {
    (candidate, order): ordered_date_check(ORDERS[order], candidate == "datetime")
    for candidate in ("date", "datetime")
    for order in (DMY, MDY)
}


def classify(value: Any) -> str | None:
    """The narrowest type of one raw value (surrounding whitespace ignored); None for a null."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    if value is None:
        return None
    return next((candidate for candidate in CANDIDATES if CHECKS[candidate](value)), "text")


def looks_like_a_value(marker: str) -> bool:
    """Whether some check accepts ``marker``: a type's (``classify``), a decimal comma's or a day/month-first date's."""
    text = marker.strip()
    return classify(text) not in (None, "text") or is_comma_number(text) or bool(date_orders(text)[0])


def classify_text(state: FieldState, text: str) -> str | None:
    """The narrowest type of a stripped string in its column, narrowing the column's decimal mark
    and date order; a value contradicting what the column decided is text."""
    if not text:
        return None
    kind = next((candidate for candidate in CANDIDATES if CHECKS[candidate](text)), "text")
    if kind in ("int", "double", "text"):
        marks, fractions = number_marks(text)
        if marks:
            return narrowed_number(state, marks, fractions)
    if kind == "text":
        orders, with_time = date_orders(text)
        if orders:
            return narrowed_date(state, orders, with_time)
    return kind


def narrowed_number(state: FieldState, marks: int, fractions: int) -> str:
    alive = state.marks & marks
    if not alive:
        return "text"  # "3.5" in a column of decimal commas: neither reading fits every value
    state.marks = alive
    state.fractions |= fractions & alive
    return "double" if fractions & alive else "int"


def narrowed_date(state: FieldState, orders: int, with_time: bool) -> str:
    alive = state.orders & orders
    if not alive:
        return "text"  # "13/01/2012" and "01/13/2012" in one column
    state.orders, state.local_dates = alive, True
    return "datetime" if with_time else "date"


def state_is_numeric(state: FieldState) -> bool:
    return bool(state.possible) and state.possible[0] in ("int", "double") and state.seen


def numeric_type(state: FieldState, mark: str) -> str:
    """The chain's type, with a number column read as integers when its mark makes every value one
    (``1,500`` and ``2,250`` are a fraction with a decimal comma, integers with a decimal point)."""
    type_ = state.type
    if (
        type_ == "double"
        and state.seen
        and "int" in state.candidates
        and not state.fractions & (DOT if mark == "." else COMMA)
    ):
        return "int"
    return type_


def never(value: Any) -> bool:
    """The check of a field whose every value must take the slow path."""
    return False


# --- whole columns ---------------------------------------------------------------------------------

# Columns every value of which provably passes a check, proved in one regular expression over the
# column joined by newlines (empty lines are nulls). Each pattern accepts a subset of its check.
WHOLE_FORMS: dict[Callable[[Any], bool], str] = {
    is_int: r"-?(?:0|[1-9][0-9]{0,17})",
    is_double: r"-?(?:0|[1-9][0-9]{0,13})(?:\.[0-9]{1,13})?",
    is_comma_number: r"-?(?:0|[1-9][0-9]{0,13})(?:,[0-9]{1,13})?",
}
WHOLE_COLUMN = {check: re.compile(f"(?:(?:{form})?\n)*") for check, form in WHOLE_FORMS.items()}


@functools.cache
def whole_with_markers(form: str, markers: frozenset[str]) -> re.Pattern[str]:
    """A column of ``form`` values, nulls and the resource's null ``markers`` (as written, unpadded)."""
    alternatives = "|".join([form, *map(re.escape, sorted(markers, key=len, reverse=True))])
    return re.compile(f"(?:(?:{alternatives})?\n)*")


def marker_counts(check: Callable[[Any], bool], values: list[Any], markers: frozenset[str]) -> dict[str, int] | None:
    """When the only values of ``values`` that ``check`` rejects are null markers: how many of each there are.

    None when some other value may be rejected (or the column is not made of plain strings). A marker
    changes nothing but its count, so a column of such values needs no value-by-value pass.
    """
    form = WHOLE_FORMS.get(check)
    if form is None or not markers:
        return None
    try:
        text = "\n" + "\n".join(values) + "\n"
    except TypeError:
        return None
    if text.count("\n") != len(values) + 1 or not whole_with_markers(form, markers).fullmatch(text, 1):
        return None
    present = [marker for marker in markers if f"\n{marker}\n" in text]
    return {marker: values.count(marker) for marker in present}


ISO_DATES = re.compile(r"(?:(?:[0-9]{4}-[0-9]{2}-[0-9]{2})?\n)*")
ISO_DATETIMES = re.compile(r"(?:(?:[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2})?\n)*")
# Day- or month-first dates (DD/MM/YYYY, also with . or -) in a column whose order is decided: the checks
# of its date and datetime candidates accept them, when they are real dates (read in ISO once swapped).
LOCAL_DATES = re.compile(r"(?:(?:[0-9]{2}([/.-])[0-9]{2}\1[0-9]{4})?\n)*")
LOCAL_DATE_CHECKS = {ORDERED_CHECKS[(candidate, order)]: order for candidate, order in ORDERED_CHECKS}
FEW_REJECTED = 8  # up to this many distinct rejected values (NA, n/a…), each is looked for by a C scan


def column_failures(check: Callable[[Any], bool], values: list[Any], start: int, skip_whole: bool) -> Iterable[int]:
    """Positions (from ``start``) of the non-null values ``check`` rejects, ascending.

    The column is first tried whole (``passes_whole``) unless ``skip_whole`` (the resource has markers that
    look like values, or the caller just tried); else each distinct value is checked once and the
    positions of the rejected ones are listed. Values that are not all strings are checked one by one.
    """
    if check is never:
        # Every value is rejected and may change the field, so the caller restarts after each: produced
        # lazily, without copying the rest of the column each time (quadratic on a 10,000-value batch).
        return (position for position in range(start, len(values)) if values[position] not in (None, ""))
    tail = values[start:] if start else values
    if not skip_whole and passes_whole(check, tail):
        return []
    try:
        distinct = set(tail)
    except TypeError:  # unhashable JSON values
        distinct = None
    if distinct is None or not all(type(value) is str or value is None for value in distinct):
        return [start + offset for offset, value in enumerate(tail) if rejects(check, value)]
    rejected = {value for value in distinct if rejects(check, value)}
    if not rejected:
        return []
    if len(rejected) > FEW_REJECTED:
        return [start + offset for offset, value in enumerate(tail) if value in rejected]
    return sorted(start + offset for value in rejected for offset in occurrences(tail, value))


def occurrences(values: list[Any], value: Any) -> Iterator[int]:
    """The positions of ``value`` in ``values``, found by ``list.index`` (a C scan), not a Python loop."""
    position = -1
    while True:
        try:
            position = values.index(value, position + 1)
        except ValueError:
            return
        yield position


def rejects(check: Callable[[Any], bool], value: Any) -> bool:
    """A non-null value the check refuses."""
    return value is not None and value != "" and not check(value)


def passes_whole(check: Callable[[Any], bool], values: list[Any]) -> bool:
    """Whether every non-null value of ``values`` provably passes ``check`` (False: it may not)."""
    if check is never:
        return False
    try:
        text = "\n".join(values) + "\n"
    except TypeError:
        return False
    if text.count("\n") != len(values):
        return False  # a value holds a newline
    pattern = WHOLE_COLUMN.get(check)
    if pattern is not None:
        return pattern.fullmatch(text) is not None
    if check in (is_date, is_datetime) and ISO_DATES.fullmatch(text):
        return valid_calendar(dt.date.fromisoformat, values)
    if check is is_datetime and ISO_DATETIMES.fullmatch(text):
        return valid_calendar(dt.datetime.fromisoformat, values)
    order = LOCAL_DATE_CHECKS.get(check)
    if order is not None and LOCAL_DATES.fullmatch(text):
        iso = [local_date_iso(value, ORDERS[order]) for value in values]
        return valid_calendar(dt.date.fromisoformat, iso)
    return False


def valid_calendar(parse: Callable[[str], Any], values: list[str]) -> bool:
    try:
        for value in values:
            if value:
                parse(value)
    except ValueError:
        return False
    return True


# --- per-field state ---------------------------------------------------------------------------


@dataclass
class InferredType:
    """The inferred type of one field, why narrower types were rejected, and how many nulls it had."""

    type: str
    counter_examples: list[dict[str, Any]]
    null_count: int
    value_count: int
    format: ColumnFormat = field(default_factory=ColumnFormat)
    null_markers: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The inference as the API shows it: ``null_markers`` counts the values each marker nulled."""
        return {
            "type": self.type,
            "counter_examples": [dict(example) for example in self.counter_examples],
            "null_count": self.null_count,
            "value_count": self.value_count,
            "null_markers": dict(self.null_markers),
            "decimal_mark": self.format.decimal_mark if self.type in ("int", "double") else None,
            "date_order": self.format.date_order if self.type in ("date", "datetime") else None,
        }


@dataclass
class FieldState:
    """What inference knows about one field; ``check`` is the only test its values take when they fit.

    ``possible`` are the candidates still accepting every value (once a value was seen they form
    one chain, e.g. int < double); ``collecting`` the narrower ones rejected after some value
    supported them, still gathering counter-examples. Both sit in one chain, so a value that
    passes the check of the narrowest one fits them all and needs nothing else.
    """

    name: str
    candidates: tuple[str, ...]
    allows_text: bool
    possible: tuple[str, ...] = ()
    collecting: tuple[str, ...] = ()
    examples: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    seen: bool = False
    watch: int = 0
    early: list[tuple[int, Any]] = field(default_factory=list)
    declared: str | None = None  # a type a specification declared: only the formats are inferred
    marks: int = BOTH  # the decimal marks every number of the column reads under
    fractions: int = 0  # the marks under which some number of the column is not an integer
    orders: int = BOTH  # the day/month orders every date of the column reads under
    local_dates: bool = False  # some date is written day- or month-first (not ISO)
    markers: dict[str, int] = field(default_factory=dict)  # null markers met, with their counts

    def __post_init__(self) -> None:
        self.possible = self.candidates

    @property
    def check(self) -> Callable[[Any], bool] | None:
        if not self.candidates:
            return None
        if not self.seen or self.watch:
            return never
        narrowest = self.collecting[:1] or self.possible[:1]
        return self.check_of(narrowest[0]) if narrowest else None

    def check_of(self, candidate: str) -> Callable[[Any], bool]:
        """The fast test of ``candidate`` under the conventions the column decided so far."""
        if candidate == "double":
            # Until a value decides the mark, numbers take the slow path, which narrows it; but a plain
            # integer reads the same under both marks and decides nothing (a declared double of integers).
            return is_double if self.marks == DOT else is_comma_number if self.marks == COMMA else is_int
        if candidate in ("date", "datetime") and self.orders != BOTH:
            return ORDERED_CHECKS[(candidate, self.orders)]
        return CHECKS[candidate]

    @property
    def type(self) -> str:
        if self.seen:
            return self.possible[0] if self.possible else "text"
        # Nothing but nulls: text, unless the annotations exclude it (then the widest they allow).
        return "text" if self.allows_text or not self.candidates else self.candidates[-1]


def field_candidates(field_: Field) -> tuple[tuple[str, ...], bool]:
    """The candidates the field's annotations allow (text being the fallback), and whether text is allowed."""
    allowed = {"text", *CANDIDATES}
    for item in field_.annotations:
        if item["name"] in ANNOTATIONS:
            allowed &= set(ANNOTATIONS[item["name"]]["types"])
    return tuple(candidate for candidate in CANDIDATES if candidate in allowed), "text" in allowed


# --- the inference -------------------------------------------------------------------------------


class TypeInference:
    """Infer each field's type and format from every record of a stream, in one pass and bounded memory.

    Feed records with ``observe`` (keys are field names), then read ``result()``. ``declared``
    names the fields whose type a ``type`` specification declared: their type stays, only their
    format (decimal mark, date order, null markers) is inferred. ``options`` are the resource's
    reading conventions (``formats.ReadOptions``). ``add_fields`` takes fields met late (JSON keys).
    """

    def __init__(
        self,
        fields: list[Field],
        max_counter_examples: int = 3,
        *,
        options: ReadOptions | None = None,
        declared: dict[str, str] | None = None,
    ) -> None:
        self.max_counter_examples = max_counter_examples
        self.options = options or ReadOptions()
        self.declared = declared or {}
        # Markers a value check would accept ("9999", "0", "0,00", "01/01/1900"): the fast path must not take
        # them for values, or they would be nulled by conversion without being counted.
        self._value_markers = frozenset(m for m in self.options.null_markers if looks_like_a_value(m))
        self._states: list[FieldState] = []
        self._nulls: list[int] = []
        self._rows = 0
        self.add_fields(fields)

    def add_fields(self, fields: list[Field]) -> None:
        """Infer these fields too; records seen before lacked them (they count as nulls there)."""
        for field_ in fields:
            self._states.append(self._state(field_))
            self._nulls.append(self._rows)
        self._rebuild()

    def _state(self, field_: Field) -> FieldState:
        declared = self.declared.get(field_.name)
        if declared is None:
            return FieldState(field_.name, *field_candidates(field_))
        candidates = (declared,) if declared in CANDIDATES else ()
        return FieldState(field_.name, candidates, declared == "text", declared=declared)

    @property
    def names(self) -> list[str]:
        return [state.name for state in self._states]

    def _rebuild(self) -> None:
        self._hot = [(index, state.name, self._guarded(state.check)) for index, state in enumerate(self._states)]
        self._stale = False

    def _guarded(self, check: Callable[[Any], bool] | None) -> Callable[[Any], bool] | None:
        """``check``, failing on the resource's markers that look like values, so they reach ``_slow``."""
        markers = self._value_markers
        if not markers or check is None or check is never:
            return check
        return lambda value: (type(value) is not str or value not in markers) and check(value)

    def observe(self, row: int, record: dict[str, Any]) -> None:
        """Account for one record (``row`` is quoted in counter-examples). Kept tiny: it runs per value."""
        self._rows += 1
        get, nulls = record.get, self._nulls
        for index, name, check in self._hot:
            value = get(name)
            if value is None or value == "":
                nulls[index] += 1
            elif check is not None and not check(value):
                self._slow(self._states[index], row, value)
        if self._stale:
            self._rebuild()

    def observe_columns(self, rows: list[int], columns: dict[str, list[Any]]) -> None:
        """Account for a batch of records given as columns of strings (or None), as ``observe`` would
        record by record: the same counts, formats, counter-examples and rows.

        Each field's values are checked a column at a time (``column_failures``): only the values that
        fail the field's current check take the slow path, in row order, and the check is rebuilt after
        any of them changed what the field accepts. A field's check depends on that field alone, so
        taking the fields one after the other gives what taking the records one after the other gives.
        """
        for index, name, _check in self._hot:
            values = columns.get(name)
            if values is None:
                self._nulls[index] += len(rows)
                continue
            self._nulls[index] += len(values) - len(list(filter(None, values)))  # None and "" (strings only)
            self._observe_column(index, rows, values)
        self._rows += len(rows)
        self._rebuild()

    def _observe_column(self, index: int, rows: list[int], values: list[Any]) -> None:
        state, start = self._states[index], 0
        # Without value markers the field's check was just tried on the whole column: not again at first.
        whole_tried = not self._value_markers
        if whole_tried and self._whole_or_markers(state, values):
            return
        while start < len(values):
            check = self._guarded(state.check)
            if check is None:
                return
            failures = column_failures(check, values, start, bool(self._value_markers) or whole_tried)
            whole_tried = False
            for position in failures:
                self._stale = False
                self._slow(state, rows[position], values[position])
                if self._stale:  # what the field accepts changed: the rest takes the new check
                    start = position + 1
                    break
            else:
                return

    def _whole_or_markers(self, state: FieldState, values: list[Any]) -> bool:
        """Whether every value passes the field's check, or the only rejected ones were null markers, now
        counted (``_slow`` would do just that): then nothing else is to be done for this column."""
        check = state.check
        if check is None or passes_whole(check, values):
            return True
        counts = marker_counts(check, values, self.options.null_markers)
        if counts is None:
            return False
        for marker, count in counts.items():
            state.markers[marker] = state.markers.get(marker, 0) + count
        return True

    def result(self) -> dict[str, InferredType]:
        """Field name -> inferred type, format, counter-examples and null/value counts, for the records seen so far."""
        mark = self._resource_mark()
        return {state.name: self._inferred(index, state, mark) for index, state in enumerate(self._states)}

    def _resource_mark(self) -> str:
        """The decimal mark of columns that do not decide theirs: the other columns', else the parameter's, else '.'."""
        decided = {state.marks for state in self._states if state.marks in (DOT, COMMA) and state_is_numeric(state)}
        if len(decided) == 1:
            return MARKS[decided.pop()]
        return self.options.decimal_mark if self.options.decimal_mark in (".", ",") else "."

    def _inferred(self, index: int, state: FieldState, resource_mark: str) -> InferredType:
        mark = MARKS[state.marks] if state.marks in (DOT, COMMA) else resource_mark
        type_ = state.declared or numeric_type(state, mark)
        examples = [
            {"type": candidate, "row": row, "value": value}
            for candidate in CANDIDATES
            if candidate != type_
            for row, value in state.examples.get(candidate, ())
        ]
        nulls, markers = self._nulls[index], {}
        if type_ != "text":
            markers = dict(sorted(state.markers.items(), key=lambda item: (-item[1], item[0])))
            nulls += sum(markers.values())
        order = ORDERS[state.orders] if state.orders in (DMY, MDY) else self.options.date_order
        column = ColumnFormat(
            decimal_mark=mark,
            date_order=order,
            null_markers=self.options.null_markers if type_ != "text" else frozenset(),
            timezone=self.options.timezone,
        )
        return InferredType(type_, examples, nulls, self._rows - nulls, column, markers)

    def _slow(self, state: FieldState, row: int, value: Any) -> None:
        """A value failed the field's check: classify it (narrowing the column's formats) and the candidates."""
        if type(value) is str:
            text = value.strip()
            if text in self.options.null_markers:
                state.markers[text] = state.markers.get(text, 0) + 1
                return  # null unless the column ends up text; it rejects nothing meanwhile
            kind = classify_text(state, text)
        else:
            kind = classify(value)
            if type(value) is float:
                state.fractions = BOTH
        if kind is None:
            return  # whitespace only: null for every type but text, so it rejects nothing
        if not state.seen:
            self._first(state, row, value, kind)
        elif state.watch:
            self._watch(state, row, value, kind)
        else:
            self._narrow(state, row, value, kind)
        self._stale = True

    def _first(self, state: FieldState, row: int, value: Any, kind: str) -> None:
        # No value supported the candidates the first value rejects: they go without a report.
        state.seen = True
        state.possible = tuple(candidate for candidate in state.possible if kind in ACCEPTS[candidate])
        if not state.possible:
            state.watch, state.early = WATCH_VALUES, [(row, truncate(value))][: self.max_counter_examples]

    def _watch(self, state: FieldState, row: int, value: Any, kind: str) -> None:
        # The field was text from its first value on: does a later value fit some type?
        supported = tuple(candidate for candidate in state.candidates if kind in ACCEPTS[candidate])
        if not supported:
            if len(state.early) < self.max_counter_examples:
                state.early.append((row, truncate(value)))
            state.watch -= 1
            return
        for candidate in supported:
            state.examples[candidate] = list(state.early)
        state.collecting = tuple(c for c in supported if len(state.examples[c]) < self.max_counter_examples)
        state.watch = 0

    def _narrow(self, state: FieldState, row: int, value: Any, kind: str) -> None:
        rejected = tuple(candidate for candidate in state.possible if kind not in ACCEPTS[candidate])
        state.possible = tuple(candidate for candidate in state.possible if kind in ACCEPTS[candidate])
        for candidate in (*state.collecting, *rejected):
            examples = state.examples.setdefault(candidate, [])
            if kind not in ACCEPTS[candidate] and len(examples) < self.max_counter_examples:
                examples.append((row, truncate(value)))
        tracked = (*state.collecting, *rejected)
        state.collecting = tuple(c for c in tracked if len(state.examples[c]) < self.max_counter_examples)
