"""SQL expressions the dataset ``where`` compiler needs on JSON metadata values.

Each one renders a fixed SQL template around compiled Django expressions; user values only ever travel as
bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import BooleanField, Expression, F, Func, TextField

# Lookup name -> SQL operator, for AnyElementText; the keys are the only operators it can render.
ELEMENT_OPERATORS = {
    "exact": "=",
    "lt": "<",
    "lte": "<=",
    "gt": ">",
    "gte": ">=",
    "iregex": "~*",
    "startswith": "^@",  # PostgreSQL's "starts with", case-sensitive, no pattern characters to escape
}


class JsonText(Func):
    """A JSON scalar as text (``value #>> '{}'``): ``"abc"`` -> ``abc``, ``12`` -> ``12``, an array -> its JSON."""

    template = "(%(expressions)s #>> '{}')"
    output_field = TextField()


class Folded(Func):
    """Text without accents and in lower case, for comparisons that ignore both: ``Orléans`` -> ``orleans``.

    ``unaccent`` (the contrib extension the migration ``0011_search_configuration`` creates) runs first, so
    ``É`` becomes ``E`` before ``lower``, whatever the database's character classification. The dictionary is
    named, not found through the search path.
    """

    template = "lower(public.unaccent('public.unaccent'::regdictionary, %(expressions)s))"
    output_field = TextField()


class JsonTypeOf(Func):
    """``jsonb_typeof(value)``: ``'string'``, ``'number'``, ``'array'``... or ``'null'`` for a JSON null."""

    function = "jsonb_typeof"
    output_field = TextField()


class AnyElementText(Expression):
    """True when one text of a JSON value meets every condition: the scalar itself, or one array element.

    ``conditions`` is a list of ``(lookup, value)`` with lookups from ``ELEMENT_OPERATORS``; all of them apply
    to the same element, so a range on a list needs one element inside the range.
    """

    output_field = BooleanField()

    def __init__(self, expression: Expression | F, conditions: list[tuple[str, Any]]) -> None:
        super().__init__()
        unknown = [lookup for lookup, _ in conditions if lookup not in ELEMENT_OPERATORS]
        if unknown or not conditions:
            raise ValueError(f"unsupported element conditions {conditions!r}")
        self.expression = expression
        self.conditions = list(conditions)

    def get_source_expressions(self) -> list[Any]:
        return [self.expression]

    def set_source_expressions(self, expressions: Sequence[Any]) -> None:
        (self.expression,) = expressions

    def as_sql(self, compiler, connection) -> tuple[str, list[Any]]:  # type: ignore[override]  # params as a list, as Django's own
        value_sql, value_params = compiler.compile(self.expression)
        checks = " AND ".join(f"element.item {ELEMENT_OPERATORS[lookup]} %s" for lookup, _ in self.conditions)
        # In lax mode '$[*]' wraps a scalar into a one-item array, so scalars and arrays read the same way.
        sql = (
            f"EXISTS (SELECT 1 FROM jsonb_array_elements_text(jsonb_path_query_array({value_sql}, 'lax $[*]')) "
            f"AS element(item) WHERE {checks})"
        )
        return sql, [*value_params, *(value for _, value in self.conditions)]
