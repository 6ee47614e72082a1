"""The stored pipeline configuration: the ``order`` specification through a real publish, and processors or
specifications naming fields that do not exist refused when saved."""

import pytest

from datasets.models import Change, FieldSpecification, Processor
from tests.conftest import assert_status
from tests.datasets.api.conftest import rows_csv
from tests.datasets.api.pipeline_publish import published_dataset

BASE = "/api/management/v2"
ROWS = [{"ab": "x1", "cd": "7", "ef": "first"}, {"ab": "x2", "cd": "8", "ef": "second"}]


def add(api, uid, kind, body):
    return api.post(f"{BASE}/datasets/{uid}/{kind}/", body, format="json")


@pytest.mark.django_db(transaction=True)
class TestOrderSpecificationPublishes:
    @pytest.mark.parametrize("order", [["ef", "ab"], ["cd"]])
    def test_the_documented_array_form_is_published_in_that_order(self, chief_api, alice, run_worker, redis, order):
        spec = {"name": "order", "args": order}
        outcome = published_dataset(
            chief_api, alice, run_worker, "ordered", rows_csv(ROWS), specifications=[spec], order_by="ab"
        )
        assert (outcome["status"], outcome["message"]) == ("idle", None)
        names = [field["name"] for field in outcome["fields"]]
        assert names == order + [name for name in ("ab", "cd", "ef") if name not in order]
        assert [record["ef"] for record in outcome["records"]] == ["first", "second"]
        assert list(outcome["records"][0])[: len(order)] == order


def changes(uid, section):
    return Change.objects.filter(dataset__dataset_uid=uid, sections=[section]).count()


@pytest.mark.django_db
class TestUnknownFieldsAreRefusedWhenSaved:
    @pytest.mark.parametrize(
        ("body", "argument"),
        [
            ({"name": "string_replace", "args": {"field": "colour", "old": "a", "new": "b"}}, "field"),
            ({"name": "concat", "args": {"fields": ["name", "colour"], "output_field": "both"}}, "fields"),
            ({"name": "expression", "args": {"output_field": "x", "expression": "colour * 2"}}, "expression"),
        ],
    )
    def test_a_processor_reading_a_missing_field(self, alice_api, trees, body, argument):
        uid, resource = trees
        error = assert_status(add(alice_api, uid, "processors", body), 400)
        assert error["error_key"] == "InvalidProcessorArgumentException"
        assert error["raw_params"]["argument"] == argument
        assert "no field 'colour'" in error["message"]
        assert "fields: name, year, lat, lon, when, html, json, note" in error["message"]
        assert not Processor.objects.exists() and changes(uid, "processors") == 0
        # The dataset's previews and guesses keep working.
        preview = alice_api.get(f"{BASE}/datasets/{uid}/resources/{resource['resource_uid']}/preview")
        assert assert_status(preview, 200)["records"][0]["name"] == "Oak"
        guess = alice_api.post(f"{BASE}/datasets/{uid}/guess_processor_params", {"name": "split"}, format="json")
        assert_status(guess, 200)

    def test_the_fields_named_are_those_at_that_point_of_the_stack(self, alice_api, trees):
        uid, _ = trees
        assert_status(add(alice_api, uid, "processors", {"name": "delete_field", "args": {"field": "note"}}), 201)
        body = {"name": "split", "args": {"field": "note", "separator": " "}}
        error = assert_status(add(alice_api, uid, "processors", body), 400)
        assert error["message"].endswith("fields: name, year, lat, lon, when, html, json")
        copied = {"name": "copy_field", "args": {"from_field": "name", "to_field": "note"}}
        assert_status(add(alice_api, uid, "processors", copied), 201)
        assert_status(add(alice_api, uid, "processors", body), 201)

    def test_updating_a_processor_in_place_checks_the_fields_before_it(self, alice_api, trees):
        uid, _ = trees
        first = assert_status(add(alice_api, uid, "processors", {"name": "add_field", "args": {"field": "extra"}}), 201)
        split = {"name": "split", "args": {"field": "extra", "separator": " "}}
        second = assert_status(add(alice_api, uid, "processors", split), 201)
        path = f"{BASE}/datasets/{uid}/processors/{first['processor_uid']}"
        error = assert_status(alice_api.put(path, split, format="json"), 400)
        assert "no field 'extra'" in error["message"]
        assert Processor.objects.get(processor_uid=first["processor_uid"]).name == "add_field"
        second_path = f"{BASE}/datasets/{uid}/processors/{second['processor_uid']}"
        assert_status(alice_api.put(second_path, split, format="json"), 200)

    @pytest.mark.parametrize(
        ("body", "argument"),
        [
            ({"name": "rename", "args": {"from_name": "colour", "to_name": "hue"}}, "from_name"),
            ({"name": "type", "args": {"field": "colour", "type": "int"}}, "field"),
            ({"name": "annotate", "args": {"field": "colour", "annotation": "facet"}}, "field"),
            ({"name": "description", "args": {"field": "colour", "description": "d"}}, "field"),
            ({"name": "delete", "args": {"field": "colour"}}, "field"),
            ({"name": "order", "args": ["year", "colour"]}, "field"),
        ],
    )
    def test_a_specification_naming_a_missing_field(self, alice_api, trees, body, argument):
        uid, resource = trees
        error = assert_status(add(alice_api, uid, "fields_specifications", body), 400)
        assert error["error_key"] == "InvalidFieldSpecificationException"
        assert error["raw_params"]["argument"] == argument
        assert "no field 'colour'; fields: name, year, lat, lon, when, html, json, note" in error["message"]
        assert not FieldSpecification.objects.exists() and changes(uid, "fields_specifications") == 0
        preview = alice_api.get(f"{BASE}/datasets/{uid}/resources/{resource['resource_uid']}/preview")
        assert_status(preview, 200)

    def test_a_specification_sees_the_fields_of_the_processors_and_earlier_specifications(self, alice_api, trees):
        uid, _ = trees
        assert_status(add(alice_api, uid, "processors", {"name": "add_field", "args": {"field": "extra"}}), 201)
        rename = {"name": "rename", "args": {"from_name": "extra", "to_name": "more"}}
        assert_status(add(alice_api, uid, "fields_specifications", rename), 201)
        stale = {"name": "description", "args": {"field": "extra", "description": "d"}}
        error = assert_status(add(alice_api, uid, "fields_specifications", stale), 400)
        assert "no field 'extra'" in error["message"] and "more" in error["message"]
        fresh = {"name": "description", "args": {"field": "more", "description": "d"}}
        assert_status(add(alice_api, uid, "fields_specifications", fresh), 201)

    def test_a_dataset_without_resource_accepts_any_field(self, alice_api):
        created = alice_api.post(f"{BASE}/datasets/", {"dataset_id": "empty"}, format="json")
        uid = assert_status(created, 201)["dataset_uid"]
        processor = {"name": "string_replace", "args": {"field": "colour", "old": "a", "new": "b"}}
        assert_status(add(alice_api, uid, "processors", processor), 201)
        assert_status(add(alice_api, uid, "fields_specifications", {"name": "order", "args": ["colour"]}), 201)
        assert Processor.objects.count() == FieldSpecification.objects.count() == 1
