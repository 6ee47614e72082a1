"""The geojoin processor through the API: a dataset of zones is published, another dataset joins its points with
them (preview and a real publish by a worker, read back from the Explore API); only datasets open to everyone
can be joined with."""

import pytest

from datasets.models import Dataset, Processor, Ruleset
from tests.conftest import assert_status
from tests.datasets.api.conftest import rows_csv
from tests.datasets.api.pipeline_publish import published_dataset

BASE = "/api/management/v2"
ZONES = [
    {"zone": "North", "code": "1", "outline": "POLYGON((2 48, 3 48, 3 49, 2 49, 2 48))"},
    {"zone": "South", "code": "2", "outline": "POLYGON((4 45, 5 45, 5 46, 4 46, 4 45))"},
]
PLACES = [
    {"name": "Paris", "spot": "48.8566,2.3522"},
    {"name": "Lyon", "spot": "45.7640,4.8357"},
    {"name": "Lille", "spot": "50.6292,3.0573"},
    {"name": "Nowhere", "spot": ""},
]
JOIN = {"name": "geojoin", "args": {"field": "spot", "dataset_id": "zones", "fields": ["zone", "code"]}}


def publish_zones(api, owner, run_worker):
    outcome = published_dataset(api, owner, run_worker, "zones", rows_csv(ZONES))
    assert outcome["status"] == "idle"
    assert {field["name"]: field["type"] for field in outcome["fields"]}["outline"] == "geo_shape"


@pytest.mark.django_db(transaction=True)
def test_points_get_the_fields_of_the_zone_holding_them(chief_api, alice, run_worker, redis):
    publish_zones(chief_api, alice, run_worker)
    outcome = published_dataset(
        chief_api, alice, run_worker, "places", rows_csv(PLACES), processors=[JOIN], order_by="name"
    )
    assert (outcome["status"], outcome["message"]) == ("idle", None)
    types = {field["name"]: field["type"] for field in outcome["fields"]}
    assert (types["zone"], types["code"]) == ("text", "int")
    assert [(r["name"], r["zone"], r["code"]) for r in outcome["records"]] == [
        ("Lille", None, None),
        ("Lyon", "South", 2),
        ("Nowhere", None, None),
        ("Paris", "North", 1),
    ]
    dataset = Dataset.objects.get(dataset_id="places")
    resource = dataset.resources.get()
    preview = chief_api.get(f"{BASE}/datasets/{dataset.dataset_uid}/resources/{resource.resource_uid}/preview")
    assert [(r["name"], r["zone"]) for r in assert_status(preview, 200)["records"]] == [
        ("Paris", "North"),
        ("Lyon", "South"),
        ("Lille", None),
        ("Nowhere", None),
    ]


@pytest.mark.django_db(transaction=True)
def test_only_datasets_open_to_everyone_can_be_joined(chief_api, alice, run_worker, redis):
    publish_zones(chief_api, alice, run_worker)
    uid = assert_status(chief_api.post(f"{BASE}/datasets/", {"dataset_id": "spots"}, format="json"), 201)
    path = f"{BASE}/datasets/{uid['dataset_uid']}/processors/"

    def refused(args, argument, reason):
        error = assert_status(chief_api.post(path, {"name": "geojoin", "args": args}, format="json"), 400)
        assert error["error_key"] == "InvalidProcessorArgumentException"
        assert (error["raw_params"]["argument"], error["raw_params"]["reason"]) == (argument, reason)

    refused({"field": "spot", "dataset_id": "nothing"}, "dataset_id", "no published dataset 'nothing' open to everyone")
    refused(
        {"field": "spot", "dataset_id": "zones", "fields": ["colour"]},
        "fields",
        "'colour' is not a field of 'zones' that can be copied; fields: zone, code",
    )
    zones = Dataset.objects.get(dataset_id="zones")
    Ruleset.objects.create(dataset=zones, kind=Ruleset.Kind.DEFAULT, visible_fields=["zone"])
    refused({"field": "spot", "dataset_id": "zones"}, "dataset_id", "no published dataset 'zones' open to everyone")
    Ruleset.objects.all().delete()
    Dataset.objects.filter(pk=zones.pk).update(visibility=Dataset.Visibility.RESTRICTED)
    refused({"field": "spot", "dataset_id": "zones"}, "dataset_id", "no published dataset 'zones' open to everyone")
    assert not Processor.objects.exists()
    Dataset.objects.filter(pk=zones.pk).update(visibility=Dataset.Visibility.DOMAIN)
    assert_status(chief_api.post(path, JOIN, format="json"), 201)
