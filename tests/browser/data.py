"""Datasets the browser tests publish through the management API and a real worker, and their rows in Python.

Expected values in the tests come from ``TREES`` here (plain Python over the rows), never from the pages'
own code.
"""

from __future__ import annotations

from tests.conftest import assert_status
from tests.datasets.api.conftest import GEOPOINT, rows_csv, stored_file

SPECIES = ["Oak", "Elm", "Lime", "Maple", "Plane"]
CITIES = ["Paris", "Lyon", "Lille"]

# 45 trees: enough for more than one table page; heights all differ so a sort has one right order.
TREES = [
    {
        "name": f"Tree {number:02d}",
        "species": SPECIES[number % len(SPECIES)],
        "city": CITIES[number % len(CITIES)],
        "height": 3 + (number * 7) % 45,
        "lat": round(48.80 + number * 0.002, 4),
        "lon": round(2.30 + number * 0.003, 4),
    }
    for number in range(45)
]

ECONOMY = "Economy, Business, SME, Economic development, Employment"

TREES_METAS = {
    "default": {
        "title": "Street trees",
        "description": "Every tree planted along the streets, with its species and height.",
        "keyword": ["nature", "urban"],
        "theme": ["Environment"],
        "publisher": "Parks department",
        "license": "Licence Ouverte v2.0 (Etalab)",
        "language": "en",
    }
}

BUDGET_METAS = {
    "default": {
        "title": "City budget",
        "description": "Spending lines of the yearly budget.",
        "keyword": ["finance"],
        "theme": [ECONOMY],
        "publisher": "Finance office",
        "license": "Open Database License (ODbL)",
        "language": "en",
    }
}


def publish(
    api, owner, run_worker, dataset_id: str, rows: list[dict], metas: dict, *, geo=False, visibility="domain"
) -> str:
    """Create a dataset with ``metas`` and one CSV resource, publish it with a worker; its uid."""
    file = stored_file(rows_csv(rows), f"{dataset_id}.csv", owner)
    body = {"dataset_id": dataset_id, "visibility": visibility, "metas": metas}
    uid = assert_status(api.post("/api/management/v2/datasets/", body, format="json"), 201)["dataset_uid"]
    base = f"/api/management/v2/datasets/{uid}"
    assert_status(api.post(f"{base}/resources/", {"url": file.url, "type": "csvfile"}, format="json"), 201)
    if geo:
        assert_status(api.post(f"{base}/processors/", GEOPOINT, format="json"), 201)
    assert_status(api.put(f"{base}/publish"), 202)
    run_worker()
    # Published means readable: the Explore API counts every row.
    records = api.get(f"/api/explore/v2.1/catalog/datasets/{dataset_id}/records?limit=1")
    assert assert_status(records, 200)["total_count"] == len(rows)
    return uid


BUDGET = [{"line": f"Line {number}", "amount": 1000 + number} for number in range(5)]
