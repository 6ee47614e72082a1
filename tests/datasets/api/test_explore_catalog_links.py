"""include_links on /catalog/datasets/{id}/records: self, first, last, next and dataset, following the same query."""

from urllib.parse import parse_qs, urlsplit

import pytest
from rest_framework.test import APIClient

from tests.conftest import assert_status
from tests.datasets.api.conftest import publish_public_csv, rows_csv

BASE = "/api/explore/v2.1/catalog/datasets"
ROWS = [{"n": n, "parity": "even" if n % 2 == 0 else "odd"} for n in range(25)]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def numbers(chief_api, alice, run_worker):
    return publish_public_csv(chief_api, alice, run_worker, "numbers", rows_csv(ROWS))


def get(path: str, params=None) -> dict:
    return assert_status(APIClient().get(path, params or {}), 200)


def follow(href: str) -> dict:
    parts = urlsplit(href)
    return get(f"{parts.path}?{parts.query}")


def rels(body: dict) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in body["_links"]}


def test_next_links_walk_every_page_of_the_same_query(numbers):
    params = {"include_links": "true", "limit": 4, "where": "parity = 'even'", "order_by": "n desc"}
    expected = sorted((row["n"] for row in ROWS if row["parity"] == "even"), reverse=True)
    body = get(f"{BASE}/numbers/records", params)
    links = rels(body)
    assert set(links) == {"self", "first", "last", "next", "dataset"}
    seen = [record["n"] for record in body["results"]]
    pages = 1
    while "next" in links:
        body = follow(links["next"])
        links = rels(body)
        seen += [record["n"] for record in body["results"]]
        pages += 1
    assert seen == expected
    assert pages == -(-len(expected) // 4)
    last = parse_qs(urlsplit(links["last"]).query)
    assert (last["offset"], last["limit"], last["where"]) == (["12"], ["4"], ["parity = 'even'"])
    assert [record["n"] for record in follow(links["first"])["results"]] == expected[:4]
    assert follow(links["dataset"])["dataset_id"] == "numbers"


def test_no_links_unless_asked(numbers):
    assert "_links" not in get(f"{BASE}/numbers/records")
    assert "_links" not in get(f"{BASE}/numbers/records", {"include_links": "false"})
    body = assert_status(APIClient().get(f"{BASE}/numbers/records", {"include_links": "yes please"}), 400)
    assert body["error_code"] == "InvalidRESTParameterError" and "include_links" in body["message"]


def test_a_single_page_has_no_next(numbers):
    links = rels(get(f"{BASE}/numbers/records", {"include_links": "true", "limit": 100}))
    assert "next" not in links
    assert parse_qs(urlsplit(links["last"]).query)["offset"] == ["0"]
