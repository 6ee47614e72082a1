"""Facets of a records table, and the ``refine`` / ``exclude`` filters (reference sections 4 and 5.3).

Decisions:

* A refine or exclude becomes an ODSQL condition text in which the user's value is only ever a quoted and
  escaped string literal (or a number / date rebuilt by this module), then goes through ``compile_where``:
  one compiler, bound parameters only, and the records endpoint can AND the same text to its ``where``.
* ``refine=f:v`` on a multivalued field keeps records holding ``v``; on a date or datetime field ``v`` is a
  prefix ``YYYY``, ``YYYY/MM`` or ``YYYY/MM/DD`` (UTC). Several refines of one field are ORed when the field
  is disjunctive (annotated so, or requested so), ANDed otherwise. ``exclude`` keeps records where the field
  is null: "not Paris" includes records without a city.
* Date facets group by year, or by the level under the deepest refine of the field (months of a refined year).
* A disjunctive facet counts without its own refines, so the sibling values of a refined value stay visible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from psycopg import sql

from datasets.odsql import ODSQLError, ast
from datasets.odsql.records.access import TableAccess, guarded
from datasets.odsql.records.values import Fragment, Schema
from datasets.odsql.records.where import compile_where
from datasets.pipeline.core import Field
from datasets.store.tables import qualified

DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
SORTS = {
    "-count": "count(*) DESC, value ASC",
    "count": "count(*) ASC, value ASC",
    "alphanum": "value ASC",
    "-alphanum": "value DESC",
}
DATE_FORMATS = ("YYYY", "YYYY/MM", "YYYY/MM/DD")  # to_char patterns of the three date levels
FACET_TYPES = frozenset({"text", "text[]", "int", "double", "boolean", "date", "datetime"})


@dataclass(frozen=True)
class FacetSpec:
    """One requested facet: ``facet=f`` or ``facet=facet(name="f", disjunctive=true, sort="-count", limit=10)``."""

    name: str
    disjunctive: bool = False
    sort: str = "-count"
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class Filter:
    """A ``refine`` (``excluded`` False) or ``exclude`` of ``field`` to ``value`` (dates normalised)."""

    field: str
    value: str
    excluded: bool = False


# ---------------------------------------------------------------------------------------------------------------
# The facet(...) syntax, read by a small scanner rather than a regular expression.


def parse_facet(text: str) -> FacetSpec:
    """``f`` alone, or the ``facet(key=value, ...)`` form; raises ``ODSQLError`` on anything else."""
    text = text.strip()
    if not (text.startswith("facet(") and text.endswith(")")):
        if not text or any(char in text for char in "()=,\"'"):
            raise ODSQLError(f'Invalid facet {text!r}: expected a field name or facet(name="field", ...)')
        return FacetSpec(name=text)
    arguments = parse_arguments(text[len("facet(") : -1])
    unknown = set(arguments) - {"name", "disjunctive", "sort", "limit"}
    if unknown or "name" not in arguments:
        raise ODSQLError(f"Invalid facet {text!r}: takes name (required), disjunctive, sort and limit")
    return FacetSpec(
        name=arguments["name"],
        disjunctive=boolean_argument(arguments.get("disjunctive", "false")),
        sort=sort_argument(arguments.get("sort", "-count")),
        limit=limit_argument(arguments.get("limit", str(DEFAULT_LIMIT))),
    )


def parse_arguments(text: str) -> dict[str, str]:
    """``key=value`` pairs separated by commas; a value is a quoted string (with ``\\`` escapes) or a bare word."""
    arguments: dict[str, str] = {}
    position = 0
    while position < len(text):
        equals = text.find("=", position)
        if equals < 0:
            raise ODSQLError(f"Invalid facet arguments {text!r}: expected key=value")
        key = text[position:equals].strip()
        value, position = scan_value(text, equals + 1)
        if not key.isidentifier() or key in arguments:
            raise ODSQLError(f"Invalid facet argument name {key!r}")
        arguments[key] = value
    return arguments


def scan_value(text: str, position: int) -> tuple[str, int]:
    """The value starting at ``position`` and where the next argument starts (after the comma)."""
    while position < len(text) and text[position].isspace():
        position += 1
    if position < len(text) and text[position] in "\"'":
        value, position = scan_quoted(text, position)
        rest = text[position:]
        if rest.strip() and not rest.lstrip().startswith(","):
            raise ODSQLError(f"Invalid facet arguments {text!r}: expected ',' after {value!r}")
        comma = text.find(",", position)
    else:
        comma = text.find(",", position)
        value = text[position : comma if comma >= 0 else len(text)].strip()
    return value, (comma + 1 if comma >= 0 else len(text))


def scan_quoted(text: str, position: int) -> tuple[str, int]:
    """A string quoted with ``"`` or ``'``; a backslash escapes the next character."""
    quote, chars, position = text[position], [], position + 1
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            chars.append(text[position + 1])
            position += 2
        elif char == quote:
            return "".join(chars), position + 1
        else:
            chars.append(char)
            position += 1
    raise ODSQLError(f"Invalid facet arguments {text!r}: unterminated string")


def boolean_argument(value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise ODSQLError(f"Invalid facet argument disjunctive={value!r}: true or false")
    return value.lower() == "true"


def sort_argument(value: str) -> str:
    if value not in SORTS:
        raise ODSQLError(f"Invalid facet sort {value!r}: one of {', '.join(SORTS)}")
    return value


def limit_argument(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise ODSQLError(f"Invalid facet limit {value!r}: between 1 and {MAX_LIMIT}")
    return int(value)


# ---------------------------------------------------------------------------------------------------------------
# refine / exclude as ODSQL conditions.


def parse_filter(text: str, schema: Schema, excluded: bool) -> Filter:
    """``field:value`` of a known, facetable field; dates normalised to ``YYYY[/MM[/DD]]``."""
    parameter = "exclude" if excluded else "refine"
    name, colon, value = text.partition(":")
    if not colon or not name:
        raise ODSQLError(f"Invalid {parameter} {text!r}: expected field:value")
    kind = facet_type(schema, name, parameter)
    if kind in ("date", "datetime"):
        value = "/".join(f"{part:02d}" for part in date_parts(value, parameter))
    return Filter(name, value, excluded)


def facet_type(schema: Schema, name: str, usage: str) -> str:
    """The type of a field that facets and filters apply to; ``ODSQLError`` for unknown fields or geometries."""
    kind = schema.column(ast.Field((name,)), usage).type
    if kind not in FACET_TYPES:
        raise ODSQLError(f"Field {name!r} in {usage} is a {kind} field; facets apply to text, numbers and dates")
    return kind


def date_parts(value: str, parameter: str) -> list[int]:
    """``2019``, ``2019/08`` or ``2019/08/15`` (``-`` also separates) as a valid year[, month[, day]]."""
    parts = value.replace("-", "/").split("/")
    if not 1 <= len(parts) <= 3 or not all(part.isdigit() for part in parts) or len(parts[0]) != 4:
        raise ODSQLError(f"Invalid date {value!r} in {parameter}: expected YYYY, YYYY/MM or YYYY/MM/DD")
    numbers = [int(part) for part in parts]
    bounds = date_bounds(numbers)
    if bounds is None:
        raise ODSQLError(f"Invalid date {value!r} in {parameter}")
    return numbers


def date_bounds(numbers: list[int]) -> tuple[str, str] | None:
    """ISO start (inclusive) and end (exclusive) of a year, month or day; None when it is no real date."""
    try:
        start = dt.date(numbers[0], *(numbers[1:] + [1, 1])[:2])
        if len(numbers) == 1:
            end = dt.date(start.year + 1, 1, 1)
        elif len(numbers) == 2:
            end = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
        else:
            end = start + dt.timedelta(days=1)
    except (ValueError, OverflowError):
        return None
    return start.isoformat(), end.isoformat()


def odsql_string(value: str) -> str:
    """A double-quoted ODSQL string literal: only ``\\`` and ``"`` need escaping (``datasets.odsql.literals``)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def match_text(name: str, kind: str, value: str) -> str:
    """The ODSQL condition "field ``name`` (of type ``kind``) has ``value``"; the name is a known field."""
    field = f"`{name}`"
    if kind in ("date", "datetime"):
        start, end = cast(tuple[str, str], date_bounds([int(part) for part in value.split("/")]))  # a checked value
        return f"{field} >= date'{start}' AND {field} < date'{end}'"
    if kind == "boolean":
        if value.lower() not in ("true", "false"):
            raise ODSQLError(f"Invalid value {value!r} for boolean field {name!r}: true or false")
        return f"{field} IS {value.upper()}"
    if kind in ("int", "double"):
        return f"{field} = {odsql_number(name, value)}"
    return f"{field} = {odsql_string(value)}"  # text, and text[] (holds the value)


def odsql_number(name: str, value: str) -> str:
    """A number rebuilt from its digits, so nothing else of ``value`` reaches the ODSQL text."""
    sign, digits = ("-", value[1:]) if value.startswith("-") else ("", value)
    whole, dot, fraction = digits.partition(".")
    if not whole.isdigit() or (dot and not fraction.isdigit()):
        raise ODSQLError(f"Invalid value {value!r} for numeric field {name!r}")
    return f"{sign}{whole}{dot}{fraction}"


def filters_text(filters: list[Filter], schema: Schema, disjunctive: set[str], skip: str | None = None) -> str | None:
    """The ODSQL condition of all filters (leaving out the refines of ``skip``), or None without any."""
    groups: dict[tuple[str, bool], list[str]] = {}
    for item in filters:
        if item.field == skip and not item.excluded:
            continue
        kind = facet_type(schema, item.field, "exclude" if item.excluded else "refine")
        groups.setdefault((item.field, item.excluded), []).append(f"({match_text(item.field, kind, item.value)})")
    parts = []
    for (name, excluded), conditions in groups.items():
        if excluded:  # none of the excluded values, nulls kept
            parts += [f"(`{name}` IS NULL OR NOT {condition})" for condition in conditions]
        else:
            parts.append("(" + (" OR " if name in disjunctive else " AND ").join(conditions) + ")")
    return " AND ".join(parts) or None


def parse_filters(refines: list[str], excludes: list[str], schema: Schema) -> list[Filter]:
    """Every ``refine`` then every ``exclude`` parameter, checked (empty values ignored)."""
    return [parse_filter(text, schema, False) for text in refines if text.strip()] + [
        parse_filter(text, schema, True) for text in excludes if text.strip()
    ]


def annotated(fields: list[Field], annotation: str) -> list[str]:
    """Names of the fields carrying ``annotation`` (``facet``, ``disjunctive``), in field order."""
    return [field.name for field in fields if field.annotation(annotation) is not None]


def refine_exclude_text(refines: list[str], excludes: list[str], fields: list[Field]) -> str | None:
    """The records endpoint's extra ``where`` text for ``refine`` / ``exclude``; disjunctive per annotation."""
    schema = Schema(fields)
    return filters_text(parse_filters(refines, excludes, schema), schema, set(annotated(fields, "disjunctive")))


# ---------------------------------------------------------------------------------------------------------------
# Facet counts.


@dataclass(frozen=True)
class FacetRequest:
    """Everything a facets query needs: the table, its fields, the ``where`` text and the parameters.

    ``access`` (``datasets.odsql.records.access``): the caller's readable part of the table; ``fields`` are then its
    visible fields, and its condition is ANDed with the counted rows' condition as a fragment.
    """

    table: str
    fields: list[Field]
    where: str | None
    facets: list[str]
    refines: list[str]
    excludes: list[str]
    access: TableAccess | None = None

    def schema(self) -> Schema:
        return Schema(self.fields, stored_fts=self.access.stored_fts if self.access is not None else True)

    def guarded(self, condition: Fragment | None) -> Fragment | None:
        return guarded(self.access.condition if self.access is not None else None, condition)


@dataclass(frozen=True)
class FacetQuery:
    """One facet's compiled count query, and what its answer needs: the refined and excluded values."""

    name: str
    statement: sql.Composed
    params: list
    refined: set[str]
    excluded: list[str]


def compile_facets(request: FacetRequest) -> list[FacetQuery]:
    """One query per facet (requested, or the fields annotated ``facet``); raises ``ODSQLError`` first.

    A facet asked for twice (``facet=city&facet=city``, or the same spec written two ways) is counted once.
    """
    schema = request.schema()
    specs = list(dict.fromkeys(parse_facet(text) for text in request.facets if text.strip()))
    if not request.facets:
        disjunctive = set(annotated(request.fields, "disjunctive"))
        specs = [FacetSpec(name, disjunctive=name in disjunctive) for name in annotated(request.fields, "facet")]
    filters = parse_filters(request.refines, request.excludes, schema)
    disjunctive = {spec.name for spec in specs if spec.disjunctive} | set(annotated(request.fields, "disjunctive"))
    return [compile_facet(spec, request, schema, filters, disjunctive) for spec in specs]


def compile_facet(
    spec: FacetSpec, request: FacetRequest, schema: Schema, filters: list[Filter], disjunctive: set[str]
) -> FacetQuery:
    """``SELECT value, count(*)`` over the filtered rows, grouped, sorted and limited as ``spec`` asks."""
    kind = facet_type(schema, spec.name, "facet")
    own = [item for item in filters if item.field == spec.name]
    refined = {item.value for item in own if not item.excluded}
    condition = combined_where(request.where, filters_text(filters, schema, disjunctive, own_skip(spec)), schema)
    condition = request.guarded(condition)
    value = facet_value(spec.name, kind, refined)
    template = sql.SQL(
        "SELECT value, count(*) FROM (SELECT {value} AS value FROM {table}{where}) AS facet "
        "WHERE value IS NOT NULL GROUP BY value ORDER BY {order} LIMIT {limit}"
    )
    statement = template.format(
        value=value,
        table=qualified(request.table),
        where=sql.SQL(" WHERE {}").format(condition.sql) if condition else sql.SQL(""),
        order=sql.SQL(SORTS[spec.sort]),
        limit=sql.Placeholder(),
    )
    params = [*(condition.params if condition else ()), spec.limit]
    excluded = list(dict.fromkeys(item.value for item in own if item.excluded))
    return FacetQuery(spec.name, statement, params, refined, excluded)


def own_skip(spec: FacetSpec) -> str | None:
    """A disjunctive facet leaves out its own refines when counting."""
    return spec.name if spec.disjunctive else None


def combined_where(where: str | None, filters: str | None, schema: Schema) -> Fragment | None:
    """The user's ``where`` ANDed with the filters, compiled to one fragment with bound parameters."""
    parts = [f"({text})" for text in (where, filters) if text and text.strip()]
    return compile_where(" AND ".join(parts), schema) if parts else None


def facet_value(name: str, kind: str, refined: set[str]) -> sql.Composable:
    """What a facet groups by: the column, each item of a multivalued one, or a date truncated to a level."""
    column = sql.Identifier(name)
    if kind == "text[]":
        return sql.SQL("unnest({})").format(column)
    if kind in ("date", "datetime"):
        # Refining 2019 shows its months, 2019/08 its days; days are the deepest level.
        level = min(max((value.count("/") + 1 for value in refined), default=0), len(DATE_FORMATS) - 1)
        source = sql.SQL("({} AT TIME ZONE 'UTC')").format(column) if kind == "datetime" else column
        return sql.SQL("to_char({}, {})").format(source, sql.Literal(DATE_FORMATS[level]))
    return column


def facet_answer(query: FacetQuery, rows: list[tuple]) -> dict:
    """``{"name": field, "facets": [...]}``: counted values, then excluded values without a count."""
    values = []
    for value, count in rows:
        text = facet_text(value)
        state = "refined" if text in query.refined else "displayed"
        values.append({"name": text, "value": text, "count": count, "state": state})
    values += [{"name": value, "value": value, "state": "excluded"} for value in query.excluded]
    return {"name": query.name, "facets": values}


def facet_text(value: object) -> str:
    """Values as text; booleans as ODSQL writes them (``true`` / ``false``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
