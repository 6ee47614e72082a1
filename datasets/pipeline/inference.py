"""Streaming type inference: one pass over every record, constant memory per field.

Rules (narrowest candidate first; a field gets the narrowest type that accepts all its values):

* ``boolean``: the words true/false, yes/no, oui/non in any case, and JSON booleans. 0/1 are ints.
* ``int``: JSON number grammar without fraction or exponent, in the 64-bit range: ``-12``, ``0``.
  Leading zeros (``"007"``, postal codes like ``"01000"``) and a leading ``+`` (phone numbers)
  make text, and so does an integer beyond 64 bits (an identifier: a double would lose digits).
* ``double``: ints plus JSON number grammar with a dot fraction and/or an exponent (``3.14``,
  ``1e5``, ``-2.5E-3``), finite. A comma decimal (``"3,14"``) is text: use a processor first.
* ``date``: ``YYYY-MM-DD`` or ``YYYY/MM/DD``, a real calendar date. ``DD/MM/YYYY`` is ambiguous
  with US order and stays text.
* ``datetime``: dates plus ISO 8601 ``YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH[:MM]]``.
* ``geo_point_2d``: ``"lat,lon"`` with a dot fraction on both (so ``"3,14"`` is never a point),
  or a ``[lat, lon]`` JSON list of numbers; ``|lat| <= 90``, ``|lon| <= 180``.
* ``geo_shape``: a GeoJSON geometry or Feature (dict or JSON text) or WKT POINT/LINESTRING/POLYGON
  and their MULTI forms.
* ``text``: always possible.

None and ``""`` are nulls (``null_count``); they never reject a type, nor do whitespace-only
strings (which count as values: the text type keeps them). Other strings are tested with
surrounding whitespace ignored, as conversion does.
A field's annotations restrict its candidates (``decimals`` allows only double, ``multivalued``
only text…), so inference never picks a type its annotations refuse.

Counter-examples explain why a narrower type was not chosen: for each candidate that some value
supported and a later value rejected, the first ``max_counter_examples`` rejecting values with
their rows. Types no value ever supported are not reported (an int column does not list every
row as a non-boolean). When the first values of a field are already text, inference keeps
classifying up to ``WATCH_VALUES`` more values: if one fits a type, the early text values are
reported as that type's counter-examples (a ``"n/a"`` at row 1 of a numeric column).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .conversion import INT64_MAX, INT64_MIN, Invalid, parse_date_text, parse_datetime_text, to_geo_shape, truncate
from .core import Field
from .specifications import ANNOTATIONS

CANDIDATES = ("boolean", "int", "double", "date", "datetime", "geo_point_2d", "geo_shape")
# The kinds of value each candidate accepts: a type accepts its own values and narrower ones.
ACCEPTS = {candidate: frozenset({candidate}) for candidate in CANDIDATES} | {
    "double": frozenset({"int", "double"}),
    "datetime": frozenset({"date", "datetime"}),
}
WATCH_VALUES = 100
BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "oui", "non"})
INT_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)")
DOUBLE_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
POINT_TEXT = re.compile(r"\s*(-?[0-9]{1,3}\.[0-9]+)\s*,\s*(-?[0-9]{1,3}\.[0-9]+)\s*")
GEO_SHAPE_START = frozenset("{PLMplm")  # "{" for GeoJSON text, the initials of the WKT types


# --- value checks: each answers "does this (non-null) raw value fit the type?" -------------------
# They run once per value on the hot path, so each starts with the cheapest test that can say no.


def is_boolean(value: Any) -> bool:
    if type(value) is str:
        return len(value) <= 5 and value.lower() in BOOLEAN_WORDS
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


def classify(value: Any) -> str | None:
    """The narrowest type of one raw value (surrounding whitespace ignored); None for a null."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    if value is None:
        return None
    return next((candidate for candidate in CANDIDATES if CHECKS[candidate](value)), "text")


def never(value: Any) -> bool:
    """The check of a field whose every value must take the slow path."""
    return False


# --- per-field state ---------------------------------------------------------------------------


@dataclass
class InferredType:
    """The inferred type of one field, why narrower types were rejected, and how many nulls it had."""

    type: str
    counter_examples: list[dict[str, Any]]
    null_count: int
    value_count: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "counter_examples": [dict(example) for example in self.counter_examples],
            "null_count": self.null_count,
            "value_count": self.value_count,
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

    def __post_init__(self) -> None:
        self.possible = self.candidates

    @property
    def check(self) -> Callable[[Any], bool] | None:
        if not self.candidates:
            return None
        if not self.seen or self.watch:
            return never
        narrowest = self.collecting[:1] or self.possible[:1]
        return CHECKS[narrowest[0]] if narrowest else None

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
    """Infer each field's type from every record of a stream, in one pass and bounded memory.

    Feed records with ``observe`` (keys are field names), then read ``result()``. The fields given
    are the ones to infer: leave out those a ``type`` specification declared.
    """

    def __init__(self, fields: list[Field], max_counter_examples: int = 3) -> None:
        self.max_counter_examples = max_counter_examples
        self._states = [FieldState(field_.name, *field_candidates(field_)) for field_ in fields]
        self._nulls = [0] * len(self._states)
        self._rows = 0
        self._rebuild()

    def _rebuild(self) -> None:
        self._hot = [(index, state.name, state.check) for index, state in enumerate(self._states)]
        self._stale = False

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

    def result(self) -> dict[str, InferredType]:
        """Field name -> inferred type, counter-examples and null/value counts, for the records seen so far."""
        return {state.name: self._inferred(index, state) for index, state in enumerate(self._states)}

    def _inferred(self, index: int, state: FieldState) -> InferredType:
        examples = [
            {"type": candidate, "row": row, "value": value}
            for candidate in CANDIDATES
            for row, value in state.examples.get(candidate, ())
        ]
        nulls = self._nulls[index]
        return InferredType(state.type, examples, nulls, self._rows - nulls)

    def _slow(self, state: FieldState, row: int, value: Any) -> None:
        """A value failed the field's check: classify it and narrow the candidates."""
        kind = classify(value)
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
