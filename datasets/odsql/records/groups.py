"""``group_by`` items (reference §7.4): expressions, static and equal-width ranges, date histograms, geo clusters.

Decisions:

* A grouped query reads its rows through a subquery that computes every group key as a column
  (``SELECT *, <key> AS <column> FROM records.<table> WHERE ...``); the outer query groups by those columns and
  selects from them. A key is computed once, and a select item equal to a group reads the group's column rather
  than repeating the expression (with bound parameters PostgreSQL could not tell that two copies of
  ``EXTRACT(YEAR FROM d AT TIME ZONE $1)`` are one expression).
* Static ranges ``range(f, *, 10, 50, *)`` are labelled ``"*-10"``, ``"10-50"``, ``"50-*"`` (the format of
  Opendatasoft's ODSQL documentation): lower bound included, upper excluded. Without a leading (trailing) ``*``,
  values below the first bound (from the last bound on) belong to no range and are left out. Equal widths
  ``range(f, 5)`` are labelled ``"10-15"``. Both sort by their bounds, not as text.
* Date histograms ``range(d, 1 day)`` are keyed by the start of each bucket, an ISO string: a date for a date
  field, a datetime in the request's time zone for a datetime field. Multiples (``range(d, 6 h)``) count from
  1970-01-01; weeks start on Monday. Empty buckets are not returned.
* ``geo_cluster(geo, zoom[, radius=40])`` groups by square cells of ``radius`` pixels of a 256-pixel web-map tile
  at ``zoom``: 360° × radius / (256 × 2^zoom), in degrees of longitude and of latitude. A cluster is shown as
  ``{"lon", "lat", "count"}``: the centroid of its points and their number. Shapes cluster by their centroid.
* Nulls form their own group (v2.1).
* A group is named by its label, a plain field by its own name (back-quotes are only syntax), any other
  expression by its text as written (``month(date)``): the name its key has in every grouped result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import cast

from psycopg import sql

from datasets.odsql import ast
from datasets.odsql.records import dates
from datasets.odsql.records.expressions import (
    GEO,
    TEMPORAL,
    Scope,
    combined,
    expression,
    item_name,
    local_time,
    value_argument,
)
from datasets.odsql.records.values import NUMERIC, Fragment, Schema, coerce, placeholder

CLAUSE = "group_by"
MAX_ZOOM = 25
DEFAULT_RADIUS = 40
MAX_RADIUS = 1000
TILE_PIXELS = 256
HISTOGRAM_ORIGIN = "1970-01-01"


@dataclass(frozen=True)
class Group:
    """One group_by item: ``inner`` is its key computed per row (in the subquery) as column ``column``.

    ``key`` reads that column (GROUP BY and sort order), ``value`` is what selecting the group shows, and
    ``condition`` keeps only the rows the group applies to (ranges without open ends): a condition of the
    caller, evaluated under the publisher's filter (``access.guarded``) unless ``condition_row_safe`` (it
    compares a plain field with bounds of its own type, so it cannot raise on any row).
    """

    name: str
    expression: ast.Node
    column: str
    inner: Fragment
    key: Fragment
    value: Fragment
    condition: Fragment | None = None
    condition_row_safe: bool = False


@dataclass(frozen=True)
class Key:
    """What a kind of group computes: the per-row key, how to show a group from its key column, a row filter
    and whether that filter is row-safe (see ``Group``)."""

    inner: Fragment
    show: Callable[[Fragment], Fragment]
    condition: Fragment | None = None
    condition_row_safe: bool = False


def compile_group(item: ast.SelectItem, schema: Schema, column: str) -> Group:
    """One ``group_by`` item, keyed in the subquery's column ``column``."""
    scope = Scope(schema, CLAUSE)
    node = item.expression
    if isinstance(node, ast.FunctionCall) and node.name == "range":
        built = _range(node, scope)
    elif isinstance(node, ast.FunctionCall) and node.name == "geo_cluster":
        built = _geo_cluster(node, scope)
    else:
        value = expression(node, scope)
        if value.aggregate:
            raise scope.error(node, "An aggregate cannot be a group")
        built = Key(value, lambda key: key)
    key = Fragment(sql.Identifier(column), type=built.inner.type)
    return Group(
        item_name(item), node, column, built.inner, key, built.show(key), built.condition, built.condition_row_safe
    )


# range()


def _range(node: ast.FunctionCall, scope: Scope) -> Key:
    if len(node.args) < 2:
        raise scope.error(node, "range() takes a field and a width, or a field and bounds")
    subject = value_argument(node.args[0], scope, "range", NUMERIC | TEMPORAL)
    steps = node.args[1:]
    if len(steps) == 1 and isinstance(steps[0], ast.Quantity):
        return _histogram(node, subject, steps[0], scope)
    if len(steps) == 1:
        return _equal_widths(node, subject, steps[0], scope)
    return _static_ranges(node, subject, steps, scope)


def _histogram(node: ast.FunctionCall, subject: Fragment, width: ast.Quantity, scope: Scope) -> Key:
    """``range(d, 1 day)``: buckets of wall-clock time in the request's zone (see the module's decisions)."""
    if subject.type not in TEMPORAL:
        raise scope.error(width, "A width with a unit needs a date or datetime field")
    step = dates.interval(width, subject.type == "date", scope.clause)
    local = local_time(subject, scope)
    if step.amount == 1:
        # date_trunc's field is a constant of dates.UNITS.
        bucket = sql.SQL("date_trunc({}, {})").format(sql.Literal(step.trunc_field), local.sql)
        inner = Fragment(bucket, local.params, "datetime", bare_fields=local.bare_fields)
    else:
        template = sql.SQL("date_bin(make_interval(secs => {}), {}, {}::timestamp)")
        text = template.format(placeholder("double precision"), local.sql, sql.Literal(HISTOGRAM_ORIGIN))
        inner = Fragment(text, (step.seconds, *local.params), "datetime", bare_fields=local.bare_fields)
    if subject.type == "date":
        return Key(inner, lambda key: Fragment(sql.SQL("({})::date").format(key.sql), type="date"))
    zone = scope.zone

    def show(key: Fragment) -> Fragment:
        return Fragment(sql.SQL("({} AT TIME ZONE {})").format(key.sql, placeholder("text")), (zone,), "datetime")

    return Key(inner, show)


def _equal_widths(node: ast.FunctionCall, subject: Fragment, width: ast.Node, scope: Scope) -> Key:
    """``range(f, 5)``: ``[k*5, (k+1)*5[`` buckets labelled ``"10-15"``, computed in exact decimals."""
    if subject.type not in NUMERIC:
        raise scope.error(width, "range() of a date or datetime field takes a width with a unit, such as 1 day")
    if not isinstance(width, ast.Literal) or width.kind != ast.NUMBER or cast(Decimal, width.value) <= 0:
        raise scope.error(width, "range() takes a positive number as width")
    index = sql.SQL("floor(({})::numeric / {})").format(subject.sql, placeholder("numeric"))
    inner = Fragment(index, (*subject.params, width.value), "double", bare_fields=subject.bare_fields)

    def show(key: Fragment) -> Fragment:
        template = "trim_scale({0} * {1})::text || '-' || trim_scale(({0} + 1) * {1})::text"
        text = sql.SQL(template).format(key.sql, placeholder("numeric"))
        return Fragment(text, (width.value, width.value), "text")

    return Key(inner, show)


def _static_ranges(node: ast.FunctionCall, subject: Fragment, steps: tuple[ast.Node, ...], scope: Scope) -> Key:
    """``range(f, *, 10, 50, *)``: ranges between consecutive bounds, open at a ``*`` end (see the decisions)."""
    open_low, open_high = isinstance(steps[0], ast.Star), isinstance(steps[-1], ast.Star)
    literals = steps[int(open_low) : len(steps) - int(open_high)]
    if not literals or any(not isinstance(step, ast.Literal) for step in literals):
        raise scope.error(node, "range() bounds are numbers or dates, with * only first or last")
    bounds = [coerce(step, subject.type, scope.clause) for step in literals]
    if any(low.params[0] >= high.params[0] for low, high in zip(bounds, bounds[1:], strict=False)):
        raise scope.error(node, "range() bounds must increase")
    labels = [_label(cast(ast.Literal, step)) for step in literals]
    # Index i (1-based) is the range ending at bound i; the last index is the range after the last bound.
    whens = [sql.SQL("WHEN {} < {} THEN {}").format(subject.sql, bound.sql, i + 1) for i, bound in enumerate(bounds)]
    text = sql.SQL("CASE WHEN {} IS NULL THEN NULL {} ELSE {} END").format(
        subject.sql, sql.SQL(" ").join(whens), len(bounds) + 1
    )
    params = subject.params + tuple(p for bound in bounds for p in (*subject.params, *bound.params))
    inner = Fragment(text, params, "int", bare_fields=subject.bare_fields)
    names = [f"{low}-{high}" for low, high in zip(["*", *labels], [*labels, "*"], strict=True)]

    def show(key: Fragment) -> Fragment:
        return Fragment(sql.SQL("({})[{}]").format(placeholder("text[]"), key.sql), (names,), "text")

    # Only a plain field against bounds of its type cannot raise (as ``where.is_row_safe`` decides for where).
    row_safe = isinstance(node.args[0], ast.Field)
    return Key(inner, show, _bounds_condition(subject, bounds, open_low, open_high), row_safe)


def _bounds_condition(subject: Fragment, bounds: list[Fragment], open_low: bool, open_high: bool) -> Fragment | None:
    """Rows outside closed ends belong to no range; null values stay (they form the null group)."""
    parts = []
    if not open_low:
        parts.append(combined(sql.SQL("{} >= {}").format(subject.sql, bounds[0].sql), "boolean", subject, bounds[0]))
    if not open_high:
        parts.append(combined(sql.SQL("{} < {}").format(subject.sql, bounds[-1].sql), "boolean", subject, bounds[-1]))
    if not parts:
        return None
    inside = combined(sql.SQL(" AND ").join(part.sql for part in parts), "boolean", *parts)
    return combined(sql.SQL("{} IS NULL OR ({})").format(subject.sql, inside.sql), "boolean", subject, inside)


def _label(node: ast.Literal) -> str:
    """A bound as written: ``10``, ``20.5``, ``2020-11-13``."""
    value = node.value
    if isinstance(value, Decimal | int):
        return str(value)
    if hasattr(value, "isoformat"):
        return cast(date, value).isoformat()
    return str(value)


# geo_cluster()


def _geo_cluster(node: ast.FunctionCall, scope: Scope) -> Key:
    """``geo_cluster(geo, zoom[, radius=40])``: cells of ``radius`` pixels at ``zoom`` (see the decisions)."""
    positional = [arg for arg in node.args if not isinstance(arg, ast.NamedArgument)]
    named = {arg.name: arg.value for arg in node.args if isinstance(arg, ast.NamedArgument)}
    if len(positional) not in (2, 3) or set(named) - {"radius"} or (len(positional) == 3 and named):
        raise scope.error(node, "geo_cluster() takes a geo field, a zoom and optionally radius=<pixels>")
    if not isinstance(positional[0], ast.Field):
        raise scope.error(positional[0], "geo_cluster() clusters a geo field")
    geo = value_argument(positional[0], scope, "geo_cluster", GEO)  # a column: no parameters
    zoom = _integer(positional[1], scope, "zoom", 0, MAX_ZOOM)
    radius_node = positional[2] if len(positional) == 3 else named.get("radius")
    radius = DEFAULT_RADIUS if radius_node is None else _integer(radius_node, scope, "radius", 1, MAX_RADIUS)
    cell = 360.0 * radius / (TILE_PIXELS * 2**zoom)
    point = geo.sql if geo.type == "geo_point_2d" else sql.SQL("ST_Centroid({})").format(geo.sql)
    key = sql.SQL("ARRAY[floor(ST_X({0}) / {1}), floor(ST_Y({0}) / {1})]").format(
        point, placeholder("double precision")
    )
    inner = Fragment(key, (cell, cell), "double[]", bare_fields=geo.bare_fields)

    def show(_key: Fragment) -> Fragment:
        # Read from the rows of the group (an aggregate), not from the key: the centroid of the member points.
        template = (
            "CASE WHEN count({0}) = 0 THEN NULL ELSE json_build_object("
            "'lon', ST_X(ST_Centroid(ST_Collect({1}))), 'lat', ST_Y(ST_Centroid(ST_Collect({1}))), "
            "'count', count({0})) END"
        )
        return Fragment(sql.SQL(template).format(geo.sql, point), type="json", aggregate=True)

    return Key(inner, show)


def _integer(node: ast.Node, scope: Scope, name: str, low: int, high: int) -> int:
    if not isinstance(node, ast.Literal) or not isinstance(node.value, int) or not low <= node.value <= high:
        raise scope.error(node, f"geo_cluster() {name} must be an integer from {low} to {high}")
    return node.value
