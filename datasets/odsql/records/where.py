"""The ODSQL ``where`` clause compiled to a SQL condition on one records table.

Full text uses the table's generated ``fts`` column (or, when the caller cannot see every field, a tsvector of
the visible text fields: ``Schema.full_text_document``): a bare string with ``plainto_tsquery``, every word must be
found, ignoring case and accents (the search configuration, ``datasets.store.tables.SEARCH_CONFIG``; tables published
before it: ``Schema.full_text_match``); ``search()`` also takes its last word as a prefix, ``suggest()`` every word
(see ``textsearch``). The geographic predicates are in ``geo``. Comparisons with null are false (section 7.1), so
``f = null`` matches nothing; use ``f is null``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from psycopg import sql

from datasets.odsql import ODSQLError, ast, parse_where
from datasets.odsql.literals import like_regex
from datasets.odsql.records.expressions import compare_computed, is_computed
from datasets.odsql.records.geo import PREDICATES as GEO_PREDICATES
from datasets.odsql.records.textsearch import search_tsquery, suggest_tsquery
from datasets.odsql.records.values import NUMERIC, ORDERED, Fragment, Schema, coerce, placeholder
from datasets.store.tables import full_text_vector, search_config

CLAUSE = "where"
MAX_IN_ITEMS = 1000
OPERATORS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
FLIPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
FALSE = Fragment(sql.SQL("FALSE"))


def compile_where(text: str | None, schema: Schema) -> Fragment | None:
    """The condition of an ODSQL ``where`` text, or None when there is none."""
    if text is None or not text.strip():
        return None
    return compile_condition(parse_where(text), schema)


def compile_condition(node: ast.Node, schema: Schema) -> Fragment:
    """One condition node (see ``datasets.odsql.ast``) as a boolean SQL fragment."""
    compiler = CONDITIONS.get(type(node))
    if compiler is None:
        raise ODSQLError(f"Unsupported condition at position {node.position} in {CLAUSE}", node.position)
    return compiler(node, schema)


def combine(parts: list[Fragment], joiner: str) -> Fragment:
    """``(a) AND (b)``: every part in parentheses, parameters in order."""
    joined = sql.SQL(joiner).join(sql.SQL("({})").format(part.sql) for part in parts)
    return Fragment(joined, tuple(param for part in parts for param in part.params))


def _and(node: ast.And, schema: Schema) -> Fragment:
    return combine([compile_condition(operand, schema) for operand in node.operands], " AND ")


def _or(node: ast.Or, schema: Schema) -> Fragment:
    return combine([compile_condition(operand, schema) for operand in node.operands], " OR ")


def _not(node: ast.Not, schema: Schema) -> Fragment:
    inner = compile_condition(node.operand, schema)
    # NOT of an unknown (null) comparison is still unknown: NOT (f > 1) leaves out rows where f is null.
    return Fragment(sql.SQL("NOT ({})").format(inner.sql), inner.params)


def _full_text(node: ast.FullText, schema: Schema) -> Fragment:
    return schema.full_text_match("plainto_tsquery", node.text)


def subject_column(node: ast.Node, schema: Schema, usage: str) -> Fragment:
    """The field a predicate tests: only fields may be tested, not literals or functions."""
    if not isinstance(node, ast.Field):
        raise ODSQLError(f"{usage} at position {node.position} in {CLAUSE} expects a field", node.position)
    return schema.column(node, CLAUSE)


def _comparison(node: ast.Comparison, schema: Schema) -> Fragment:
    if is_computed(node):  # a scalar function on a side: year(d) = 2020, lower(city) = "paris", d > now()
        return compare_computed(node, schema)
    left, op, right = node.left, node.op, node.right
    if not isinstance(left, ast.Field):
        left, op, right = right, FLIPPED[op], left
    column = subject_column(left, schema, f"Comparison {node.op}")
    if isinstance(right, ast.Field):
        return _field_comparison(column, op, schema.column(right, CLAUSE), node)
    if isinstance(right, ast.Literal) and right.kind == ast.NULL:
        return FALSE
    check_operator(column, op, node)
    value = coerce(right, column.type, CLAUSE)
    if column.type == "text[]":  # a multivalued field equals a value when one of its items does
        return Fragment(sql.SQL("{} = ANY({})").format(value.sql, column.sql), value.params)
    return Fragment(sql.SQL("{} {} {}").format(column.sql, sql.SQL(OPERATORS[op]), value.sql), value.params)


def check_operator(column: Fragment, op: str, node: ast.Node) -> None:
    """Order comparisons need ordered types; multivalued fields support ``=`` only; geometries nothing."""
    allowed = ORDERED if op not in ("=", "!=") else ORDERED | {"boolean", "text[]"}
    if column.type not in allowed or (column.type == "text[]" and op != "="):
        message = f"Operator {op} at position {node.position} in {CLAUSE} does not apply to a {column.type} field"
        raise ODSQLError(message, node.position)


def _field_comparison(left: Fragment, op: str, right: Fragment, node: ast.Node) -> Fragment:
    check_operator(left, op, node)
    comparable = left.type == right.type or {left.type, right.type} <= NUMERIC
    if not comparable or left.type == "text[]":
        raise ODSQLError(f"Cannot compare a {left.type} field with a {right.type} field in {CLAUSE}", node.position)
    return Fragment(sql.SQL("{} {} {}").format(left.sql, sql.SQL(OPERATORS[op]), right.sql))


def _in_list(node: ast.InList, schema: Schema) -> Fragment:
    if len(node.values) > MAX_IN_ITEMS:
        message = (
            f"IN list at position {node.position} in {CLAUSE} has {len(node.values)} items, at most {MAX_IN_ITEMS}"
        )
        raise ODSQLError(message, node.position)
    column = subject_column(node.subject, schema, "IN")
    check_operator(column, "=", node)
    values = [coerce(value, column.type, CLAUSE) for value in node.values if value.kind != ast.NULL]
    if not values:
        return FALSE
    items = sql.SQL(", ").join(value.sql for value in values)
    params = tuple(param for value in values for param in value.params)
    if column.type == "text[]":  # overlap: one item of the field is in the list
        return Fragment(sql.SQL("{} && ARRAY[{}]").format(column.sql, items), params)
    return Fragment(sql.SQL("{} IN ({})").format(column.sql, items), params)


def _in_range(node: ast.InRange, schema: Schema) -> Fragment:
    column = subject_column(node.subject, schema, "IN")
    check_operator(column, "<", node)
    low, high = coerce(node.low, column.type, CLAUSE), coerce(node.high, column.type, CLAUSE)
    template = sql.SQL("{column} {low_op} {low} AND {column} {high_op} {high}")
    condition = template.format(
        column=column.sql,
        low_op=sql.SQL(">=" if node.low_inclusive else ">"),
        low=low.sql,
        high_op=sql.SQL("<=" if node.high_inclusive else "<"),
        high=high.sql,
    )
    return Fragment(condition, low.params + high.params)


def _membership(node: ast.Membership, schema: Schema) -> Fragment:
    comparison = ast.Comparison("=", node.field, node.value, position=node.position)
    return _comparison(comparison, schema)


def _is_null(node: ast.IsNull, schema: Schema) -> Fragment:
    column = subject_column(node.subject, schema, "IS NULL")
    return Fragment(sql.SQL("{} IS NOT NULL" if node.negated else "{} IS NULL").format(column.sql))


def _is_bool(node: ast.IsBool, schema: Schema) -> Fragment:
    column = boolean_column(node.subject, schema)
    return Fragment(sql.SQL("{} IS TRUE" if node.value else "{} IS FALSE").format(column.sql))


def boolean_column(node: ast.Node, schema: Schema) -> Fragment:
    column = subject_column(node, schema, "A boolean test")
    if column.type != "boolean":
        raise ODSQLError(f"Field {cast(ast.Field, node).name!r} in {CLAUSE} is not boolean", node.position)
    return column


def _bare_field(node: ast.Field, schema: Schema) -> Fragment:
    return _is_bool(ast.IsBool(node, True, position=node.position), schema)


def _like(node: ast.Like, schema: Schema) -> Fragment:
    column = text_column(node.subject, schema, "LIKE")
    # Case-insensitive like the dataset list's LIKE: ODSQL's '*' becomes '.*' in an anchored regex.
    return Fragment(sql.SQL("{} ~* {}").format(column.sql, placeholder("text")), (like_regex(node.pattern),))


def text_column(node: ast.Node, schema: Schema, usage: str) -> Fragment:
    column = subject_column(node, schema, usage)
    if column.type != "text":
        raise ODSQLError(f"{usage} at position {node.position} in {CLAUSE} needs a (single-valued) text field")
    return column


def _function(node: ast.FunctionCall, schema: Schema) -> Fragment:
    compiler = FUNCTIONS.get(node.name)
    if compiler is None:
        names = ", ".join(FUNCTIONS)
        raise ODSQLError(f"Unknown function {node.name!r} in {CLAUSE}; functions: {names}", node.position)
    return compiler(node, schema)


def last_string(node: ast.FunctionCall) -> str:
    """The text argument that ends ``search(...)`` and ``startswith(...)``."""
    last = node.args[-1] if node.args else None
    if not isinstance(last, ast.Literal) or last.kind != ast.STRING:
        raise ODSQLError(f"{node.name}() at position {node.position} expects a string as last argument", node.position)
    return cast(str, last.value)


def _search(node: ast.FunctionCall, schema: Schema) -> Fragment:
    """``search("text")`` and ``search(*, "text")`` use ``fts``; ``search(f1, f2, "text")`` those fields only.

    Every word must be found, the last one as a prefix; no fuzzy matching (see ``textsearch``).
    """
    return _text_query(node, schema, search_tsquery(last_string(node)))


def _suggest(node: ast.FunctionCall, schema: Schema) -> Fragment:
    """``suggest("text")``, ``suggest(*, "text")``, ``suggest(f1, f2, "text")``: every word as a prefix."""
    return _text_query(node, schema, suggest_tsquery(last_string(node)))


def _text_query(node: ast.FunctionCall, schema: Schema, tsquery: str) -> Fragment:
    """``tsquery`` (``to_tsquery`` input) on ``fts`` without fields or with ``*``, else on any of the fields."""
    targets = node.args[:-1]
    if not targets or any(isinstance(target, ast.Star) for target in targets):
        return schema.full_text_match("to_tsquery", tsquery)
    parts = [_field_search(node, target, schema, tsquery) for target in targets]
    return parts[0] if len(parts) == 1 else combine(parts, " OR ")


def _field_search(node: ast.FunctionCall, target: ast.Node, schema: Schema, tsquery: str) -> Fragment:
    column = subject_column(target, schema, f"{node.name}()")
    if column.type not in ("text", "text[]"):
        raise ODSQLError(
            f"{node.name}() in {CLAUSE} needs text fields, not {cast(ast.Field, target).name!r}", target.position
        )
    document = sql.SQL("array_to_string({}, ' ')" if column.type == "text[]" else "{}").format(column.sql)
    # Capped like the stored fts: a value over the tsvector limit must not fail the query.
    vector = full_text_vector(sql.SQL("coalesce({}, '')").format(document))
    condition = sql.SQL("{} @@ to_tsquery({}, {})").format(vector, search_config(), placeholder("text"))
    return Fragment(condition, (tsquery,))


def _startswith(node: ast.FunctionCall, schema: Schema) -> Fragment:
    """``startswith(f, "X")``: case-sensitive prefix of the whole value."""
    if len(node.args) != 2:
        raise ODSQLError(f"startswith() at position {node.position} expects a field and a string", node.position)
    column = text_column(node.args[0], schema, "startswith()")
    return Fragment(sql.SQL("starts_with({}, {})").format(column.sql, placeholder("text")), (last_string(node),))


def _geo(node: ast.FunctionCall, schema: Schema) -> Fragment:
    return GEO_PREDICATES[node.name](node, schema, CLAUSE)


FUNCTIONS: dict[str, Callable[[ast.FunctionCall, Schema], Fragment]] = {
    "search": _search,
    "suggest": _suggest,
    "startswith": _startswith,
    **{name: _geo for name in GEO_PREDICATES},
}
CONDITIONS: dict[type, Callable[[Any, Schema], Fragment]] = {  # each takes the node type it is keyed by
    ast.And: _and,
    ast.Or: _or,
    ast.Not: _not,
    ast.FullText: _full_text,
    ast.Comparison: _comparison,
    ast.InList: _in_list,
    ast.InRange: _in_range,
    ast.Membership: _membership,
    ast.IsNull: _is_null,
    ast.IsBool: _is_bool,
    ast.Field: _bare_field,
    ast.Like: _like,
    ast.FunctionCall: _function,
}


# ``where`` nodes compiled to SQL that cannot fail on any row (see ``is_row_safe``).
ROW_SAFE_FUNCTIONS = frozenset({"search", "suggest", "startswith"})
PLAIN_ARGUMENTS = (ast.Field, ast.Star, ast.Literal)


def is_row_safe(node: ast.Node) -> bool:
    """True when the compiled condition cannot raise an error whatever a row holds.

    Comparisons, lists, ranges, null and boolean tests, patterns and full text of a *field* against
    *literals* compile to a column compared with bound values of the column's own type (the literals are
    converted before SQL; a value that cannot be converted fails whatever the rows). Anything computed from
    a column (arithmetic, casts, scalar functions, geometries, field-to-field comparisons) may fail on some
    values and is not row-safe. ``datasets.odsql.records.access.guarded`` relies on this to let the planner use
    the caller's indexes under a publisher's filter.
    """
    match node:
        case ast.And() | ast.Or():
            return all(is_row_safe(operand) for operand in node.operands)
        case ast.Not():
            return is_row_safe(node.operand)
        case ast.Comparison():
            sides = (type(node.left), type(node.right))
            return sides in ((ast.Field, ast.Literal), (ast.Literal, ast.Field)) and not is_computed(node)
        case ast.InList() | ast.InRange() | ast.IsNull() | ast.IsBool() | ast.Like():
            return isinstance(node.subject, ast.Field)
        case ast.Membership():
            return isinstance(node.value, ast.Literal)
        case ast.Field() | ast.FullText():
            return True
        case ast.FunctionCall():
            return node.name in ROW_SAFE_FUNCTIONS and all(isinstance(arg, PLAIN_ARGUMENTS) for arg in node.args)
    return False


def where_is_row_safe(text: str | None) -> bool:
    """``is_row_safe`` of a ``where`` text (no text: nothing to fail)."""
    if text is None or not text.strip():
        return True
    return is_row_safe(parse_where(text))
