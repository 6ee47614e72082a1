"""A records query (select, where, group_by, order_by, limit, offset) compiled to SQL for one records table.

Decisions:

* Paging must be stable, so the page is always ordered: by ``order_by`` then ``record_id`` (a tie-breaker),
  by ``record_id`` alone without ``order_by``; grouped queries end with their group keys instead. Nulls
  come last in both directions (section 7.1). A whole export (no limit, no offset) is not a page: it keeps
  ``order_by`` but gets no tie-breaker, so without ``order_by`` rows come in storage order, unsorted.
* Result columns are not named in the SQL: ``columns`` lists them in select order (the field name, the
  label, or the expression as written), so no user text ever reaches the SQL text.
* ``count_sql`` counts rows (or groups) matching ``where``; it has its own ``count_params``.
* ``select *`` lists the fields, not ``record_id`` nor ``fts``; geometries come back as JSON. The technical field
  ``_id`` (reference §5.2) is ``record_id``, a text readable in every clause (``select=_id, name``,
  ``where=_id = "…"``) when the caller may see ids (``access.py``); ``*`` does not list it, and with ``group_by`` it
  must be grouped or aggregated like any field.
* ``include(pattern, ...)`` adds the fields whose names match (``*`` is any run of characters) and
  ``exclude(pattern, ...)`` removes fields that ``*`` or ``include()`` brought; with excludes but neither ``*``
  nor ``include()``, the excludes apply to every field. Items named explicitly are never excluded.
* Bounds (section 4): ``limit`` 1 to 100 and ``offset + limit`` at most 10,000; with ``group_by``, ``limit`` up
  to 20,000 and ``offset + limit`` at most 20,000. Exports are unbounded.
* ``order_by random(seed)`` orders by ``md5(record_id || seed)``: a shuffle that is the same for the same seed,
  so pages of one shuffle do not overlap. It needs records, not groups.
* ``timezone`` (an IANA id, default UTC) is the zone of date functions, ``date_format``, date grouping and of
  the datetimes returned (``CompiledQuery.localized``); ``lang`` names days and months in ``date_format``.
* Grouped results always carry their group keys (reference §5.2: ``{"count": 16729, "cou_name_en": "United
  States"}``), whatever ``select`` names: a group that is not a column of ``select`` is added after the selected
  columns, under its name (``groups.py``: its label, or its text as written), so ``select=count(*) as n&group_by=
  month(date) as m`` answers ``{"n", "m"}``. A group ``select`` already names (``select=m, count(*) as n``) appears
  once. A select label that takes a group's name keeps it, as it does in ``order_by`` (the group is then not
  added: a result has one value per name).
* Grouping itself (the subquery that computes group keys) is described in ``groups.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from psycopg import sql
from psycopg.sql import Composed

from datasets.odsql import ODSQLError, ast, parse_order_by
from datasets.odsql.records import dates
from datasets.odsql.records.access import TableAccess, guarded_conditions
from datasets.odsql.records.columns import (
    Column,
    check_grouping,
    compile_group_by,
    compile_select,
    group_scope,
    parsed,
)
from datasets.odsql.records.expressions import Scope, ZonedSchema, expression
from datasets.odsql.records.groups import Group
from datasets.odsql.records.keyset import Keyset, keyset_condition
from datasets.odsql.records.values import Fragment, Schema, placeholder
from datasets.odsql.records.where import combine, compile_where, where_is_row_safe
from datasets.pipeline.core import Field
from datasets.store.tables import RECORD_ID, qualified

MAX_LIMIT = 100
MAX_WINDOW = 10_000
GROUPED_MAX_LIMIT = 20_000
GROUPED_MAX_WINDOW = 20_000
ROWS = "odsql_rows"  # the alias of the subquery of grouped queries
GEO_OUTPUT = {
    # A missing point is null, not an object of nulls (which GeoJSON would turn into coordinates [null, null]).
    "geo_point_2d": "CASE WHEN {0} IS NULL THEN NULL ELSE json_build_object('lon', ST_X({0}), 'lat', ST_Y({0})) END",
    "geo_shape": "ST_AsGeoJSON({0})::json",
}


@dataclass
class RecordsQuery:
    """The ODSQL clauses of a records request, as texts (None when absent), its page, time zone and language."""

    select: str | None = None
    where: str | None = None
    group_by: str | None = None
    order_by: str | None = None
    limit: int = 10
    offset: int = 0
    timezone: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class CompiledQuery:
    """The page query and the total count query, each with its parameters; ``columns`` name the page's columns.

    ``types`` are the ODSQL types of the columns; ``timezone`` is the zone datetimes are shown in. ``grouped``
    says rows are groups (or one aggregate row), not records. With ``record_ids``, each row ends with the record's
    id, one value more than ``columns`` name.
    """

    sql: Composed
    count_sql: Composed
    params: list
    count_params: list
    columns: list[str]
    types: list[str] = field(default_factory=list)
    timezone: str = dates.UTC
    grouped: bool = False
    record_ids: bool = False

    def localized(self, rows: Iterable[tuple]) -> list[tuple]:
        """Rows with their datetimes in the request's time zone (the database answers in UTC)."""
        return [tuple(dates.localize(value, self.timezone) for value in row) for row in rows]


def compile_records_query(
    query: RecordsQuery,
    table: str,
    fields: list[Field],
    *,
    max_limit: int = MAX_LIMIT,
    max_window: int = MAX_WINDOW,
    unbounded: bool = False,
    access: TableAccess | None = None,
    record_ids: bool = False,
    record_id: str | None = None,
    keyset: Keyset | None = None,
    reverse: bool = False,
) -> CompiledQuery:
    """Compile ``query`` for ``records.<table>`` holding ``fields``; raises ``ODSQLError`` before any SQL runs.

    ``unbounded`` (exports) lifts ``max_limit`` and ``max_window``: ``limit=-1`` reads every row. ``access``
    (``datasets.odsql.records.access``) is what the caller may read: ``fields`` are then its visible fields, and its
    condition is ANDed with ``where`` as a fragment of its own; it also says whether the caller may read record
    ids (the field ``_id``). ``record_ids`` ends each row with its record's id when rows are records and the
    caller may read ids (``CompiledQuery.record_ids`` says whether they do); ``record_id`` reads only the record
    of that id (a bound parameter). ``keyset`` (``keyset.py``) reads only the rows after (or before) one row of the
    order; ``reverse`` reverses the whole order, the tie-breaker and the place of nulls included (the rows nearest
    before a keyset, or the last rows, come first).
    """
    zone = dates.check_timezone(query.timezone)
    if unbounded:
        check_export_page(query.limit, query.offset)
    elif query.group_by and query.group_by.strip():
        check_page(query.limit, query.offset, GROUPED_MAX_LIMIT, GROUPED_MAX_WINDOW)
    else:
        check_page(query.limit, query.offset, max_limit, max_window)
    stored_fts = access.stored_fts if access is not None else True
    ids_readable = access.record_ids if access is not None else True
    schema = ZonedSchema(fields, zone, query.lang, stored_fts=stored_fts, record_ids=ids_readable)
    restriction = access.condition if access is not None else None
    condition = compile_where(query.where, schema)
    groups = compile_group_by(query.group_by, schema)
    where = only_record(caller_where(restriction, condition, where_is_row_safe(query.where), groups), record_id)
    if keyset is not None:
        where = keyset_where(where, keyset)
    columns = compile_select(query.select, schema, groups)
    grouped = groups is not None or any(column.value.aggregate for column in columns)
    check_grouping([column.value for column in columns], grouped, "select")
    # A whole export is one read, not a page: without order_by it needs no tie-breaker, and sorting a
    # million rows by record_id would double the time of a full export.
    whole = unbounded and query.limit == -1 and query.offset == 0
    order = compile_order_by(query.order_by, schema, columns, groups, grouped, tie_breaker=not whole, reverse=reverse)
    body = from_where_group(table, where, groups, grouped)
    window = page_window(query.limit, query.offset)
    with_ids = record_ids and ids_readable and not grouped
    page = sql.SQL("SELECT {} {} {} {}").format(select_list(columns, with_ids), body.sql, order.sql, window.sql)
    params = [p for column in columns for p in column.value.params] + [*body.params, *order.params]
    count = count_query(body, grouped)
    names = [column.name for column in columns]
    types = [column.value.type for column in columns]
    params += window.params
    return CompiledQuery(
        page, cast(Composed, count.sql), params, list(count.params), names, types, zone, grouped, with_ids
    )


def select_list(columns: list[Column], with_ids: bool) -> sql.Composable:
    """The page's output columns, then ``record_id`` when ``with_ids`` (it takes no parameter)."""
    outputs = [output_sql(column.value) for column in columns]
    if with_ids:
        outputs.append(sql.Identifier(RECORD_ID))
    return sql.SQL(", ").join(outputs)


def caller_where(
    restriction: Fragment | None, where: Fragment | None, where_row_safe: bool, groups: list[Group] | None
) -> Fragment | None:
    """The caller's ``where`` and the row filters of its groups (bounds of ranges), all under the publisher's
    ``restriction`` (``access.guarded``): none of them may raise on a row the caller may not read."""
    bounds = [(group.condition, group.condition_row_safe) for group in groups or [] if group.condition is not None]
    return guarded_conditions(restriction, [(where, where_row_safe), *bounds])


def only_record(where: Fragment | None, record_id: str | None) -> Fragment | None:
    """``where`` ANDed with ``record_id = %s`` when ``record_id`` is given (one record, by its id)."""
    if record_id is None:
        return where
    condition = Fragment(sql.SQL("{} = {}").format(sql.Identifier(RECORD_ID), placeholder("text")), (record_id,))
    return condition if where is None else combine([where, condition], " AND ")


def keyset_where(where: Fragment | None, keyset: Keyset) -> Fragment:
    """``where`` ANDed with the rows on ``keyset``'s side (its values are bound parameters)."""
    condition = keyset_condition(keyset)
    return condition if where is None else combine([where, condition], " AND ")


def page_window(limit: int, offset: int) -> Fragment:
    """``LIMIT %s OFFSET %s``; an unbounded export (``limit=-1``) has no LIMIT, and no OFFSET when it is 0."""
    if limit != -1:
        return Fragment(sql.SQL("LIMIT {} OFFSET {}").format(sql.Placeholder(), sql.Placeholder()), (limit, offset))
    if offset:
        return Fragment(sql.SQL("OFFSET {}").format(sql.Placeholder()), (offset,))
    return Fragment(sql.SQL(""))


def output_sql(value: Fragment) -> sql.Composable:
    """How a result column is read: geometry as JSON (``{"lon", "lat"}`` for points, GeoJSON for shapes)."""
    template = GEO_OUTPUT.get(value.type)
    return sql.SQL(template).format(value.sql) if template else value.sql


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


# order_by


def compile_order_by(
    text: str | None,
    schema: Schema,
    columns: list[Column],
    groups: list[Group] | None,
    grouped: bool,
    *,
    tie_breaker: bool = True,
    reverse: bool = False,
) -> Fragment:
    """``ORDER BY`` with nulls last and, unless ``tie_breaker`` is false, a tie-breaker for stable pages;
    ``reverse`` turns every key around (nulls then first), for reading a page backwards."""
    items = parsed(parse_order_by, text, "order_by") if text is not None and text.strip() else ()
    scope = group_scope(schema, "order_by", groups, ordering=True)
    # An order item may name a result column (a select label) or a group label.
    labels = {column.name: column.order_key or column.value for column in columns}
    scope = Scope(schema, "order_by", {**scope.aliases, **labels}, scope.groups)
    keys = []
    for item in items:
        value = _random(item.expression, grouped) if _is_random(item.expression) else expression(item.expression, scope)
        check_grouping([value], grouped, "order_by")
        keys.append((value, item.descending))
    if not grouped and tie_breaker:
        keys.append((Fragment(sql.Identifier(RECORD_ID), type="text"), False))
    elif grouped and groups:
        keys += [(group.key, False) for group in groups]
    if not keys:
        return Fragment(sql.SQL(""))
    nulls = "NULLS FIRST" if reverse else "NULLS LAST"
    parts = [sql.SQL(f"{{}} {'DESC' if desc != reverse else 'ASC'} {nulls}").format(v.sql) for v, desc in keys]
    return Fragment(sql.SQL("ORDER BY ") + sql.SQL(", ").join(parts), tuple(p for v, _ in keys for p in v.params))


def _is_random(node: ast.Node) -> bool:
    return isinstance(node, ast.FunctionCall) and node.name == "random"


def _random(node: ast.FunctionCall, grouped: bool) -> Fragment:
    """``random(seed)``: ``md5(record_id || seed)``, the same shuffle for the same seed (see the decisions)."""
    seed = node.args[0] if len(node.args) == 1 else None
    if not isinstance(seed, ast.Literal) or seed.kind not in (ast.NUMBER, ast.STRING):
        raise ODSQLError(f"random() at position {node.position} in order_by takes one seed, a number or a string")
    if grouped:
        raise ODSQLError(f"random() at position {node.position} in order_by orders records, not groups")
    text = sql.SQL("md5(({})::text || {})").format(sql.Identifier(RECORD_ID), placeholder("text"))
    return Fragment(text, (str(seed.value),), "text")


# FROM, WHERE, GROUP BY and the total.


def from_where_group(table: str, where: Fragment | None, groups: list[Group] | None, grouped: bool) -> Fragment:
    """``FROM records.<table> [WHERE ...]``, through the subquery of group keys when grouped (see groups.py).

    ``where`` is the whole row filter, the bounds of ranges included (``caller_where``). An aggregate without
    group_by groups by ().
    """
    if not groups:
        text, params = sql.SQL("FROM {}").format(qualified(table)), ()
        suffix: sql.Composable = sql.SQL(" GROUP BY ()") if grouped else sql.SQL("")
    else:
        keys = sql.SQL(", ").join(
            sql.SQL("{} AS {}").format(group.inner.sql, sql.Identifier(group.column)) for group in groups
        )
        text = sql.SQL("FROM (SELECT *, {} FROM {}").format(keys, qualified(table))
        params = tuple(p for group in groups for p in group.inner.params)
        suffix = sql.SQL(") AS {} GROUP BY {}").format(
            sql.Identifier(ROWS), sql.SQL(", ").join(group.key.sql for group in groups)
        )
    if where is not None:
        text = sql.SQL("{} WHERE ({})").format(text, where.sql)
        params += where.params
    return Fragment(text + suffix, params)


def count_query(body: Fragment, grouped: bool) -> Fragment:
    """``total_count``: matching rows, or the number of groups of a grouped query."""
    if grouped:
        return Fragment(sql.SQL("SELECT count(*) FROM (SELECT 1 {}) AS groups").format(body.sql), body.params)
    return Fragment(sql.SQL("SELECT count(*) {}").format(body.sql), body.params)
