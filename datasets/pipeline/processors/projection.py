"""``transform_coordinates``: points projected in a known coordinate system, converted to WGS84.

No projection library is available, so the supported systems are implemented here from their
published definitions (other EPSG codes are refused when the processor is saved):

* EPSG:2154, RGF93 / Lambert-93: Lambert Conformal Conic with two standard parallels (44°N,
  49°N), origin 46.5°N 3°E, false easting 700 000 m, false northing 6 600 000 m, on the GRS80
  ellipsoid. Inverse formulas from J. P. Snyder, *Map Projections: A Working Manual* (USGS
  Professional Paper 1395, 1987), pp. 107-109. RGF93 and WGS84 differ by less than a metre: no
  datum shift is applied.
* EPSG:3857, WGS 84 / Pseudo-Mercator (web maps): spherical Mercator on a sphere of radius
  6 378 137 m (IOGP Guidance Note 7-2, method 1024).
* EPSG:4326, WGS84 itself: values are only checked.

Input points are written northing first, like WGS84 ``lat,lon`` ("y,x", as Opendatasoft's
projection processor expects), as a text or a two-number list.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from datasets.pipeline.core import RecordFailure
from datasets.pipeline.processors.base import FieldToOutputStep
from datasets.pipeline.processors.geo import COORDINATE_RE, PAIR_RE, in_range
from datasets.pipeline.record_expressions import shown

GRS80_A = 6_378_137.0
GRS80_F = 1 / 298.257222101
WEB_MERCATOR_R = 6_378_137.0


def lambert_conformal_conic(
    lat_0: float, lon_0: float, lat_1: float, lat_2: float, false_easting: float, false_northing: float
) -> Callable[[float, float], tuple[float, float]]:
    """The inverse of an ellipsoidal (GRS80) Lambert Conformal Conic 2SP: ``(x, y)`` metres -> ``(lat, lon)``."""
    e = math.sqrt(2 * GRS80_F - GRS80_F**2)

    def m(phi: float) -> float:
        return math.cos(phi) / math.sqrt(1 - (e * math.sin(phi)) ** 2)

    def t(phi: float) -> float:
        return math.tan(math.pi / 4 - phi / 2) / ((1 - e * math.sin(phi)) / (1 + e * math.sin(phi))) ** (e / 2)

    phi_0, phi_1, phi_2 = map(math.radians, (lat_0, lat_1, lat_2))
    n = (math.log(m(phi_1)) - math.log(m(phi_2))) / (math.log(t(phi_1)) - math.log(t(phi_2)))
    big_f = m(phi_1) / (n * t(phi_1) ** n)
    rho_0 = GRS80_A * big_f * t(phi_0) ** n

    def inverse(x: float, y: float) -> tuple[float, float]:
        dx, dy = x - false_easting, rho_0 - (y - false_northing)
        rho = math.copysign(math.hypot(dx, dy), n)
        t_value = (rho / (GRS80_A * big_f)) ** (1 / n)
        theta = math.atan2(dx, dy)
        phi = math.pi / 2 - 2 * math.atan(t_value)
        for _ in range(15):  # converges to 1e-12 rad in a handful of iterations
            ratio = ((1 - e * math.sin(phi)) / (1 + e * math.sin(phi))) ** (e / 2)
            phi, previous = math.pi / 2 - 2 * math.atan(t_value * ratio), phi
            if abs(phi - previous) < 1e-12:
                break
        return math.degrees(phi), math.degrees(theta / n) + lon_0

    return inverse


def web_mercator(x: float, y: float) -> tuple[float, float]:
    """The inverse of EPSG:3857: ``(x, y)`` metres -> ``(lat, lon)``."""
    lat = math.degrees(2 * math.atan(math.exp(y / WEB_MERCATOR_R)) - math.pi / 2)
    return lat, math.degrees(x / WEB_MERCATOR_R)


def wgs84(x: float, y: float) -> tuple[float, float]:
    return y, x


PROJECTIONS: dict[str, Callable[[float, float], tuple[float, float]]] = {
    "2154": lambert_conformal_conic(46.5, 3.0, 49.0, 44.0, 700_000.0, 6_600_000.0),
    "3857": web_mercator,
    "4326": wgs84,
}


def epsg_code(value: str) -> str | None:
    """The supported code written as ``2154`` or ``EPSG:2154``, or None."""
    code = value.strip().upper().removeprefix("EPSG:").strip()
    return code if code in PROJECTIONS else None


def northing_easting(value: Any, field: str) -> tuple[float, float]:
    """``(y, x)`` from a "y,x" / "y x" text or a two-number list."""
    if isinstance(value, list) and len(value) == 2:
        texts = [str(item).strip() for item in value]
        if all(COORDINATE_RE.fullmatch(text) for text in texts):
            return float(texts[0]), float(texts[1])
    match = PAIR_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise RecordFailure(
            'Cannot read "{value}" as a "y,x" pair of projected coordinates', field=field, value=shown(value)
        )
    return float(match.group(1)), float(match.group(2))


class TransformCoordinates(FieldToOutputStep):
    """``transform_coordinates``: ``output_field`` receives the WGS84 ``[lat, lon]`` of the projected ``field``."""

    name = "transform_coordinates"
    output_type = "geo_point_2d"

    def setup(self) -> None:
        self.inverse = PROJECTIONS[epsg_code(self.args["epsg"]) or ""]

    def transform(self, value: Any, output: str) -> list[float]:
        y, x = northing_easting(value, output)
        lat, lon = self.inverse(x, y)
        return [round(in_range(lat, "latitude", output), 8), round(in_range(lon, "longitude", output), 8)]
