"""A records query (select, where, group_by, order_by, limit, offset) compiled to SQL for one records table.

Decisions:

* Paging must be stable, so the page is always ordered: by ``order_by`` then ``record_id`` (a tie-breaker),
  by ``record_id`` alone without ``order_by``; grouped queries end with their group columns instead. Nulls
  come last in both directions (section 7.1).
* Result columns are not named in the SQL: ``columns`` lists them in select order (the field name, the
  label, or the expression as written), so no user text ever reaches the SQL text.
* ``count_sql`` counts rows (or groups) matching ``where``; it has its own ``count_params``.
* ``select *`` lists the fields, not ``record_id`` nor ``fts``; geometries come back as PostGIS values.
* ``group_by`` takes plain fields (``f`` or ``f AS label``) for now.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from datasets.odsql import ODSQLError, ast, parse_group_by, parse_order_by, parse_select
from datasets.pipeline.core import Field
from datasets.store.tables import RECORD_ID, qualified

from .expressions import compile_expression
from .values import Fragment, Schema
from .where import compile_where


@dataclass
class RecordsQuery:
    """The ODSQL clauses of a records request, as texts (None when absent), and its page."""

    select: str | None = None
    where: str | None = None
    group_by: str | None = None
    order_by: str | None = None
    limit: int = 10
    offset: int = 0


@dataclass(frozen=True)
class CompiledQuery:
    """The page query and the total count query, each with its parameters; ``columns`` name the page's columns."""

    sql: sql.Composed
    count_sql: sql.Composed
    params: list
    count_params: list
    columns: list[str]


@dataclass(frozen=True)
class Column:
    name: str
    value: Fragment


def compile_records_query(
    query: RecordsQuery,
    table: str,
    fields: list[Field],
    *,
    max_limit: int = 100,
    max_window: int = 10_000,
    unbounded: bool = False,
) -> CompiledQuery:
    """Compile ``query`` for ``records.<table>`` holding ``fields``; raises ``ODSQLError`` before any SQL runs.

    ``unbounded`` (exports) lifts ``max_limit`` and ``max_window``: ``limit=-1`` reads every row.
    """
    if unbounded:
        check_export_page(query.limit, query.offset)
    else:
        check_page(query.limit, query.offset, max_limit, max_window)
    schema = Schema(fields)
    where = compile_where(query.where, schema)
    groups = compile_group_by(query.group_by, schema)
    columns = compile_select(query.select, schema, groups)
    grouped = groups is not None or any(column.value.aggregate for column in columns)
    check_grouping([column.value for column in columns], groups, grouped, "select")
    order = compile_order_by(query.order_by, schema, columns, groups, grouped)
    body = from_where_group(table, where, groups, grouped)
    window = page_window(query.limit, query.offset)
    page = sql.SQL("SELECT {} {} {} {}").format(
        sql.SQL(", ").join(output_sql(column.value) for column in columns),
        body.sql,
        order.sql,
        window.sql,
    )
    params = [p for column in columns for p in column.value.params] + [*body.params, *order.params]
    count = count_query(body, grouped)
    names = [column.name for column in columns]
    return CompiledQuery(page, count.sql, [*params, *window.params], list(count.params), names)


def page_window(limit: int, offset: int) -> Fragment:
    """``LIMIT %s OFFSET %s``; an unbounded export (``limit=-1``) has no LIMIT, and no OFFSET when it is 0."""
    if limit != -1:
        return Fragment(sql.SQL("LIMIT {} OFFSET {}").format(sql.Placeholder(), sql.Placeholder()), (limit, offset))
    if offset:
        return Fragment(sql.SQL("OFFSET {}").format(sql.Placeholder()), (offset,))
    return Fragment(sql.SQL(""))


def output_sql(value: Fragment) -> sql.Composable:
    """How a result column is read: geometry as JSON (``{"lon", "lat"}`` for points, GeoJSON for shapes)."""
    if value.params:
        return value.sql
    if value.type == "geo_point_2d":
        return sql.SQL("json_build_object('lon', ST_X({0}), 'lat', ST_Y({0}))").format(value.sql)
    if value.type == "geo_shape":
        return sql.SQL("ST_AsGeoJSON({})::json").format(value.sql)
    return value.sql


def check_page(limit: int, offset: int, max_limit: int, max_window: int) -> None:
    """``1 <= limit <= max_limit``, ``offset >= 0`` and ``offset + limit <= max_window`` (section 4)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= max_limit:
        raise ODSQLError(f"Invalid limit {limit!r}: between 1 and {max_limit} (-1 is not supported for records)")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ODSQLError(f"Invalid offset {offset!r}: 0 or more")
    if offset + limit > max_window:
        raise ODSQLError(
            f"offset + limit is {offset + limit}, at most {max_window}; use the exports endpoint for more results"
        )


def check_export_page(limit: int, offset: int) -> None:
    """Exports: ``limit`` is -1 (every row) or 1 or more, ``offset >= 0``; no window."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not (limit == -1 or limit >= 1):
        raise ODSQLError(f"Invalid limit {limit!r}: -1 (every row) or 1 or more")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ODSQLError(f"Invalid offset {offset!r}: 0 or more")


def compile_group_by(text: str | None, schema: Schema) -> list[Column] | None:
    """Group columns, named by their label or field name; None without ``group_by``."""
    if text is None or not text.strip():
        return None
    groups = []
    for item in parse_group_by(text):
        if not isinstance(item.expression, ast.Field):
            raise ODSQLError(f"group_by at position {item.position} takes fields only for now", item.position)
        groups.append(Column(item.label or item.expression.name, schema.column(item.expression, "group_by")))
    check_unique([group.name for group in groups], "group_by")
    return groups


def compile_select(text: str | None, schema: Schema, groups: list[Column] | None) -> list[Column]:
    """Selected columns; without ``select``, every field, or the group columns of a grouped query."""
    if text is None or not text.strip():
        return groups if groups is not None else star_columns(schema)
    aliases = {group.name: group.value for group in groups or []}
    columns: list[Column] = []
    for item in parse_select(text):
        if isinstance(item, ast.Star):
            columns += star_columns(schema)
        else:
            columns.append(Column(item.text, compile_expression(item.expression, schema, "select", aliases)))
    check_unique([column.name for column in columns], "select")
    return columns


def star_columns(schema: Schema) -> list[Column]:
    return [Column(name, schema.column(ast.Field((name,)), "select")) for name in schema.fields]


def check_unique(names: list[str], clause: str) -> None:
    """Result columns become keys of JSON objects: two of them cannot share a name."""
    seen = set()
    for name in names:
        if name in seen:
            raise ODSQLError(f"Column {name!r} appears twice in {clause}; give one a label with AS")
        seen.add(name)


def check_grouping(values: list[Fragment], groups: list[Column] | None, grouped: bool, clause: str) -> None:
    """In a grouped query, fields read outside aggregates must be grouped; elsewhere aggregates are not allowed."""
    grouped_fields = {name for group in groups or [] for name in group.value.bare_fields}
    for value in values:
        if grouped and not value.bare_fields <= grouped_fields:
            names = ", ".join(sorted(value.bare_fields - grouped_fields))
            raise ODSQLError(f"Field {names} in {clause} must appear in group_by or inside an aggregate")
        if not grouped and value.aggregate:
            raise ODSQLError(f"An aggregate in {clause} needs an aggregated select or a group_by")


def compile_order_by(
    text: str | None, schema: Schema, columns: list[Column], groups: list[Column] | None, grouped: bool
) -> Fragment:
    """``ORDER BY`` with nulls last and a tie-breaker for stable pages (see the module's decisions)."""
    items = parse_order_by(text) if text is not None and text.strip() else ()
    # An order item may name a result column (a select label) or a group label.
    aliases = {group.name: group.value for group in groups or []} | {column.name: column.value for column in columns}
    keys = []
    for item in items:
        value = compile_expression(item.expression, schema, "order_by", aliases)
        check_grouping([value], groups, grouped, "order_by")
        keys.append((value, item.descending))
    if not grouped:
        keys.append((Fragment(sql.Identifier(RECORD_ID), type="text"), False))
    elif groups:
        keys += [(group.value, False) for group in groups]
    if not keys:
        return Fragment(sql.SQL(""))
    parts = [sql.SQL("{} DESC NULLS LAST" if desc else "{} ASC NULLS LAST").format(v.sql) for v, desc in keys]
    return Fragment(sql.SQL("ORDER BY ") + sql.SQL(", ").join(parts), tuple(p for v, _ in keys for p in v.params))


def from_where_group(table: str, where: Fragment | None, groups: list[Column] | None, grouped: bool) -> Fragment:
    """``FROM records.<table> [WHERE ...] [GROUP BY ...]``; an aggregate without group_by groups by ()."""
    text = sql.SQL("FROM {}").format(qualified(table))
    if where is not None:
        text = sql.SQL("{} WHERE {}").format(text, where.sql)
    if groups:
        text = sql.SQL("{} GROUP BY {}").format(text, sql.SQL(", ").join(group.value.sql for group in groups))
    elif grouped:
        text = sql.SQL("{} GROUP BY ()").format(text)
    return Fragment(text, where.params if where is not None else ())


def count_query(body: Fragment, grouped: bool) -> Fragment:
    """``total_count``: matching rows, or the number of groups of a grouped query."""
    if grouped:
        return Fragment(sql.SQL("SELECT count(*) FROM (SELECT 1 {}) AS groups").format(body.sql), body.params)
    return Fragment(sql.SQL("SELECT count(*) {}").format(body.sql), body.params)
