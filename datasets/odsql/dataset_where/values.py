"""Literals of a dataset ``where`` clause as the values a field compares with."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from datasets.odsql import ODSQLError, ast
from datasets.odsql.dataset_where.fields import BOOLEAN, DATE, DATETIME, LIST, NUMBER, TEXT, InvalidWhereError, Target
from datasets.odsql.literals import date_value

OP_LOOKUPS = {"=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
EXPECTED_LITERALS = {
    TEXT: "a string",
    LIST: "a string",
    BOOLEAN: "true or false",
    NUMBER: "a number",
    DATE: "a date (date'YYYY-MM-DD' or an ISO 8601 string)",
    DATETIME: "a date or a datetime (date'YYYY-MM-DDTHH:MM' or an ISO 8601 string)",
}


def describe(node: ast.Node) -> str:
    """A node as error messages name it: ``a string``, ``field 'title'``, ``function now()``..."""
    if isinstance(node, ast.Literal):
        return "null" if node.kind == ast.NULL else f"a {node.kind}"
    if isinstance(node, ast.Field):
        return f"field '{node.name}'"
    if isinstance(node, ast.FunctionCall):
        return f"function {node.name}()"
    return "'*'" if isinstance(node, ast.Star) else type(node).__name__


def field_value(field: Target, node: ast.Node) -> Any:
    """The Python value ``node`` stands for when compared with ``field``; InvalidWhereError when it does not fit."""
    if isinstance(node, ast.Literal) and node.kind == ast.NULL:
        raise InvalidWhereError(
            reason=f"comparing '{field.name}' with null at position {node.position}; use IS NULL or IS NOT NULL"
        )
    value = _converted(field.kind, node) if isinstance(node, ast.Literal) else None
    if value is None:
        raise InvalidWhereError(
            reason=f"'{field.name}' expects {EXPECTED_LITERALS[field.kind]}, got {describe(node)} "
            f"at position {node.position}"
        )
    return value


def _converted(kind: str, literal: ast.Literal) -> Any:
    """The value of ``literal`` for a field of ``kind``, or None when the literal's type does not fit."""
    if kind in (TEXT, LIST):
        # Identifiers may be all digits: datasetid=100001 means the text "100001".
        return str(literal.value) if literal.kind in (ast.STRING, ast.NUMBER) else None
    if kind in (BOOLEAN, NUMBER):
        return literal.value if literal.kind == {BOOLEAN: ast.BOOLEAN, NUMBER: ast.NUMBER}[kind] else None
    moment = _moment(literal)
    if kind == DATE and isinstance(moment, dt.datetime):
        return moment.astimezone(dt.UTC).date()
    return moment


def _moment(literal: ast.Literal) -> dt.date | dt.datetime | None:
    """A date or an aware datetime (naive ones are UTC, the API's default zone) from a date or ISO string."""
    value = literal.value
    if literal.kind == ast.STRING:
        try:
            value = date_value(cast(str, literal.value), literal.position)
        except ODSQLError:
            return None
    elif literal.kind != ast.DATE:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return cast(dt.date, value)


def comparison_pairs(field: Target, op: str, node: ast.Node) -> list[tuple[str, Any]]:
    """``field op node`` as ``(lookup, stored value)`` pairs that must all hold; ``op`` is not ``!=``.

    A date compared with a datetime field stands for its whole UTC day: ``= date'2024-03-01'`` is the
    half-open interval [2024-03-01T00:00Z, 2024-03-02T00:00Z) and ``> date'2024-03-01'`` starts the next day.
    """
    value = field_value(field, node)
    if field.kind == BOOLEAN and op != "=":
        raise InvalidWhereError(
            reason=f"'{field.name}' is a boolean and only compares with = or !=, not {op}, at position {node.position}"
        )
    if field.kind == DATETIME and not isinstance(value, dt.datetime):
        return [(lookup, field.stored(bound)) for lookup, bound in _day_pairs(op, value)]
    return [(OP_LOOKUPS[op], field.stored(value))]


def _day_pairs(op: str, day: dt.date) -> list[tuple[str, dt.datetime]]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=1)
    return {
        "=": [("gte", start), ("lt", end)],
        "<": [("lt", start)],
        "<=": [("lt", end)],
        ">": [("gte", end)],
        ">=": [("gte", start)],
    }[op]
