"""Explore API records: ODSQL over a published table, checked against Python over the same rows."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from psycopg import sql
from rest_framework.test import APIClient

from datasets.access.errors import ExploreError
from datasets.models import Dataset
from datasets.store.reading import run_bounded
from tests.conftest import assert_status
from tests.datasets.api.conftest import GEOPOINT, publish_public_csv, rows_csv

BASE = "/api/explore/v2.1/catalog/datasets/cities/records"
pytestmark = pytest.mark.django_db(transaction=True)

ROWS = [
    {
        "city": f"City {n:02d}",
        "region": random.Random(n).choice(["North", "South", "East"]),
        "population": 1000 + (n * 7919) % 50_000,
        "area": round(10 + (n * 31) % 97 + 0.5, 1),
        "founded": f"{1800 + n * 3}-0{1 + n % 9}-1{n % 9}",
        "lat": round(43 + (n % 10) * 0.5, 4),
        "lon": round(1 + (n % 7) * 0.5, 4),
    }
    for n in range(60)
]


@pytest.fixture
def cities(chief_api, alice, run_worker, redis):
    return publish_public_csv(chief_api, alice, run_worker, "cities", rows_csv(ROWS), processors=[GEOPOINT])


def get(params):
    return assert_status(APIClient().get(BASE, params), 200)


def test_filter_sort_and_page_match_python(cities):
    body = get({"where": 'region = "North" AND population > 20000', "order_by": "population desc", "limit": 5})
    expected = sorted(
        (r for r in ROWS if r["region"] == "North" and r["population"] > 20000), key=lambda r: -r["population"]
    )
    assert body["total_count"] == len(expected)
    assert [record["city"] for record in body["results"]] == [r["city"] for r in expected[:5]]
    assert body["results"][0]["population"] == expected[0]["population"]


def test_select_with_arithmetic_and_labels(cities):
    body = get({"select": "city, population / area AS density", "order_by": "city", "limit": 3})
    for record, row in zip(body["results"], sorted(ROWS, key=lambda r: r["city"]), strict=False):
        assert record["city"] == row["city"]
        assert record["density"] == pytest.approx(row["population"] / row["area"])


def test_group_by_with_aggregates(cities):
    body = get(
        {"select": "region, count(*) AS n, sum(population) AS total", "group_by": "region", "order_by": "region"}
    )
    regions = sorted({row["region"] for row in ROWS})
    assert [record["region"] for record in body["results"]] == regions
    for record in body["results"]:
        members = [row for row in ROWS if row["region"] == record["region"]]
        assert (record["n"], record["total"]) == (len(members), sum(row["population"] for row in members))


def test_dates_and_points_come_back_as_json(cities):
    body = get({"where": "founded >= date'1900-01-01'", "order_by": "founded", "limit": 1})
    first = min((r for r in ROWS if r["founded"] >= "1900-01-01"), key=lambda r: r["founded"])
    record = body["results"][0]
    assert record["founded"] == first["founded"]
    assert record["geo"] == {"lon": pytest.approx(first["lon"]), "lat": pytest.approx(first["lat"])}


def test_one_record_by_id(cities):
    table = Dataset.objects.get(dataset_id="cities").current_version.table_name
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT record_id, city FROM {} LIMIT 1").format(sql.Identifier("records", table)))
        identifier, city = cursor.fetchone()
    one = assert_status(APIClient().get(f"{BASE}/{identifier}"), 200)
    assert one["city"] == city
    assert set(one) == set(get({"limit": 1})["results"][0])
    missing = assert_status(APIClient().get(f"{BASE}/0000"), 404)
    assert missing["error_code"] == "RecordNotFound"


@pytest.mark.parametrize(
    "params",
    [
        {"where": "nope = 1"},
        {"where": 'city = "unbalanced'},
        {"where": "1; DROP TABLE datasets_dataset"},
        {"select": "city; DROP TABLE x"},
        {"order_by": "population sideways"},
        {"limit": 101},
        {"offset": 9995, "limit": 10},
    ],
)
def test_malformed_and_hostile_queries_answer_400(cities, params):
    body = assert_status(APIClient().get(BASE, params), 400)
    assert body["error_code"] in ("ODSQLError", "InvalidRESTParameterError")
    assert Dataset.objects.filter(dataset_id="cities").exists()


def test_an_injection_attempt_in_a_literal_matches_nothing(cities):
    assert get({"where": 'city = "x\'); DROP TABLE datasets_dataset; --"'})["total_count"] == 0
    assert Dataset.objects.filter(dataset_id="cities").exists()


def test_unknown_or_unpublished_dataset_is_404(cities):
    assert_status(APIClient().get("/api/explore/v2.1/catalog/datasets/ghost/records"), 404)


def test_answers_carry_an_etag_and_revalidate_with_304(cities):
    client = APIClient()
    first = client.get(BASE, {"where": 'region = "North"'})
    etag = first["ETag"]
    again = client.get(BASE, {"where": 'region = "North"'}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    other = client.get(BASE, {"where": 'region = "South"'}, HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200
    assert other["ETag"] != etag


def test_counts_are_cached_per_published_version(cities):
    get({"where": "population > 10"})
    with CaptureQueriesContext(connection) as queries:
        body = get({"where": "population > 10"})
    assert body["total_count"] == sum(1 for row in ROWS if row["population"] > 10)
    assert not [query for query in queries if "count(" in query["sql"].lower()]


def test_values_postgresql_cannot_compute_answer_400(cities):
    body = assert_status(APIClient().get(BASE, {"select": "population * 9223372036854775807 * 10"}), 400)
    assert body["error_code"] == "ODSQLError"
    assert "out of range" in body["message"]


def test_a_query_past_the_statement_timeout_answers_503(cities, settings):
    settings.EXPLORE_STATEMENT_TIMEOUT_MS = 100
    with pytest.raises(ExploreError) as raised:
        run_bounded(sql.SQL("SELECT pg_sleep(1)"), [])
    assert raised.value.status_code == 503


def test_error_positions_point_into_the_where_as_written(cities):
    body = assert_status(APIClient().get(BASE, {"where": "population > > 1"}), 400)
    assert "position 13" in body["message"]


@pytest.mark.parametrize("path", ["records", "exports/csv"])
def test_an_unknown_lang_is_refused(cities, path):
    url = BASE.replace("/records", f"/{path}")
    body = assert_status(APIClient().get(url, {"lang": "xx"}), 400)
    assert body["error_code"] == "InvalidRESTParameterError"
    assert "lang" in body["message"]
    assert APIClient().get(url, {"lang": "de"}).status_code == 200


def test_a_back_quoted_field_is_named_without_its_quotes(cities):
    body = get({"select": "`city`, region AS r", "limit": 1})
    assert list(body["results"][0]) == ["city", "r"]
