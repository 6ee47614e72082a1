"""The documented normalisation as test data: generated tables, what each cell must come back as, and
how every public output (records API, csv, json, geojson and xlsx exports) shows a value.

A ``Cell`` holds what a CSV file writes (``text``), what a JSON or XLSX file writes (``data``) and the
value the contract says is published (``value``, canonical Python: int, float, bool, str, date, aware
datetime, ``(lat, lon)`` or a GeoJSON dict; None for null). A ``Column`` knows its expected field type.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

NULL_MARKERS = ("NA", "N/A", "n/a", "#N/A", "NULL", "null", "NaN", "nan", "None", "-", "--", ".", "..", "...")
TRUE_WORDS = ("true", "yes", "vrai", "oui", "wahr", "ja", "verdadero", "sí", "si", "vero", "sì", "waar")
FALSE_WORDS = ("false", "no", "faux", "non", "falsch", "nein", "falso", "onwaar", "nee")
GEO_TYPES = ("geo_point_2d", "geo_shape")
# Export decisions of datasets/formats/writers.py (not part of the contract, but what csv and xlsx show):
# text a spreadsheet would run as a formula gets a leading apostrophe, xlsx drops XML-illegal characters.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Excel keeps date-times as fractions of days: openpyxl rounds them to the millisecond.
XLSX_TIME_PRECISION = dt.timedelta(microseconds=500)


class Missing:
    """The key is left out of a JSON object (APIs omit null keys); an empty cell in XLSX."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


@dataclass(frozen=True)
class Cell:
    """One generated value: its CSV text, its JSON/XLSX data and the value the contract publishes."""

    text: str
    data: Any
    value: Any

    def __repr__(self) -> str:
        shown = repr(self.text) if self.data == self.text else f"{self.text!r}|{self.data!r}"
        return f"{shown}->{self.value!r}"


@dataclass(frozen=True)
class Column:
    """A generated column: a kind (how it was generated), the field type it must get, its cells."""

    name: str
    kind: str
    type: str
    cells: tuple[Cell, ...]

    def __repr__(self) -> str:
        return f"{self.name}:{self.kind}->{self.type}{list(self.cells)!r}"


@dataclass(frozen=True)
class FileFormat:
    """How a table is written: family (csv, json, jsonl, geojson, xlsx), separator, encoding, line end."""

    family: str
    separator: str = ","
    encoding: str = "utf-8"
    line_end: str = "\r\n"

    @property
    def filename(self) -> str:
        return "table." + {"jsonl": "jsonl", "geojson": "geojson", "xlsx": "xlsx", "json": "json"}.get(
            self.family, "csv"
        )

    def __repr__(self) -> str:
        if self.family != "csv":
            return self.family
        return f"csv({self.separator!r}, {self.encoding}, {self.line_end!r})"


@dataclass(frozen=True)
class Table:
    """A generated table: its format, decimal mark, row count and columns (the row number ``n`` first)."""

    format: FileFormat
    mark: str
    rows: int
    columns: tuple[Column, ...]

    def has_geo(self) -> bool:
        return any(column.type in GEO_TYPES for column in self.columns)


# --- how each output shows a value ----------------------------------------------------------------


def decode(output: str, type_: str, raw: Any) -> Any:
    """A value read from ``output`` (records, csv, json, geojson, xlsx) as the canonical Python value."""
    if raw is None:
        return None
    if output == "csv":
        return CSV_DECODERS.get(type_, lambda text: text)(raw)
    if output == "xlsx":
        return XLSX_DECODERS.get(type_, lambda value: value)(raw)
    return JSON_DECODERS.get(type_, lambda value: value)(raw)


def point_text(text: str) -> tuple[float, float]:
    lat, lon = text.lstrip("'").split(",")
    return float(lat), float(lon)


def point_object(value: dict) -> tuple[float, float]:
    if value.get("type") == "Point":  # the geometry of a geojson feature
        lon, lat = value["coordinates"]
        return float(lat), float(lon)
    return float(value["lat"]), float(value["lon"])


def naive_utc(value: Any) -> Any:
    return value.replace(tzinfo=dt.UTC) if isinstance(value, dt.datetime) else value


def day_of(value: Any) -> Any:
    return value.date() if isinstance(value, dt.datetime) else value


def boolean_text(text: str) -> Any:
    return {"true": True, "false": False}.get(text, text)


JSON_DECODERS = {
    "date": dt.date.fromisoformat,
    "datetime": dt.datetime.fromisoformat,
    "geo_point_2d": point_object,
    "geo_shape": lambda value: value,
}
CSV_DECODERS = {
    "int": int,
    "double": float,
    "boolean": boolean_text,
    "date": dt.date.fromisoformat,
    "datetime": dt.datetime.fromisoformat,
    "geo_point_2d": point_text,
    "geo_shape": json.loads,
}
XLSX_DECODERS = {
    "int": lambda value: int(value) if isinstance(value, str) else value,  # beyond 2**53: the digits, as text
    "date": day_of,
    "datetime": naive_utc,
    "geo_point_2d": point_text,
    "geo_shape": lambda text: json.loads(text.lstrip("'")),
}


def shown_text(output: str, text: str) -> str:
    """How a text value is shown by ``output``: neutralised in csv and xlsx, XML-clean in xlsx."""
    if output == "xlsx":
        text = XML_ILLEGAL.sub("", text)
    if output in ("csv", "xlsx") and text.startswith(FORMULA_STARTS):
        text = "'" + text
    if output == "xlsx":
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # XML normalises line ends
    return text


def same(output: str, expected: Any, got: Any) -> bool:
    """Whether ``got`` (decoded) is the published form of ``expected`` in ``output``, types included."""
    if expected is None or got is None:
        return expected is got
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is type(got) and expected == got
    if isinstance(expected, float):
        return isinstance(got, int | float) and float(got) == expected
    if isinstance(expected, dt.datetime):
        return same_instant(output, expected, got)
    if isinstance(expected, dict):
        return isinstance(got, dict) and same_geometry(expected, got)
    if isinstance(expected, str):
        return isinstance(got, str) and got == shown_text(output, expected)
    return type(got) is type(expected) and got == expected


def same_instant(output: str, expected: dt.datetime, got: Any) -> bool:
    if not isinstance(got, dt.datetime) or got.tzinfo is None:
        return False
    if output == "xlsx":
        return abs(got - expected) <= XLSX_TIME_PRECISION
    return got == expected


def same_geometry(expected: dict, got: dict) -> bool:
    return expected.get("type") == got.get("type") and floats(expected.get("coordinates")) == floats(
        got.get("coordinates")
    )


def floats(coordinates: Any) -> Any:
    if isinstance(coordinates, list | tuple):
        return [floats(item) for item in coordinates]
    return float(coordinates) if isinstance(coordinates, int | float) else coordinates
