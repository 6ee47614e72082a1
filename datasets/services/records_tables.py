"""Records tables as the jobs write them: PostgreSQL's limits in words, and dropping a table once the commit
that stopped serving it is done (after a publish's swap, an unpublish, a dataset's deletion). The publish's own
connection for its long COPY is ``datasets.store.reading.loading_cursor``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection

from datasets.store import RecordsTableLimitError, drop_table


@contextmanager
def database_limits() -> Iterator[None]:
    """A record PostgreSQL cannot store ("row is too big": over 8 kB of fixed-width values) fails the publish
    with ``RecordsTableLimitError``, which says so, instead of an internal error."""
    try:
        yield
    except psycopg.errors.ProgramLimitExceeded as error:
        raise RecordsTableLimitError(reason=error.diag.message_primary or str(error)) from error


def drop_in_own_cursor(table: str) -> None:
    with connection.cursor() as cursor:
        drop_table(cursor.cursor, table)
