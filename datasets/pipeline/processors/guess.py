"""Candidate fields for the field arguments of a processor, judged from a sample of records.

A field is a candidate when every non-blank sample value fits the argument (and at least one
value is not blank). Arguments without a guesser are left out: "Some parameters cannot be guessed."
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from datasets.pipeline.core import Field, Record, RecordFailure
from datasets.pipeline.processors.geo import DECIMAL_COMMA_RE, PAIR_RE, pair
from datasets.pipeline.record_expressions import is_blank, numeric

MAX_SAMPLE = 100
LATITUDE_NAME_RE = re.compile(r"(?:^|_)(?:lat|latitude|y)(?:$|_)")
LONGITUDE_NAME_RE = re.compile(r"(?:^|_)(?:lon|lng|long|longitude|x)(?:$|_)")
DATE_LIKE_RE = re.compile(r"\s*\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*")
HTML_ENTITY_RE = re.compile(r"&(?:[A-Za-z]+\d*|#\d+|#x[0-9A-Fa-f]+);")
SPLIT_SEPARATORS = (";", "|")

Fits = Callable[[Field, list[Any]], bool]


def every(test: Callable[[Any], bool]) -> Fits:
    """A field fits when each of its sample values passes ``test``."""
    return lambda field, values: all(test(value) for value in values)


def coordinate_fits(limit: int, name_re: re.Pattern[str]) -> Fits:
    """Numbers within ±limit, and a name that says so or a decimal part (small integers are rarely coordinates)."""

    def fits(field: Field, values: list[Any]) -> bool:
        numbers = [as_coordinate(value) for value in values]
        if any(number is None or not -limit <= number <= limit for number in numbers):
            return False
        return bool(name_re.search(field.name)) or any(
            not float(cast(float, number)).is_integer() for number in numbers
        )

    return fits


def as_coordinate(value: Any) -> float | None:
    if isinstance(value, str) and DECIMAL_COMMA_RE.fullmatch(value.strip()):
        value = value.replace(",", ".")
    number = numeric(value)
    return None if number is None else float(number)


def looks_like_pair(value: Any) -> bool:
    try:
        pair(value, "")
    except RecordFailure:
        return False
    return True


def looks_like_projected_pair(value: Any) -> bool:
    """A "y,x" pair of numbers that is not a WGS84 "lat,lon" (projected coordinates are metres)."""
    return isinstance(value, str) and bool(PAIR_RE.fullmatch(value)) and not looks_like_pair(value)


def looks_like_json(value: Any) -> bool:
    if isinstance(value, dict | list):
        return True
    if not isinstance(value, str) or value.lstrip()[:1] not in ("{", "["):
        return False
    try:
        return isinstance(json.loads(value), dict | list)
    except (ValueError, RecursionError):
        return False


def looks_like_json_array(value: Any) -> bool:
    return isinstance(value, list) or (
        isinstance(value, str) and value.lstrip()[:1] == "[" and looks_like_json(value) and value.strip()[-1:] == "]"
    )


def looks_like_naive_datetime(value: Any) -> bool:
    if not isinstance(value, str) or ":" not in value:
        return False
    try:
        return datetime.fromisoformat(value.strip()).tzinfo is None
    except ValueError:
        return False


def has_text(test: Callable[[str], bool]) -> Fits:
    """Text fields where at least one sample value passes ``test`` (and every value is a text)."""
    return lambda field, values: all(isinstance(value, str) for value in values) and any(map(test, values))


GUESSERS: dict[str, dict[str, Fits]] = {
    "create_geopoint": {
        "latitude_field": coordinate_fits(90, LATITUDE_NAME_RE),
        "longitude_field": coordinate_fits(180, LONGITUDE_NAME_RE),
        "field": every(looks_like_pair),
    },
    "extract_from_json": {"field": every(looks_like_json)},
    "expand_json_array": {"json_array_field": every(looks_like_json_array)},
    "geo_distance": {"field": every(looks_like_pair), "to_field": every(looks_like_pair)},
    "transform_coordinates": {"field": every(looks_like_projected_pair)},
    "geojoin": {"field": every(looks_like_pair)},
    "date_normalizer": {"field": every(lambda value: isinstance(value, str) and bool(DATE_LIKE_RE.fullmatch(value)))},
    "set_timezone": {"field": every(looks_like_naive_datetime)},
    "decode_html": {"field": has_text(lambda text: bool(HTML_ENTITY_RE.search(text)))},
    "unicode_normalize": {"field": has_text(lambda text: not unicodedata.is_normalized("NFKC", text))},
    "split": {"field": has_text(lambda text: any(separator in text for separator in SPLIT_SEPARATORS))},
}


def guess_params(name: str, fields: list[Field], sample: list[Record]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{argument: {field name: field.as_dict()}}`` for the arguments of ``name`` that can be guessed."""
    records = sample[:MAX_SAMPLE]
    guesses = {}
    for argument, fits in GUESSERS.get(name, {}).items():
        candidates = {}
        for field in fields:
            values = [record.get(field.name) for record in records if not is_blank(record.get(field.name))]
            if values and fits(field, values):
                candidates[field.name] = field.as_dict()
        if candidates:
            guesses[argument] = candidates
    return guesses


# --- date formats a date_normalizer could be given -----------------------------------------------

DAY_FIRST_FORMATS = ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y", "%d.%m.%Y")
MONTH_FIRST_FORMATS = ("%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m-%d-%Y", "%m.%d.%Y")
OTHER_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%Y%m%d", "%d/%m/%y", "%d %B %Y", "%B %d, %Y")
ORDER_FORMATS = {"dmy": DAY_FIRST_FORMATS, "mdy": MONTH_FIRST_FORMATS}


def date_format_suggestions(date_orders: dict[str, str | None], sample: list[Record]) -> list[str]:
    """strptime formats for ``date_normalizer``, those matching the data first.

    ``date_orders`` are the preview's decisions per field (``inference.date_order``: "dmy" for a
    day-first column): its typed records show such columns as ISO dates, so the order is all that is left
    of how they were written. Text values are tried against every known format; a format reading
    every non-blank value of some field comes first. The rest follow as plain suggestions.
    """
    matching: list[str] = [fmt for order in date_orders.values() if order for fmt in ORDER_FORMATS.get(order, ())]
    known = (*DAY_FIRST_FORMATS, *MONTH_FIRST_FORMATS, *OTHER_FORMATS)
    for name in dict.fromkeys(key for record in sample[:MAX_SAMPLE] for key in record):
        values = [record.get(name) for record in sample[:MAX_SAMPLE] if not is_blank(record.get(name))]
        texts = [value for value in values if isinstance(value, str)]
        if texts and len(texts) == len(values):
            matching.extend(fmt for fmt in known if all(reads_as(text, fmt) for text in texts))
    return list(dict.fromkeys([*matching, *known]))


def reads_as(value: str, fmt: str) -> bool:
    try:
        datetime.strptime(value.strip(), fmt)
    except ValueError:
        return False
    return True


# Arguments whose candidates are told apart by their names: 48.85 and 2.35 both fit a latitude.
NAME_HINTS = {"latitude_field": LATITUDE_NAME_RE, "longitude_field": LONGITUDE_NAME_RE}


def best_first(argument: str, candidates: list[str]) -> list[str]:
    """``candidates`` of ``argument``, those whose names say what they hold first (otherwise in their order)."""
    hint = NAME_HINTS.get(argument)
    if hint is None:
        return list(candidates)
    return sorted(candidates, key=lambda name: hint.search(name.lower()) is None)
