"""Converted geo values -> EWKT text that PostGIS parses on COPY (``SRID=4326;POINT(lon lat)``).

geo_point_2d values are ``(lat, lon)`` tuples; geo_shape values are clean GeoJSON dicts (see
``pipeline/conversion.py``). WKT writes x before y, so longitude comes first. Columns are 2D
(``geometry(Geometry, 4326)`` refuses a Z coordinate), so a third coordinate is dropped here.
"""

from __future__ import annotations

from typing import Any

SRID_PREFIX = "SRID=4326;"
# Nesting depth of the coordinates of each GeoJSON type: 0 is one position.
DEPTHS = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
WKT_NAMES = {kind: kind.upper() for kind in DEPTHS}


def point_ewkt(point: Any) -> str:
    """``(lat, lon)`` (or a GeoJSON Point dict) -> ``SRID=4326;POINT(lon lat)``."""
    if isinstance(point, dict):
        return shape_ewkt(point)
    lat, lon = point
    return f"{SRID_PREFIX}POINT({lon} {lat})"


def shape_ewkt(shape: dict[str, Any]) -> str:
    """A GeoJSON geometry -> EWKT in SRID 4326."""
    return SRID_PREFIX + shape_wkt(shape)


def shape_wkt(shape: dict[str, Any]) -> str:
    """A GeoJSON geometry (any of the seven types, collections nested) -> WKT, 2D."""
    kind = shape.get("type")
    if kind == "GeometryCollection":
        return "GEOMETRYCOLLECTION(" + ",".join(shape_wkt(member) for member in shape["geometries"]) + ")"
    if kind not in DEPTHS:
        raise ValueError(f"not a GeoJSON geometry type: {kind!r}")
    depth = DEPTHS[kind]
    body = coordinates_wkt(shape["coordinates"], depth)
    # A Point's single position still needs its own parentheses: POINT(1 2).
    return WKT_NAMES[kind] + (body if depth else f"({body})")


def coordinates_wkt(coordinates: Any, depth: int) -> str:
    """Nested GeoJSON coordinates -> WKT: ``x y`` at depth 0, parenthesised comma lists above."""
    if depth == 0:
        return f"{coordinates[0]} {coordinates[1]}"
    return "(" + ",".join(coordinates_wkt(item, depth - 1) for item in coordinates) + ")"
