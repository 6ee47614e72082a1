"""Value expressions of ``select``, ``group_by`` and ``order_by``: fields, literals, arithmetic, aggregates."""

from __future__ import annotations

from psycopg import sql

from datasets.odsql import ODSQLError, ast

from .values import NUMERIC, ORDERED, Fragment, Schema, literal_fragment

AGGREGATES = ("count", "sum", "avg", "min", "max")


def compile_expression(node: ast.Node, schema: Schema, clause: str, aliases: dict[str, Fragment]) -> Fragment:
    """An expression as a typed fragment; ``aliases`` (group_by labels) are looked up before fields."""
    if isinstance(node, ast.Field):
        return aliases.get(node.name) or schema.column(node, clause)
    if isinstance(node, ast.Literal):
        return literal_fragment(node, clause)
    if isinstance(node, ast.BinaryOp):
        return _arithmetic(node, schema, clause, aliases)
    if isinstance(node, ast.FunctionCall):
        return _aggregate(node, schema, clause)
    raise ODSQLError(f"Unsupported expression at position {node.position} in {clause}", node.position)


def _arithmetic(node: ast.BinaryOp, schema: Schema, clause: str, aliases: dict[str, Fragment]) -> Fragment:
    left = compile_expression(node.left, schema, clause, aliases)
    right = compile_expression(node.right, schema, clause, aliases)
    if left.type not in NUMERIC or right.type not in NUMERIC:
        message = f"Operator {node.op} at position {node.position} in {clause} needs numbers, not {left.type}"
        raise ODSQLError(f"{message} and {right.type}", node.position)
    if node.op == "/":  # a true division, and division by 0 gives null (section 7.2)
        template, kind = "({})::double precision / NULLIF({}, 0)", "double"
    else:
        template, kind = "({}) " + node.op + " ({})", "int" if left.type == right.type == "int" else "double"
    return Fragment(
        sql.SQL(template).format(left.sql, right.sql),
        left.params + right.params,
        kind,
        left.aggregate or right.aggregate,
        left.bare_fields | right.bare_fields,
    )


def _aggregate(node: ast.FunctionCall, schema: Schema, clause: str) -> Fragment:
    """``count(*)``, ``count(f)``, ``sum/avg/min/max(f)`` on one plain field."""
    if node.name not in AGGREGATES:
        names = ", ".join(AGGREGATES)
        raise ODSQLError(f"Unknown function {node.name!r} in {clause}; functions: {names}", node.position)
    if clause == "where" or len(node.args) != 1:
        raise ODSQLError(f"{node.name}() at position {node.position} in {clause} takes one field", node.position)
    (argument,) = node.args
    if isinstance(argument, ast.Star) and node.name == "count":
        return Fragment(sql.SQL("count(*)"), type="int", aggregate=True)
    if not isinstance(argument, ast.Field):
        raise ODSQLError(f"{node.name}() at position {node.position} in {clause} takes one field", node.position)
    column = schema.column(argument, clause)
    return Fragment(_aggregate_sql(node, column, clause), type=_aggregate_type(node.name, column), aggregate=True)


def _aggregate_sql(node: ast.FunctionCall, column: Fragment, clause: str) -> sql.Composable:
    wanted = NUMERIC if node.name in ("sum", "avg") else ORDERED
    if node.name != "count" and column.type not in wanted:
        message = f"{node.name}() at position {node.position} in {clause} does not apply to a {column.type} field"
        raise ODSQLError(message, node.position)
    if node.name == "avg":  # numeric (Decimal) for bigint columns otherwise; a double is what JSON holds
        return sql.SQL("avg({})::double precision").format(column.sql)
    return sql.SQL(node.name + "({})").format(column.sql)  # the name is one of AGGREGATES


def _aggregate_type(name: str, column: Fragment) -> str:
    if name == "count":
        return "int"
    return "double" if name == "avg" else column.type
