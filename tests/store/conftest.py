"""Fixtures of the records store tests: a raw psycopg cursor and tables that are always dropped."""

from __future__ import annotations

import pytest
from django.db import connection

from datasets.pipeline.core import Field
from datasets.store import dataset_tables, drop_table

# Every table a test creates belongs to one of these datasets, so teardown can find them all.
TEST_DATASET_UIDS = ("da_tst001", "da_tst002", "da_tst003")


@pytest.fixture
def cursor(transactional_db):
    """A psycopg cursor in autocommit mode; afterwards, every test dataset's tables are dropped."""
    connection.ensure_connection()
    raw = connection.connection.cursor()
    yield raw
    for dataset_uid in TEST_DATASET_UIDS:
        for table in dataset_tables(raw, dataset_uid):
            drop_table(raw, table)
    raw.close()


def field(name: str, type_: str = "text", *annotations: str, separator: str = ";") -> Field:
    """A Field with bare annotations (``multivalued`` gets its separator argument)."""
    notes = [{"name": note, "args": [separator] if note == "multivalued" else []} for note in annotations]
    return Field(name=name, label=name.title(), type=type_, annotations=notes)


def fetch(cursor, query, params=()) -> list[tuple]:
    cursor.execute(query, params)
    return cursor.fetchall()
