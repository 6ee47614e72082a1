"""A throughput figure for the loader (printed, never asserted: machines differ). Run with ``-s`` to see it."""

import datetime as dt
import random
import time

import pytest

from datasets.store import Loader, count_rows, create_table, finish_table, table_name
from tests.store.conftest import field

ROWS = 100_000
FIELDS = [
    field("title"),
    field("description"),
    field("category", "text", "facet"),
    field("count", "int"),
    field("amount", "double"),
    field("flag", "boolean"),
    field("day", "date"),
    field("moment", "datetime"),
    field("location", "geo_point_2d"),
    field("tags", "text", "multivalued"),
]
WORDS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu")


def records(count: int) -> list[dict]:
    draw = random.Random(7)
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    return [
        {
            "title": f"Record {index} {draw.choice(WORDS)}",
            "description": " ".join(draw.choices(WORDS, k=8)),
            "category": draw.choice(WORDS[:6]),
            "count": draw.randint(-(10**6), 10**9),
            "amount": draw.random() * 1000,
            "flag": draw.random() < 0.5,
            "day": dt.date(2000, 1, 1) + dt.timedelta(days=draw.randint(0, 9000)),
            "moment": start + dt.timedelta(seconds=draw.randint(0, 10**8)),
            "location": (draw.uniform(-90, 90), draw.uniform(-180, 180)),
            "tags": draw.sample(WORDS, 3),
        }
        for index in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_loader_throughput_100k_rows_10_columns(cursor):
    table = table_name("da_tst003", 1)
    rows = records(ROWS)
    create_table(cursor, table, FIELDS)
    started, cpu_started = time.perf_counter(), time.process_time()
    with Loader(cursor, table, FIELDS) as loader:
        for row in rows:
            loader.write(row)
    loaded, cpu_loaded = time.perf_counter(), time.process_time()
    report = finish_table(cursor, table, FIELDS)
    finished = time.perf_counter()
    load_seconds, finish_seconds = loaded - started, finished - loaded
    print(
        f"\n[store] {ROWS} rows x {len(FIELDS)} columns: COPY {load_seconds:.2f}s ({ROWS / load_seconds:,.0f} rows/s,"
        f" client CPU {cpu_loaded - cpu_started:.2f}s),"
        f" indexes+ANALYZE {finish_seconds:.2f}s, total {ROWS / (finished - started):,.0f} rows/s"
    )
    assert count_rows(cursor, table) == ROWS
    assert report.duplicate_ids == 0
