"""Processors and field specifications through the management API, each seen in the preview."""

import pytest

from datasets.models import Change, FieldSpecification, Processor
from tests.conftest import assert_status

BASE = "/api/management/v2"


def preview(api, uid, resource):
    return assert_status(api.get(f"{BASE}/datasets/{uid}/resources/{resource['resource_uid']}/preview"), 200)


def add(api, uid, kind, body):
    return api.post(f"{BASE}/datasets/{uid}/{kind}/", body, format="json")


PROCESSOR_CASES = [
    ("string_replace", {"field": "name", "old": "Oak", "new": "Chêne"}, "name", "Chêne"),
    ("regexp_replace", {"field": "name", "regexp": "^O", "new": "0"}, "name", "0ak"),
    ("concat", {"fields": ["name", "year"], "separator": "-", "output_field": "label"}, "label", "Oak-1990"),
    ("split", {"field": "note", "separator": " "}, "note", ["big", "old"]),
    ("copy_field", {"from_field": "name", "to_field": "name_copy"}, "name_copy", "Oak"),
    ("add_field", {"field": "source", "value": "survey"}, "source", "survey"),
    (
        "create_geopoint",
        {"latitude_field": "lat", "longitude_field": "lon", "output_field": "geo"},
        "geo",
        [48.85, 2.35],
    ),
    ("date_normalizer", {"field": "when", "format": "%d/%m/%Y"}, "when", "2020-04-03"),
    ("unicode_normalize", {"field": "name", "form": "NFKC"}, "name", "Oak"),
    ("decode_html", {"field": "html"}, "html", "Café"),
    ("expression", {"output_field": "age", "expression": "{{ 2024 - year }}"}, "age", 34),
    ("extract_from_json", {"field": "json", "path": "a.b", "output_field": "b"}, "b", 5),
    ("string_extractor", {"field": "when", "regexp": r"^(?P<day_of_month>\d{2})/"}, "day_of_month", "03"),
]


@pytest.mark.django_db
class TestProcessors:
    @pytest.mark.parametrize(("name", "args", "field", "expected"), PROCESSOR_CASES)
    def test_each_processor_shows_in_the_preview(self, alice_api, trees, name, args, field, expected):
        uid, resource = trees
        created = assert_status(add(alice_api, uid, "processors", {"name": name, "args": args}), 201)
        assert created["processor_uid"].startswith("pr_")
        assert created["name"] == name
        shown = preview(alice_api, uid, resource)
        assert shown["records"][0][field] == expected

    def test_delete_field_removes_the_column(self, alice_api, trees):
        uid, resource = trees
        assert_status(add(alice_api, uid, "processors", {"name": "delete_field", "args": {"field": "note"}}), 201)
        shown = preview(alice_api, uid, resource)
        assert "note" not in [field["name"] for field in shown["fields"]]
        assert "note" not in shown["records"][0]

    def test_skip_record_drops_matching_records(self, alice_api, trees):
        uid, resource = trees
        body = {"name": "skip_record", "args": {"condition": "year < 2000"}}
        assert_status(add(alice_api, uid, "processors", body), 201)
        assert [record["name"] for record in preview(alice_api, uid, resource)["records"]] == ["Elm"]

    def test_set_timezone(self, alice_api, trees):
        uid, resource = trees
        assert_status(
            add(
                alice_api,
                uid,
                "processors",
                {"name": "add_field", "args": {"field": "at", "value": "2020-04-03T10:00:00"}},
            ),
            201,
        )
        body = {"name": "set_timezone", "args": {"field": "at", "timezone": "Europe/Paris"}}
        assert_status(add(alice_api, uid, "processors", body), 201)
        shown = preview(alice_api, uid, resource)
        assert shown["records"][0]["at"] in ("2020-04-03T10:00:00+02:00", "2020-04-03T08:00:00+00:00")

    def test_stack_order_update_delete_and_history(self, alice_api, trees):
        uid, resource = trees
        first = assert_status(
            add(alice_api, uid, "processors", {"name": "add_field", "args": {"field": "a", "value": "1"}}), 201
        )
        second = assert_status(
            add(alice_api, uid, "processors", {"name": "copy_field", "args": {"from_field": "a", "to_field": "b"}}), 201
        )
        listed = assert_status(alice_api.get(f"{BASE}/datasets/{uid}/processors"), 200)
        assert [item["processor_uid"] for item in listed] == [first["processor_uid"], second["processor_uid"]]
        path = f"{BASE}/datasets/{uid}/processors/{first['processor_uid']}"
        updated = assert_status(
            alice_api.put(path, {"name": "add_field", "args": {"field": "a", "value": "2"}}, format="json"), 200
        )
        assert updated["args"]["value"] == "2"
        assert preview(alice_api, uid, resource)["records"][0]["b"] in ("2", 2)
        assert alice_api.delete(f"{BASE}/datasets/{uid}/processors/{second['processor_uid']}").status_code == 204
        assert Processor.objects.count() == 1
        assert Change.objects.filter(dataset__dataset_uid=uid, sections=["processors"]).count() == 4

    @pytest.mark.parametrize(
        ("body", "error_key", "argument"),
        [
            ({"name": "teleport", "args": {}}, "UnknownProcessorException", None),
            (
                {"name": "string_replace", "args": {"old": "a", "new": "b"}},
                "InvalidProcessorArgumentException",
                "field",
            ),
            (
                {"name": "regexp_replace", "args": {"field": "name", "regexp": "(", "new": ""}},
                "InvalidProcessorArgumentException",
                "regexp",
            ),
            (
                {"name": "expression", "args": {"output_field": "x", "expression": "__import__('os')"}},
                "InvalidProcessorArgumentException",
                "expression",
            ),
            (
                {"name": "set_timezone", "args": {"field": "name", "timezone": "Mars/Olympus"}},
                "InvalidProcessorArgumentException",
                "timezone",
            ),
            (
                {"name": "add_field", "args": {"field": "x", "value": "1", "colour": "red"}},
                "InvalidProcessorArgumentException",
                "colour",
            ),
        ],
    )
    def test_bad_processors_are_refused_naming_the_problem(self, alice_api, trees, body, error_key, argument):
        uid, _ = trees
        error = assert_status(add(alice_api, uid, "processors", body), 400)
        assert error["error_key"] == error_key
        if argument:
            assert error["raw_params"]["argument"] == argument
        assert not Processor.objects.exists()

    def test_catalogue_and_guess(self, alice_api, trees):
        uid, _ = trees
        catalogue = assert_status(alice_api.get(f"{BASE}/processors/"), 200)
        names = {item["name"] for item in catalogue}
        assert {case[0] for case in PROCESSOR_CASES} | {"skip_record", "delete_field", "set_timezone"} <= names
        guessed = assert_status(
            alice_api.post(f"{BASE}/datasets/{uid}/guess_processor_params", {"name": "create_geopoint"}, format="json"),
            200,
        )
        assert "lat" in guessed.get("latitude_field", {})


SPEC_CASES = [
    ("rename", {"from_name": "name", "to_name": "tree", "label": "Tree"}),
    ("type", {"field": "year", "type": "text"}),
    ("annotate", {"field": "name", "annotation": "facet"}),
    ("description", {"field": "name", "description": "The species"}),
    ("order", ["year", "name"]),
    ("delete", {"field": "note"}),
]


@pytest.mark.django_db
class TestFieldSpecifications:
    @pytest.mark.parametrize(("name", "args"), SPEC_CASES)
    def test_each_specification_shows_in_the_preview(self, alice_api, trees, name, args):
        uid, resource = trees
        created = assert_status(add(alice_api, uid, "fields_specifications", {"name": name, "args": args}), 201)
        assert created["processor_uid"].startswith("pr_")
        shown = preview(alice_api, uid, resource)
        fields = {field["name"]: field for field in shown["fields"]}
        first = shown["records"][0]
        if name == "rename":
            assert (fields["tree"]["label"], first["tree"]) == ("Tree", "Oak")
            assert "name" not in fields
        elif name == "type":
            assert (fields["year"]["type"], first["year"]) == ("text", "1990")
        elif name == "annotate":
            assert [annotation["name"] for annotation in fields["name"]["annotations"]] == ["facet"]
        elif name == "description":
            assert fields["name"]["description"] == "The species"
        elif name == "order":
            assert [field["name"] for field in shown["fields"]][:2] == ["year", "name"]
        else:
            assert "note" not in fields and "note" not in first

    @pytest.mark.parametrize(
        ("body", "error_key"),
        [
            ({"name": "paint", "args": {}}, "UnknownFieldSpecificationException"),
            ({"name": "type", "args": {"field": "year", "type": "money"}}, "InvalidFieldSpecificationException"),
            (
                {"name": "rename", "args": {"from_name": "name", "to_name": "Bad Name"}},
                "InvalidFieldSpecificationException",
            ),
            (
                {"name": "annotate", "args": {"field": "name", "annotation": "sparkly"}},
                "InvalidFieldSpecificationException",
            ),
        ],
    )
    def test_bad_specifications_are_refused(self, alice_api, trees, body, error_key):
        uid, _ = trees
        assert assert_status(add(alice_api, uid, "fields_specifications", body), 400)["error_key"] == error_key
        assert not FieldSpecification.objects.exists()

    def test_catalogue_update_and_delete(self, alice_api, trees):
        uid, resource = trees
        catalogue = assert_status(alice_api.get(f"{BASE}/fields_specifications/"), 200)
        assert {item["name"] for item in catalogue} == {"rename", "type", "annotate", "description", "order", "delete"}
        spec = assert_status(
            add(
                alice_api,
                uid,
                "fields_specifications",
                {"name": "description", "args": {"field": "name", "description": "a"}},
            ),
            201,
        )
        path = f"{BASE}/datasets/{uid}/fields_specifications/{spec['processor_uid']}"
        body = {"name": "description", "args": {"field": "name", "description": "b"}}
        assert assert_status(alice_api.put(path, body, format="json"), 200)["args"]["description"] == "b"
        assert alice_api.delete(path).status_code == 204
        assert not FieldSpecification.objects.exists()
