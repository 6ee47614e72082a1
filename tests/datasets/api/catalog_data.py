"""A small catalog for the Explore catalog tests, published through the real worker, and its expectations.

``CATALOG`` is the source of truth the tests compute expected answers from, in plain Python; the fixture only
turns it into published datasets. ``budget`` is published without records (``mark_published``), ``payroll``
is restricted: anonymous callers must never see it.
"""

from __future__ import annotations

import datetime as dt

from datasets.models import Dataset, PublishedVersion
from datasets.services import dataset_create
from tests.conftest import assert_status, mark_published
from tests.datasets.api.conftest import rows_csv, stored_file

GEOPOINT = {
    "name": "create_geopoint",
    "args": {"latitude_field": "lat", "longitude_field": "lon", "output_field": "geo"},
}

CATALOG = {
    "bus-stops": {
        "metas": {
            "title": "Bus stops",
            "description": "Where the buses stop",
            "keyword": ["transport", "bus"],
            "theme": ["Transport, Movements"],
            "publisher": "Transit",
            "license": "CC BY",
            "language": "en",
            "modified": "2019-08-15T10:00:00+00:00",
        },
        "rows": [{"stop": f"S{n}", "lat": 48.8 + n / 100, "lon": 2.3, "shelter": n % 2} for n in range(4)],
        "processors": [GEOPOINT],
        "features": ["analyze", "geo"],
    },
    "air-quality": {
        "metas": {
            "title": "Air quality",
            "description": "Pollution measured hourly",
            "keyword": ["environment", "air"],
            "theme": ["Environment", "Health"],
            "publisher": "Agency",
            "license": "Public Domain",
            "language": "fr",
            "modified": "2021-03-01T23:30:00+00:00",
        },
        "app_metas": {"map_marker_color": "#00aa00"},
        "rows": [{"station": f"A{n}", "pm10": n * 1.5} for n in range(7)],
        "features": ["analyze"],
    },
    "street-trees": {
        "metas": {
            "title": "Street trees",
            "description": "Trees along the bus lanes",
            "keyword": ["nature"],
            "theme": ["Environment"],
            "publisher": "Parks",
            "license": "CC BY",
            "language": "en",
        },
        "rows": [{"species": "Oak"}, {"species": "Elm"}],
        "features": [],
    },
    "budget": {
        "metas": {"title": "Budget", "keyword": ["finance"], "publisher": "Treasury", "language": "fr"},
        "rows": [],
        "features": [],
    },
}
RESTRICTED = {
    "payroll": {
        "metas": {"title": "Bus drivers payroll", "keyword": ["transport", "bus"], "publisher": "Transit"},
        "rows": [{"driver": "D1", "pay": 100}],
    },
}
VISIBLE = sorted(CATALOG)


def publish(api, run_worker, dataset_id: str, spec: dict, visibility: str) -> str:
    """Create the dataset with its metadata and one CSV resource, publish it, and run the worker."""
    metas = {"default": spec["metas"], "visualization": spec.get("app_metas", {})}
    body = {"dataset_id": dataset_id, "visibility": visibility, "metas": metas}
    uid = assert_status(api.post("/api/management/v2/datasets/", body, format="json"), 201)["dataset_uid"]
    base = f"/api/management/v2/datasets/{uid}"
    if "modified" not in spec["metas"]:
        # Reset the creation date set on create: such a dataset's ``modified`` is its publish time.
        assert_status(api.delete(f"{base}/metadata/default/modified"), 200)
    file = stored_file(rows_csv(spec["rows"]), f"{dataset_id}.csv")
    assert_status(api.post(f"{base}/resources/", {"url": file.url, "type": "csvfile"}, format="json"), 201)
    for processor in spec.get("processors", ()):
        assert_status(api.post(f"{base}/processors/", processor, format="json"), 201)
    assert_status(api.put(f"{base}/publish"), 202)
    run_worker()
    assert Dataset.objects.get(dataset_uid=uid).current_version is not None, f"{dataset_id} was not published"
    return uid


def publish_catalog(api, owner, run_worker) -> None:
    """Every dataset of ``CATALOG`` and ``RESTRICTED``; datasets without rows are marked published."""
    for dataset_id, spec in {**CATALOG, **RESTRICTED}.items():
        visibility = "restricted" if dataset_id in RESTRICTED else "domain"
        if spec["rows"]:
            publish(api, run_worker, dataset_id, spec, visibility)
        else:
            dataset = dataset_create(
                owner=owner, dataset_id=dataset_id, metas={"default": spec["metas"]}, visibility=visibility
            )
            if "modified" not in spec["metas"]:
                dataset.metadata_values.filter(template="default", name="modified").delete()  # as above
            mark_published(dataset)
    # A draft never published: never in the catalog.
    dataset_create(owner=owner, dataset_id="draft", metas={"default": {"keyword": ["bus"]}}, visibility="domain")


def modified(dataset_id: str) -> dt.datetime:
    """What ``modified`` must be: the metadata when set, else the publish time read from the database."""
    value = CATALOG.get(dataset_id, RESTRICTED.get(dataset_id))["metas"].get("modified")
    if value is not None:
        return dt.datetime.fromisoformat(value)
    return PublishedVersion.objects.get(dataset__dataset_id=dataset_id).published_at


def records_count(dataset_id: str) -> int:
    return len(CATALOG[dataset_id]["rows"])
