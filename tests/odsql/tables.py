"""A records table of given rows for the ODSQL tests, made and dropped with the platform's own store code."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection

from datasets.pipeline.core import Field
from datasets.store import Loader, create_table, drop_table


def loaded_table(table: str, fields: list[Field], rows: Iterable[dict[str, Any]]) -> Iterator[Any]:
    """A fixture body: yields a raw cursor on ``table`` (created and loaded with ``rows``), dropped after."""
    connection.ensure_connection()
    raw = connection.connection.cursor()
    drop_table(raw, table)
    create_table(raw, table, fields)
    with Loader(raw, table, fields) as loader:
        for row in rows:
            loader.write(row)
    yield raw
    drop_table(raw, table)
    raw.close()
