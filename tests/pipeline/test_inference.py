"""Streaming type inference: rules per type, mixed columns, counter-examples, speed and memory."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc

import pytest

from datasets.pipeline.conversion import convert
from datasets.pipeline.core import Field
from datasets.pipeline.inference import ACCEPTS, InferredType, TypeInference, classify


def infer(values: list, annotations: list | None = None, **options) -> InferredType:
    """Infer one field ``f`` whose value at row n (from 1) is values[n - 1]."""
    inference = TypeInference([Field("f", "F", annotations=annotations or [])], **options)
    for row, value in enumerate(values, start=1):
        inference.observe(row, {"f": value})
    return inference.result()["f"]


def example(type_: str, row: int, value) -> dict:
    return {"type": type_, "row": row, "value": value}


@pytest.mark.parametrize(
    ("values", "type_"),
    [
        (["true", "False", "YES", "no", "Oui", "NON"], "boolean"),
        ([True, False], "boolean"),
        (["0", "1", "1", "0"], "int"),
        (["-12", "0", "42", str(2**63 - 1), str(-(2**63))], "int"),
        ([1, -2, 3], "int"),
        (["3.14", "1e5", "-2", "2.5E-3", "0.5"], "double"),
        ([1.5, 2, 3], "double"),
        (["2021-03-04", "2021/12/31"], "date"),
        ([dt.date(2021, 3, 4)], "date"),
        (["2021-03-04T10:20", "2021-03-04 10:20:30.25+02:00", "2021-03-04T10:20:30Z"], "datetime"),
        (["48.8566,2.3522", " -33.86 , 151.20 ", [48.85, 2.35], [-90, 180]], "geo_point_2d"),
        (["POINT (1 2)", "POLYGON((0 0, 1 0, 1 1, 0 0))", {"type": "Point", "coordinates": [1, 2]}], "geo_shape"),
        (['{"type": "LineString", "coordinates": [[1, 2], [3, 4]]}'], "geo_shape"),
        (["hello", "world"], "text"),
        ([["a", "b"], ["c"]], "text"),
        ([{"not": "a geometry"}], "text"),
    ],
)
def test_each_type(values, type_):
    result = infer(values)
    assert result.type == type_
    assert result.counter_examples == []
    assert (result.null_count, result.value_count) == (0, len(values))


@pytest.mark.parametrize(
    "value",
    [
        "007",  # leading zeros: codes, kept as text
        "01000",
        "+33612345678",  # a sign: phone numbers
        "3,14",  # comma decimal
        "1 000",
        "1_000",
        "12345678901234567890",  # beyond 64 bits: an identifier
        "nan",
        "inf",
        "1e400",
        "04/03/2021",
        "2021-02-30",
        "3,14",
        "91.5,2.5",
        "t",
        "vraiment",
        [1, 2, 3],
        [True, False],
        float("nan"),
        2**64,
    ],
)
def test_values_that_are_text(value):
    assert classify(value) == "text"


def test_nulls_never_reject_a_type():
    result = infer(["1", "", None, "2", "   ", None])
    # whitespace counts as a value, but rejects nothing
    assert (result.type, result.counter_examples, result.null_count, result.value_count) == ("int", [], 3, 3)


def test_missing_keys_are_nulls():
    inference = TypeInference([Field("f", "F"), Field("g", "G")])
    inference.observe(1, {"f": "1"})
    inference.observe(2, {"g": "x"})
    result = inference.result()
    assert (result["f"].type, result["f"].null_count, result["f"].value_count) == ("int", 1, 1)
    assert (result["g"].type, result["g"].null_count, result["g"].value_count) == ("text", 1, 1)


def test_all_nulls_is_text():
    assert infer([None, "", None]) == InferredType("text", [], 3, 0)
    assert infer([]) == InferredType("text", [], 0, 0)


def test_surrounding_whitespace_is_ignored():
    assert infer([" 1", "2 ", " 3 "]).type == "int"
    assert infer([" true", "no "]).type == "boolean"


def test_an_int_column_with_one_bad_value_is_text_with_both_rejections():
    values = ["1"] * 56 + ["12a"] + ["2"] * 100
    result = infer(values)
    assert result.type == "text"
    assert result.counter_examples == [example("int", 57, "12a"), example("double", 57, "12a")]
    assert (result.null_count, result.value_count) == (0, 157)


def test_counter_examples_are_the_first_few_rejecting_values():
    values = ["1", "2", "x", "3", "4.5", "y", "z", "w"]
    result = infer(values)
    assert result.counter_examples == [
        example("int", 3, "x"),
        example("int", 5, "4.5"),
        example("int", 6, "y"),
        example("double", 3, "x"),
        example("double", 6, "y"),
        example("double", 7, "z"),
    ]
    assert infer(values, max_counter_examples=1).counter_examples == [example("int", 3, "x"), example("double", 3, "x")]


def test_int_then_decimals_is_double_and_says_why():
    result = infer(["1", "2", "2.5", "3"])
    assert result.type == "double"
    assert result.counter_examples == [example("int", 3, "2.5")]


def test_date_then_datetime_is_datetime():
    result = infer(["2021-03-04", "2021-03-05T10:00"])
    assert result.type == "datetime"
    assert result.counter_examples == [example("date", 2, "2021-03-05T10:00")]


def test_boolean_then_number_is_text():
    result = infer(["yes", "no", "1"])
    assert result.type == "text"
    assert result.counter_examples == [example("boolean", 3, "1")]


def test_types_no_value_supported_are_not_reported():
    # An int column does not list "1" as a counter-example of boolean, date, geo…
    assert infer(["1", "2"]).counter_examples == []
    assert infer(["Alice", "Bob"]).counter_examples == []


def test_text_from_the_first_row_still_explains_a_numeric_column():
    result = infer(["unknown", "see note", "5", "6", "7"])
    assert result.type == "text"
    assert result.counter_examples == [
        example("int", 1, "unknown"),
        example("int", 2, "see note"),
        example("double", 1, "unknown"),
        example("double", 2, "see note"),
    ]


def test_leading_zero_codes_stay_text_and_say_why():
    result = infer(["01000", "75001", "13001"])
    assert result.type == "text"
    assert result.counter_examples == [example("int", 1, "01000"), example("double", 1, "01000")]


def test_integers_beyond_64_bits_are_text():
    big = str(2**63)
    assert infer(["1", big]).counter_examples == [example("int", 2, big), example("double", 2, big)]
    assert infer([1, 2**70]).type == "text"
    assert infer(["1.5", "123456789012345678901234"]).type == "text"
    assert infer(["1.5", "1.5e30"]).type == "double"  # a real double may be large


def test_counter_example_values_are_cut_to_200_characters():
    long_value = "x" * 1000
    assert infer(["1", long_value]).counter_examples[0]["value"] == "x" * 200


def test_annotations_restrict_the_candidates():
    decimals = [{"name": "decimals", "args": [2]}]
    assert infer(["1", "2"], decimals).type == "double"
    assert infer(["1", "2"], [{"name": "multivalued", "args": [";"]}]).type == "text"
    assert infer(["01", "02"], [{"name": "sortable", "args": []}]).type == "text"
    assert infer(["true", "false"], [{"name": "unit", "args": ["km"]}]).type == "text"
    assert infer([None], [{"name": "unit", "args": ["km"]}]).type == "double"
    assert infer([None], [{"name": "timerangeFilter", "args": []}]).type == "datetime"


def test_each_field_is_inferred_independently():
    inference = TypeInference([Field(name, name) for name in ("a", "b", "c")])
    for row in range(1, 101):
        inference.observe(row, {"a": str(row), "b": f"{row}.5", "c": "x" if row == 50 else "true"})
    result = inference.result()
    assert {name: detail.type for name, detail in result.items()} == {"a": "int", "b": "double", "c": "text"}
    assert result["c"].counter_examples == [example("boolean", 50, "x")]


def test_result_can_be_read_as_json():
    assert infer(["1", "x"]).as_dict() == {
        "type": "text",
        "counter_examples": [example("int", 2, "x"), example("double", 2, "x")],
        "null_count": 0,
        "value_count": 2,
        "null_markers": {},
        "decimal_mark": None,
        "date_order": None,
    }


SAMPLES = [
    "true",
    "NO",
    True,
    "0",
    "-12",
    7,
    str(2**63 - 1),
    "3.14",
    "1e5",
    2.5,
    "2021-03-04",
    "2021/03/04",
    dt.date(2021, 3, 4),
    "2021-03-04T10:20:30.5+02:00",
    "2021-03-04 10:20",
    dt.datetime(2021, 3, 4, 10),
    "48.85,2.35",
    [48.85, 2.35],
    "POINT (1 2)",
    "MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)))",
    {"type": "Point", "coordinates": [1, 2]},
    '{"type": "Point", "coordinates": [1, 2]}',
    "hello",
    ["a", "b"],
    {"a": 1},
]


@pytest.mark.parametrize("value", SAMPLES)
def test_whatever_inference_accepts_converts(value):
    """Inference is never more lenient than conversion: an inferred column always loads."""
    kind = classify(value)
    for type_ in [candidate for candidate, kinds in ACCEPTS.items() if kind in kinds] + ["text"]:
        assert convert(value, type_) is not None


def rows(count: int):
    for row in range(1, count + 1):
        yield (
            row,
            {
                "id": str(row),
                "price": f"{row * 0.37:.2f}",
                "day": f"2021-{1 + row % 12:02d}-{1 + row % 28:02d}",
                "name": f"name {row % 1000}",
                "flag": "true" if row % 2 else "false",
            },
        )


def test_speed_and_memory_of_a_large_stream():
    fields = [Field(name, name) for name in ("id", "price", "day", "name", "flag")]
    inference = TypeInference(fields)
    started = time.perf_counter()
    for row, record in rows(200_000):
        inference.observe(row, record)
    elapsed = time.perf_counter() - started
    print(f"\ninference of 200,000 rows x 5 columns (including generating them): {elapsed:.2f} s")
    types = {name: detail.type for name, detail in inference.result().items()}
    assert types == {"id": "int", "price": "double", "day": "date", "name": "text", "flag": "boolean"}
    assert elapsed < 20  # generous: the figure printed above is what matters (~1 s on a laptop)

    inference = TypeInference(fields)
    tracemalloc.start()
    try:
        for row, record in rows(200_000):
            inference.observe(row, record)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"tracemalloc peak: {peak / 1e6:.3f} MB")
    assert peak < 30e6
