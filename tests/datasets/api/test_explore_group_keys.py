"""Grouped answers carry their group keys, whatever ``select`` names (reference §5.2), in records and exports.

Issue 15, item 7: ``select=count(*) as n&group_by=month(date) as m`` answered ``[{"n": …}, …]``, counts without
their months. Expected rows are computed in Python from ``ROWS``.
"""

import csv
import datetime as dt
import io
import json

import pytest
from rest_framework.test import APIClient

from datasets.models import Dataset
from tests.conftest import assert_status
from tests.datasets.api.conftest import publish_public_csv, rows_csv

API = "/api/explore/v2.1/catalog/datasets/sales"
pytestmark = pytest.mark.django_db(transaction=True)

ROWS = [
    {
        "date": (dt.date(2024, 1, 1) + dt.timedelta(days=n * 11)).isoformat(),
        "region": ["North", "South", "East"][n % 3],
        "amount": 10 + (n * 37) % 90,
    }
    for n in range(40)
]


@pytest.fixture
def sales(chief_api, alice, run_worker, redis):
    return publish_public_csv(chief_api, alice, run_worker, "sales", rows_csv(ROWS))


def counted(key) -> dict:
    """Rows per value of ``key(row)``."""
    counts: dict = {}
    for row in ROWS:
        counts[key(row)] = counts.get(key(row), 0) + 1
    return counts


def month(row: dict) -> int:
    return dt.date.fromisoformat(row["date"]).month


def records(params: dict) -> dict:
    return assert_status(APIClient().get(f"{API}/records", params), 200)


def test_an_aggregate_only_select_answers_each_count_with_its_month(sales):
    body = records({"select": "count(*) as n", "group_by": "month(date) as m", "limit": 100})
    months = counted(month)
    assert body == {"total_count": len(months), "results": [{"n": months[m], "m": m} for m in sorted(months)]}
    # The dataset is still published and untouched by the query.
    assert Dataset.objects.get(dataset_id="sales").current_version.record_count == len(ROWS)


def test_an_unlabelled_group_is_named_as_written(sales):
    body = records({"select": "sum(amount) as total", "group_by": "region, month(date)", "limit": 100})
    totals: dict = {}
    for row in ROWS:
        totals[(row["region"], month(row))] = totals.get((row["region"], month(row)), 0) + row["amount"]
    assert {(r["region"], r["month(date)"]): r["total"] for r in body["results"]} == totals
    assert all(list(result) == ["total", "region", "month(date)"] for result in body["results"])


def test_a_group_select_already_names_appears_once(sales):
    body = records({"select": "m, count(*) as n", "group_by": "month(date) as m", "order_by": "n desc, m"})
    assert all(list(result) == ["m", "n"] for result in body["results"])
    body = records({"select": "region, count(*) as n", "group_by": "region", "order_by": "region"})
    regions = counted(lambda row: row["region"])
    assert body["results"] == [{"region": r, "n": regions[r]} for r in sorted(regions)]


def test_the_analyze_tab_query_keeps_its_keys_and_gains_the_group(sales):
    """What static/explore/analyze.js asks: its ``label`` and ``value`` keys are unchanged."""
    params = {"select": "`region` as label, count(*) as value", "group_by": "`region`", "order_by": "value desc"}
    results = records(params)["results"]
    assert {(r["label"], r["value"]) for r in results} == set(counted(lambda row: row["region"]).items())
    assert all(r["region"] == r["label"] for r in results)


def test_an_unknown_group_is_still_refused(sales):
    body = assert_status(APIClient().get(f"{API}/records", {"select": "count(*) as n", "group_by": "nope"}), 400)
    assert body["error_code"] == "ODSQLError"
    assert "nope" in body["message"]


@pytest.mark.parametrize("export", ["csv", "json", "jsonl"])
def test_exports_carry_the_group_keys(sales, export):
    params = {"select": "count(*) as n", "group_by": "month(date) as m, region", "delimiter": ","}
    if export != "csv":
        params.pop("delimiter")
    response = APIClient().get(f"{API}/exports/{export}", params)
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    if export == "csv":
        lines = list(csv.reader(io.StringIO(content)))
        header, rows = lines[0], [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]
        assert header == ["n", "m", "region"]
        got = {(int(row["m"]), row["region"]): int(row["n"]) for row in rows}
    else:
        rows = json.loads(content) if export == "json" else [json.loads(line) for line in content.splitlines()]
        assert all(list(row) == ["n", "m", "region"] for row in rows)
        got = {(row["m"], row["region"]): row["n"] for row in rows}
    assert got == counted(lambda row: (month(row), row["region"]))


def test_an_export_selecting_the_group_lists_it_once(sales):
    response = APIClient().get(f"{API}/exports/csv", {"select": "region, count(*) as n", "group_by": "region"})
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["region", "n"]
    assert sorted((region, int(n)) for region, n in lines[1:]) == sorted(counted(lambda row: row["region"]).items())
