"""The geojoin processor with a lookup standing for the published datasets (the pipeline reads no database)."""

from __future__ import annotations

import pytest

from datasets.pipeline.core import Field, InvalidProcessorArgumentError, RecordFailure
from datasets.pipeline.processors import build_processor, validate_processor
from datasets.pipeline.processors.geojoin import use_shape_lookup

ZONES = [
    Field(name="zone", label="Zone", type="text"),
    Field(name="code", label="Code", type="int"),
    Field(name="outline", label="Outline", type="geo_shape"),
    Field(name="centre", label="Centre", type="geo_point_2d"),
]


class Squares:
    """Dataset 'zones': zone A is the square 0..1 x 0..1, zone B the square 1..2 x 0..1 (lat x lon)."""

    def __init__(self) -> None:
        self.asked: list[tuple] = []

    def fields(self, dataset_id):
        return list(ZONES) if dataset_id == "zones" else None

    def match(self, dataset_id, shape_field, names, point):
        self.asked.append((dataset_id, shape_field, tuple(names), tuple(point)))
        lat, lon = point
        if not 0 <= lon <= 1 or not 0 <= lat <= 2:
            return None
        values = {"zone": "A", "code": 1} if lat <= 1 else {"zone": "B", "code": 2}
        return {name: values[name] for name in names}


@pytest.fixture
def squares():
    lookup = Squares()
    previous = use_shape_lookup(lookup)
    yield lookup
    use_shape_lookup(previous)


def join(**args):
    return build_processor("geojoin", {"field": "where", "dataset_id": "zones", **args}, "pr_abcdef")


def test_the_fields_of_the_matching_shape_are_copied(squares):
    processor = join()
    fields = processor.fields([Field(name="where", label="Where"), Field(name="code", label="Code")])
    assert [(field.name, field.type) for field in fields] == [("where", "text"), ("code", "int"), ("zone", "text")]
    assert processor.apply({"where": "0.5,0.5"}) == {"where": "0.5,0.5", "zone": "A", "code": 1}
    assert processor.apply({"where": [1.5, 0.5]}) == {"where": [1.5, 0.5], "zone": "B", "code": 2}
    assert processor.apply({"where": "5,5"}) == {"where": "5,5", "zone": None, "code": None}
    assert processor.apply({"where": ""}) == {"where": "", "zone": None, "code": None}
    assert squares.asked[0] == ("zones", "outline", ("zone", "code"), (0.5, 0.5))


def test_chosen_fields_and_shape_field(squares):
    processor = join(fields=["zone"], shape_field="outline")
    assert processor.apply({"where": "0.5,0.5"}) == {"where": "0.5,0.5", "zone": "A"}


def test_an_unreadable_point_is_a_record_failure(squares):
    with pytest.raises(RecordFailure) as excinfo:
        join().apply({"where": "nowhere"})
    assert excinfo.value.field == "where"


@pytest.mark.parametrize(
    ("args", "argument", "reason"),
    [
        ({"dataset_id": "secret"}, "dataset_id", "no published dataset 'secret' open to everyone"),
        (
            {"shape_field": "centre"},
            "shape_field",
            "'centre' is not a geo_shape field of 'zones'; geo_shape fields: outline",
        ),
        (
            {"fields": ["zone", "outline"]},
            "fields",
            "'outline' is not a field of 'zones' that can be copied; fields: zone, code",
        ),
        ({"fields": []}, "fields", "must be a non-empty list of field names"),
        ({"fields": "zone"}, "fields", "must be a non-empty list of field names"),
    ],
)
def test_refused(squares, args, argument, reason):
    with pytest.raises(InvalidProcessorArgumentError) as excinfo:
        validate_processor("geojoin", {"field": "where", "dataset_id": "zones", **args})
    assert excinfo.value.as_dict()["raw_params"] | {"processor": "geojoin"} == {
        "processor": "geojoin",
        "argument": argument,
        "reason": reason,
    }


def test_without_a_lookup_a_geojoin_is_refused():
    previous = use_shape_lookup(None)
    try:
        with pytest.raises(InvalidProcessorArgumentError, match="joining with another dataset is not available here"):
            validate_processor("geojoin", {"field": "where", "dataset_id": "zones"})
    finally:
        use_shape_lookup(previous)
