"""Geo processors: ``create_geopoint`` from two coordinate fields or one "lat,lon" text."""

from __future__ import annotations

import re
from typing import Any

from datasets.pipeline.core import Record, RecordFailure
from datasets.pipeline.processors.base import Step
from datasets.pipeline.record_expressions import is_blank, shown

COORDINATE_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
DECIMAL_COMMA_RE = re.compile(r"[+-]?\d+,\d+")
# "48.85,2.35", "48.85, 2.35", "48.85;2.35", "48.85 2.35", optionally in [] or ().
PAIR_RE = re.compile(
    r"\s*[\[(]?\s*([+-]?(?:\d+(?:\.\d+)?|\.\d+))\s*(?:[,;]\s*|\s+)([+-]?(?:\d+(?:\.\d+)?|\.\d+))\s*[\])]?\s*"
)
RANGES = {"latitude": 90, "longitude": 180}


def coordinate(value: Any, axis: str, field: str) -> float:
    """One coordinate from a number or a text (a decimal comma is accepted), checked against its range."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = value.strip() if isinstance(value, str) else ""
        if DECIMAL_COMMA_RE.fullmatch(text):
            text = text.replace(",", ".")
        if not COORDINATE_RE.fullmatch(text):
            raise RecordFailure('Cannot read "{value}" as a {axis}', field=field, value=shown(value), axis=axis)
        number = float(text)
    return in_range(number, axis, field)


def in_range(number: float, axis: str, field: str) -> float:
    """``number`` if it is a valid latitude (-90..90) or longitude (-180..180), else a RecordFailure."""
    limit = RANGES[axis]
    if not -limit <= number <= limit:
        raise RecordFailure(
            "The {axis} {value} is out of range [{minimum}, {maximum}]",
            field=field,
            axis=axis,
            value=number,
            minimum=-limit,
            maximum=limit,
        )
    return number


def pair(value: Any, field: str) -> list[float]:
    """``[lat, lon]`` from a "lat,lon" / "lat lon" text or a two-number list."""
    if isinstance(value, list) and len(value) == 2:
        return [coordinate(value[0], "latitude", field), coordinate(value[1], "longitude", field)]
    match = PAIR_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise RecordFailure('Cannot read "{value}" as a "latitude,longitude" pair', field=field, value=shown(value))
    return [in_range(float(match.group(1)), "latitude", field), in_range(float(match.group(2)), "longitude", field)]


class CreateGeopoint(Step):
    """``create_geopoint``: ``output_field`` receives ``[lat, lon]``; blank inputs give null."""

    name = "create_geopoint"
    output_type = "geo_point_2d"

    def input_fields(self) -> list[tuple[str, str]]:
        if "field" in self.args:
            return [("field", self.args["field"])]
        return [(argument, self.args[argument]) for argument in ("latitude_field", "longitude_field")]

    def output_fields(self) -> list[str]:
        return [self.args["output_field"]]

    def apply(self, record: Record) -> Record:
        record[self.args["output_field"]] = self.point(record)
        return record

    def point(self, record: Record) -> list[float] | None:
        output = self.args["output_field"]
        if "field" in self.args:
            value = record.get(self.args["field"])
            return None if is_blank(value) else pair(value, output)
        latitude, longitude = record.get(self.args["latitude_field"]), record.get(self.args["longitude_field"])
        if is_blank(latitude) or is_blank(longitude):
            return None
        return [coordinate(latitude, "latitude", output), coordinate(longitude, "longitude", output)]
