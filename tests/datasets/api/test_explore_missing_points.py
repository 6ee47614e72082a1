"""A record without coordinates has no point: null in records and JSON exports, a null geometry in GeoJSON."""

import json

import pytest
from rest_framework.test import APIClient

from tests.conftest import assert_status
from tests.datasets.api.conftest import GEOPOINT, publish_public_csv, rows_csv

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "/api/explore/v2.1/catalog/datasets/sites"
ROWS = [{"name": "Mill", "lat": "45.5", "lon": "4.25"}, {"name": "Nowhere", "lat": "", "lon": ""}]


@pytest.fixture
def sites(chief_api, alice, run_worker, redis):
    return publish_public_csv(chief_api, alice, run_worker, "sites", rows_csv(ROWS), processors=[GEOPOINT])


def test_a_missing_point_is_null_everywhere(sites):
    client = APIClient()
    records = assert_status(client.get(f"{BASE}/records", {"select": "name, geo", "order_by": "name"}), 200)
    assert records["results"] == [{"name": "Mill", "geo": {"lon": 4.25, "lat": 45.5}}, {"name": "Nowhere", "geo": None}]
    exported = json.loads(b"".join(client.get(f"{BASE}/exports/json", {"order_by": "name"}).streaming_content))
    assert [row["geo"] for row in exported] == [{"lon": 4.25, "lat": 45.5}, None]
    collection = json.loads(b"".join(client.get(f"{BASE}/exports/geojson", {"order_by": "name"}).streaming_content))
    geometries = [feature["geometry"] for feature in collection["features"]]
    assert geometries == [{"type": "Point", "coordinates": [4.25, 45.5]}, None]
    projected = client.get(f"{BASE}/exports/geojson", {"order_by": "name", "epsg": "3857"})
    assert [feature["geometry"] for feature in json.loads(b"".join(projected.streaming_content))["features"]][1] is None
