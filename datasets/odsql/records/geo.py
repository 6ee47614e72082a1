"""Geographic predicates of the ODSQL ``where`` clause: within_distance, in_bbox, intersects, disjoint, within.

Decisions:

* Geometry literals (``geom'…'``, WKT or GeoJSON text; a plain string is accepted too) are parsed and checked in
  Python with shapely before any SQL exists: syntax, emptiness, validity (a self-intersecting polygon is refused
  with GEOS's reason) and coordinate ranges (longitude within [-180, 180], latitude within [-90, 90]). PostgreSQL
  only ever receives a well-formed geometry, as hex WKB in a bound parameter (exact: WKT text would round the
  coordinates), so a bad literal is a 400 that names the problem, never a database error.
* Distances are great-circle distances (``ST_DWithin`` on ``geography``, on the mean-radius sphere of WGS 84, as
  the original engine's arc distance and ``distance()`` in select): ``1km`` is a kilometre at any latitude, to
  within 0.5% of the spheroid's geodesic. A geography expression cannot use the column's planar GiST index, so
  for a point field and a point literal, a box that holds every possible match is ANDed in front (``&&``, see
  ``distance_box``); a geo_shape column has a GiST index on its geography cast (``datasets.store.indexes``)
  that ``ST_DWithin`` uses directly.
* ``in_bbox`` keeps values that intersect the box, edges included: a point inside or on an edge, a shape that
  overlaps it (the original engine's bounding-box filter treats shapes the same way). Corners come in any order;
  a box across the antimeridian is not supported.
* ``intersects``, ``disjoint`` and ``within`` are planar relations in longitude/latitude (PostGIS geometry); the
  field comes first: ``within(geo, geom'…')`` keeps values inside the literal. A stored shape that is invalid
  (publishing keeps self-intersecting polygons) is repaired with ``ST_MakeValid`` first (see ``related``).
* ``distance(geo, geom'…', 1km)``, the v2.0 name, means ``within_distance`` in ``where``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import numpy as np  # shapely's own dependency: its functions are numpy ufuncs
import shapely
from psycopg import sql
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

from datasets.odsql import ODSQLError, ast
from datasets.odsql.records.values import Fragment, Schema, placeholder
from datasets.store.tables import GEOMETRY_TYPES

# Metres in one of each distance unit of within_distance (section 7.3).
UNITS = {"mi": 1609.344, "yd": 0.9144, "ft": 0.3048, "m": 1.0, "cm": 0.01, "km": 1000.0, "mm": 0.001}
RELATIONS = {"intersects": "ST_Intersects", "disjoint": "ST_Disjoint", "within": "ST_Within"}
# Lower bounds of the length of one degree (111,195 m of latitude on the mean-radius sphere, 111,195 m x
# cos(latitude) of longitude), rounded down so that distance_box errs on the wide side.
METRES_PER_DEGREE_LATITUDE = 110_000.0
METRES_PER_DEGREE_LONGITUDE_AT_EQUATOR = 111_000.0
POLAR_LATITUDE = 89.0  # beyond it, a longitude span means little: no box
MAX_SHOWN_GEOMETRY = 60
GEOMETRY_SQL = "ST_GeomFromWKB(decode({}, 'hex'), 4326)"

WITHIN_DISTANCE_USAGE = "within_distance(geo, geom'POINT(2.35 48.85)', 1km)"
IN_BBOX_USAGE = "in_bbox(geo, lat1, lon1, lat2, lon2)"


def within_distance(node: ast.FunctionCall, schema: Schema, clause: str) -> Fragment:
    """``within_distance(geo, geom'…', 1km)``: values at most that great-circle distance from the geometry."""
    field, literal, distance = arguments(node, 3, WITHIN_DISTANCE_USAGE, clause)
    column = geo_column(node, field, schema, clause)
    shape = geometry_literal(node, literal, clause)
    metres = distance_metres(node, distance, clause)
    # use_spheroid false: a great circle on the mean-radius sphere, like the original engine's arc distance and
    # like distance() in select, so a record at distance() <= 1000 is always within_distance(..., 1km).
    condition = sql.SQL("ST_DWithin({}::geography, ({})::geography, {}, false)").format(
        column.sql, geometry_sql(), placeholder("double precision")
    )
    fragment = Fragment(condition, (shape_hex(shape), metres))
    box = distance_box(shape, metres) if column.type == "geo_point_2d" and is_points(shape) else None
    if box is None:
        return fragment
    prefilter = sql.SQL("{} && ST_MakeEnvelope({}, {}, {}, {}, 4326)").format(
        column.sql, *(placeholder("double precision") for _ in box)
    )
    return Fragment(sql.SQL("{} AND {}").format(prefilter, fragment.sql), (*box, *fragment.params))


def in_bbox(node: ast.FunctionCall, schema: Schema, clause: str) -> Fragment:
    """``in_bbox(geo, lat1, lon1, lat2, lon2)``: values that intersect the box with these two opposite corners."""
    field, *corners = arguments(node, 5, IN_BBOX_USAGE, clause)
    column = geo_column(node, field, schema, clause)
    lat1, lon1, lat2, lon2 = (coordinate(node, corner, clause) for corner in corners)
    for latitude, longitude, where in ((lat1, lon1, corners[0]), (lat2, lon2, corners[2])):
        check_position(node, longitude, latitude, where, clause)
    box = box_shape(min(lon1, lon2), min(lat1, lat2), max(lon1, lon2), max(lat1, lat2))
    return related("intersects", column, box)


def relation(node: ast.FunctionCall, schema: Schema, clause: str) -> Fragment:
    """``intersects(geo, geom'…')``, ``disjoint(…)``, ``within(…)``: the field's relation to the geometry."""
    field, literal = arguments(node, 2, f"{node.name}(geo, geom'POLYGON((…))')", clause)
    column = geo_column(node, field, schema, clause)
    return related(node.name, column, geometry_literal(node, literal, clause))


def related(name: str, column: Fragment, shape: BaseGeometry) -> Fragment:
    """``ST_Intersects`` / ``ST_Within`` / ``ST_Disjoint`` of a column and a checked geometry.

    The bounding-box test (``&&``) is spelt out so the GiST index serves even though the column is wrapped: a
    shape is repaired (``ST_MakeValid``) when invalid, because publishing keeps self-intersecting polygons as
    they come and GEOS may fail on them ("TopologyException: side location conflict") instead of answering.
    A value whose box misses the geometry's is disjoint from it without further work.
    """
    value = column.sql
    if column.type == "geo_shape":
        value = sql.SQL("CASE WHEN ST_IsValid({0}, 0) THEN {0} ELSE ST_MakeValid({0}) END").format(column.sql)
    template = "NOT ({0} && {1}) OR {2}({3}, {1})" if name == "disjoint" else "{0} && {1} AND {2}({3}, {1})"
    condition = sql.SQL(template).format(column.sql, geometry_sql(), sql.SQL(RELATIONS[name]), value)
    # The one placeholder appears twice in the SQL, so its parameter is passed twice.
    return Fragment(sql.SQL("({})").format(condition), (shape_hex(shape),) * 2)


def arguments(node: ast.FunctionCall, count: int, usage: str, clause: str) -> tuple[ast.Node, ...]:
    if len(node.args) != count:
        raise ODSQLError(
            f"{node.name}() at position {node.position} in {clause} takes {count} arguments, "
            f"got {len(node.args)}: {usage}",
            node.position,
        )
    return node.args


def geo_column(node: ast.FunctionCall, argument: ast.Node, schema: Schema, clause: str) -> Fragment:
    """The geo_point_2d or geo_shape field a geo predicate tests (its first argument)."""
    if not isinstance(argument, ast.Field):
        raise ODSQLError(
            f"{node.name}() at position {node.position} in {clause} expects a geo field as first argument",
            argument.position,
        )
    column = schema.column(argument, clause)
    if column.type not in GEOMETRY_TYPES:
        raise ODSQLError(
            f"{node.name}() at position {node.position} in {clause} needs a geo_point_2d or geo_shape field; "
            f"{argument.name!r} has type {column.type}",
            argument.position,
        )
    return column


def geometry_literal(node: ast.FunctionCall, argument: ast.Node, clause: str) -> BaseGeometry:
    """A ``geom'…'`` (or string) argument in WKT or GeoJSON, parsed and checked (see the module's decisions)."""
    if not isinstance(argument, ast.Literal) or argument.kind not in (ast.GEOM, ast.STRING):
        raise ODSQLError(
            f"{node.name}() at position {node.position} in {clause} expects a geometry as second argument, "
            "in WKT or GeoJSON: geom'POINT(2.35 48.85)'",
            argument.position,
        )
    text = cast(str, argument.value).strip()
    try:
        return parse_geometry(text)
    except ValueError as error:
        raise ODSQLError(
            f"{node.name}() at position {node.position} in {clause}: invalid geometry {shown(text)}: {error}",
            argument.position,
        ) from None


def parse_geometry(text: str) -> BaseGeometry:
    """WKT or GeoJSON text as a geometry fit for PostGIS in WGS 84, or ``ValueError`` saying what is wrong.

    Pass the result to SQL as ``geometry_sql()`` with ``shape_hex(shape)`` as its parameter.
    """
    try:
        with np.errstate(all="ignore"):  # a huge number in the text overflows to inf (refused below), quietly
            shape = shapely.from_geojson(text) if text.lstrip().startswith("{") else shapely.from_wkt(text)
    except (GEOSException, ValueError, TypeError) as error:
        raise ValueError(str(error)) from None
    problem = geometry_problem(shape)
    if problem:
        raise ValueError(problem)
    return shape


def geometry_problem(shape: BaseGeometry | None) -> str | None:
    """Why a parsed geometry cannot be used, or None: empty, invalid (GEOS's reason), or off the globe."""
    if shape is None or shape.is_empty:
        return "the geometry is empty"
    if not shape.is_valid:
        return shapely.is_valid_reason(shape)
    west, south, east, north = shape.bounds
    if not (west >= -180 and east <= 180 and south >= -90 and north <= 90):
        return "coordinates are longitude then latitude, within [-180, 180] and [-90, 90]"
    return None


def distance_metres(node: ast.FunctionCall, argument: ast.Node, clause: str) -> float:
    """A distance argument (``1km``, ``500 m``, ``3mi``) in metres."""
    names = ", ".join(UNITS)
    if not isinstance(argument, ast.Quantity):
        raise ODSQLError(
            f"{node.name}() at position {node.position} in {clause} expects a distance with a unit ({names}) "
            "as third argument, such as 1km",
            argument.position,
        )
    if argument.unit not in UNITS:
        raise ODSQLError(
            f"{node.name}() at position {node.position} in {clause}: {argument.unit!r} is not a distance unit; "
            f"units: {names}",
            argument.position,
        )
    return float(argument.amount) * UNITS[argument.unit]


def coordinate(node: ast.FunctionCall, argument: ast.Node, clause: str) -> float:
    """A number argument of in_bbox (negative allowed)."""
    if not isinstance(argument, ast.Literal) or argument.kind != ast.NUMBER:
        raise ODSQLError(
            f"{node.name}() at position {node.position} in {clause} expects numbers after the field: {IN_BBOX_USAGE}",
            argument.position,
        )
    return float(cast(float, argument.value))


def check_position(node: ast.FunctionCall, longitude: float, latitude: float, argument: ast.Node, clause: str):
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ODSQLError(
            f"{node.name}() at position {node.position} in {clause}: corner ({latitude:g}, {longitude:g}) is off "
            f"the globe; latitudes are within [-90, 90], longitudes within [-180, 180]: {IN_BBOX_USAGE}",
            argument.position,
        )


def box_shape(west: float, south: float, east: float, north: float) -> BaseGeometry:
    """The box as a geometry; a box without width or height is a line or a point (a flat polygon intersects nothing)."""
    if west == east and south == north:
        return shapely.Point(west, south)
    if west == east or south == north:
        return shapely.LineString([(west, south), (east, north)])
    return shapely.box(west, south, east, north)


def is_points(shape: BaseGeometry) -> bool:
    """Points only: a geodesic edge of a line or polygon can leave its planar bounding box, a point cannot."""
    return shape.geom_type in ("Point", "MultiPoint")


def distance_box(shape: BaseGeometry, metres: float) -> tuple[float, float, float, float] | None:
    """A longitude/latitude box holding every point within ``metres`` of ``shape``, or None near a pole or the
    antimeridian.

    A path of length d moves at most d / 110 km degrees of latitude, so it stays between ``south`` and
    ``north``; there a degree of longitude is at least 111 km x cos(latitude) long, which bounds its longitude.
    """
    west, south, east, north = shape.bounds
    spread = metres / METRES_PER_DEGREE_LATITUDE
    south, north = south - spread, north + spread
    if south <= -POLAR_LATITUDE or north >= POLAR_LATITUDE:
        return None
    widest = math.cos(math.radians(max(abs(south), abs(north))))
    spread = metres / (METRES_PER_DEGREE_LONGITUDE_AT_EQUATOR * widest)
    west, east = west - spread, east + spread
    if west < -180 or east > 180:
        return None
    return west, south, east, north


def geometry_sql() -> sql.Composable:
    return sql.SQL(GEOMETRY_SQL).format(placeholder("text"))


def shape_hex(shape: BaseGeometry) -> str:
    """Hex WKB in two dimensions (the columns are 2D), exact to the last bit."""
    return shapely.to_wkb(shape, hex=True, output_dimension=2)


def shown(text: str) -> str:
    if len(text) > MAX_SHOWN_GEOMETRY:
        text = text[: MAX_SHOWN_GEOMETRY - 1] + "…"
    return repr(text)


PREDICATES: dict[str, Callable[[ast.FunctionCall, Schema, str], Fragment]] = {
    "within_distance": within_distance,
    "distance": within_distance,
    "in_bbox": in_bbox,
    **{name: relation for name in RELATIONS},
}
