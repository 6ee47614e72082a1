"""Raw values -> the Python values loaded into typed columns, one field type at a time.

Conversion is deliberately a little more lenient than inference (see ``inference.py``): whatever
inference classifies as a type converts to it, and a type a user declared with a ``type`` field
specification also accepts close spellings (``"007"`` as int 7, ``"1"``/``"0"`` as booleans, a
datetime string as a date). Empty strings and None are null for every type; whitespace-only
strings and the column's null markers are null for every type but text. A value that cannot be
converted raises ``RecordFailure('Cannot convert "{value}" to "{type}"')``; the caller sets its
``field``. A column's ``ColumnFormat`` (``formats.py``) says how it writes numbers, dates and
missing values; the default is ISO dates, a decimal point and no marker.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from functools import partial
from typing import Any, cast

from datasets.pipeline.core import FIELD_TYPES, RecordFailure
from datasets.pipeline.formats import (
    INT64_MAX,
    INT64_MIN,
    PLAIN,
    ColumnFormat,
    boolean_word,
    read_local_date,
    read_with_mark,
)

MAX_PARAM_CHARS = 200  # raw values quoted in errors and counter-examples are cut to this length
CONVERSION_MESSAGE = 'Cannot convert "{value}" to "{type}"'

# ASCII digits only: Python's int()/float() also accept "1_000", "١٢" and "nan", which must not load.
LENIENT_INT = re.compile(r"[-+]?[0-9]+")
FAST_DOUBLE_CHARS = frozenset("0123456789.+-eE")
LENIENT_DOUBLE = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
DATETIME_TEXT = re.compile(
    r"[0-9]{4}([-/])[0-9]{2}\1[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?:Z|[-+][0-9]{2}(?::?[0-9]{2})?)?"
)
POINT_TEXT = re.compile(r"\s*([-+]?[0-9]+(?:\.[0-9]+)?)\s*,\s*([-+]?[0-9]+(?:\.[0-9]+)?)\s*")

GEOMETRY_DEPTHS = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
WKT_TYPES = {name.upper(): name for name in GEOMETRY_DEPTHS}
WKT_HEAD = re.compile(r"\s*([A-Za-z]+)\s*(?:[Zz]\s*)?(?=\()")
WKT_TOKEN = re.compile(r"\s*(\(|\)|,|[^\s(),]+)")


class Invalid(ValueError):
    """Internal: the value does not fit the type (turned into a RecordFailure by ``converter``)."""


def truncate(value: Any) -> Any:
    """A raw value fit to quote in an error: strings cut to 200 chars, containers as cut JSON text."""
    if isinstance(value, str):
        return value[:MAX_PARAM_CHARS]
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)[:MAX_PARAM_CHARS]
    return value


def failure(value: Any, type_: str) -> RecordFailure:
    """The record failure conversion raises; ``value`` is always quoted as (cut) text."""
    shown = truncate(value)
    return RecordFailure(CONVERSION_MESSAGE, value=shown if isinstance(shown, str) else str(shown), type=type_)


def converter(type_: str, separator: str | None = None, column: ColumnFormat = PLAIN) -> Callable[[Any], Any]:
    """A function converting one raw value to ``type_`` (None for nulls), raising RecordFailure.

    ``separator`` (text only) splits strings into lists, for fields annotated ``multivalued``;
    ``column`` is how the column writes its values (decimal mark, date order, zone, null markers).
    """
    if type_ not in PARSERS:
        raise ValueError(f"unknown field type {type_!r}; known: {', '.join(FIELD_TYPES)}")
    parse = partial(split_multivalued, separator=separator) if separator and type_ == "text" else parser(type_, column)
    markers = column.null_markers if type_ != "text" else frozenset()

    def convert_value(value: Any) -> Any:
        if value is None or value == "":
            return None
        if markers and value.__class__ is str and value.strip() in markers:
            return None  # a documented normalisation, counted per marker by inference
        try:
            return parse(value)
        except (ValueError, TypeError, OverflowError):
            raise failure(value, type_) from None

    if separator or (type_ == "double" and column.decimal_mark != ".") or any(map(read_fast, markers)):
        return convert_value  # the fast paths would read a decimal comma, or a marker such as "9999", as a value
    return FAST_PATHS.get(type_, lambda general: general)(convert_value)


def parser(type_: str, column: ColumnFormat) -> Callable[[Any], Any]:
    """The parser of ``type_`` reading the way ``column`` writes its values."""
    if type_ in ("int", "double"):
        return partial(PARSERS[type_], mark=column.decimal_mark)
    if type_ in ("date", "datetime"):
        return partial(PARSERS[type_], order=column.date_order, zone=column.timezone)
    return PARSERS[type_]


# Publishing converts every value of millions of rows: the commonest shapes (a plain string for a
# text field, plain digits for an int, a plain decimal for a double) skip the general parser.


def fast_text(general: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert_text(value: Any) -> Any:
        return (value or None) if value.__class__ is str else general(value)

    return convert_text


def fast_int(general: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert_int(value: Any) -> Any:
        # 18 digits always fit in 64 bits.
        if value.__class__ is str and len(value) <= 18 and value.isdigit() and value.isascii():
            return int(value)
        return general(value)

    return convert_int


def fast_double(general: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert_double(value: Any) -> Any:
        if value.__class__ is str and value and value.isascii() and FAST_DOUBLE_CHARS.issuperset(value):
            try:
                number = float(value)
            except ValueError:
                return general(value)  # reports the failure the usual way
            if math.isfinite(number):
                return number
        return general(value)

    return convert_double


FAST_PATHS = {"text": fast_text, "int": fast_int, "double": fast_double}


def read_fast(marker: str) -> bool:
    """Whether the int or double fast path would read ``marker`` as a number."""
    if marker.isdigit():
        return True
    if not (marker.isascii() and FAST_DOUBLE_CHARS.issuperset(marker)):
        return False
    try:
        return math.isfinite(float(marker))
    except ValueError:
        return False


def convert(value: Any, type_: str) -> Any:
    """Convert one raw value to the Python value loaded for ``type_``; see the module docstring."""
    return converter(type_)(value)


def blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


# --- text -----------------------------------------------------------------------------------


def to_text(value: Any) -> Any:
    """Strings as they are; lists (multivalued) as lists of strings; other JSON values as text."""
    if isinstance(value, list | tuple):
        return [item for item in (scalar_text(element) for element in value) if item not in (None, "")]
    return scalar_text(value)


FILE_REFERENCE_RE = re.compile(r"(?:odsfile://|https?://)\S+", re.IGNORECASE)


def to_file(value: Any) -> str | None:
    """A ``file`` value: an ``odsfile://<file_id>`` reference or an http(s) URL, kept as written (trimmed)."""
    text = value.strip() if isinstance(value, str) else None
    if text == "":
        return None
    if text is None or not FILE_REFERENCE_RE.fullmatch(text):
        raise ValueError("not a file reference")
    return text


def scalar_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def split_multivalued(value: Any, separator: str) -> list[str]:
    """``"a; b;;c"`` -> ``["a", "b", "c"]``: parts stripped, empty parts dropped; lists kept."""
    if isinstance(value, str):
        return [part for part in (piece.strip() for piece in value.split(separator)) if part]
    return to_text(value) if isinstance(value, list | tuple) else [cast(str, scalar_text(value))]


# --- numbers and booleans -------------------------------------------------------------------


def to_int(value: Any, mark: str = ".") -> int | None:
    """Integers in the 64-bit range (bigint); decimal text with leading zeros or a sign is accepted,
    and so are thousands separators (``1 234``, and ``1,234`` or ``1.234`` as ``mark`` allows)."""
    if isinstance(value, bool):
        raise Invalid
    if isinstance(value, float):
        if not value.is_integer():
            raise Invalid
        value = int(value)
    if isinstance(value, str):
        if value.isdigit() and value.isascii():
            value = int(value)  # the common case, without the regex (~40% of the time per value)
        elif blank(value):
            return None
        elif LENIENT_INT.fullmatch(value.strip()):
            value = int(value)
        else:
            value = read_with_mark(value.strip(), mark)
    if not isinstance(value, int) or not INT64_MIN <= value <= INT64_MAX:
        raise Invalid
    return value


def to_double(value: Any, mark: str = ".") -> float | None:
    """Finite floats; text uses ``mark`` as decimal mark, thousands may be grouped (``formats.py``);
    with a decimal point, exponents are allowed and ``"3,14"`` is rejected."""
    if isinstance(value, bool):
        raise Invalid
    if isinstance(value, str) and mark != ".":
        return comma_double(value)
    if isinstance(value, str):
        if value.isascii() and FAST_DOUBLE_CHARS.issuperset(value):
            # Digits, signs, dots and exponents only: float() accepts exactly what the regex would,
            # at a fraction of the cost, and raises on the rest ("1.2.3", "e5", "--1").
            number = float(value)
            if not math.isfinite(number):
                raise Invalid
            return number
        if blank(value):
            return None
        if not LENIENT_DOUBLE.fullmatch(value.strip()):
            return grouped_double(value.strip(), ".")
    if not isinstance(value, int | float | str):
        raise Invalid
    number = float(value)
    if not math.isfinite(number):
        raise Invalid
    return number


def comma_double(text: str) -> float | None:
    """A number written with a decimal comma (``1 234,56``); plain integers too."""
    text = text.strip()
    if not text:
        return None
    if LENIENT_INT.fullmatch(text):
        return float(int(text))
    return grouped_double(text, ",")


def grouped_double(text: str, mark: str) -> float:
    """``text`` read with decimal ``mark`` and thousands separators, as a finite float."""
    number = read_with_mark(text, mark)
    if number is None:
        raise Invalid
    return float(number)


def to_boolean(value: Any) -> bool | None:
    """The boolean words of ``formats.BOOLEAN_WORDS`` in any case, JSON booleans, and 1/0 (as numbers or text)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        word = value.strip()
        if not word:
            return None
        if word in ("1", "0"):
            return word == "1"
        meaning = boolean_word(word)
        if meaning is not None:
            return meaning
    raise Invalid


# --- dates ----------------------------------------------------------------------------------


def parse_date_text(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` or ``YYYY/MM/DD`` as a real calendar date, else None."""
    # Cheap shape tests first: inference calls this for every value of a date column.
    if len(text) != 10 or text[4] not in "-/" or text[7] != text[4] or not text.isascii():
        return None
    try:
        return dt.date.fromisoformat(text if text[4] == "-" else text.replace("/", "-"))
    except ValueError:
        return None


def parse_datetime_text(text: str, zone: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """ISO 8601 ``YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH[:MM]]`` (or ``YYYY/MM/DD …``) as an aware datetime
    (naive: in ``zone``)."""
    if not DATETIME_TEXT.fullmatch(text):
        return None
    if text[4] == "/":
        text = text[:10].replace("/", "-") + text[10:]
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_any_date(text: str, order: str, zone: dt.tzinfo) -> dt.date | None:
    """An ISO date or date-time, or a day-/month-first one in ``order``; None if ``text`` is none."""
    return parse_date_text(text) or parse_datetime_text(text, zone) or read_local_date(text, order, zone)


def to_date(value: Any, order: str = "dmy", zone: dt.tzinfo = dt.UTC) -> dt.date | None:
    """Dates (ISO, or day-/month-first as ``order`` says); a datetime gives its own calendar date, same zone."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise Invalid
    text = value.strip()
    if not text:
        return None
    moment = parse_any_date(text, order, zone)
    if moment is None:
        raise Invalid
    return moment.date() if isinstance(moment, dt.datetime) else moment


def to_datetime(value: Any, order: str = "dmy", zone: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """Timezone-aware datetimes (naive ones are in ``zone``); a date alone is its midnight there."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=zone)
    if not isinstance(value, str):
        raise Invalid
    text = value.strip()
    if not text:
        return None
    moment = parse_any_date(text, order, zone)
    if moment is None:
        raise Invalid
    if isinstance(moment, dt.datetime):
        return moment
    return dt.datetime(moment.year, moment.month, moment.day, tzinfo=zone)


# --- geo ------------------------------------------------------------------------------------


def number(value: Any) -> float:
    """A finite JSON number (never a boolean) as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid
    return float(value)


def checked_point(lat: float, lon: float) -> tuple[float, float]:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise Invalid
    return lat, lon


def to_geo_point(value: Any) -> tuple[float, float] | None:
    """``"lat,lon"`` text, a ``[lat, lon]`` list or a GeoJSON Point -> ``(lat, lon)``, ranges checked."""
    if isinstance(value, str):
        if blank(value):
            return None
        match = POINT_TEXT.fullmatch(value)
        if not match:
            raise Invalid
        return checked_point(float(match[1]), float(match[2]))
    if isinstance(value, list | tuple) and len(value) == 2:
        return checked_point(number(value[0]), number(value[1]))
    if isinstance(value, dict) and value.get("type") == "Point":
        coordinates = geometry(value)["coordinates"]
        return checked_point(coordinates[1], coordinates[0])
    raise Invalid


def to_geo_shape(value: Any) -> dict[str, Any] | None:
    """A GeoJSON geometry (or Feature) as a dict or JSON text, or simple WKT -> a clean GeoJSON dict."""
    if isinstance(value, dict):
        return geometry(value)
    if not isinstance(value, str):
        raise Invalid
    text = value.strip()
    if not text:
        return None
    if text.startswith("{"):
        return geometry(json.loads(text))
    return parse_wkt(text)


def geometry(value: Any) -> dict[str, Any]:
    """Validate a GeoJSON geometry (a Feature gives its geometry); coordinates become floats."""
    if not isinstance(value, dict):
        raise Invalid
    if value.get("type") == "Feature":
        return geometry(value.get("geometry"))
    kind = value.get("type")
    if kind == "GeometryCollection":
        members = value.get("geometries")
        if not isinstance(members, list) or not members:
            raise Invalid
        return {"type": kind, "geometries": [geometry(member) for member in members]}
    if kind not in GEOMETRY_DEPTHS:
        raise Invalid
    nested = coordinates(value.get("coordinates"), GEOMETRY_DEPTHS[kind])
    check_structure(kind, nested)
    return {"type": kind, "coordinates": nested}


def check_structure(kind: str, nested: list[Any]) -> None:
    """What PostGIS refuses to load: lines of one point, rings of fewer than 4 points or not closed."""
    lines = [nested] if kind == "LineString" else nested if kind == "MultiLineString" else []
    rings = (
        nested
        if kind == "Polygon"
        else [ring for polygon in nested for ring in polygon]
        if kind == "MultiPolygon"
        else []
    )
    if any(len(line) < 2 for line in lines):
        raise Invalid
    if any(len(ring) < 4 or ring[0] != ring[-1] for ring in rings):
        raise Invalid


def coordinates(value: Any, depth: int) -> list[Any]:
    """Nested coordinate lists: depth 0 is one position ``[x, y]`` or ``[x, y, z]``; never empty."""
    if not isinstance(value, list | tuple) or not value:
        raise Invalid
    if depth == 0:
        if len(value) not in (2, 3):
            raise Invalid
        return [number(item) for item in value]
    return [coordinates(item, depth - 1) for item in value]


def parse_wkt(text: str) -> dict[str, Any]:
    """WKT POINT/LINESTRING/POLYGON and their MULTI forms (2D or Z) -> a GeoJSON geometry."""
    head = WKT_HEAD.match(text)
    if not head or head[1].upper() not in WKT_TYPES:
        raise Invalid
    kind = WKT_TYPES[head[1].upper()]
    tokens = [match[1] for match in WKT_TOKEN.finditer(text, head.end())]
    nested: Any
    nested, end = wkt_group(tokens, 0)
    if end != len(tokens):
        raise Invalid
    if kind == "Point":
        nested = nested[0] if len(nested) == 1 else None
    elif kind == "MultiPoint":
        # Both "MULTIPOINT (1 2, 3 4)" and "MULTIPOINT ((1 2), (3 4))" are valid WKT.
        nested = [item[0] if item and isinstance(item[0], list) and len(item) == 1 else item for item in nested]
    return geometry({"type": kind, "coordinates": nested})


def wkt_group(tokens: list[str], index: int) -> tuple[list[Any], int]:
    """Parse ``( item, item … )`` from ``tokens[index]``; items are groups or positions."""
    if index >= len(tokens) or tokens[index] != "(":
        raise Invalid
    items: list[Any] = []
    index += 1
    while True:
        if index < len(tokens) and tokens[index] == "(":
            item, index = wkt_group(tokens, index)
        else:
            item, index = wkt_position(tokens, index)
        items.append(item)
        if index >= len(tokens):
            raise Invalid
        if tokens[index] == ")":
            return items, index + 1
        if tokens[index] != ",":
            raise Invalid
        index += 1


def wkt_position(tokens: list[str], index: int) -> tuple[list[float], int]:
    position = []
    while index < len(tokens) and tokens[index] not in ("(", ")", ","):
        if not LENIENT_DOUBLE.fullmatch(tokens[index]):
            raise Invalid
        position.append(float(tokens[index]))
        index += 1
    return position, index


def json_ready(value: Any) -> Any:
    """A converted value as JSON: dates as ISO strings, geo_point_2d as ``[lat, lon]``."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


PARSERS: dict[str, Callable[..., Any]] = {
    "text": to_text,
    "int": to_int,
    "double": to_double,
    "boolean": to_boolean,
    "date": to_date,
    "datetime": to_datetime,
    "geo_point_2d": to_geo_point,
    "geo_shape": to_geo_shape,
    "file": to_file,
}
