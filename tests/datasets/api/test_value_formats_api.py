"""A file written the way statistics offices and French administrations write them, published and queried.

Missing values written ``NA``, thousands grouped by spaces, decimal commas, day-first dates and
French booleans: through the API, a real worker and the Explore API, every column keeps its type
and every value its meaning.
"""

import pytest

from jobs.models import Job
from tests.conftest import assert_status
from tests.datasets.api.conftest import stored_file

BASE = "/api/management/v2"
EXPLORE = "/api/explore/v2.1/catalog/datasets/regions"
pytestmark = pytest.mark.django_db(transaction=True)

REGIONS = (
    "region;population;rate;created;active\n"
    "Nord;2 604 361;12,5;13/01/2012;oui\n"
    "Sud;NA;7,25;14/02/2013;non\n"
    "Est;1 000;NA;NA;NA\n"
    "Ouest;987;-0,5;01/03/2014;Oui\n"
)


@pytest.fixture
def regions(chief_api, alice, run_worker, redis):
    file = stored_file(REGIONS.encode("cp1252"), "regions.csv", alice)
    body = {"dataset_id": "regions", "visibility": "domain"}
    uid = assert_status(chief_api.post(f"{BASE}/datasets/", body, format="json"), 201)["dataset_uid"]
    resource = {"url": file.url, "type": "csvfile", "params": {"separator": ";", "encoding": "cp1252"}}
    assert_status(chief_api.post(f"{BASE}/datasets/{uid}/resources/", resource, format="json"), 201)
    job = assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 202)
    run_worker()
    return Job.objects.get(job_uid=job["job_uid"])


def records(client, **params) -> list[dict]:
    return assert_status(client.get(f"{EXPLORE}/records", params), 200)["results"]


def test_each_column_keeps_its_type(client, regions):
    assert regions.state == "done", regions.error
    fields = assert_status(client.get(EXPLORE), 200)["fields"]
    assert {field["name"]: field["type"] for field in fields} == {
        "region": "text",
        "population": "int",
        "rate": "double",
        "created": "date",
        "active": "boolean",
    }
    assert records(client, order_by="region") == [
        {"region": "Est", "population": 1000, "rate": None, "created": None, "active": None},
        {"region": "Nord", "population": 2604361, "rate": 12.5, "created": "2012-01-13", "active": True},
        {"region": "Ouest", "population": 987, "rate": -0.5, "created": "2014-03-01", "active": True},
        {"region": "Sud", "population": None, "rate": 7.25, "created": "2013-02-14", "active": False},
    ]


def test_the_publish_reports_what_each_marker_nulled(regions):
    assert regions.result["record_errors"] == 0
    assert regions.result["null_markers"] == {
        "population": {"NA": 1},
        "rate": {"NA": 1},
        "created": {"NA": 1},
        "active": {"NA": 1},
    }


def test_missing_numbers_are_nulls_to_queries(client, regions):
    assert records(client, select="avg(rate) as mean") == [{"mean": pytest.approx((12.5 + 7.25 - 0.5) / 3)}]
    assert [row["region"] for row in records(client, where="population is null")] == ["Sud"]
    ordered = [row["population"] for row in records(client, order_by="population desc", select="population")]
    assert [value for value in ordered if value is not None] == [2604361, 1000, 987]
    assert records(client, select="sum(population) as total") == [{"total": 2604361 + 1000 + 987}]
    assert [row["region"] for row in records(client, where="created >= date'2013-01-01'", order_by="created")] == [
        "Sud",
        "Ouest",
    ]
