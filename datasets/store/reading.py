"""Every raw connection to the records store, and the bounded reads run on them.

* ``run_bounded``: one read on Django's connection under the Explore statement timeout, in its own short
  transaction; what PostgreSQL refuses at run time is an ``ExploreError`` (a timeout a 503, a value it cannot
  compute a 400), so the Explore API and the catalog pages answer it alike.
* ``reading_connection``, ``RowStream``, ``CopyStream``: a connection of its own for a long read (an export),
  leaving Django's connection free for the request; a named cursor needs its own transaction anyway. The
  Explore statement timeout bounds a stream's *start* only (until its first rows): over the whole stream it
  would also count the time a slow client takes to download, and cut a long export after its ``200``, leaving
  the client with a truncated file it believes whole. Once the first rows arrived, the stream runs to its end.
* ``loading_cursor``: the publish's own connection for its long COPY.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.db import DataError, OperationalError, connection, transaction
from psycopg import sql

from datasets.access.errors import ExploreError

BATCH_SIZE = 2000
COPY_CHUNK = 256 * 1024


def run_bounded(statement: sql.Composed, params: list) -> list[tuple]:
    """Run one read under the Explore statement timeout, in its own short transaction.

    What PostgreSQL refuses at run time answers in the Explore error shape: a timeout is a 503 asking to
    narrow the query, a value it cannot compute (an overflow, a division in a cast) a 400.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            timeout = f"{settings.EXPLORE_STATEMENT_TIMEOUT_MS}ms"
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [timeout])
            cursor.execute(statement.as_string(cursor.connection), params)
            return cursor.fetchall()
    except (DataError, OperationalError) as error:
        raise query_failure(error) from None


def query_failure(error: Exception) -> Exception:
    """The Explore error for a database error raised while running a query (Django wraps psycopg's)."""
    cause = error.__cause__ or error
    if isinstance(cause, psycopg.errors.QueryCanceled):
        return ExploreError(503, "QueryTimeout", "The query took too long; narrow it with where or a smaller limit")
    if isinstance(cause, psycopg.errors.DataError):
        return ExploreError(400, "ODSQLError", f"ODSQL query failed: {cause.diag.message_primary}")
    return error


def reading_connection(zone: str = "UTC", timeout_ms: int | None = None) -> psycopg.Connection:
    """A connection of the export's own, in a transaction whose dates are in ``zone``.

    Its statements run under ``timeout_ms`` (default: the Explore statement timeout; 0: none). ``zone`` is a
    checked IANA id (``dates.check_timezone``); it still goes in as a bound parameter.
    """
    reader = psycopg.connect(**connection.get_connection_params())
    try:
        with reader.cursor() as setup:
            set_statement_timeout(setup, settings.EXPLORE_STATEMENT_TIMEOUT_MS if timeout_ms is None else timeout_ms)
            setup.execute("SELECT set_config('TimeZone', %s, true)", [zone])
    except BaseException:
        reader.close()
        raise
    return reader


def set_statement_timeout(cursor: psycopg.Cursor, milliseconds: int) -> None:
    """The statement timeout for the rest of the cursor's transaction (0: none)."""
    cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{milliseconds}ms"])


class StartDeadline:
    """Cancel a connection's running statement unless ``started()`` is called within the Explore timeout.

    For a COPY, one statement that lasts the whole download: a statement timeout cannot bound its start only.
    The lock settles the race between the timer and the first chunk: once started, the timer does nothing.
    """

    def __init__(self, reader: psycopg.Connection) -> None:
        self.reader, self.lock, self.done = reader, threading.Lock(), False
        self.timer = threading.Timer(settings.EXPLORE_STATEMENT_TIMEOUT_MS / 1000, self.expire)
        self.timer.daemon = True
        self.timer.start()

    def expire(self) -> None:
        with self.lock:
            if not self.done:
                self.done = True
                with contextlib.suppress(psycopg.Error):
                    self.reader.cancel_safe()

    def started(self) -> None:
        with self.lock:
            self.done = True
        self.timer.cancel()


class RowStream:
    """Rows of one query, read through a server-side cursor on a connection of its own, in batches."""

    def __init__(self, statement: sql.Composed, params: list, zone: str = "UTC") -> None:
        self.connection = reading_connection(zone)
        try:
            self.cursor = self.connection.cursor(name="explore_export")
            self.cursor.execute(statement, params)
            self.first = self.cursor.fetchmany(BATCH_SIZE)  # one FETCH, under the Explore timeout
            with self.connection.cursor() as setup:
                set_statement_timeout(setup, 0)  # the query started: the next FETCHes run to the end
        except BaseException:
            self.close()
            raise

    def batches(self) -> Iterator[list[tuple]]:
        """The first batch (read up front: a query that fails does so before a response starts), then the rest."""
        try:
            batch = self.first
            while batch:
                yield batch
                batch = self.cursor.fetchmany(BATCH_SIZE)
        finally:
            self.close()

    def close(self) -> None:
        """Idempotent; closing the connection ends its read-only transaction and frees the cursor."""
        if not self.connection.closed:
            self.connection.close()


class CopyStream(RowStream):
    """The bytes of one ``COPY ... TO STDOUT``, gathered into chunks of about ``COPY_CHUNK`` bytes.

    PostgreSQL sends one message per row; handing each to the response would cost a write per row.
    """

    first: bytes  # type: ignore[assignment]  # the first chunk, where RowStream keeps its first batch
    manager: contextlib.AbstractContextManager[psycopg.Copy] | None

    def __init__(self, statement: sql.Composed, params: list, zone: str = "UTC") -> None:
        self.connection = reading_connection(zone, timeout_ms=0)
        deadline = StartDeadline(self.connection)
        try:
            self.manager = self.connection.cursor().copy(statement, params)
            self.copy = self.manager.__enter__()
            first = self.copy.read()  # PostgreSQL's first row: the query started
            deadline.started()
            self.first = bytes(first) + (self.read_chunk() if first else b"")
        except BaseException:
            deadline.started()
            self.close()
            raise

    def read_chunk(self) -> bytes:
        parts, size = [], 0
        while size < COPY_CHUNK and (data := self.copy.read()):
            parts.append(bytes(data))
            size += len(data)
        return b"".join(parts)

    def chunks(self) -> Iterator[bytes]:
        try:
            chunk = self.first
            while chunk:
                yield chunk
                chunk = self.read_chunk()
            self.finish(None)
        finally:
            self.close()

    def finish(self, error: BaseException | None) -> None:
        """Leave psycopg's COPY context once: after the last chunk, or when the client left (connection closed)."""
        manager, self.manager = getattr(self, "manager", None), None
        if manager is not None:
            with contextlib.suppress(psycopg.Error):
                manager.__exit__(type(error) if error else None, error, None)

    def close(self) -> None:
        super().close()
        self.finish(GeneratorExit())


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
