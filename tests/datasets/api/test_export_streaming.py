"""Exports stream whole however long the download takes; only the query's start is bounded by the timeout."""

import json
import time

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from datasets.models import Dataset
from datasets.services.datasets import dataset_create
from tests.generated_tables import publish_generated

EXPORTS = "/api/explore/v2.1/catalog/datasets/counted/exports"
pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 300_000


@pytest.fixture
def counted(alice):
    dataset = dataset_create(owner=alice, dataset_id="counted", visibility=Dataset.Visibility.DOMAIN)
    return publish_generated(dataset, ROWS)


def slowly(response, pause: float) -> bytes:
    """The body, read like a slow client: a pause after the first chunk, longer than the statement timeout."""
    chunks = iter(response.streaming_content)
    first = next(chunks)
    time.sleep(pause)
    return first + b"".join(chunks)


@pytest.mark.parametrize("export", ["csv", "jsonl"])
def test_an_export_slower_than_the_statement_timeout_arrives_whole(anonymous_api, counted, settings, export):
    settings.EXPLORE_STATEMENT_TIMEOUT_MS = 200
    response = anonymous_api.get(f"{EXPORTS}/{export}?order_by=n")
    assert response.status_code == 200
    body = slowly(response, 0.6).decode("utf-8-sig")
    lines = body.splitlines()
    if export == "csv":
        assert (len(lines), lines[0], lines[-1]) == (ROWS + 1, "n;label", f"{ROWS};row {ROWS}")
    else:
        assert len(lines) == ROWS and json.loads(lines[-1]) == {"n": ROWS, "label": f"row {ROWS}"}


@pytest.mark.parametrize("export", ["csv", "json"])
def test_an_export_whose_query_cannot_start_in_time_is_a_503_before_any_byte(anonymous_api, counted, settings, export):
    settings.EXPLORE_STATEMENT_TIMEOUT_MS = 300
    # A DDL statement holds the table: the export's query waits for its lock and never produces a first row.
    blocker = psycopg.connect(**connection.get_connection_params())
    try:
        blocker.execute(
            sql.SQL("LOCK TABLE records.{} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(counted.table_name))
        )
        started = time.monotonic()
        response = anonymous_api.get(f"{EXPORTS}/{export}")
        waited = time.monotonic() - started
    finally:
        blocker.close()
    assert response.status_code == 503
    assert response.json()["error_code"] == "ExportTimeout"
    assert 0.3 <= waited < 5
    # The export's connection went away: nothing is left waiting on the table.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        assert cursor.fetchone()[0] == 0
