"""Ruleset quotas through the real Explore API: counted per caller and dataset, answered with the reference's 429."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from datasets.models import Dataset, Ruleset
from tests.conftest import assert_status, basic_client
from tests.datasets.api.conftest import publish_public_csv, rows_csv

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = [{"city": f"Town {n}", "population": n * 100} for n in range(5)]
BASE = "/api/explore/v2.1/catalog/datasets"


@pytest.fixture
def limited(chief_api, alice, run_worker, redis):
    """Two published datasets; ``limited`` allows 2 calls an hour by default, ``free`` has no quota."""
    publish_public_csv(chief_api, alice, run_worker, "limited", rows_csv(ROWS))
    publish_public_csv(chief_api, alice, run_worker, "free", rows_csv(ROWS))
    dataset = Dataset.objects.get(dataset_id="limited")
    Ruleset.objects.create(dataset=dataset, kind="default", api_calls_quota={"limit": 2, "unit": "hour"})
    return dataset


def test_the_default_quota_answers_429_with_the_reference_body(limited):
    client = APIClient()
    assert_status(client.get(f"{BASE}/limited/records"), 200)
    assert_status(client.get(f"{BASE}/limited/facets"), 200)
    refused = client.get(f"{BASE}/limited/exports/csv")
    assert refused.status_code == 429
    body = refused.json()
    assert set(body) == {"errorcode", "reset_time", "limit_time_unit", "call_limit", "error"}
    assert (body["errorcode"], body["limit_time_unit"], body["call_limit"]) == (10002, "hour", 2)
    reset = dt.datetime.fromisoformat(body["reset_time"].replace("Z", "+00:00"))
    now = dt.datetime.now(dt.UTC)
    assert now < reset <= now + dt.timedelta(hours=1)
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert_status(client.get(f"{BASE}/free/records"), 200)  # another dataset keeps its own count


def test_a_user_ruleset_without_quota_is_not_counted(limited, bob):
    Ruleset.objects.create(dataset=limited, kind="user", user=bob)
    client = basic_client("bob", "bob-password-1")
    for _ in range(4):
        assert_status(client.get(f"{BASE}/limited/records"), 200)
    anonymous = APIClient()
    for _ in range(2):
        assert_status(anonymous.get(f"{BASE}/limited/records"), 200)
    assert anonymous.get(f"{BASE}/limited/records").status_code == 429
