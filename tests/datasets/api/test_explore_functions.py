"""Explore API records with ODSQL functions, through a really published dataset: aggregates, scalar functions,
group_by ranges, date histograms, geo clusters, include/exclude, random order, timezone and bounds.

Expected answers are computed in Python over the CSV rows (statistics, zoneinfo, collections.Counter)."""

import collections
import datetime as dt
import math
import random
import statistics
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from psycopg import sql
from rest_framework.test import APIClient

from datasets.models import Dataset
from tests.conftest import assert_status
from tests.datasets.api.conftest import GEOPOINT, publish_public_csv, rows_csv

BASE = "/api/explore/v2.1/catalog/datasets/events/records"
pytestmark = pytest.mark.django_db(transaction=True)
START = dt.datetime(2021, 3, 20, 18, 30, tzinfo=dt.UTC)  # across the European summer-time change


def make_rows() -> list[dict]:
    rng = random.Random(5)
    rows = []
    for n in range(60):
        seen = START + dt.timedelta(hours=rng.randrange(0, 24 * 20), minutes=rng.randrange(60))
        rows.append(
            {
                "name": f"Event {n:02d}",
                "city": rng.choice(["Paris", "Lyon", "Lille", ""]),
                "population": "" if n % 8 == 3 else str(rng.randrange(0, 250)),
                "score": f"{rng.uniform(0, 10):.2f}",
                "day": f"{rng.choice([2020, 2021, 2022])}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                "seen": "" if n % 10 == 9 else seen.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "lat": f"{45 + rng.uniform(-2, 2):.5f}",
                "lon": f"{3 + rng.uniform(-3, 3):.5f}",
            }
        )
    return rows


ROWS = make_rows()


@pytest.fixture
def events(chief_api, alice, run_worker, redis):
    return publish_public_csv(chief_api, alice, run_worker, "events", rows_csv(ROWS), processors=[GEOPOINT])


def get(params: dict) -> dict:
    return assert_status(APIClient().get(BASE, params), 200)


def get_path(path: str, params: dict) -> dict:
    return assert_status(APIClient().get(path, params), 200)


def number(text: str) -> int | None:
    return int(text) if text else None


def seen(row: dict) -> dt.datetime | None:
    return dt.datetime.fromisoformat(row["seen"].replace("Z", "+00:00")) if row["seen"] else None


def percentile(values: list[float], rank: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * rank / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def test_grouped_aggregates_match_python(events):
    body = get(
        {
            "select": "city, count(distinct population) as kinds, median(population) as med, "
            "percentile(score, 90) as p90, count(*) as n",
            "group_by": "city",
            "limit": 20_000,
        }
    )
    groups = collections.defaultdict(list)
    for row in ROWS:
        groups[row["city"] or None].append(row)
    assert body["total_count"] == len(groups)
    assert [record["city"] for record in body["results"]] == sorted(c for c in groups if c) + [None]
    for record in body["results"]:
        members = groups[record["city"]]
        populations = [number(m["population"]) for m in members if m["population"]]
        assert record["n"] == len(members) and record["kinds"] == len(set(populations))
        assert record["med"] == pytest.approx(statistics.median(populations))
        assert record["p90"] == pytest.approx(percentile([float(m["score"]) for m in members], 90))


def test_static_ranges_are_labelled_and_sorted_by_bounds(events):
    body = get({"select": "r, count(*) as n", "group_by": "range(population, *, 50, 100, 200, *) as r"})
    labels = ["*-50", "50-100", "100-200", "200-*"]

    def label(value):
        if value is None:
            return None
        return labels[sum(value >= bound for bound in (50, 100, 200))]

    counts = collections.Counter(label(number(row["population"])) for row in ROWS)
    assert {record["r"]: record["n"] for record in body["results"]} == counts
    assert [record["r"] for record in body["results"]] == [key for key in [*labels, None] if key in counts]


def test_date_histogram_keys_are_iso_strings_in_the_timezone(events):
    zone = ZoneInfo("Europe/Paris")
    body = get(
        {"select": "d, count(*) as n", "group_by": "range(seen, 1 d) as d", "timezone": "Europe/Paris", "limit": 100}
    )
    expected = collections.Counter(
        dt.datetime.combine(seen(row).astimezone(zone).date(), dt.time(), tzinfo=zone).isoformat()
        if row["seen"]
        else None
        for row in ROWS
    )
    assert {record["d"]: record["n"] for record in body["results"]} == expected
    offsets = {key[-6:] for key in expected if key}
    assert offsets == {"+01:00", "+02:00"}  # both sides of the summer-time change


def test_datetimes_and_date_parts_follow_the_timezone(events):
    body = get({"select": "name, seen, hour(seen) as h, day(seen) as d", "timezone": "Asia/Tokyo", "limit": 100})
    zone = ZoneInfo("Asia/Tokyo")
    found = {record["name"]: record for record in body["results"]}
    for row in ROWS:
        record, when = found[row["name"]], seen(row)
        if when is None:
            assert (record["seen"], record["h"]) == (None, None)
            continue
        local = when.astimezone(zone)
        assert record["seen"] == local.isoformat() and record["seen"].endswith("+09:00")
        assert (record["h"], record["d"]) == (local.hour, local.day)
    utc = get({"select": "seen", "where": "seen is not null", "limit": 1})["results"][0]["seen"]
    assert utc.endswith("+00:00")  # UTC by default


def test_one_record_is_shown_in_the_timezone(events):
    record = get({"select": "name, seen", "where": "seen is not null", "limit": 1})["results"][0]
    table = Dataset.objects.get(dataset_id="events").current_version.table_name
    with connection.cursor() as cursor:
        query = sql.SQL("SELECT record_id FROM {} WHERE name = %s").format(sql.Identifier("records", table))
        cursor.execute(query, [record["name"]])
        (identifier,) = cursor.fetchone()
    row = next(row for row in ROWS if row["name"] == record["name"])
    one = get_path(f"{BASE}/{identifier}", {"timezone": "America/Sao_Paulo"})
    assert one["seen"] == seen(row).astimezone(ZoneInfo("America/Sao_Paulo")).isoformat()
    # A directory of the zone database or a name too long for a file is no zone either (zoneinfo's OSError).
    for zone in ("Nowhere/Land", "Europe", "x" * 300):
        assert_status(APIClient().get(f"{BASE}/{identifier}", {"timezone": zone}), 400)
        assert_status(APIClient().get(BASE, {"timezone": zone}), 400)


def test_scalar_functions_filter_in_where(events):
    body = get({"select": "name", "where": "year(day) = 2021 and lower(city) = 'paris' and length(name) = 8"})
    expected = sorted(r["name"] for r in ROWS if r["day"].startswith("2021") and r["city"] == "Paris")
    assert sorted(record["name"] for record in body["results"]) == expected
    assert body["total_count"] == len(expected)


def test_date_format_groups_with_day_names_in_the_language(events):
    body = get({"select": "w, count(*) as n", "group_by": "date_format(day, 'EEEE') as w", "lang": "fr"})
    names = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    expected = collections.Counter(names[dt.date.fromisoformat(row["day"]).weekday()] for row in ROWS)
    assert {record["w"]: record["n"] for record in body["results"]} == expected


def test_geo_clusters_answer_centroid_and_count(events):
    body = get({"group_by": "geo_cluster(geo, 4, radius=60) as c"})
    cell = 360 * 60 / (256 * 2**4)
    clusters = collections.defaultdict(list)
    for row in ROWS:
        lat, lon = float(row["lat"]), float(row["lon"])
        clusters[(math.floor(lon / cell), math.floor(lat / cell))].append((lon, lat))
    found = sorted((c["count"], round(c["lon"], 5), round(c["lat"], 5)) for c in (r["c"] for r in body["results"]))
    expected = sorted(
        (len(p), round(statistics.mean(x for x, _ in p), 5), round(statistics.mean(y for _, y in p), 5))
        for p in clusters.values()
    )
    assert found == expected and body["total_count"] == len(clusters)


def test_include_and_exclude_choose_fields(events):
    assert list(get({"select": "include(s*)", "limit": 1})["results"][0]) == ["score", "seen"]
    record = get({"select": "exclude(lat, lon, geo), score * 2 as twice", "limit": 1})["results"][0]
    assert list(record) == ["name", "city", "population", "score", "day", "seen", "twice"]
    assert record["twice"] == pytest.approx(2 * record["score"])


def test_random_order_is_stable_per_seed_and_pages_without_overlap(events):
    def names(seed, offset):
        params = {"select": "name", "order_by": f"random({seed})", "limit": 20, "offset": offset}
        return [record["name"] for record in get(params)["results"]]

    shuffle = names(42, 0) + names(42, 20) + names(42, 40)
    assert sorted(shuffle) == sorted(row["name"] for row in ROWS)
    assert names(42, 20) == shuffle[20:40] and names(43, 0) != shuffle[:20]


def test_limit_bounds_depend_on_group_by(events):
    assert get({"group_by": "city", "limit": 20_000})["total_count"] == len({row["city"] for row in ROWS})
    for params in ({"group_by": "city", "limit": 20_001}, {"group_by": "city", "offset": 19_990, "limit": 20}):
        assert assert_status(APIClient().get(BASE, params), 400)["error_code"] == "ODSQLError"
    assert assert_status(APIClient().get(BASE, {"limit": 101}), 400)["error_code"] == "ODSQLError"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"select": "frobnicate(score)"}, ["frobnicate", "select"]),
        ({"where": "avg(score) > 3"}, ["avg()", "where"]),
        ({"select": "percentile(score, 150)"}, ["percentile()", "select"]),
        ({"select": "length(name, 3)"}, ["length()", "select"]),
        ({"select": "year(city)"}, ["year()", "select"]),
        ({"group_by": "geo_cluster(geo, 30)"}, ["zoom", "group_by"]),
        ({"group_by": "range(seen, 1 km)"}, ["km", "group_by"]),
        ({"group_by": "range(seen, 1 parsec)"}, ["Syntax error", "group_by"]),
        ({"group_by": "range(seen, 3 weeks)"}, ["group_by"]),
        ({"group_by": "year(seen)", "select": "city, count(*)"}, ["city", "select"]),
        ({"order_by": "random(1)", "group_by": "city"}, ["random()", "order_by"]),
        ({"timezone": "Europe/Atlantis"}, ["timezone", "Europe/Atlantis"]),
    ],
)
def test_misuses_answer_400_naming_the_clause(events, params, words):
    body = assert_status(APIClient().get(BASE, params), 400)
    assert body["error_code"] == "ODSQLError"
    assert all(word in body["message"] for word in words), body["message"]
