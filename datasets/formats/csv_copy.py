"""CSV exports written by PostgreSQL itself: ``COPY (<records query>) TO STDOUT WITH (FORMAT csv)``.

A CSV export is the one format PostgreSQL can write as fast as it reads: no row ever becomes a Python object,
the bytes go from the server to the response as they arrive. Python writes only the header line (the column
names are never put into SQL) and the optional BOM.

Decisions:

* The records query is wrapped, not rewritten: ``SELECT <cell(c0)>, ... FROM (<query>) AS export(c0, ...)``,
  so every ODSQL feature of the query (select, where, group_by, order_by, limit) keeps working; the outer
  select only turns each column into the text the Python writers produce (``datasets.formats.writers``):
  points as ``lat, lon``, shapes as GeoJSON, lists joined by ``list_separator``, booleans as true/false,
  datetimes in ISO 8601 with a ``T``, and text that a spreadsheet would run as a formula prefixed with an
  apostrophe.
* Parameters: COPY cannot take server-side parameters, so psycopg binds them on the client (quoted as
  literals by the driver, never by us); the delimiter comes from an allow-list and goes in as ``sql.Literal``.
* Lines end with ``\\n`` (PostgreSQL's CSV line ending), the header included.
* The header's names may be field labels (``use_labels``), publisher text: ``header`` neutralises and quotes
  them exactly like the cells COPY writes. ``compressed`` and ``epsg`` need nothing here: the export view
  projects the query before wrapping it and gzips the chunks after.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from psycopg import sql

from datasets.formats.writers import CSV_DELIMITERS, neutralise

FORMULA_CHECK = sql.SQL("CASE WHEN left({0}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || {0} ELSE {0} END")


def cell_sql(column: sql.Composable, kind: str, list_separator: str) -> tuple[sql.Composable, tuple]:
    """The text of one CSV cell for a result column of ODSQL type ``kind``, with its parameters."""
    if kind == "geo_point_2d":  # the query reads points as json {"lon", "lat"}
        return sql.SQL("({0} ->> 'lat') || ', ' || ({0} ->> 'lon')").format(column), ()
    if kind == "text[]":
        joined = sql.SQL("array_to_string({}, %s, '')").format(column)
        return FORMULA_CHECK.format(joined), (list_separator,) * 3
    if kind == "text":
        return FORMULA_CHECK.format(column), ()
    if kind == "boolean":
        return sql.SQL("CASE WHEN {0} THEN 'true' WHEN NOT {0} THEN 'false' END").format(column), ()
    if kind == "datetime":
        return sql.SQL("to_json({}) #>> '{{}}'").format(column), ()
    return sql.SQL("{}::text").format(column), ()


def copy_statement(
    query: sql.Composable,
    params: list,
    types: list[str],
    *,
    delimiter: str = ";",
    list_separator: str = ",",
    quote_all: bool = False,
) -> tuple[sql.Composed, list]:
    """``COPY`` of ``query`` (a records query with ``params``) as CSV cells; answers the statement and its params."""
    names = [sql.Identifier(f"c{index}") for index in range(len(types))]
    cells: list[sql.Composable] = []
    cell_params: list[Any] = []
    for name, kind in zip(names, types, strict=True):
        text, extra = cell_sql(name, kind, list_separator)
        if len(types) == 1:
            # A lone null cell would be an empty line, which CSV readers skip: write it as "" instead.
            text = sql.SQL("coalesce({}, '')").format(text)
        cells.append(text)
        cell_params += extra
    options = [sql.SQL("FORMAT csv"), sql.SQL("DELIMITER {}").format(sql.Literal(CSV_DELIMITERS[delimiter]))]
    if quote_all:
        options.append(sql.SQL("FORCE_QUOTE *"))
    statement = sql.SQL("COPY (SELECT {cells} FROM ({query}) AS export ({names})) TO STDOUT WITH ({options})").format(
        cells=sql.SQL(", ").join(cells),
        query=query,
        names=sql.SQL(", ").join(names),
        options=sql.SQL(", ").join(options),
    )
    # Cell parameters come first in the text: the outer select precedes the wrapped query.
    return statement, [*cell_params, *params]


def header(columns: list[str], *, delimiter: str = ";", quote_all: bool = False, with_bom: bool = True) -> bytes:
    """The first line: the column names or labels (neutralised like any cell), after a BOM unless ``with_bom``
    is false."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=CSV_DELIMITERS[delimiter],
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        lineterminator="\n",
    )
    writer.writerow([neutralise(name) for name in columns])
    return (("\ufeff" if with_bom else "") + buffer.getvalue()).encode()
