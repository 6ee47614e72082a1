"""The COPY loader: typed records (as ``pipeline/conversion.py`` makes them) streamed into a records table.

One ``COPY … FROM STDIN`` (text format) carries the whole stream. ``write`` encodes one typed record
as a COPY text line (sent in batches of ``BATCH_ROWS``); a publish sends whole column batches with
``write_batch``, their cells made by ``store/cells.py`` (the same text, so the same record ids). The
figures below are ``write``'s; the batch path's are in docs/ARCHITECTURE.md ("The publish engine").

Measured (2 cores, PG 15 + PostGIS 3.3, fsync on; 200k rows x 10 columns: 3 text, multivalued
text, int, double, boolean, date, datetime, point; record ids and the generated fts included;
best of 7 runs, client CPU in brackets):

* COPY text lines built here:        2.25 s, ~89k rows/s (2.25 s CPU)
* ``set_types`` + ``write_row``:      2.38 s, ~84k rows/s (2.37 s CPU)

Text lines are kept: ~5% less client CPU and, unlike ``write_row``, they survive a NUL or a lone
surrogate in a value (psycopg raises on both, which would fail a whole publish). Both are far from
docs/SERVICES.md's 350k-530k rows/s because those baselines have no record id (canonical JSON + sha1,
~5 µs of the ~11 µs per row), no geometry and no tsvector (PostgreSQL spends ~10 µs per row here on
``to_tsvector`` and EWKT parsing, in parallel with the client). 1M rows: ~11.4 s, ~88k rows/s.

Values are trusted to be of their field's type (conversion guarantees it); text is escaped for
COPY, NUL characters (which PostgreSQL text cannot hold) are removed, and characters the
connection encoding cannot carry (lone surrogates) become ``?``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, cast

from psycopg import sql

from datasets.pipeline.conversion import scalar_text
from datasets.pipeline.core import Field
from datasets.store.geometry import point_ewkt, shape_ewkt
from datasets.store.ids import iso_date, record_id
from datasets.store.tables import RECORD_ID, is_multivalued, qualified

BATCH_ROWS = 1000
NULL = "\\N"
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": ""})
ARRAY_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\x00": ""})


def copy_text(value: Any) -> str:
    """A text value escaped for COPY's text format; non-strings (JSON lists, numbers) as text first."""
    if not isinstance(value, str):
        value = scalar_text(value)  # as conversion writes them: lists and dicts as JSON, dates in ISO
    # Most values hold no special character: four C-level scans beat an unconditional translate.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value or "\x00" in value:
        return value.translate(COPY_ESCAPES)
    return value


def array_item(item: Any) -> str:
    if item is None:
        return "NULL"
    return '"' + (item if isinstance(item, str) else cast(str, scalar_text(item))).translate(ARRAY_ESCAPES) + '"'


def copy_text_array(values: Any) -> str:
    """A list of texts as a ``text[]`` literal (``{"a","b"}``), escaped for COPY; a lone string is one item."""
    if isinstance(values, str):
        values = [values]
    if not values:
        return "{}"
    try:
        joined = '","'.join(values)
    except TypeError:  # a None or a non-string item: quote item by item
        return copy_text("{" + ",".join(map(array_item, values)) + "}")
    if '"' in joined or "\\" in joined:
        return copy_text("{" + ",".join(map(array_item, values)) + "}")
    return copy_text('{"' + joined + '"}')


def copy_boolean(value: Any) -> str:
    return "t" if value else "f"


ENCODERS: dict[str, Callable[[Any], str]] = {
    "text": copy_text,
    "int": str,
    "double": repr,
    "boolean": copy_boolean,
    # The same text as in record ids, so the loader hashes the text it already made (see Loader.write).
    "date": iso_date,
    "datetime": iso_date,
    "geo_point_2d": point_ewkt,
    "geo_shape": shape_ewkt,
    "file": copy_text,
}


def encoder(field: Field) -> Callable[[Any], str]:
    """The function turning a non-null value of ``field`` into its COPY text."""
    return copy_text_array if is_multivalued(field) else ENCODERS[field.type]


def id_field_names(fields: list[Field]) -> list[str] | None:
    """Names of the fields annotated ``id``, in schema order, or None when there are none."""
    return [field.name for field in fields if field.annotation("id") is not None] or None


class Loader:
    """Streams typed records into ``records.<table>`` with one COPY; use ``close()`` (or ``with``) to finish.

    ``write`` adds ``record_id`` (see ``ids.record_id``: from the fields annotated ``id``, else the
    whole record restricted to ``fields``). Leaving a ``with`` block on an exception aborts the COPY.
    ``freeze`` writes the rows frozen (``COPY … FREEZE``): allowed only in the transaction that created
    the table, it spares every later reader the first visit that sets each row's hint bits (the index
    builds, side by side, each paid it) and marks the pages all-visible for index-only scans.
    """

    def __init__(
        self, cursor, table: str, fields: list[Field], batch_rows: int = BATCH_ROWS, *, freeze: bool = False
    ) -> None:
        self.rows = 0
        self._names = [field.name for field in fields]
        self._encoders = [encoder(field) for field in fields]
        self._id_fields = id_field_names(fields)
        self._encoding = cursor.connection.info.encoding
        self._batch_rows = batch_rows
        self._lines: list[str] = []
        columns = sql.SQL(", ").join(sql.Identifier(name) for name in [RECORD_ID, *self._names])
        statement = sql.SQL("COPY {} ({}) FROM STDIN{}").format(
            qualified(table), columns, sql.SQL(" (FREEZE)" if freeze else "")
        )
        self._copy_context = cursor.copy(statement)
        self._copy = self._copy_context.__enter__()

    def write(self, record: dict[str, Any]) -> str:
        """Queue one typed record (missing fields are null) and return its record id; sends a batch when full."""
        values = list(map(record.get, self._names))
        cells = [NULL if value is None else encode(value) for value, encode in zip(values, self._encoders, strict=True)]
        identifier = self._record_id(record, values, cells)
        self._lines.append(identifier + "\t" + "\t".join(cells) + "\n")
        self.rows += 1
        if len(self._lines) >= self._batch_rows:
            self._flush()
        return identifier

    def write_batch(
        self, count: int, columns: list[list[str]], id_values: dict[str, list[Any]] | None = None
    ) -> list[str]:
        """Send ``count`` records given as one list of COPY cells per field (``fields`` order); returns their ids.

        The cells are ``ColumnCells``' (``datasets.store.cells``), the same text ``write`` makes, so a record
        gets the same id on either path. ``id_values`` are the typed values of the fields annotated ``id``,
        by name, when the dataset has some.
        """
        lines = list(map("\t".join, zip(*columns, strict=True))) if columns else [""] * count
        if self._id_fields:
            if id_values is None:
                raise ValueError("the fields annotated id need their typed values")
            names, id_fields = list(id_values), self._id_fields
            rows = zip(*id_values.values(), strict=True)
            ids = [record_id(dict(zip(names, values, strict=True)), id_fields) for values in rows]
        else:
            sha1 = hashlib.sha1
            ids = [sha1(line.encode("utf-8", "surrogatepass")).hexdigest() for line in lines]
        self._flush()
        text = "".join([f"{identifier}\t{line}\n" for identifier, line in zip(ids, lines, strict=True)])
        self._copy.write(text.encode(self._encoding, "replace"))
        self.rows += count
        return ids

    def _record_id(self, record: dict[str, Any], values: list[Any], cells: list[str]) -> str:
        """From the id fields: ``record_id``. From the whole record: sha1 of its COPY line's cells.

        The cells are the record's typed values already written as text, so hashing them gives
        the same id for the same record in every publish at a third of the cost of canonical JSON.
        """
        if self._id_fields:
            return record_id(record, self._id_fields)
        return hashlib.sha1("\t".join(cells).encode("utf-8", "surrogatepass")).hexdigest()

    def _flush(self) -> None:
        if self._lines:
            self._copy.write("".join(self._lines).encode(self._encoding, "replace"))
            self._lines = []

    def close(self) -> int:
        """Send what is left, end the COPY and return the number of rows written."""
        if self._copy is not None:
            self._flush()
            self._copy, context = None, self._copy_context
            context.__exit__(None, None, None)
        return self.rows

    def abort(self, error: BaseException | None = None) -> None:
        """End the COPY with an error: nothing of this stream is kept (the statement fails)."""
        if self._copy is not None:
            self._copy, context = None, self._copy_context
            failure = error or RuntimeError("load aborted")
            context.__exit__(type(failure), failure, failure.__traceback__)

    def __enter__(self) -> Loader:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if error is None:
            self.close()
        else:
            self.abort(error)
