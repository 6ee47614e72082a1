"""The result columns of a records query: ``select`` and ``group_by`` compiled against the visible fields.

``select`` items are expressions, ``*``, ``include(pattern)`` and ``exclude(pattern)``; a grouped query
always returns its group keys (named by label or as written). Names must be unique within a clause.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from datasets.odsql import ODSQLError, ast, parse_group_by, parse_select
from datasets.odsql.records.expressions import Scope, expression, item_name
from datasets.odsql.records.groups import Group, compile_group
from datasets.odsql.records.values import Fragment, Schema


@dataclass(frozen=True)
class Column:
    """A result column; ``field`` names the field it shows when it came from ``*`` or ``include()``.

    ``order_key`` is what ordering by this column sorts on when it differs from its value (a range label sorts
    by its bounds).
    """

    name: str
    value: Fragment
    field: str | None = None
    order_key: Fragment | None = None


# group_by


def compile_group_by(text: str | None, schema: Schema) -> list[Group] | None:
    """The groups, named by their label or their text as written; None without ``group_by``."""
    if text is None or not text.strip():
        return None
    items = parsed(parse_group_by, text, "group_by")
    groups = [compile_group(item, schema, group_column(index, schema)) for index, item in enumerate(items)]
    check_unique([group.name for group in groups], "group_by")
    return groups


def group_column(index: int, schema: Schema) -> str:
    """The subquery column of a group key: a name no field of the table has."""
    name = f"odsql_group_{index}"
    while name in schema.fields:
        name = "_" + name
    return name


def group_scope(schema: Schema, clause: str, groups: list[Group] | None, ordering: bool = False) -> Scope:
    """Groups by label and as written: their value, or when ``ordering`` their key (ranges sort by bounds)."""
    read = {group.expression: group.key if ordering else group.value for group in groups or []}
    labels = {group.name: group.key if ordering else group.value for group in groups or []}
    return Scope(schema, clause, labels, read)


# select


def compile_select(text: str | None, schema: Schema, groups: list[Group] | None) -> list[Column]:
    """Selected columns; without ``select``, every field, or the group columns of a grouped query."""
    if text is None or not text.strip():
        if groups is not None:
            return [group_key_column(group) for group in groups]
        return star_columns(schema)
    scope = group_scope(schema, "select", groups)
    keys = {group.expression: group.key for group in groups or []}
    items = parsed(parse_select, text, "select")
    every_field_first = not any(_is_star_or_include(item) for item in items)
    columns: list[Column] = []
    excluded: list[re.Pattern] = []
    for item in items:
        if isinstance(item, ast.Star):
            columns += star_columns(schema, scope)
        elif _pattern_function(item) == "include":
            columns += [column for column in _included(item, schema, scope) if column.field not in _fields(columns)]
        elif _pattern_function(item) == "exclude":
            if every_field_first:
                columns, every_field_first = columns + star_columns(schema, scope), False
            excluded += _patterns(item)
        else:
            value = expression(item.expression, scope)
            columns.append(Column(item_name(item), value, order_key=keys.get(item.expression)))
    columns = [column for column in columns if not (column.field and _matches(excluded, column.field))]
    check_unique([column.name for column in columns], "select")
    return with_group_keys(columns, groups)


def with_group_keys(columns: list[Column], groups: list[Group] | None) -> list[Column]:
    """``columns`` followed by the groups they do not name yet (see the decisions: keys are always returned)."""
    named = {column.name for column in columns}
    return columns + [group_key_column(group) for group in groups or [] if group.name not in named]


def group_key_column(group: Group) -> Column:
    """A group as a result column: its name, the value selecting it shows, sorted by its key."""
    return Column(group.name, group.value, order_key=group.key)


def star_columns(schema: Schema, scope: Scope | None = None) -> list[Column]:
    """Every field, in the table's order; with a grouped ``scope``, grouped fields read their group."""
    scope = scope or Scope(schema, "select")
    return [Column(name, expression(ast.Field((name,)), scope), field=name) for name in schema.fields]


def _is_star_or_include(item: ast.Node) -> bool:
    return isinstance(item, ast.Star) or _pattern_function(item) == "include"


def _pattern_function(item: ast.Node) -> str | None:
    """``include`` or ``exclude`` for an item ``include(...)`` / ``exclude(...)``; they take no label."""
    if not isinstance(item, ast.SelectItem) or not isinstance(item.expression, ast.FunctionCall):
        return None
    name = item.expression.name
    if name not in ("include", "exclude"):
        return None
    if item.label is not None:
        raise ODSQLError(f"{name}() at position {item.position} in select takes no label", item.position)
    return name


def _patterns(item: ast.SelectItem) -> list[re.Pattern]:
    """The field name patterns of include() / exclude(): names, ``pop*`` patterns or ``*``."""
    call = cast(ast.FunctionCall, item.expression)
    if not call.args:
        raise ODSQLError(f"{call.name}() at position {call.position} in select needs field names or patterns")
    patterns = []
    for argument in call.args:
        if isinstance(argument, ast.NamePattern):
            text = argument.pattern
        elif isinstance(argument, ast.Field):
            text = argument.name
        elif isinstance(argument, ast.Star):
            text = "*"
        else:
            message = f"{call.name}() at position {argument.position} in select takes field names or patterns"
            raise ODSQLError(message, argument.position)
        patterns.append(re.compile(".*".join(re.escape(part) for part in text.split("*"))))
    return patterns


def _included(item: ast.SelectItem, schema: Schema, scope: Scope) -> list[Column]:
    patterns = _patterns(item)
    return [column for column in star_columns(schema, scope) if _matches(patterns, cast(str, column.field))]


def _matches(patterns: list[re.Pattern], name: str) -> bool:
    return any(pattern.fullmatch(name) for pattern in patterns)


def _fields(columns: list[Column]) -> set[str]:
    return {column.field for column in columns if column.field}


def parsed(parse: Callable[[str], tuple], text: str, clause: str) -> tuple:
    """A clause's items; a syntax error says which clause it is in."""
    try:
        return parse(text)
    except ODSQLError as error:
        raise ODSQLError(f"{error.message} (in {clause})", error.position) from None


def check_unique(names: list[str], clause: str) -> None:
    """Result columns become keys of JSON objects: two of them cannot share a name."""
    seen = set()
    for name in names:
        if name in seen:
            raise ODSQLError(f"Column {name!r} appears twice in {clause}; give one a label with AS")
        seen.add(name)


def check_grouping(values: list[Fragment], grouped: bool, clause: str) -> None:
    """In a grouped query, fields read outside aggregates must be groups; elsewhere aggregates are not allowed."""
    for value in values:
        if grouped and value.bare_fields:
            names = ", ".join(sorted(value.bare_fields))
            raise ODSQLError(f"Field {names} in {clause} must appear in group_by or inside an aggregate")
        if not grouped and value.aggregate:
            raise ODSQLError(f"An aggregate in {clause} needs an aggregated select or a group_by")
