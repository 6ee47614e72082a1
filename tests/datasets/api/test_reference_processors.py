"""The reference's processors delete_record, geo_distance, transform_coordinates and expand_json_array through the
API: saved (with a change recorded), previewed, guessed, and published by a real worker, read back from Explore."""

import json

import pytest

from datasets.models import Change, Dataset, Processor
from tests.conftest import assert_status
from tests.datasets.api.conftest import rows_csv, stored_file
from tests.datasets.api.pipeline_publish import published_dataset

BASE = "/api/management/v2"

PLACES = [
    {"name": "Paris", "xy": "6862035.26,652469.02", "status": "open", "items": '[{"k": "a"}, {"k": "b"}]'},
    {"name": "Lyon", "xy": "6519530.73,842666.65", "status": "closed", "items": "[]"},
    {"name": "Lille", "xy": "7059000.00,704000.00", "status": "open", "items": '["c"]'},
]
TO_WGS84 = {"name": "transform_coordinates", "args": {"field": "xy", "epsg": "2154", "output_field": "geo"}}
FROM_PARIS = {
    "name": "geo_distance",
    "args": {"field": "geo", "point": "48.8566,2.3522", "output_field": "from_paris"},
}
DELETE_CLOSED = {"name": "delete_record", "args": {"field": "status", "value": "closed"}}
EXPAND_ITEMS = {"name": "expand_json_array", "args": {"json_array_field": "items", "output_field": "item"}}


def publish_and_preview(api, owner, run_worker, dataset_id, processors):
    """The public outcome of publishing PLACES with ``processors``, and the preview of its resource after."""
    outcome = published_dataset(
        api, owner, run_worker, dataset_id, rows_csv(PLACES), processors=processors, order_by="name"
    )
    dataset = Dataset.objects.get(dataset_id=dataset_id)
    resource = dataset.resources.get()
    preview = api.get(f"{BASE}/datasets/{dataset.dataset_uid}/resources/{resource.resource_uid}/preview")
    return outcome, assert_status(preview, 200)


@pytest.mark.django_db(transaction=True)
class TestPublishedThroughAWorker:
    def test_transform_coordinates_then_geo_distance(self, chief_api, alice, run_worker, redis):
        outcome, preview = publish_and_preview(chief_api, alice, run_worker, "places", [TO_WGS84, FROM_PARIS])
        assert (outcome["status"], outcome["message"]) == ("idle", None)
        types = {field["name"]: field["type"] for field in outcome["fields"]}
        assert (types["geo"], types["from_paris"]) == ("geo_point_2d", "double")
        by_name = {record["name"]: record for record in outcome["records"]}
        assert by_name["Paris"]["geo"] == pytest.approx({"lat": 48.8566, "lon": 2.3522}, abs=1e-4)
        assert by_name["Paris"]["from_paris"] == pytest.approx(0, abs=0.01)
        assert by_name["Lyon"]["from_paris"] == pytest.approx(391.5, abs=1)
        previewed = {record["name"]: record for record in preview["records"]}
        assert previewed["Lyon"]["from_paris"] == pytest.approx(by_name["Lyon"]["from_paris"], abs=1e-6)
        assert preview["record_errors"] == []

    def test_delete_record(self, chief_api, alice, run_worker, redis):
        outcome, preview = publish_and_preview(chief_api, alice, run_worker, "open_places", [DELETE_CLOSED])
        assert outcome["status"] == "idle"
        assert [record["name"] for record in outcome["records"]] == ["Lille", "Paris"]
        assert [record["name"] for record in preview["records"]] == ["Paris", "Lille"]

    def test_expand_json_array_then_extract_from_json(self, chief_api, alice, run_worker, redis):
        key = {"name": "extract_from_json", "args": {"field": "item", "path": "k", "output_field": "key"}}
        outcome, preview = publish_and_preview(chief_api, alice, run_worker, "items", [EXPAND_ITEMS, key])
        assert outcome["status"] == "idle"
        rows = sorted((record["name"], record["key"]) for record in outcome["records"])
        assert rows == [("Lille", None), ("Lyon", None), ("Paris", "a"), ("Paris", "b")]
        assert len({record["item"] for record in outcome["records"]}) == 4  # each element kept whole
        assert [(record["name"], record["key"]) for record in preview["records"]] == [
            ("Paris", "a"),
            ("Paris", "b"),
            ("Lyon", None),
            ("Lille", None),
        ]
        assert json.loads(preview["records"][0]["item"]) == {"k": "a"}


@pytest.fixture
def places(alice_api, alice):
    """A dataset with the PLACES CSV as its resource; returns its uid."""
    file = stored_file(rows_csv(PLACES), "places.csv", alice)
    uid = assert_status(alice_api.post(f"{BASE}/datasets/", {"dataset_id": "places"}, format="json"), 201)[
        "dataset_uid"
    ]
    body = {"url": file.url, "type": "csvfile"}
    assert_status(alice_api.post(f"{BASE}/datasets/{uid}/resources/", body, format="json"), 201)
    return uid


@pytest.mark.django_db
class TestSavedAndGuessed:
    def test_the_reference_guess_example_for_expand_json_array(self, alice_api, places):
        guess = alice_api.post(
            f"{BASE}/datasets/{places}/guess_processor_params", {"name": "expand_json_array"}, format="json"
        )
        candidates = assert_status(guess, 200)
        assert list(candidates) == ["json_array_field"]
        assert candidates["json_array_field"] == {
            "items": {
                "annotations": [],
                "description": None,
                "label": "items",
                "name": "items",
                "original_name": "items",
                "type": "text",
            }
        }

    def test_saving_records_a_change_and_keeps_normalised_args(self, alice_api, places):
        before = Change.objects.filter(dataset__dataset_uid=places, sections=["processors"]).count()
        for body in (TO_WGS84, FROM_PARIS, DELETE_CLOSED, EXPAND_ITEMS):
            assert_status(alice_api.post(f"{BASE}/datasets/{places}/processors/", body, format="json"), 201)
        assert Change.objects.filter(dataset__dataset_uid=places, sections=["processors"]).count() == before + 4
        stored = {processor.name: processor.args for processor in Processor.objects.all()}
        assert stored["delete_record"] == {"field": "status", "value": "closed", "exact_match": True}
        assert stored["geo_distance"]["unit"] == "km"

    @pytest.mark.parametrize(
        ("body", "argument", "reason"),
        [
            (
                {"name": "transform_coordinates", "args": {"field": "xy", "epsg": "27572"}},
                "epsg",
                "unsupported EPSG code '27572'; supported codes: 2154, 3857, 4326",
            ),
            ({"name": "geo_distance", "args": {"field": "xy", "point": "1,2", "output_field": "d"}}, None, None),
            (
                {"name": "geo_distance", "args": {"field": "geo", "point": "1,2", "output_field": "d"}},
                "field",
                "no field 'geo' at this point of the pipeline; fields: name, xy, status, items",
            ),
            (
                {"name": "expand_json_array", "args": {"json_array_field": "tags"}},
                "json_array_field",
                "no field 'tags' at this point of the pipeline; fields: name, xy, status, items",
            ),
            (
                {"name": "delete_record", "args": {"field": "status", "value": "", "exact_match": False}},
                "value",
                "must not be empty when 'exact_match' is false (every record contains it)",
            ),
        ],
    )
    def test_bad_arguments_are_refused(self, alice_api, places, body, argument, reason):
        response = alice_api.post(f"{BASE}/datasets/{places}/processors/", body, format="json")
        if argument is None:
            assert_status(response, 201)
            return
        error = assert_status(response, 400)
        assert error["error_key"] == "InvalidProcessorArgumentException"
        assert (error["raw_params"]["argument"], error["raw_params"]["reason"]) == (argument, reason)
        assert not Processor.objects.exists()
