"""The table's page cursors: opaque, signed positions of one row, for the pages past the Explore offset window.

A cursor holds the sort value and record id of the last row of a page (``after``: the next page starts after it)
or of the first row (``before``: the previous page ends before it), the number of the page it leads to, and a
digest of the view (search, refinements, sort) it was made for. It is signed with the site's secret
(``django.core.signing``), so a changed or truncated cursor is refused with a message instead of being read; even a
well-signed one is parsed into typed values that reach SQL only as bound parameters (``odsql/records/keyset.py``).
Cursors are made only for visitors who may read record ids: a signature does not hide what the cursor holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core import signing

from datasets.catalog.search import PageError
from datasets.odsql.records.keyset import Keyset
from datasets.pipeline.core import Field

SALT = "catalog.table.cursor"
INVALID = "This page link is invalid (it was changed or cut short); start again from the first page."
OTHER_VIEW = "This page link belongs to another search, filter or sort of the table; start again from the first page."
# What a value of each field type must be once read back from JSON.
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "double": (int, float),
    "text": (str,),
    "boolean": (bool,),
    "date": (str,),
    "datetime": (str,),
}


@dataclass(frozen=True)
class Cursor:
    """A decoded cursor: the row's sort ``value`` (typed for SQL), its ``record_id`` and the ``page`` it opens."""

    value: Any
    record_id: str
    page: int

    def keyset(self, field: Field | None, descending: bool, before: bool) -> Keyset:
        return Keyset(field, descending, self.value, self.record_id, before)


def view_digest(text: str, refines: list[str], sort: str) -> str:
    """A short digest of the view a cursor belongs to."""
    described = json.dumps([text, sorted(refines), sort], ensure_ascii=False)
    return hashlib.sha256(described.encode()).hexdigest()[:12]


def encode_cursor(value: Any, record_id: str, page: int, view: str) -> str:
    """The signed, URL-safe text of a cursor (dates and datetimes as ISO 8601)."""
    if isinstance(value, dt.date | dt.datetime):
        value = value.isoformat()
    return signing.dumps({"v": value, "i": record_id, "p": page, "w": view}, salt=SALT, compress=True)


def decode_cursor(text: str, field: Field | None, view: str) -> Cursor:
    """The cursor ``text`` signed for ``view``, its value typed like ``field``; ``PageError`` for any other text."""
    try:
        payload = signing.loads(text, salt=SALT)
    except signing.BadSignature:
        raise PageError(INVALID) from None
    if not isinstance(payload, dict) or payload.get("w") != view:
        raise PageError(OTHER_VIEW)
    record_id, page = payload.get("i"), payload.get("p")
    if not isinstance(record_id, str) or isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise PageError(INVALID)
    return Cursor(typed_value(payload.get("v"), field), record_id, page)


def typed_value(value: Any, field: Field | None) -> Any:
    """A cursor's JSON value as the Python value bound for ``field``'s type (None stays None: nulls sort last)."""
    if value is None or field is None:
        return None
    expected = JSON_TYPES.get(field.type, ())
    if not isinstance(value, expected) or (field.type != "boolean" and isinstance(value, bool)):
        raise PageError(INVALID)
    return converted(field.type, value)


def converted(kind: str, value: Any) -> Any:
    """A checked JSON value as the Python value bound for a field of type ``kind``."""
    try:
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind == "datetime":
            return dt.datetime.fromisoformat(value)
    except ValueError:
        raise PageError(INVALID) from None
    return float(value) if kind == "double" else value
