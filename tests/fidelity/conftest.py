"""Fixtures of the fidelity tests: a publisher going through the management API and the real worker."""

import pytest
from django.db import connection
from psycopg import sql

from tests.fidelity.publishing import Publisher


@pytest.fixture
def fast_commits():
    """Commits of the test database without waiting for the disk while the test runs (a third of a publish's
    time here); durability after a crash is not what these tests check."""
    database = sql.Identifier(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        statement = sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(database)
        cursor.execute(statement.as_string(cursor.connection))
        cursor.execute("SET synchronous_commit = off")
    yield
    with connection.cursor() as cursor:
        statement = sql.SQL("ALTER DATABASE {} RESET synchronous_commit").format(database)
        cursor.execute(statement.as_string(cursor.connection))
        cursor.execute("RESET synchronous_commit")


@pytest.fixture
def publisher(chief_api, run_worker, redis, fast_commits) -> Publisher:
    """Publishes files as the editor-in-chief; the in-process RQ worker runs each publish."""
    return Publisher(chief_api, run_worker)
