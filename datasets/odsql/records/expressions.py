"""Value expressions of ``select``, ``group_by`` and ``order_by``, and the computed side of ``where`` comparisons.

An expression is a field, a literal, arithmetic, a scalar function (reference §7.6) or an aggregate (§7.7),
compiled to a typed ``Fragment``. Decisions:

* Function names and SQL keywords come from the tables of this module, never from the query text; every
  literal is a bound parameter.
* ``count(distinct f)`` is exact (PostgreSQL's ``count(DISTINCT ...)``), where Opendatasoft approximates.
  ``median`` and ``percentile`` interpolate linearly (``percentile_cont``) and answer doubles.
* ``distance()`` is in metres on a sphere of the Earth's mean radius (6,371,008.8 m), as Elasticsearch's
  default arc distance; ``envelope()`` is the convex hull of a geo field and ``bbox()`` its bounding box.
* Date parts (``year()`` ... ``second()``) are integers (v2.1) computed in the request's time zone (see
  ``dates.py``); a ``date`` field has no time zone and its hour, minute and second are 0.
* With ``group_by``, an expression that is a group (as written, or by its label) reads the group's column;
  any other field must be inside an aggregate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import cast

from psycopg import sql

from datasets.odsql import ODSQLError, ast
from datasets.odsql.records import dates, geo
from datasets.odsql.records.values import (
    CASTS,
    NUMERIC,
    ORDERED,
    Fragment,
    Schema,
    coerce,
    literal_fragment,
    placeholder,
)
from datasets.pipeline.core import Field

AGGREGATES = ("count", "sum", "avg", "min", "max", "median", "percentile", "envelope", "bbox")
DATE_PARTS = {"year": "YEAR", "month": "MONTH", "day": "DAY", "hour": "HOUR", "minute": "MINUTE", "second": "SECOND"}
TEMPORAL = frozenset({"date", "datetime"})
GEO = frozenset({"geo_point_2d", "geo_shape"})
EARTH_RADIUS_M = 6_371_008.8
OPERATORS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class ZonedSchema(Schema):
    """The fields of a records table, with the ``timezone`` and ``lang`` of the request that reads them."""

    def __init__(
        self,
        fields: list[Field],
        timezone: str = dates.UTC,
        lang: str | None = None,
        *,
        stored_fts: bool = True,
        record_ids: bool = False,
    ) -> None:
        super().__init__(fields, stored_fts=stored_fts, record_ids=record_ids)
        self.timezone, self.lang = timezone, lang


def zone_of(schema: Schema) -> str:
    """The request's time zone; a plain ``Schema`` (facets, refine) reads dates in UTC."""
    return schema.timezone if isinstance(schema, ZonedSchema) else dates.UTC


@dataclass(frozen=True)
class Scope:
    """Where an expression is compiled: its clause, labels it may use, and the groups of a grouped query.

    ``groups`` maps a grouped expression (as parsed, positions ignored) to the fragment that reads its group.
    """

    schema: Schema
    clause: str
    aliases: Mapping[str, Fragment] = field(default_factory=dict)
    groups: Mapping[ast.Node, Fragment] = field(default_factory=dict)

    @property
    def zone(self) -> str:
        return zone_of(self.schema)

    def error(self, node: ast.Node, text: str) -> ODSQLError:
        """An error naming the clause and where the faulty node starts."""
        return ODSQLError(f"{text} (at position {node.position} in {self.clause})", node.position)


def item_name(item: ast.SelectItem) -> str:
    """The result name of a ``select`` or ``group_by`` item: its label, a plain field's own name (back-quotes are
    only syntax), or the expression as written."""
    if item.label is None and isinstance(item.expression, ast.Field):
        return item.expression.name
    return item.text


def expression(node: ast.Node, scope: Scope) -> Fragment:
    grouped = scope.groups.get(node)
    if grouped is not None:
        return grouped
    if isinstance(node, ast.Field):
        return scope.aliases.get(node.name) or scope.schema.column(node, scope.clause)
    if isinstance(node, ast.Literal):
        if node.kind == ast.NULL:
            return Fragment(sql.SQL("NULL"), type="null")
        return literal_fragment(node, scope.clause)
    if isinstance(node, ast.BinaryOp):
        return _arithmetic(node, scope)
    if isinstance(node, ast.FunctionCall):
        return _function(node, scope)
    raise scope.error(node, "Unsupported expression")


def _arithmetic(node: ast.BinaryOp, scope: Scope) -> Fragment:
    left, right = expression(node.left, scope), expression(node.right, scope)
    if left.type not in NUMERIC or right.type not in NUMERIC:
        raise scope.error(node, f"Operator {node.op} needs numbers, not {left.type} and {right.type}")
    if node.op == "/":  # a true division, and division by 0 gives null (section 7.2)
        template, kind = "({})::double precision / NULLIF({}, 0)", "double"
    else:
        template, kind = "({}) " + node.op + " ({})", "int" if left.type == right.type == "int" else "double"
    return combined(sql.SQL(template).format(left.sql, right.sql), kind, left, right)


def combined(text: sql.Composable, kind: str, *parts: Fragment) -> Fragment:
    """A fragment built from ``parts`` (in placeholder order): their parameters, aggregates and bare fields."""
    return Fragment(
        text,
        tuple(param for part in parts for param in part.params),
        kind,
        any(part.aggregate for part in parts),
        frozenset().union(*(part.bare_fields for part in parts)),
    )


def _function(node: ast.FunctionCall, scope: Scope) -> Fragment:
    if node.name in AGGREGATES:
        if scope.clause == "where":
            raise scope.error(node, f"Aggregate {node.name}() is not allowed")
        return _aggregate(node, scope)
    compiler = SCALARS.get(node.name)
    if compiler is None:
        if node.name == "random":
            raise scope.error(node, "random() is allowed in order_by only")
        if node.name in ("range", "geo_cluster"):
            raise scope.error(node, f"{node.name}() belongs to group_by; select it as written there or by its label")
        names = ", ".join([*SCALARS, *AGGREGATES])
        raise ODSQLError(f"Unknown function {node.name!r} in {scope.clause}; functions: {names}", node.position)
    return compiler(node, scope)


def arguments(node: ast.FunctionCall, scope: Scope, *counts: int) -> tuple[ast.Node, ...]:
    """The arguments of ``node`` when their number is one of ``counts``."""
    if len(node.args) not in counts:
        wanted = " or ".join(str(count) for count in counts)
        raise scope.error(
            node, f"{node.name}() takes {wanted} argument{'s' if counts[-1] > 1 else ''}, not {len(node.args)}"
        )
    return node.args


def value_argument(node: ast.Node, scope: Scope, function: str, types: frozenset[str]) -> Fragment:
    """One expression argument whose type is one of ``types``."""
    if isinstance(node, ast.Star | ast.NamePattern | ast.Quantity | ast.Distinct | ast.NamedArgument):
        raise scope.error(node, f"{function}() takes a field or an expression")
    value = expression(node, scope)
    if value.type not in types:
        wanted = " or ".join(sorted(types))
        raise scope.error(node, f"{function}() needs a {wanted} value, not {value.type}")
    return value


# Scalar functions.


def _string_function(template: str, kind: str) -> Callable[[ast.FunctionCall, Scope], Fragment]:
    def compile_(node: ast.FunctionCall, scope: Scope) -> Fragment:
        (argument,) = arguments(node, scope, 1)
        value = value_argument(argument, scope, node.name, frozenset({"text"}))
        return combined(sql.SQL(template).format(value.sql), kind, value)

    return compile_


def local_time(value: Fragment, scope: Scope) -> Fragment:
    """The wall-clock ``timestamp`` of a date or datetime: datetimes in the request's zone, dates at midnight."""
    if value.type == "date":
        return combined(sql.SQL("({})::timestamp").format(value.sql), "datetime", value)
    local = sql.SQL("({} AT TIME ZONE {})").format(value.sql, placeholder("text"))
    return Fragment(local, (*value.params, scope.zone), "datetime", value.aggregate, value.bare_fields)


def _date_part(node: ast.FunctionCall, scope: Scope) -> Fragment:
    """``year(d)`` ... ``second(d)``: integers (seconds are truncated)."""
    (argument,) = arguments(node, scope, 1)
    local = local_time(value_argument(argument, scope, node.name, TEMPORAL), scope)
    part = sql.SQL(DATE_PARTS[node.name])  # a constant of this module
    return replace(local, sql=sql.SQL("floor(EXTRACT({} FROM {}))::bigint").format(part, local.sql), type="int")


def _date_format(node: ast.FunctionCall, scope: Scope) -> Fragment:
    """``date_format(d, 'dd/MM/yyyy')``: text built from ``to_char`` tokens, names and free text (``dates.py``)."""
    value, pattern = arguments(node, scope, 2)
    if not isinstance(pattern, ast.Literal) or pattern.kind != ast.STRING:
        raise scope.error(pattern, "date_format() takes a pattern string as second argument")
    local = local_time(value_argument(value, scope, node.name, TEMPORAL), scope)
    pieces = []
    for part in dates.format_parts(cast(str, pattern.value), getattr(scope.schema, "lang", None), pattern.position):
        if part.kind == "text":
            pieces.append(Fragment(placeholder("text"), (part.value,), "text"))
        elif part.kind == "to_char":
            pieces.append(
                replace(
                    local,
                    sql=sql.SQL("to_char({}, {})").format(local.sql, placeholder("text")),
                    params=(*local.params, part.value),
                )
            )
        else:  # a day or month name: the names array indexed by the ISO weekday or the month
            index = sql.SQL("EXTRACT({} FROM {})::int").format(sql.SQL(part.index), local.sql)
            text = sql.SQL("({})[{}]").format(placeholder("text[]"), index)
            pieces.append(replace(local, sql=text, params=(part.value, *local.params)))
    # || keeps a null date null (concat() would make it an empty string).
    return combined(sql.SQL(" || ").join(piece.sql for piece in pieces), "text", *pieces)


def _ifnull(node: ast.FunctionCall, scope: Scope) -> Fragment:
    """``ifnull(expr, alt)``: ``alt`` when ``expr`` is null; a literal ``alt`` takes the type of ``expr``."""
    first, alternative = arguments(node, scope, 2)
    value = expression(first, scope)
    if isinstance(alternative, ast.Literal) and alternative.kind != ast.NULL and value.type in CASTS:
        other = coerce(alternative, value.type, scope.clause)
    else:
        other = expression(alternative, scope)
    kinds = {value.type, other.type} - {"null"}
    if len(kinds) > 1 and not kinds <= NUMERIC:
        raise scope.error(node, f"ifnull() needs two values of one type, not {value.type} and {other.type}")
    kind = "double" if len(kinds) > 1 else next(iter(kinds), "null")
    return combined(sql.SQL("COALESCE({}, {})").format(value.sql, other.sql), kind, value, other)


def _now(node: ast.FunctionCall, scope: Scope) -> Fragment:
    return Fragment(placeholder("timestamptz"), (dates.now_value(node, scope.zone, scope.clause),), "datetime")


def geometry_literal(node: ast.Node, scope: Scope, function: str) -> Fragment:
    """A ``geom'...'`` literal as a PostGIS geometry in WGS 84, checked like the ``where`` geo predicates do."""
    if not isinstance(node, ast.Literal) or node.kind != ast.GEOM:
        raise scope.error(node, f"{function}() takes a geometry literal such as geom'POINT(2.35 48.85)'")
    try:
        shape = geo.parse_geometry(cast(str, node.value).strip())
    except ValueError as error:
        raise scope.error(node, f"invalid geometry in {function}(): {error}") from None
    return Fragment(geo.geometry_sql(), (geo.shape_hex(shape),))


def _distance(node: ast.FunctionCall, scope: Scope) -> Fragment:
    """``distance(geo, geom'POINT(lon lat)')``: metres, on a sphere (see the module's decisions)."""
    geo, other = arguments(node, scope, 2)
    value = value_argument(geo, scope, "distance", GEO)
    target = geometry_literal(other, scope, "distance")
    # ST_Distance on geographies with use_spheroid false: a great-circle distance on the mean-radius sphere.
    text = sql.SQL("ST_Distance(({})::geography, ({})::geography, false)").format(value.sql, target.sql)
    return combined(text, "double", value, target)


SCALARS: dict[str, Callable[[ast.FunctionCall, Scope], Fragment]] = {
    "length": _string_function("char_length({})::bigint", "int"),
    "lower": _string_function("lower({})", "text"),
    "upper": _string_function("upper({})", "text"),
    "ifnull": _ifnull,
    **dict.fromkeys(DATE_PARTS, _date_part),
    "date_format": _date_format,
    "now": _now,
    "distance": _distance,
}


# Aggregates.


def _aggregate(node: ast.FunctionCall, scope: Scope) -> Fragment:
    """An aggregate over one expression; arguments read rows, not groups, so groups are not looked up."""
    row_scope = Scope(scope.schema, scope.clause, scope.aliases)
    if node.name == "count":
        return _count(node, row_scope)
    if node.name == "percentile":
        argument, rank = arguments(node, scope, 2)
        value = value_argument(argument, row_scope, node.name, NUMERIC)
        return _percentile(node, scope, value, _rank(rank, scope))
    (argument,) = arguments(node, scope, 1)
    if node.name == "median":
        return _percentile(node, scope, value_argument(argument, row_scope, node.name, NUMERIC), Decimal("0.5"))
    if node.name in ("envelope", "bbox"):
        value = value_argument(argument, row_scope, node.name, GEO)
        template = "ST_ConvexHull(ST_Collect({}))" if node.name == "envelope" else "ST_Envelope(ST_Collect({}))"
        return aggregated(node, scope, sql.SQL(template).format(value.sql), "geo_shape", value)
    wanted = NUMERIC if node.name in ("sum", "avg") else ORDERED
    value = value_argument(argument, row_scope, node.name, wanted)
    if node.name == "avg":  # numeric (Decimal) for bigint columns otherwise; a double is what JSON holds
        return aggregated(node, scope, sql.SQL("avg({})::double precision").format(value.sql), "double", value)
    text = sql.SQL(node.name + "({})").format(value.sql)  # the name is one of AGGREGATES
    return aggregated(node, scope, text, value.type, value)


def aggregated(node: ast.FunctionCall, scope: Scope, text: sql.Composable, kind: str, value: Fragment) -> Fragment:
    """An aggregate's fragment: it reads no bare field; aggregates do not nest."""
    if value.aggregate:
        raise scope.error(node, f"{node.name}() cannot contain another aggregate")
    return Fragment(text, value.params, kind, aggregate=True)


def _count(node: ast.FunctionCall, scope: Scope) -> Fragment:
    """``count(*)``, ``count(f)`` (non-null values) and ``count(distinct f)`` (distinct non-null values, exact)."""
    (argument,) = arguments(node, scope, 1)
    if isinstance(argument, ast.Star):
        return Fragment(sql.SQL("count(*)"), type="int", aggregate=True)
    if isinstance(argument, ast.Distinct):
        value = value_argument(argument.operand, scope, "count", ORDERED | GEO | frozenset({"boolean", "text[]"}))
        return aggregated(node, scope, sql.SQL("count(DISTINCT {})").format(value.sql), "int", value)
    counted = expression(argument, scope) if not isinstance(argument, ast.NamePattern) else None
    if counted is None:
        raise scope.error(argument, "count() takes *, a field, an expression or DISTINCT field")
    return aggregated(node, scope, sql.SQL("count({})").format(counted.sql), "int", counted)


def _rank(node: ast.Node, scope: Scope) -> Decimal:
    """The ``n`` of ``percentile(f, n)``: a number with 0 < n <= 100, as a fraction."""
    if not isinstance(node, ast.Literal) or node.kind != ast.NUMBER or not 0 < cast(Decimal, node.value) <= 100:
        raise scope.error(node, "percentile() takes a number greater than 0 and at most 100 as second argument")
    return Decimal(cast(Decimal, node.value)) / 100


def _percentile(node: ast.FunctionCall, scope: Scope, value: Fragment, fraction: Decimal) -> Fragment:
    """``percentile_cont``: linear interpolation between the two nearest values, as a double."""
    template = sql.SQL("percentile_cont({}) WITHIN GROUP (ORDER BY ({})::double precision)")
    text = template.format(placeholder("double precision"), value.sql)
    return aggregated(node, scope, text, "double", replace(value, params=(fraction, *value.params)))


# where: comparisons with a function on one side (year(d) = 2020, lower(city) = "paris", d > now(days=-7)).


def is_computed(node: ast.Comparison) -> bool:
    """Whether a comparison has a function call on either side (plain field comparisons stay in where.py)."""
    return isinstance(node.left, ast.FunctionCall) or isinstance(node.right, ast.FunctionCall)


def compare_computed(node: ast.Comparison, schema: Schema) -> Fragment:
    """``left op right`` where a side is a function call; a literal side takes the other side's type."""
    scope = Scope(schema, "where")
    left, right = _side(node.left, node.right, scope), _side(node.right, node.left, scope)
    if "null" in (left.type, right.type):
        return Fragment(sql.SQL("FALSE"))  # comparisons with null are false (section 7.1)
    left, right = _comparable(left, right, scope), _comparable(right, left, scope)
    allowed = ORDERED if node.op not in ("=", "!=") else ORDERED | {"boolean"}
    if left.type not in allowed or (left.type != right.type and {left.type, right.type} - NUMERIC):
        raise scope.error(node, f"Operator {node.op} cannot compare {left.type} with {right.type}")
    return combined(
        sql.SQL("{} {} {}").format(left.sql, sql.SQL(OPERATORS[node.op]), right.sql), "boolean", left, right
    )


def _side(node: ast.Node, other: ast.Node, scope: Scope) -> Fragment:
    """One side of a computed comparison; a literal is coerced to the type of the other side."""
    if not isinstance(node, ast.Literal) or node.kind == ast.NULL:
        return expression(node, scope)
    if isinstance(other, ast.Literal):
        raise scope.error(node, "A comparison needs a field or a function on one side")
    kind = expression(other, scope).type
    if kind not in CASTS:
        raise scope.error(node, f"A value cannot be compared with a {kind}")
    return coerce(node, kind, scope.clause)


def _comparable(value: Fragment, other: Fragment, scope: Scope) -> Fragment:
    """A date compared with a datetime is read as the start of its day in the request's time zone."""
    if value.type == "date" and other.type == "datetime":
        text = sql.SQL("(({})::timestamp AT TIME ZONE {})").format(value.sql, placeholder("text"))
        return Fragment(text, (*value.params, scope.zone), "datetime", value.aggregate, value.bare_fields)
    return value
