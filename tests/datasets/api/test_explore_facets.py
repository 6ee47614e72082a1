"""Explore API facets, refine and exclude: counts checked against Python over the same rows."""

import random
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from datasets.models import Dataset
from datasets.odsql import ODSQLError
from datasets.odsql.records.facets import FacetSpec, parse_facet
from tests.conftest import assert_status
from tests.datasets.api.conftest import publish_public_csv, rows_csv

BASE = "/api/explore/v2.1/catalog/datasets/towns"
pytestmark = pytest.mark.django_db(transaction=True)
TAGS = ["port", "hill", "river", "market"]

ROWS = [
    {
        "town": f"Town {n:02d}",
        "region": random.Random(n).choice(["North", "South", "East", "West"]),
        "tags": ";".join(sorted(random.Random(n + 100).sample(TAGS, 1 + n % 3))),
        "population": 1000 + (n * 7919) % 50_000,
        "founded": f"{1990 + n % 4}-{1 + n % 12:02d}-{1 + n % 28:02d}",
    }
    for n in range(50)
]


def annotation(field, name, args=None):
    body = {"name": "annotate", "args": {"field": field, "annotation": name}}
    if args is not None:
        body["args"]["args"] = args
    return body


@pytest.fixture
def towns(chief_api, alice, run_worker, redis):
    """A published dataset: ``region`` and ``tags`` (multivalued) annotated ``facet``."""
    specifications = [
        annotation("region", "facet"),
        annotation("tags", "multivalued", [";"]),
        annotation("tags", "facet"),
    ]
    return publish_public_csv(chief_api, alice, run_worker, "towns", rows_csv(ROWS), specifications=specifications)


def facets(params=None):
    return {
        facet["name"]: facet["facets"]
        for facet in assert_status(APIClient().get(f"{BASE}/facets", params), 200)["facets"]
    }


def total(params):
    return assert_status(APIClient().get(f"{BASE}/records", params), 200)["total_count"]


def expected(counter: Counter, limit: int = 10) -> list[tuple[str, int]]:
    """Python's answer: by count descending, then value."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]


def counted(values: list[dict]) -> list[tuple[str, int]]:
    return [(value["name"], value["count"]) for value in values if value["state"] != "excluded"]


def tags_of(row):
    return row["tags"].split(";")


def test_default_facets_are_the_annotated_fields(towns):
    answer = facets()
    assert list(answer) == ["region", "tags"]
    assert counted(answer["region"]) == expected(Counter(row["region"] for row in ROWS))
    assert counted(answer["tags"]) == expected(Counter(tag for row in ROWS for tag in tags_of(row)))
    assert {value["state"] for value in answer["region"]} == {"displayed"}
    assert all(value["name"] == value["value"] for value in answer["region"])


def test_requested_facets_with_sort_limit_and_where(towns):
    answer = facets(
        {"facet": ['facet(name="founded", sort="alphanum", limit=3)', "region"], "where": "population > 20000"}
    )
    years = Counter(row["founded"][:4] for row in ROWS if row["population"] > 20000)
    assert counted(answer["founded"]) == sorted(years.items())[:3]
    assert counted(answer["region"]) == expected(Counter(row["region"] for row in ROWS if row["population"] > 20000))


def test_refine_filters_facets_and_records(towns):
    answer = facets({"refine": "region:North"})
    north = [row for row in ROWS if row["region"] == "North"]
    assert answer["region"] == [{"name": "North", "value": "North", "count": len(north), "state": "refined"}]
    assert counted(answer["tags"]) == expected(Counter(tag for row in north for tag in tags_of(row)))
    assert total({"refine": "region:North"}) == len(north)
    assert total({"refine": "tags:port"}) == sum("port" in tags_of(row) for row in ROWS)
    assert total({"refine": ["region:North", "tags:port"], "where": "population > 5000"}) == sum(
        row["region"] == "North" and "port" in tags_of(row) and row["population"] > 5000 for row in ROWS
    )


def test_refine_on_dates_takes_year_month_or_day(towns):
    for prefix in ("1991", "1991/02", "1991/02/03", "1991-02"):
        dash = prefix.replace("/", "-")
        assert total({"refine": f"founded:{prefix}"}) == sum(row["founded"].startswith(dash) for row in ROWS)
    months = facets({"facet": "founded", "refine": "founded:1991"})["founded"]
    in_1991 = Counter(row["founded"][:7].replace("-", "/") for row in ROWS if row["founded"].startswith("1991"))
    assert counted(months) == expected(in_1991)


def test_exclude_removes_records_and_lists_the_value(towns):
    answer = facets({"exclude": ["region:South", "tags:hill"]})
    kept = [row for row in ROWS if row["region"] != "South" and "hill" not in tags_of(row)]
    assert counted(answer["region"]) == expected(Counter(row["region"] for row in kept))
    assert answer["region"][-1] == {"name": "South", "value": "South", "state": "excluded"}
    assert {"name": "hill", "value": "hill", "state": "excluded"} in answer["tags"]
    assert total({"exclude": ["region:South", "tags:hill"]}) == len(kept)


def test_disjunctive_facet_keeps_sibling_values(towns):
    params = {"facet": ['facet(name="region", disjunctive=true)', "tags"], "refine": ["region:North", "region:East"]}
    answer = facets(params)
    assert counted(answer["region"]) == expected(Counter(row["region"] for row in ROWS))
    states = {value["name"]: value["state"] for value in answer["region"]}
    assert states == {"North": "refined", "East": "refined", "South": "displayed", "West": "displayed"}
    chosen = [row for row in ROWS if row["region"] in ("North", "East")]
    assert counted(answer["tags"]) == expected(Counter(tag for row in chosen for tag in tags_of(row)))
    # Without disjunctive, two refines of one field are ANDed: nobody is in both regions.
    assert counted(facets({"facet": "region", "refine": ["region:North", "region:East"]})["region"]) == []


@pytest.mark.parametrize(
    "params",
    [
        {"facet": "nope"},
        {"facet": 'facet(name="region", colour="red")'},
        {"facet": 'facet(name="region", limit=0)'},
        {"refine": "nope:1"},
        {"exclude": "nope:1"},
        {"refine": "region"},
        {"refine": "founded:19"},
        {"refine": "population:12; DROP TABLE x"},
    ],
)
def test_unknown_fields_and_malformed_parameters_answer_400(towns, params):
    for endpoint in ("facets", "records"):
        if endpoint == "records" and "facet" in params:
            continue
        body = assert_status(APIClient().get(f"{BASE}/{endpoint}", params), 400)
        assert body["error_code"] in ("ODSQLError", "InvalidRESTParameterError")


def test_a_hostile_value_matches_nothing(towns):
    hostile = "region:x'); DROP TABLE datasets_dataset; --\"\\"
    assert total({"refine": hostile}) == 0
    assert counted(facets({"refine": hostile})["region"]) == []
    assert total({"exclude": hostile}) == len(ROWS)
    assert Dataset.objects.filter(dataset_id="towns").exists()


def test_facet_syntax_parser():
    assert parse_facet(" region ") == FacetSpec("region")
    spec = parse_facet("facet(name='a \\' b', disjunctive=TRUE, sort=\"-alphanum\", limit=5)")
    assert spec == FacetSpec("a ' b", True, "-alphanum", 5)
    for bad in ('facet(name="a"', 'facet(name="a" limit=3)', "facet(limit=3)", 'facet(name="unterminated)', "a,b"):
        with pytest.raises(ODSQLError):
            parse_facet(bad)


def grouping_queries(params=None) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        answer = facets(params)
    return answer, [query["sql"] for query in queries if "group by" in query["sql"].lower()]


def test_facet_counts_are_cached_per_published_version(towns, chief_api, run_worker):
    first, ran = grouping_queries({"where": "population > 2000"})
    assert ran
    again, ran = grouping_queries({"where": "population > 2000"})
    assert again == first and not ran
    _, ran = grouping_queries({"where": "population > 3000"})
    assert ran
    assert_status(chief_api.put(f"/api/management/v2/datasets/{towns}/publish"), 202)
    run_worker()
    republished, ran = grouping_queries({"where": "population > 2000"})
    assert ran and republished == first


def facet_answer_names(params) -> list[str]:
    return [facet["name"] for facet in assert_status(APIClient().get(f"{BASE}/facets", params), 200)["facets"]]


def test_more_facets_than_the_bound_are_refused_before_any_query(towns, settings):
    settings.EXPLORE_MAX_FACETS = 3
    four = ["region", "tags", "population", "founded"]
    with CaptureQueriesContext(connection) as queries:
        body = assert_status(APIClient().get(f"{BASE}/facets", {"facet": four}), 400)
    assert body == {
        "error_code": "InvalidRESTParameterError",
        "message": "Invalid value for facet: at most 3 facets per request, 4 were asked for",
    }
    assert not [query for query in queries if "group by" in query["sql"].lower()]
    assert facet_answer_names({"facet": four[:3]}) == four[:3]


def test_a_repeated_facet_counts_once_and_does_not_take_the_bound(towns, settings):
    settings.EXPLORE_MAX_FACETS = 2
    params = {"facet": ["region", "region", " region ", "tags", "tags"]}
    with CaptureQueriesContext(connection) as queries:
        names = facet_answer_names(params)
    assert names == ["region", "tags"]
    assert len([query for query in queries if "group by" in query["sql"].lower()]) == 2
    # The same facet written two ways is counted once too (the bound counts what is written).
    assert facet_answer_names({"facet": ["tags", 'facet(name="tags")']}) == ["tags"]
    # Different limits of one field are different facets: both are answered.
    assert facet_answer_names({"facet": ["region", 'facet(name="region", limit=2)']}) == ["region", "region"]
