"""Reads of published records that the Explore API and the catalog pages share: counts and small cached answers.

Every read runs bounded (``datasets.store.reading.run_bounded``), so a query PostgreSQL refuses is an
``ExploreError`` wherever it was asked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any, cast

from django.core.cache import cache
from django.db import connection
from psycopg import sql
from redis.exceptions import RedisError

from datasets.access.visibility import DataAccess
from datasets.models import Dataset
from datasets.odsql.records.access import table_access
from datasets.odsql.records.values import Fragment
from datasets.selectors.published import version_table
from datasets.store import SCHEMA
from datasets.store.reading import run_bounded

COUNT_CACHE_SECONDS = 24 * 3600


def readable_count(dataset: Dataset, access: DataAccess) -> int | None:
    """How many records ``access`` lets the caller read; None when that is every published record."""
    if not access.data_visible:
        return 0
    if not access.filters:
        return None
    table_name, fields = version_table(dataset.current_version_id)
    condition = cast(Fragment, table_access(access, cast(int, dataset.current_version_id), fields).condition)
    statement = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(sql.Identifier(SCHEMA, table_name), condition.sql)
    return cached_count(table_name, statement, list(condition.params))


def json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def cached_count(table: str, statement: sql.Composed, params: list) -> int:
    """The total of a records query, cached (see ``cached_rows``)."""
    return cached_rows(table, statement, params)[0][0]


def cached_rows(table: str, statement: sql.Composed, params: list) -> list[tuple]:
    """The rows of a read on ``records.<table>``, cached: a published table never changes, and its name has its
    version, so a new publish reads afresh. For answers that cost a scan but are small: totals, facet counts."""
    with connection.cursor() as cursor:
        text = statement.as_string(cursor.connection)
    key = "explore-rows:" + hashlib.sha256(json.dumps([table, text, params], default=str).encode()).hexdigest()
    try:
        rows = cache.get(key)
    except RedisError:
        rows = None
    if rows is None:
        rows = run_bounded(statement, params)
        with contextlib.suppress(RedisError):
            cache.set(key, rows, timeout=COUNT_CACHE_SECONDS)
    return rows
