"""Publishing what reaches PostgreSQL's limits: a record over the tsvector limit, a 1,000-column file.

Both go through the management API and a real RQ worker, then are read back through the Explore API.
"""

import csv
import io
import itertools

import pytest
from django.db import connection
from rest_framework.test import APIClient

from datasets.models import Dataset, Ruleset
from datasets.store import SCHEMA
from jobs.models import Job
from tests.conftest import assert_status
from tests.datasets.api.conftest import publish_public_csv

pytestmark = pytest.mark.django_db(transaction=True)
EXPLORE = "/api/explore/v2.1/catalog/datasets"
SYLLABLES = [consonant + vowel for consonant in "bdfgklmnprstvz" for vowel in "aeiou"]


def pseudo_words() -> "itertools.count":
    """Distinct made-up words (``bababa``, ``babade``…): text no dictionary shortens, with few lexemes repeated."""
    for number in itertools.count():
        digits, word = number, ""
        for _ in range(4):
            digits, rest = divmod(digits, len(SYLLABLES))
            word += SYLLABLES[rest]
        yield word


def huge_text(size: int) -> str:
    """``size`` characters of distinct words: several megabytes of lexemes, far over the tsvector limit."""
    words, chunks, length = pseudo_words(), [], 0
    while length < size:
        chunk = " ".join(itertools.islice(words, 1000)) + " "
        chunks.append(chunk)
        length += len(chunk)
    return "".join(chunks)[:size]


def job_result(uid: str) -> dict:
    job = Job.objects.filter(dataset__dataset_uid=uid).latest("created_at")
    assert job.state == "done", job.error
    return job.result


def records(dataset_id: str, **params) -> dict:
    return assert_status(APIClient().get(f"{EXPLORE}/{dataset_id}/records", params), 200)


def matching_ids(dataset_id: str, where: str) -> list[int]:
    body = records(dataset_id, where=where, select="id", order_by="id")
    return [record["id"] for record in body["results"]]


def test_a_record_over_the_tsvector_limit_publishes_whole_and_stays_searchable(chief_api, alice, run_worker, redis):
    big = "zephyrine " + huge_text(3 * 1024 * 1024) + " finalword"
    rows = [
        {"id": 1, "title": "first aardvark", "body": "normal text about otters"},
        {"id": 2, "title": "second", "body": big},
        {"id": 3, "title": "third badger", "body": "normal text about quokkas"},
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["id", "title", "body"])
    writer.writeheader()
    writer.writerows(rows)
    uid = publish_public_csv(chief_api, alice, run_worker, "long-texts", buffer.getvalue().encode())

    assert job_result(uid)["records"] == 3
    # Data in = data out: the value is stored and served whole, only the search index input is capped.
    body = records("long-texts", where="id = 2", select="body")
    assert body["results"][0]["body"] == big
    assert matching_ids("long-texts", '"otters"') == [1]
    assert matching_ids("long-texts", '"quokkas"') == [3]
    assert matching_ids("long-texts", '"badger"') == [3]
    assert matching_ids("long-texts", '"zephyrine"') == [2]
    assert matching_ids("long-texts", 'search(body, "zephyrine")') == [2]
    assert matching_ids("long-texts", 'search("bababa")') == [2]
    # Past the first FTS_MAX_CHARACTERS characters of a record, words are not indexed (README, Explore API).
    assert matching_ids("long-texts", '"finalword"') == []
    # A caller who may not see every field searches a tsvector computed at query time: capped the same way.
    dataset = Dataset.objects.get(dataset_uid=uid)
    Ruleset.objects.create(dataset=dataset, kind="default", visible_fields=["id", "body"])
    assert matching_ids("long-texts", '"zephyrine"') == [2]
    assert matching_ids("long-texts", '"quokkas"') == [3]
    assert matching_ids("long-texts", '"badger"') == []


WIDE_TYPES = ("int", "double", "boolean", "date", "datetime", "text")


def wide_value(column: int, row: int) -> str:
    """A CSV cell of column ``column`` whose type cycles through ``WIDE_TYPES``."""
    kind = WIDE_TYPES[column % len(WIDE_TYPES)]
    if kind == "int":
        return str(column * 1000 + row)
    if kind == "double":
        return f"{column}.{row}5"
    if kind == "boolean":
        return "true" if (column + row) % 2 else "false"
    if kind == "date":
        return f"20{10 + row:02d}-0{1 + column % 9}-1{column % 10}"
    if kind == "datetime":
        return f"20{10 + row:02d}-0{1 + column % 9}-1{column % 10}T0{row}:30:00Z"
    return f"label {column:04d} row {row}"


def btree_count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND tablename = %s AND indexdef LIKE %s",
            [SCHEMA, table, "%USING btree%"],
        )
        return cursor.fetchone()[0]


def test_a_file_of_a_thousand_mixed_columns_publishes(chief_api, alice, run_worker, redis, settings):
    names = [f"c{column:04d}" for column in range(1000)]
    lines = [",".join(names)] + [",".join(wide_value(column, row) for column in range(1000)) for row in range(3)]
    uid = publish_public_csv(chief_api, alice, run_worker, "wide", ("\n".join(lines) + "\n").encode())

    assert job_result(uid)["records"] == 3
    version = Dataset.objects.get(dataset_uid=uid).current_version
    assert [field["type"] for field in version.fields[:6]] == ["int", "double", "boolean", "date", "datetime", "text"]
    # Bounded: record_id's key and the first PUBLISH_DEFAULT_INDEXES numeric, date and boolean fields.
    assert btree_count(version.table_name) == 1 + settings.PUBLISH_DEFAULT_INDEXES
    body = records("wide", where="c0006 = 6001", limit=1)
    assert body["total_count"] == 1
    record = body["results"][0]
    assert len(record) == 1000
    assert [record[name] for name in names[:6]] == [
        1,
        1.15,
        True,
        "2011-04-13",
        "2011-05-14T01:30:00+00:00",
        "label 0005 row 1",
    ]
    assert record["c0997"] == 997.15
    assert records("wide", where='"label 0995 row 2"')["total_count"] == 1


def btree_columns(table: str) -> set[str]:
    """The first column of every btree index of a records table but record_id's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_am m ON m.oid = c.relam JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = i.indkey[0] WHERE i.indrelid = %s::regclass AND m.amname = 'btree'",
            [f"{SCHEMA}.{table}"],
        )
        return {row[0] for row in cursor.fetchall()} - {"record_id"}


def test_fields_the_visualization_sorts_or_groups_by_are_indexed_beyond_the_default(
    chief_api, alice, run_worker, redis, settings
):
    settings.PUBLISH_DEFAULT_INDEXES = 3
    names = [f"n{column:02d}" for column in range(8)] + ["name", "note"]
    lines = [",".join(names)] + [
        ",".join([*(str(row * column) for column in range(8)), f"x{row}", "y"]) for row in range(3)
    ]
    visualization = {"table_default_sort_field": "n06", "analyze_default": "x=name&agg=sum&y=n07&chart=pie"}
    uid = publish_public_csv(
        chief_api,
        alice,
        run_worker,
        "sorted",
        ("\n".join(lines) + "\n").encode(),
        metas={"visualization": visualization},
    )
    table = Dataset.objects.get(dataset_uid=uid).current_version.table_name
    # The first three numeric fields, the default sort field and the analysis' group-by field; not its sum's field.
    assert btree_columns(table) == {"n00", "n01", "n02", "n06", "name"}


def test_a_record_too_wide_for_postgresql_fails_the_publish_with_a_clear_error(chief_api, alice, run_worker, redis):
    # 999 filled 8-byte values (7,992 bytes) and one null: the null bitmap makes the row header 152 bytes, and with
    # record_id the row passes PostgreSQL's 8,160 bytes. (With no null at all, the 24-byte header lets it fit.)
    names = [f"n{column:04d}" for column in range(1000)]
    lines = [",".join(names), "," + ",".join(str(10_000_000 + column) for column in range(1, 1000))]
    uid = publish_public_csv(chief_api, alice, run_worker, "too-wide", ("\n".join(lines) + "\n").encode())
    status = assert_status(chief_api.get(f"/api/management/v2/datasets/{uid}/status"), 200)
    assert status["name"] == "error"
    assert status["message"].startswith("The records exceed a limit of the database: row is too big: size ")
    assert Dataset.objects.get(dataset_uid=uid).current_version is None
