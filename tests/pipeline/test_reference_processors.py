"""The reference's processors delete_record, geo_distance, transform_coordinates, expand_json_array:
validation, schema effects, record effects and guessing; and the runner expanding one row into several."""

from __future__ import annotations

import pytest

from datasets.pipeline.core import Field, InvalidProcessorArgumentError, RecordFailure
from datasets.pipeline.processors import build_processor, guess_processor_params, validate_processor
from datasets.pipeline.runner import run
from datasets.pipeline.specifications import FieldSpecifications


def step(name: str, **args):
    return build_processor(name, args, "pr_abcdef")


def refused(name: str, args: dict) -> dict:
    with pytest.raises(InvalidProcessorArgumentError) as excinfo:
        validate_processor(name, args)
    return excinfo.value.as_dict()["raw_params"]


def text_fields(*names: str) -> list[Field]:
    return [Field(name=name, label=name) for name in names]


# ---------------------------------------------------------------------------------------------- delete_record


def test_delete_record_exact_match_by_default():
    processor = step("delete_record", field="status", value="closed")
    assert processor.args == {"field": "status", "value": "closed", "exact_match": True}
    assert processor.apply({"status": "closed"}) is None
    assert processor.apply({"status": "closed soon"}) == {"status": "closed soon"}


def test_delete_record_without_exact_match_deletes_records_containing_the_value():
    processor = step("delete_record", field="name", value="Company", exact_match=False)
    assert processor.apply({"name": "My Company Ltd"}) is None
    assert processor.apply({"name": "company"}) == {"name": "company"}
    assert processor.apply({"name": None}) == {"name": None}


def test_delete_record_with_a_condition():
    processor = step("delete_record", condition="size > 3")
    assert processor.apply({"size": "4"}) is None
    assert processor.apply({"size": "2"}) == {"size": "2"}
    with pytest.raises(InvalidProcessorArgumentError):
        processor.fields(text_fields("name"))


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        ({}, "condition"),
        ({"value": "x"}, "field"),
        ({"condition": "a = 1", "field": "a"}, "condition"),
        ({"field": "a", "exact_match": False}, "value"),
        ({"field": "a", "value": "x", "exact_match": "no"}, "exact_match"),
    ],
)
def test_delete_record_refuses(args, argument):
    assert refused("delete_record", args)["argument"] == argument


# ---------------------------------------------------------------------------------------------- geo_distance


def test_geo_distance_to_a_fixed_point_in_kilometres():
    processor = step("geo_distance", field="where", point="48.8566,2.3522", output_field="distance")
    lyon = processor.apply({"where": "45.7640, 4.8357"})
    assert lyon["distance"] == pytest.approx(391.5, abs=0.5)  # Paris - Lyon, great circle
    assert processor.apply({"where": [48.8566, 2.3522]})["distance"] == 0
    assert processor.apply({"where": ""})["distance"] is None
    fields = processor.fields(text_fields("where"))
    assert [(field.name, field.type) for field in fields] == [("where", "text"), ("distance", "double")]


def test_geo_distance_between_two_fields_in_metres_and_miles():
    metres = step("geo_distance", field="a", to_field="b", output_field="d", unit="m")
    assert metres.apply({"a": "0,0", "b": "0,1"})["d"] == pytest.approx(111_195.08, abs=0.01)
    miles = step("geo_distance", field="a", to_field="b", output_field="d", unit="mi")
    assert miles.apply({"a": "0,0", "b": "0,1"})["d"] == pytest.approx(69.093, abs=0.001)
    with pytest.raises(InvalidProcessorArgumentError) as excinfo:
        metres.fields(text_fields("a"))
    assert excinfo.value.as_dict()["raw_params"]["argument"] == "to_field"


def test_geo_distance_unreadable_point_is_a_record_failure():
    processor = step("geo_distance", field="a", point="1,1", output_field="d")
    with pytest.raises(RecordFailure) as excinfo:
        processor.apply({"a": "somewhere"})
    assert excinfo.value.field == "d"


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        ({"field": "a", "output_field": "d"}, "to_field"),
        ({"field": "a", "to_field": "b", "point": "1,2", "output_field": "d"}, "to_field"),
        ({"field": "a", "point": "91,2", "output_field": "d"}, "point"),
        ({"field": "a", "point": "north", "output_field": "d"}, "point"),
        ({"field": "a", "point": "1,2", "output_field": "d", "unit": "league"}, "unit"),
        ({"field": "a", "point": "1,2"}, "output_field"),
    ],
)
def test_geo_distance_refuses(args, argument):
    assert refused("geo_distance", args)["argument"] == argument


# ---------------------------------------------------------------------------------------------- transform_coordinates


@pytest.mark.parametrize(
    ("epsg", "value", "expected"),
    [
        ("2154", "6600000,700000", [46.5, 3.0]),  # the projection's origin
        ("EPSG:2154", "6862035.26, 652469.02", [48.8566, 2.3522]),  # Paris, Hôtel de Ville
        ("3857", "6250566.72 261848.16", [48.8566, 2.3522]),
        ("3857", ["0", "0"], [0.0, 0.0]),
        ("4326", "48.8566,2.3522", [48.8566, 2.3522]),
    ],
)
def test_transform_coordinates_to_wgs84(epsg, value, expected):
    point = step("transform_coordinates", field="xy", epsg=epsg).apply({"xy": value})["xy"]
    assert point == pytest.approx(expected, abs=1e-4)


def test_transform_coordinates_schema_and_failures():
    processor = step("transform_coordinates", field="xy", epsg="2154", output_field="geo")
    fields = processor.fields(text_fields("xy"))
    assert [(field.name, field.type) for field in fields] == [("xy", "text"), ("geo", "geo_point_2d")]
    assert processor.apply({"xy": None}) == {"xy": None, "geo": None}
    with pytest.raises(RecordFailure) as excinfo:
        processor.apply({"xy": "not a point"})
    assert excinfo.value.field == "geo"
    with pytest.raises(RecordFailure):
        step("transform_coordinates", field="xy", epsg="4326").apply({"xy": "6600000,700000"})


@pytest.mark.parametrize("epsg", ["27572", "EPSG:9999", "lambert"])
def test_transform_coordinates_refuses_unsupported_codes(epsg):
    params = refused("transform_coordinates", {"field": "xy", "epsg": epsg})
    assert params["argument"] == "epsg"
    assert params["reason"] == f"unsupported EPSG code '{epsg}'; supported codes: 2154, 3857, 4326"


# ---------------------------------------------------------------------------------------------- expand_json_array


def test_expand_json_array_makes_one_record_per_element():
    processor = step("expand_json_array", json_array_field="items")
    assert processor.args == {"json_array_field": "items", "output_field": "items"}
    records = processor.apply({"id": "1", "items": '[{"a": 1}, "two", 3]'})
    assert records == [{"id": "1", "items": {"a": 1}}, {"id": "1", "items": "two"}, {"id": "1", "items": 3}]


def test_expand_json_array_at_a_path_into_another_field():
    processor = step("expand_json_array", json_array_field="doc", path="data.list", output_field="item")
    records = processor.apply({"doc": {"data": {"list": [1, 2]}}})
    assert [record["item"] for record in records] == [1, 2]
    assert records[0]["doc"] is not records[1]["doc"]  # copies: changing one record leaves the other alone
    assert processor.fields(text_fields("doc"))[-1].name == "item"


@pytest.mark.parametrize("value", ["", None, "[]", '{"other": 1}'])
def test_expand_json_array_keeps_a_record_without_elements(value):
    processor = step("expand_json_array", json_array_field="doc", path="list", output_field="item")
    assert processor.apply({"doc": value}) == [{"doc": value, "item": None}]


@pytest.mark.parametrize("value", ['{"a": 1}', "plain text", "7"])
def test_expand_json_array_not_an_array_is_a_record_failure(value):
    with pytest.raises(RecordFailure) as excinfo:
        step("expand_json_array", json_array_field="items").apply({"items": value})
    assert excinfo.value.field == "items"


def test_expand_json_array_refuses_a_bad_path():
    assert refused("expand_json_array", {"json_array_field": "a", "path": "a..b"})["argument"] == "path"


class Rows:
    """A minimal source: its fields and rows, no reader problems."""

    def __init__(self, records: list[dict]) -> None:
        self.fields = text_fields(*records[0])
        self.problems: list = []
        self.records = records

    def rows(self):
        yield from enumerate(self.records, start=1)


def test_the_runner_passes_each_expanded_record_through_the_following_steps():
    steps = [
        step("expand_json_array", json_array_field="items"),
        step("delete_record", field="items", value="drop"),
        step("string_replace", field="items", old="a", new="A"),
    ]
    errors = []
    source = Rows([{"id": "1", "items": '["a", "drop", "ba"]'}, {"id": "2", "items": "oops"}])
    records = list(run(source, steps, FieldSpecifications([]), on_error=errors.append))
    assert records == [(1, {"id": "1", "items": "A"}), (1, {"id": "1", "items": "bA"}), (2, {"id": "2", "items": None})]
    assert [(error.row, error.processor_uid, error.field) for error in errors] == [(2, "pr_abcdef", "items")]


# ---------------------------------------------------------------------------------------------- guessing


def test_guesses():
    fields = text_fields("name", "tags", "where", "xy")
    sample = [
        {"name": "Oak", "tags": '["a", "b"]', "where": "48.85,2.35", "xy": "6862035.26,652469.02"},
        {"name": "[x]", "tags": "[]", "where": "45.76,4.83", "xy": "6250566.72,261848.16"},
    ]
    assert list(guess_processor_params("expand_json_array", fields, sample)["json_array_field"]) == ["tags"]
    guessed = guess_processor_params("geo_distance", fields, sample)
    assert (list(guessed["field"]), list(guessed["to_field"])) == (["where"], ["where"])
    assert list(guess_processor_params("transform_coordinates", fields, sample)["field"]) == ["xy"]
    assert guess_processor_params("delete_record", fields, sample) == {}
