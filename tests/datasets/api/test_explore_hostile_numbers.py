"""Integers beyond PostgreSQL's bounds in the Explore API and the catalog pages: a 400 or a clamped page, not a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.datasets.api.conftest import publish_public_csv, rows_csv

pytestmark = pytest.mark.django_db(transaction=True)

EXPLORE = "/api/explore/v2.1/catalog"
HUGE = 10**20
ROWS = [{"city": f"City {n}", "population": 1000 + n} for n in range(5)]
INTEGER_PARAMETERS = {
    f"{EXPLORE}/datasets/": ("limit", "offset"),
    f"{EXPLORE}/exports/csv/": ("limit", "offset"),
    f"{EXPLORE}/datasets/cities/records/": ("limit", "offset"),
    f"{EXPLORE}/datasets/cities/exports/csv/": ("limit", "offset"),
    f"{EXPLORE}/datasets/cities/exports/json/": ("limit", "offset"),
}


@pytest.fixture
def cities(chief_api, alice, run_worker, redis):
    return publish_public_csv(chief_api, alice, run_worker, "cities", rows_csv(ROWS))


def explore_refusal(response, name: str) -> None:
    assert response.status_code == 400, response.content[:500]
    body = response.json()
    assert body["error_code"] == "InvalidRESTParameterError"
    assert name in body["message"]


def test_integer_parameters_beyond_bigint_are_refused_naming_them(cities):
    client = APIClient()
    for url, names in INTEGER_PARAMETERS.items():
        for name in names:
            for value in (HUGE, -HUGE):
                explore_refusal(client.get(url, {name: str(value)}), name)


def test_a_huge_number_in_odsql_is_not_a_server_error(cities):
    client = APIClient()
    for where in (f"population > {HUGE}", f"population > {HUGE}.5", f"population * {HUGE} > 1", "population > 1e400"):
        response = client.get(f"{EXPLORE}/datasets/cities/records/", {"where": where})
        assert response.status_code < 500, (where, response.content[:300])
        if response.status_code == 200:
            assert response.json()["total_count"] == 0


def test_catalog_pages_with_a_huge_page_number_show_a_page(client, cities):
    # The home shows its last page; the table says the page does not exist and how many it has.
    assert client.get("/", {"page": str(HUGE)}).status_code == 200
    response = client.get("/explore/dataset/cities/table/", {"page": str(HUGE)})
    assert response.status_code == 400
    assert f"Page {HUGE} does not exist: the table has 1 page." in response.content.decode()
