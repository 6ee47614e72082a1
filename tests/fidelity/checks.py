"""Comparing a published table with the generated one: field types, then every value in every output."""

from __future__ import annotations

from typing import Any

from tests.fidelity.contract import GEO_TYPES, Column, Table, decode, same
from tests.fidelity.publishing import Published, Publisher

MAX_SHOWN = 25


def outputs_of(table: Table) -> tuple[str, ...]:
    """The records API and the exports that apply: geojson only when the table has a geo column."""
    return ("records", "csv", "json", "xlsx", *(("geojson",) if table.has_geo() else ()))


def read_outputs(publisher: Publisher, published: Published, outputs: tuple[str, ...]) -> dict[str, list[dict]]:
    return {
        output: publisher.records(published) if output == "records" else publisher.exported_rows(published, output)
        for output in outputs
    }


def table_problems(table: Table, publisher: Publisher, published: Published) -> list[str]:
    """What differs from the contract: field types, then each wrong value once, in the first output showing
    it (the records API first); empty when all is equal."""
    if published.failed:
        return [published.failure]
    problems = type_problems(table, published.types)
    outputs = read_outputs(publisher, published, outputs_of(table))
    seen: set[tuple[str, int]] = set()
    for output, rows in outputs.items():
        for column, row, line in value_problems(table, published.types, output, rows):
            if (column, row) not in seen:
                seen.add((column, row))
                problems.append(line)
    return problems


def type_problems(table: Table, types: dict[str, str]) -> list[str]:
    problems = [
        f"field {column.name} ({column.kind}): type {types.get(column.name, 'missing')!r}, expected {column.type!r}"
        for column in table.columns
        if types.get(column.name) != column.type
    ]
    extra = set(types) - {column.name for column in table.columns}
    return problems + ([f"unexpected fields {sorted(extra)}"] if extra else [])


def geometry_field(types: dict[str, str]) -> str | None:
    """The field a geojson export turns into each feature's geometry: the first geo field."""
    return next((name for name, type_ in types.items() if type_ in GEO_TYPES), None)


Problem = tuple[str, int, str]  # column, row, what is wrong


def value_problems(table: Table, types: dict[str, str], output: str, rows: list[dict[str, Any]]) -> list[Problem]:
    if len(rows) != table.rows:
        return [("", 0, f"{output}: {len(rows)} rows, expected {table.rows}")]
    if output == "geojson":
        shape = geometry_field(types)
        rows = [{**row, shape: row.get("__geometry__")} for row in rows]
    problems = []
    for column in table.columns:
        if column.name in types:
            problems += column_problems(column, types[column.name], output, rows)
    return problems


def column_problems(column: Column, type_: str, output: str, rows: list[dict[str, Any]]) -> list[Problem]:
    problems = []
    for number, (cell, row) in enumerate(zip(column.cells, rows, strict=True), start=1):
        raw = row.get(column.name)
        try:
            got = decode(output, type_, raw)
        except (ValueError, TypeError, KeyError, AttributeError):
            got = raw
        if not same(output, cell.value, got):
            line = f"{output} row {number} {column.name}: written {cell.text!r}, expected {cell.value!r}, got {raw!r}"
            problems.append((column.name, number, line))
    return problems


def describe(table: Table) -> str:
    """The generated table as written: its format, then each column's kind, expected type and cells."""
    columns = [
        f"{column.name} ({column.kind} -> {column.type}): {[cell.data for cell in column.cells]!r}"
        for column in table.columns[1:]
    ]
    return "\n  ".join([f"{table.format!r}, decimal mark {table.mark!r}, {table.rows} rows", *columns])


def report(table: Table, published: Published, problems: list[str]) -> str:
    """The failure message: the file, its guessed params and its columns as written, then the problems."""
    shown = problems[:MAX_SHOWN]
    more = [f"… and {len(problems) - MAX_SHOWN} more"] if len(problems) > MAX_SHOWN else []
    lines = [describe(table), f"guessed {published.extractor} {published.params}", "problems:", *shown, *more]
    return "\n  ".join(lines)
