"""Explore API /catalog/facets: counts over the published datasets the caller may see."""

from collections import Counter

import pytest
from rest_framework.test import APIClient

from datasets.models import Dataset
from datasets.services import dataset_create
from tests.conftest import assert_status, mark_published
from tests.datasets.api.catalog_data import CATALOG as PUBLISHED
from tests.datasets.api.catalog_data import VISIBLE, modified, publish_catalog, records_count

URL = "/api/explore/v2.1/catalog/facets"
CATALOG = {
    "trees": {"keyword": ["nature", "city"], "theme": ["Environment"], "publisher": "Parks", "language": "en"},
    "air": {"keyword": ["nature", "air"], "theme": ["Environment", "Health"], "publisher": "Agency", "language": "fr"},
    "bikes": {"keyword": ["mobility"], "theme": ["Transport, Movements"], "publisher": "Parks", "language": "en"},
}


@pytest.fixture
def catalog(db, alice):
    for dataset_id, metas in CATALOG.items():
        mark_published(
            dataset_create(owner=alice, dataset_id=dataset_id, metas={"default": metas}, visibility="domain")
        )
    hidden = dataset_create(owner=alice, dataset_id="hidden", metas={"default": {"keyword": ["nature"]}})
    mark_published(hidden)  # restricted: anonymous visitors must not count it
    dataset_create(owner=alice, dataset_id="draft", metas={"default": {"keyword": ["nature"]}}, visibility="domain")


def expected(name: str, datasets=CATALOG) -> list[tuple[str, int]]:
    counts = Counter()
    for metas in datasets.values():
        value = metas.get(name)
        counts.update(value if isinstance(value, list) else [value])
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def facets(params=None, client=None) -> dict[str, list]:
    body = assert_status((client or APIClient()).get(URL, params or {}), 200)
    return {facet["name"]: facet["facets"] for facet in body["facets"]}


def pairs(entries) -> list[tuple[str, int]]:
    return [(entry["value"], entry["count"]) for entry in entries if entry["state"] != "excluded"]


def test_counts_match_the_published_visible_datasets(catalog):
    shown = facets()
    for name in ("keyword", "theme", "publisher", "language"):
        assert pairs(shown[name]) == expected(name), name
    assert set(shown) == {"keyword", "theme", "publisher", "license", "language", "features", "modified"}


def test_refine_and_exclude(catalog):
    shown = facets({"facet": "publisher", "refine": "keyword:nature"})
    nature = {key: value for key, value in CATALOG.items() if "nature" in value["keyword"]}
    assert pairs(shown["publisher"]) == expected("publisher", nature)
    shown = facets({"facet": "keyword", "exclude": "publisher:Parks"})
    others = {key: value for key, value in CATALOG.items() if value["publisher"] != "Parks"}
    assert pairs(shown["keyword"]) == expected("keyword", others)


def test_excluded_values_are_listed_without_count(catalog):
    entries = facets({"facet": "language", "exclude": "language:fr"})["language"]
    assert {"name": "fr", "value": "fr", "state": "excluded"} in entries


def test_staff_count_restricted_datasets_too(catalog, staff):
    client = APIClient()
    client.force_authenticate(staff)
    keyword = dict(pairs(facets({"facet": "keyword"}, client)["keyword"]))
    assert keyword["nature"] == 3
    assert dict(pairs(facets({"facet": "keyword"})["keyword"]))["nature"] == 2
    assert Dataset.objects.filter(dataset_id="draft", current_version__isnull=True).exists()


@pytest.mark.parametrize("params", [{"facet": "colour"}, {"refine": "keyword"}, {"exclude": "owner:me"}])
def test_bad_parameters(catalog, params):
    body = assert_status(APIClient().get(URL, params), 400)
    assert body["error_code"] == "InvalidRESTParameterError"


@pytest.fixture
def published(chief_api, chief, run_worker):
    publish_catalog(chief_api, chief, run_worker)


def counted(name: str, dataset_ids) -> list[tuple[str, int]]:
    counts = Counter()
    for dataset_id in dataset_ids:
        value = PUBLISHED[dataset_id]["metas"].get(name)
        counts.update(value if isinstance(value, list) else [] if value is None else [value])
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


@pytest.mark.django_db(transaction=True)  # the publish job is enqueued on commit
def test_where_selects_the_datasets_counted(published):
    shown = facets({"where": "records_count > 0", "facet": ["keyword", "publisher"]})
    with_records = [d for d in VISIBLE if records_count(d) > 0]
    assert pairs(shown["keyword"]) == counted("keyword", with_records)
    assert pairs(shown["publisher"]) == counted("publisher", with_records)
    shown = facets({"where": '"bus"', "facet": "keyword"})  # payroll (restricted) matches too, but is not counted
    assert pairs(shown["keyword"]) == counted("keyword", ["bus-stops", "street-trees"])
    body = assert_status(APIClient().get(URL, {"where": "owner = 1"}), 400)
    assert body["error_code"] == "ODSQLError" and "where" in body["message"]


@pytest.mark.django_db(transaction=True)  # the publish job is enqueued on commit
def test_modified_is_hierarchical(published):
    years = Counter(str(modified(d).year) for d in VISIBLE)
    top = facets({"facet": "modified"})["modified"]
    assert pairs(top) == sorted(years.items(), key=lambda item: (-item[1], item[0]))
    assert all("facets" not in entry for entry in top)
    refined = facets({"facet": "modified", "refine": "modified:2019"})["modified"]
    assert [(entry["value"], entry["count"], entry["state"]) for entry in refined] == [("2019", 1, "refined")]
    assert [(entry["value"], entry["count"]) for entry in refined[0]["facets"]] == [("2019/08", 1)]
    days = facets({"facet": "modified", "refine": "modified:2019/8"})["modified"][0]["facets"][0]["facets"]
    assert [(entry["value"], entry["count"]) for entry in days] == [("2019/08/15", 1)]


@pytest.mark.django_db(transaction=True)  # the publish job is enqueued on commit
def test_modified_years_follow_the_timezone(published):
    # bus-stops: 2019-08-15T10:00Z is still 2019 anywhere; air-quality: 2021-03-01T23:30Z is March 2nd in Tokyo.
    shown = facets({"facet": "modified", "refine": "modified:2021/03", "timezone": "Asia/Tokyo"})["modified"]
    assert [(entry["value"], entry["count"]) for entry in shown[0]["facets"][0]["facets"]] == [("2021/03/02", 1)]
    for zone in ("Nowhere/Land", "Europe", "x" * 300):  # "Europe" is a directory of the zone database
        body = assert_status(APIClient().get(URL, {"timezone": zone}), 400)
        assert "timezone" in body["message"]


def test_an_excluded_period_is_listed_as_the_facet_writes_periods(catalog):
    entries = facets({"facet": "modified", "exclude": "modified:2019/8"})["modified"]
    assert {"name": "2019/08", "value": "2019/08", "state": "excluded"} in entries


def test_a_repeated_facet_is_answered_once(catalog):
    body = assert_status(APIClient().get(URL, {"facet": ["keyword", "theme", "keyword"]}), 200)
    assert [facet["name"] for facet in body["facets"]] == ["keyword", "theme"]
    assert pairs(body["facets"][0]["facets"]) == expected("keyword")
