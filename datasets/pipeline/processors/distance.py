"""``geo_distance``: the great-circle distance between a geo point field and another point."""

from __future__ import annotations

import math
from typing import Any

from datasets.pipeline.core import Record
from datasets.pipeline.processors.base import Step
from datasets.pipeline.processors.geo import pair
from datasets.pipeline.record_expressions import is_blank

# Mean Earth radius (IUGG), in metres: the haversine formula on a sphere errs by at most ~0.5%.
EARTH_RADIUS_M = 6_371_008.8
UNITS = {"km": 1000.0, "m": 1.0, "mi": 1609.344}


def haversine_m(a: list[float], b: list[float]) -> float:
    """Distance in metres between two ``[lat, lon]`` points, in degrees."""
    lat_a, lat_b = math.radians(a[0]), math.radians(b[0])
    d_lat, d_lon = lat_b - lat_a, math.radians(b[1] - a[1])
    h = math.sin(d_lat / 2) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin(d_lon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class GeoDistance(Step):
    """``geo_distance``: ``output_field`` receives the distance from ``field`` to ``to_field`` or to ``point``.

    Points are ``[lat, lon]`` values (from ``create_geopoint``) or "lat,lon" texts; the distance is
    in ``unit`` (kilometres by default, as Opendatasoft's processor), rounded to the millimetre.
    A blank point gives null.
    """

    name = "geo_distance"
    output_type = "double"

    def setup(self) -> None:
        point = self.args.get("point")
        self.point = None if point is None else pair(point, "point")

    def input_fields(self) -> list[tuple[str, str]]:
        fields = [("field", self.args["field"])]
        if "to_field" in self.args:
            fields.append(("to_field", self.args["to_field"]))
        return fields

    def output_fields(self) -> list[str]:
        return [self.args["output_field"]]

    def apply(self, record: Record) -> Record:
        output = self.args["output_field"]
        record[output] = self.distance(record.get(self.args["field"]), self.other(record), output)
        return record

    def other(self, record: Record) -> Any:
        return self.point if self.point is not None else record.get(self.args["to_field"])

    def distance(self, origin: Any, target: Any, output: str) -> float | None:
        if is_blank(origin) or is_blank(target):
            return None
        metres = haversine_m(pair(origin, output), pair(target, output))
        return round(metres / UNITS[self.args["unit"]], 6 if self.args["unit"] != "m" else 3)
