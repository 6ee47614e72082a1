"""Records tables as the jobs write them: cursors of their own for the long COPY, PostgreSQL's limits in
words, and dropping a table once the commit that stopped serving it is done (after a publish's swap, an
unpublish, a dataset's deletion)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.conf import settings
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


@contextmanager
def loading_cursor() -> Iterator[psycopg.Cursor]:
    """A cursor on a connection of its own, in autocommit, for the long COPY.

    The COPY holds its connection for the whole load; progress updates and abort checks go
    through Django's connection meanwhile, which a shared connection would block.
    """
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as own, own.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{settings.PUBLISH_STATEMENT_TIMEOUT}s"])
        yield cursor


def drop_in_own_cursor(table: str) -> None:
    with connection.cursor() as cursor:
        drop_table(cursor.cursor, table)
