"""Conversion of raw values to the Python values loaded into typed columns."""

from __future__ import annotations

import datetime as dt

import pytest

from datasets.pipeline.conversion import convert, converter, json_ready, split_multivalued
from datasets.pipeline.core import FIELD_TYPES, RecordFailure

UTC = dt.UTC
POLYGON = {"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]}


@pytest.mark.parametrize("type_", FIELD_TYPES)
@pytest.mark.parametrize("value", [None, ""])
def test_nulls_are_none_for_every_type(type_, value):
    assert convert(value, type_) is None


@pytest.mark.parametrize("type_", [t for t in FIELD_TYPES if t != "text"])
def test_whitespace_is_null_except_for_text(type_):
    assert convert("  ", type_) is None
    assert convert("  ", "text") == "  "


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("hello", "hello"),
        (" spaced ", " spaced "),
        (12, "12"),
        (1.5, "1.5"),
        (True, "true"),
        ({"a": 1}, '{"a": 1}'),
        (["a", 1, None, "", False], ["a", "1", "false"]),
    ],
)
def test_text(value, expected):
    assert convert(value, "text") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), ("-3", -3), (" 7 ", 7), ("007", 7), ("+5", 5), (42, 42), (5.0, 5), (str(2**63 - 1), 2**63 - 1)],
)
def test_int(value, expected):
    assert convert(value, "int") == expected


@pytest.mark.parametrize("value", ["12a", "1.5", "1_000", "١٢", "1e3", str(2**63), -(2**63) - 1, 1.5, True, [1], "nan"])
def test_int_failures(value):
    with pytest.raises(RecordFailure):
        convert(value, "int")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3.14", 3.14),
        ("-2", -2.0),
        ("1e5", 100000.0),
        (".5", 0.5),
        ("5.", 5.0),
        (" 2.5E-3 ", 0.0025),
        (7, 7.0),
        (1.5, 1.5),
    ],
)
def test_double(value, expected):
    assert convert(value, "double") == expected


@pytest.mark.parametrize(
    "value", ["nan", "inf", "-Infinity", "1e400", float("nan"), float("inf"), "3,14", "1_0.5", "abc", True, 10**400]
)
def test_double_rejects_non_finite_and_comma_decimals(value):
    with pytest.raises(RecordFailure):
        convert(value, "double")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("FALSE", False),
        ("Yes", True),
        ("no", False),
        ("oui", True),
        ("Non", False),
        ("1", True),
        ("0", False),
        (True, True),
        (0, False),
    ],
)
def test_boolean(value, expected):
    assert convert(value, "boolean") is expected


@pytest.mark.parametrize("value", ["vraiment", "2", 2, "t", [True]])
def test_boolean_failures(value):
    with pytest.raises(RecordFailure):
        convert(value, "boolean")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-03-04", dt.date(2021, 3, 4)),
        ("2021/03/04", dt.date(2021, 3, 4)),
        ("2021-03-04T23:30:00-05:00", dt.date(2021, 3, 4)),
        (dt.date(2020, 2, 29), dt.date(2020, 2, 29)),
        (dt.datetime(2020, 2, 29, 12), dt.date(2020, 2, 29)),
    ],
)
def test_date(value, expected):
    assert convert(value, "date") == expected


@pytest.mark.parametrize(
    "value", ["2021-02-30", "04/03/21", "31/02/2021", "2021-3-4", "20210304", "2021-03-04x", 20210304]
)
def test_date_failures(value):
    with pytest.raises(RecordFailure):
        convert(value, "date")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-03-04T10:20", dt.datetime(2021, 3, 4, 10, 20, tzinfo=UTC)),
        ("2021-03-04 10:20:30", dt.datetime(2021, 3, 4, 10, 20, 30, tzinfo=UTC)),
        ("2021-03-04T10:20:30.5Z", dt.datetime(2021, 3, 4, 10, 20, 30, 500000, tzinfo=UTC)),
        ("2021-03-04T10:20:30+02:00", dt.datetime(2021, 3, 4, 8, 20, 30, tzinfo=UTC)),
        ("2021-03-04", dt.datetime(2021, 3, 4, tzinfo=UTC)),
        ("2021/03/04", dt.datetime(2021, 3, 4, tzinfo=UTC)),
        (dt.datetime(2021, 3, 4, 10), dt.datetime(2021, 3, 4, 10, tzinfo=UTC)),
        (dt.date(2021, 3, 4), dt.datetime(2021, 3, 4, tzinfo=UTC)),
    ],
)
def test_datetime_is_always_aware(value, expected):
    result = convert(value, "datetime")
    assert result == expected
    assert result.tzinfo is not None


def test_datetime_keeps_its_offset():
    assert convert("2021-03-04T10:20:30+02:00", "datetime").utcoffset() == dt.timedelta(hours=2)


@pytest.mark.parametrize(
    "value", ["2021-03-04T25:00", "2021-03-04T10", "yesterday", "2021-03-04T10:20:30 CET", 1614800000]
)
def test_datetime_failures(value):
    with pytest.raises(RecordFailure):
        convert(value, "datetime")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("48.85,2.35", (48.85, 2.35)),
        (" -33.9 , 151.2 ", (-33.9, 151.2)),
        ("48,2", (48.0, 2.0)),
        ([48.85, 2.35], (48.85, 2.35)),
        ((1, 2), (1.0, 2.0)),
        ({"type": "Point", "coordinates": [2.35, 48.85]}, (48.85, 2.35)),
    ],
)
def test_geo_point(value, expected):
    assert convert(value, "geo_point_2d") == expected


@pytest.mark.parametrize(
    "value", ["91,0", "0,181", "48.85;2.35", "48.85", [48.85], [True, 2], ["48", "2"], {"type": "LineString"}]
)
def test_geo_point_failures(value):
    with pytest.raises(RecordFailure):
        convert(value, "geo_point_2d")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("POINT (1 2)", {"type": "Point", "coordinates": [1.0, 2.0]}),
        ("point z (1 2 3)", {"type": "Point", "coordinates": [1.0, 2.0, 3.0]}),
        ("LINESTRING(1 2, 3 4)", {"type": "LineString", "coordinates": [[1.0, 2.0], [3.0, 4.0]]}),
        ("POLYGON((0 0, 1 0, 1 1, 0 0))", POLYGON),
        ("MULTIPOINT (1 2, 3 4)", {"type": "MultiPoint", "coordinates": [[1.0, 2.0], [3.0, 4.0]]}),
        ("MULTIPOINT ((1 2), (3 4))", {"type": "MultiPoint", "coordinates": [[1.0, 2.0], [3.0, 4.0]]}),
        (
            "MULTILINESTRING((1 2, 3 4), (5 6, 7 8))",
            {"type": "MultiLineString", "coordinates": [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]},
        ),
        ("MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)))", {"type": "MultiPolygon", "coordinates": [POLYGON["coordinates"]]}),
        ({"type": "Point", "coordinates": [1, 2], "bbox": [1, 2, 1, 2]}, {"type": "Point", "coordinates": [1.0, 2.0]}),
        ('{"type": "Point", "coordinates": [1, 2]}', {"type": "Point", "coordinates": [1.0, 2.0]}),
        ({"type": "Feature", "properties": {}, "geometry": POLYGON}, POLYGON),
        (
            {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1, 2]}]},
            {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1.0, 2.0]}]},
        ),
    ],
)
def test_geo_shape(value, expected):
    assert convert(value, "geo_shape") == expected


@pytest.mark.parametrize(
    "value",
    [
        "POINT (1 2",
        "POINT (1 2) x",
        "POINT EMPTY",
        "POINT (1 2, 3 4)",
        "POINT (a b)",
        "CIRCLE (1 2)",
        "LINESTRING (1 2)",
        "POLYGON ((0 0, 1 0, 1 1))",
        "POLYGON ((0 0, 1 0, 1 1, 0 1))",
        "{not json",
        '{"type": "Point"}',
        {"type": "Point", "coordinates": [1]},
        {"type": "Point", "coordinates": [True, 2]},
        {"type": "Circle", "coordinates": [1, 2]},
        {"type": "Feature", "geometry": None},
        [1, 2],
        "48.85,2.35",
    ],
)
def test_geo_shape_failures(value):
    with pytest.raises(RecordFailure):
        convert(value, "geo_shape")


def test_failure_message_and_params():
    with pytest.raises(RecordFailure) as excinfo:
        convert("a", "int")
    failure = excinfo.value
    assert (failure.raw_message, failure.raw_params, failure.field) == (
        'Cannot convert "{value}" to "{type}"',
        {"value": "a", "type": "int"},
        None,
    )
    assert str(failure) == 'Cannot convert "a" to "int"'


def test_failure_value_is_cut_to_200_characters_and_always_text():
    with pytest.raises(RecordFailure) as excinfo:
        convert("x" * 1000, "int")
    assert excinfo.value.raw_params["value"] == "x" * 200
    with pytest.raises(RecordFailure) as excinfo:
        convert({"type": "Nope", "coordinates": list(range(300))}, "geo_shape")
    assert excinfo.value.raw_params["value"].startswith('{"type": "Nope"')
    assert len(excinfo.value.raw_params["value"]) == 200
    with pytest.raises(RecordFailure) as excinfo:
        convert(True, "int")
    assert excinfo.value.raw_params["value"] == "True"


def test_converter_splits_multivalued_text():
    to_list = converter("text", ";")
    assert to_list("a; b;;c ") == ["a", "b", "c"]
    assert to_list(["x", 1]) == ["x", "1"]
    assert to_list("") is None
    assert converter("int", ";")("5") == 5  # separators only concern text
    assert split_multivalued("solo", ",") == ["solo"]


def test_unknown_type_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown field type 'image'"):
        converter("image")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("odsfile://fi_abc123", "odsfile://fi_abc123"),
        (" https://example.com/a b.pdf ", None),
        ("  HTTP://example.com/a.pdf\n", "HTTP://example.com/a.pdf"),
        ("   ", None),
    ],
)
def test_file_values_are_file_references(value, expected):
    if expected is None and value.strip():
        with pytest.raises(RecordFailure):
            convert(value, "file")
    else:
        assert convert(value, "file") == expected


@pytest.mark.parametrize("value", ["report.pdf", "ftp://example.com/a", "odsfile://", 12, ["odsfile://a"]])
def test_other_values_are_not_files(value):
    with pytest.raises(RecordFailure, match='to "file"'):
        convert(value, "file")


def test_json_ready():
    assert json_ready(dt.date(2021, 3, 4)) == "2021-03-04"
    assert json_ready(dt.datetime(2021, 3, 4, 10, tzinfo=UTC)) == "2021-03-04T10:00:00+00:00"
    assert json_ready((48.85, 2.35)) == [48.85, 2.35]
    assert json_ready(POLYGON) is POLYGON
    assert json_ready(["a"]) == ["a"]
    assert json_ready(None) is None
