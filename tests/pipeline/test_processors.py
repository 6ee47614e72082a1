"""Processors: catalogue, validation envelopes, schema effects (fields) and record effects (apply)."""

from __future__ import annotations

import pytest

from datasets.pipeline.core import Field, InvalidProcessorArgumentError, RecordFailure, UnknownProcessorError
from datasets.pipeline.processors import (
    STEPS,
    build_processor,
    guess_processor_params,
    processor_catalogue,
    validate_processor,
)

NAMES = [
    "add_field",
    "concat",
    "copy_field",
    "create_geopoint",
    "date_normalizer",
    "decode_html",
    "delete_field",
    "delete_record",
    "expand_json_array",
    "expression",
    "extract_from_json",
    "geo_distance",
    "geojoin",
    "regexp_replace",
    "set_timezone",
    "skip_record",
    "split",
    "string_extractor",
    "string_replace",
    "transform_coordinates",
    "unicode_normalize",
]
ARGUMENT_MESSAGE = "Invalid argument '{argument}' for processor {processor}: {reason}"


def step(name: str, **args):
    return build_processor(name, args, "pr_abcdef")


def schema(*names: str) -> list[Field]:
    return [Field(name=name, label=name.title(), original_name=name.title()) for name in names]


def names_of(fields: list[Field]) -> list[str]:
    return [field.name for field in fields]


def invalid(name: str, args: object) -> dict:
    """The envelope of the InvalidProcessorArgumentError that validate_processor raises."""
    with pytest.raises(InvalidProcessorArgumentError) as excinfo:
        validate_processor(name, args)
    return excinfo.value.as_dict()


def assert_invalid(name: str, args: object, argument: str, reason: str) -> None:
    envelope = invalid(name, args)
    assert envelope == {
        "status_code": 400,
        "error_key": "InvalidProcessorArgumentException",
        "message": f"Invalid argument '{argument}' for processor {name}: {reason}",
        "raw_message": ARGUMENT_MESSAGE,
        "raw_params": {"processor": name, "argument": argument, "reason": reason},
    }


def schema_error(processor, fields: list[Field]) -> dict:
    with pytest.raises(InvalidProcessorArgumentError) as excinfo:
        processor.fields(fields)
    return excinfo.value.raw_params


def record_failure(processor, record: dict) -> RecordFailure:
    with pytest.raises(RecordFailure) as excinfo:
        processor.apply(record)
    return excinfo.value


# ---------------------------------------------------------------------------------------------- catalogue


def test_catalogue_lists_every_processor_sorted_by_name():
    catalogue = processor_catalogue()
    assert [entry["name"] for entry in catalogue] == NAMES
    assert sorted(STEPS) == NAMES


def test_catalogue_entry_shape():
    entry = next(entry for entry in processor_catalogue() if entry["name"] == "string_replace")
    assert entry["label"] == "Replace text"
    assert entry["description"].startswith("Replace every occurrence")
    assert [argument["name"] for argument in entry["arguments"]] == ["field", "all_fields", "old", "new"]
    assert entry["arguments"][1] == {
        "name": "all_fields",
        "label": "All fields",
        "type": "boolean",
        "description": "Process every text value of the record; 'field' is then not needed.",
        "required": False,
        "default": False,
    }
    assert entry["arguments"][2]["required"] is True


def test_catalogue_choices_only_where_there_are_choices():
    arguments = {
        (entry["name"], argument["name"]): argument
        for entry in processor_catalogue()
        for argument in entry["arguments"]
    }
    assert arguments[("unicode_normalize", "form")]["choices"] == ["NFC", "NFD", "NFKC", "NFKD"]
    assert arguments[("unicode_normalize", "form")]["default"] == "NFKC"
    assert arguments[("geo_distance", "unit")]["choices"] == ["km", "m", "mi"]
    assert [key for key, argument in arguments.items() if "choices" in argument] == [
        ("geo_distance", "unit"),
        ("unicode_normalize", "form"),
    ]
    assert arguments[("create_geopoint", "output_field")]["default"] == "geo_point"
    assert arguments[("concat", "fields")]["type"] == "fields"


# ---------------------------------------------------------------------------------------------- validation envelopes


def test_unknown_processor():
    with pytest.raises(UnknownProcessorError) as excinfo:
        validate_processor("translate", {})
    known = ", ".join(NAMES)
    assert excinfo.value.as_dict() == {
        "status_code": 400,
        "error_key": "UnknownProcessorException",
        "message": f"Unknown processor 'translate'; known processors: {known}",
        "raw_message": "Unknown processor '{processor}'; known processors: {known}",
        "raw_params": {"processor": "translate", "known": known},
    }


def test_unknown_processor_for_build_and_guess():
    with pytest.raises(UnknownProcessorError):
        build_processor("translate", {}, "pr_x")
    with pytest.raises(UnknownProcessorError):
        guess_processor_params("translate", [], [])
    with pytest.raises(UnknownProcessorError):
        validate_processor(None, {})


def test_args_must_be_an_object():
    assert_invalid("concat", ["a", "b"], "args", "must be an object")


def test_missing_argument():
    assert_invalid("concat", {"fields": ["a", "b"]}, "output_field", "this argument is required")


def test_null_counts_as_missing():
    assert_invalid("concat", {"fields": ["a", "b"], "output_field": None}, "output_field", "this argument is required")


def test_unknown_argument():
    assert_invalid(
        "string_replace",
        {"field": "a", "old": "x", "colour": "red"},
        "colour",
        "unknown argument; expected one of: field, all_fields, old, new",
    )


@pytest.mark.parametrize(
    ("name", "args", "argument", "reason"),
    [
        ("string_replace", {"field": "a", "old": 1}, "old", "must be a string"),
        ("string_replace", {"field": 3, "old": "x"}, "field", "must be a string"),
        ("string_replace", {"all_fields": "yes", "old": "x"}, "all_fields", "must be true or false"),
        ("concat", {"fields": "a,b", "output_field": "c"}, "fields", "must be a list of field names"),
        ("concat", {"fields": ["a", ""], "output_field": "c"}, "fields", "must be a list of field names"),
        ("concat", {"fields": ["a"], "output_field": "c"}, "fields", "must list at least 2 fields"),
        ("add_field", {"field": "x", "value": 3}, "value", "must be a string"),
        ("unicode_normalize", {"field": "a", "form": "NFX"}, "form", "must be one of: NFC, NFD, NFKC, NFKD"),
    ],
)
def test_wrong_types(name, args, argument, reason):
    assert_invalid(name, args, argument, reason)


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_field_name(value):
    assert_invalid("delete_field", {"field": value}, "field", "must not be empty")


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [("My Field", "my_field"), ("where", "where_field"), ("1st", "f_1st"), ("prix_€", "prix")],
)
def test_output_fields_must_be_technical_names(value, suggestion):
    reason = f"'{value}' is not a valid field name; use lowercase letters, digits and underscores, e.g. '{suggestion}'"
    assert_invalid("add_field", {"field": value}, "field", reason)


def test_bad_regexp():
    reason = "invalid regular expression: missing ), unterminated subpattern at position 0"
    assert_invalid("regexp_replace", {"field": "a", "regexp": "(", "new": ""}, "regexp", reason)


def test_too_long_regexp():
    assert_invalid("regexp_replace", {"field": "a", "regexp": "a" * 1001}, "regexp", "longer than 1000 characters")


@pytest.mark.parametrize(
    ("regexp", "new", "reason"),
    [
        ("(a)", r"\2", "invalid replacement: invalid group reference 2 at position 1"),
        ("(?P<x>a)", r"\g<y>", "invalid replacement: unknown group name 'y'"),
        ("a", r"\q", "invalid replacement: bad escape \\q at position 0"),
    ],
)
def test_bad_replacement_template(regexp, new, reason):
    assert_invalid("regexp_replace", {"field": "a", "regexp": regexp, "new": new}, "new", reason)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../etc/passwd", "Europe", "", "utc "])
def test_bad_timezone(zone):
    reason = f"unknown time zone '{zone}'; use an IANA name such as 'Europe/Paris' or 'UTC'"
    assert_invalid("set_timezone", {"field": "a", "timezone": zone}, "timezone", reason)


def test_bad_expression():
    reason = "expected a value, found end of expression at position 5"
    assert_invalid("expression", {"output_field": "b", "expression": "{{a +}}"}, "expression", reason)


def test_hostile_expression():
    envelope = invalid("expression", {"output_field": "b", "expression": "__import__('os').system('rm -rf /')"})
    assert envelope["raw_params"]["argument"] == "expression"
    assert envelope["raw_params"]["reason"].startswith("unknown function '__import__' (functions: abs,")
    assert envelope["raw_params"]["reason"].endswith(" at position 0")


def test_bad_condition():
    reason = "unexpected character '=' (use '==' to compare) at position 7"
    assert_invalid("skip_record", {"condition": "status = 'x'"}, "condition", reason)


@pytest.mark.parametrize(
    ("date_format", "reason"),
    [
        ("%H:%M", "must contain a day, month or year directive such as %d, %m or %Y"),
        ("no directive", "must contain a day, month or year directive such as %d, %m or %Y"),
        ("%d/%m/%Q", "invalid date format: 'Q' is a bad directive in format '%d/%m/%Q'"),
        ("%-d/%m/%Y", "invalid date format: '-' is a bad directive in format '%-d/%m/%Y'"),
        ("%Y-%m-%d%", "invalid date format: stray % in format '%Y-%m-%d%'"),
    ],
)
def test_bad_date_format(date_format, reason):
    assert_invalid("date_normalizer", {"field": "a", "format": date_format}, "format", reason)


def test_bad_json_path():
    reason = "'a..b' is not a dotted path such as 'a.b.0.c'"
    assert_invalid("extract_from_json", {"field": "j", "path": "a..b", "output_field": "v"}, "path", reason)


# ---------------------------------------------------------------------------------------------- build


def test_build_fills_defaults_and_keeps_uid_and_name():
    processor = build_processor("split", {"field": "tags", "separator": ";"}, "pr_qwerty")
    assert (processor.uid, processor.name) == ("pr_qwerty", "split")
    assert processor.args == {"field": "tags", "separator": ";", "output_field": "tags"}


def test_build_validates_again():
    with pytest.raises(InvalidProcessorArgumentError):
        build_processor("split", {"field": "tags"}, "pr_qwerty")


def test_missing_field_error_names_the_argument_and_lists_fields():
    processor = step("delete_field", field="ghost")
    assert schema_error(processor, schema("a", "b")) == {
        "processor": "delete_field",
        "argument": "field",
        "reason": "no field 'ghost' at this point of the pipeline; fields: a, b",
        "processor_uid": "pr_abcdef",
    }
    assert schema_error(processor, [])["reason"] == "no field 'ghost' at this point of the pipeline; fields: (none)"


def test_missing_field_error_message():
    with pytest.raises(InvalidProcessorArgumentError) as excinfo:
        step("delete_field", field="ghost").fields(schema("a"))
    assert str(excinfo.value) == (
        "Invalid argument 'field' for processor delete_field: no field 'ghost' at this point of the pipeline; fields: a"
    )


# ---------------------------------------------------------------------------------------------- string_replace


def test_string_replace_validation_defaults():
    assert validate_processor("string_replace", {"field": "a", "old": "x"}) == {
        "field": "a",
        "all_fields": False,
        "old": "x",
        "new": "",
    }


def test_string_replace_needs_field_or_all_fields():
    reason = "this argument is required unless 'all_fields' is true"
    assert_invalid("string_replace", {"old": "x", "new": "y"}, "field", reason)
    assert validate_processor("string_replace", {"all_fields": True, "old": "x"})["all_fields"] is True


def test_string_replace_old_must_not_be_empty():
    assert_invalid("string_replace", {"field": "a", "old": ""}, "old", "must not be empty")


def test_string_replace_one_field():
    processor = step("string_replace", field="a", old="-", new="/")
    assert processor.apply({"a": "1-2-3", "b": "4-5"}) == {"a": "1/2/3", "b": "4-5"}
    assert processor.apply({"a": None, "b": "x"}) == {"a": None, "b": "x"}
    assert processor.apply({"b": "x"}) == {"b": "x"}
    assert processor.apply({"a": -12}) == {"a": "/12"}
    assert processor.apply({"a": ["1-2", None, "3"]}) == {"a": ["1/2", None, "3"]}


def test_string_replace_rejects_objects():
    error = record_failure(step("string_replace", field="a", old="x", new="y"), {"a": {"k": "x"}})
    assert error.raw_message == 'Cannot process the object "{value}" as text'
    assert error.raw_params == {"value": '{"k": "x"}'}
    assert error.field == "a"


def test_string_replace_all_fields_touches_texts_only():
    processor = step("string_replace", all_fields=True, old="N/A", new="")
    record = {"a": "N/A", "b": 3, "c": None, "d": ["N/A", "x"], "e": {"k": "N/A"}}
    assert processor.apply(record) == {"a": "", "b": 3, "c": None, "d": ["", "x"], "e": {"k": "N/A"}}


def test_string_replace_fields():
    fields = schema("a", "b")
    assert step("string_replace", field="a", old="x").fields(fields) == fields
    assert step("string_replace", all_fields=True, old="x").fields([]) == []
    assert schema_error(step("string_replace", field="z", old="x"), fields)["argument"] == "field"


# ---------------------------------------------------------------------------------------------- regexp_replace


def test_regexp_replace_groups():
    processor = step("regexp_replace", field="d", regexp=r"(\d{2})/(\d{2})/(?P<year>\d{4})", new=r"\g<year>-\2-\1")
    assert processor.apply({"d": "14/07/1789"}) == {"d": "1789-07-14"}
    assert processor.apply({"d": "none"}) == {"d": "none"}
    assert processor.apply({"d": None}) == {"d": None}


def test_regexp_replace_whole_value_like_the_documented_example():
    processor = step("regexp_replace", field="text_field", regexp=".*", new="Hello World")
    assert processor.apply({"text_field": "abc"}) == {"text_field": "Hello World"}
    assert processor.apply({"text_field": ""}) == {"text_field": "Hello World"}


def test_regexp_replace_every_match_and_empty_matches():
    assert step("regexp_replace", field="a", regexp=r"\s+", new=" ").apply({"a": " a  b\tc "}) == {"a": " a b c "}
    assert step("regexp_replace", field="a", regexp="x*", new="-").apply({"a": "abc"}) == {"a": "-a-b-c-"}


def test_regexp_replace_all_fields():
    processor = step("regexp_replace", all_fields=True, regexp="^ +| +$")
    assert processor.apply({"a": "  x ", "b": 1}) == {"a": "x", "b": 1}


def test_regexp_replace_validation():
    assert validate_processor("regexp_replace", {"field": "a", "regexp": "x"}) == {
        "field": "a",
        "all_fields": False,
        "regexp": "x",
        "new": "",
    }
    assert_invalid("regexp_replace", {"regexp": "x"}, "field", "this argument is required unless 'all_fields' is true")


def test_regexp_replace_fields():
    assert schema_error(step("regexp_replace", field="z", regexp="x"), schema("a"))["argument"] == "field"


# ---------------------------------------------------------------------------------------------- concat


def test_concat_joins_and_skips_blanks():
    processor = step("concat", fields=["first", "last", "city"], separator=", ", output_field="label")
    assert processor.apply({"first": "Ada", "last": "Lovelace", "city": "London"})["label"] == "Ada, Lovelace, London"
    assert processor.apply({"first": "Ada", "last": None, "city": ""})["label"] == "Ada"
    assert processor.apply({"first": 1, "last": 2.5, "city": True})["label"] == "1, 2.5, true"
    assert processor.apply({})["label"] is None


def test_concat_default_separator():
    assert validate_processor("concat", {"fields": ["a", "b"], "output_field": "c"})["separator"] == " "
    assert step("concat", fields=["a", "b"], output_field="c").apply({"a": "x", "b": "y"}) == {
        "a": "x",
        "b": "y",
        "c": "x y",
    }


def test_concat_fields():
    processor = step("concat", fields=["a", "b"], output_field="c")
    result = processor.fields(schema("a", "b"))
    assert names_of(result) == ["a", "b", "c"]
    assert result[2] == Field(name="c", label="c", type="text", original_name=None)
    assert schema_error(step("concat", fields=["a", "zz"], output_field="c"), schema("a", "b"))["reason"] == (
        "no field 'zz' at this point of the pipeline; fields: a, b"
    )


def test_concat_into_an_existing_field_keeps_the_schema():
    fields = schema("a", "b")
    assert step("concat", fields=["a", "b"], output_field="a").fields(fields) == fields


def test_concat_rejects_objects():
    error = record_failure(step("concat", fields=["a", "b"], output_field="c"), {"a": {"x": 1}, "b": "y"})
    assert (error.field, error.raw_params) == ("c", {"value": '{"x": 1}'})


# ---------------------------------------------------------------------------------------------- split


def test_split_makes_a_trimmed_list_without_empty_parts():
    processor = step("split", field="tags", separator=";")
    assert processor.apply({"tags": "a; b ;;c;"}) == {"tags": ["a", "b", "c"]}
    assert processor.apply({"tags": "single"}) == {"tags": ["single"]}
    assert processor.apply({"tags": None}) == {"tags": None}
    assert processor.apply({"tags": "  "}) == {"tags": None}
    assert processor.apply({"tags": ["a;b", "c"]}) == {"tags": ["a", "b", "c"]}
    assert processor.apply({"tags": 12}) == {"tags": ["12"]}


def test_split_into_another_field():
    processor = step("split", field="tags", separator="|", output_field="tag_list")
    assert processor.apply({"tags": "x|y"}) == {"tags": "x|y", "tag_list": ["x", "y"]}
    assert names_of(processor.fields(schema("tags"))) == ["tags", "tag_list"]


def test_split_validation():
    assert_invalid("split", {"field": "a", "separator": ""}, "separator", "must not be empty")
    assert_invalid("split", {"field": "a"}, "separator", "this argument is required")
    assert validate_processor("split", {"field": "a", "separator": ","}) == {
        "field": "a",
        "separator": ",",
        "output_field": "a",
    }


def test_split_fields():
    fields = schema("tags")
    assert step("split", field="tags", separator=";").fields(fields) == fields
    assert schema_error(step("split", field="z", separator=";"), fields)["argument"] == "field"


def test_split_rejects_objects():
    error = record_failure(step("split", field="a", separator=";"), {"a": {"x": 1}})
    assert (error.field, error.raw_message) == ("a", 'Cannot process the object "{value}" as text')


# ------------------------------------------------------------------------ copy_field / add_field / delete_field


def test_copy_field():
    processor = step("copy_field", from_field="a", to_field="b")
    assert processor.apply({"a": "x"}) == {"a": "x", "b": "x"}
    assert processor.apply({"a": None, "b": "old"}) == {"a": None, "b": None}
    record = processor.apply({"a": ["x"]})
    record["b"].append("y")
    assert record == {"a": ["x"], "b": ["x", "y"]}


def test_copy_field_fields():
    processor = step("copy_field", from_field="a", to_field="b")
    assert names_of(processor.fields(schema("a"))) == ["a", "b"]
    assert schema_error(processor, schema("c"))["argument"] == "from_field"
    assert step("copy_field", from_field="a", to_field="c").fields(schema("a", "c")) == schema("a", "c")


def test_copy_field_validation():
    assert_invalid("copy_field", {"from_field": "a"}, "to_field", "this argument is required")
    assert_invalid(
        "copy_field",
        {"from_field": "a", "to_field": "B"},
        "to_field",
        ("'B' is not a valid field name; use lowercase letters, digits and underscores, e.g. 'b'"),
    )


def test_add_field():
    processor = step("add_field", field="source", value="INSEE")
    assert processor.apply({"a": 1}) == {"a": 1, "source": "INSEE"}
    assert step("add_field", field="empty").apply({}) == {"empty": ""}
    assert validate_processor("add_field", {"field": "x"}) == {"field": "x", "value": ""}


def test_add_field_fields():
    result = step("add_field", field="source").fields(schema("a"))
    assert result == [*schema("a"), Field(name="source", label="source", original_name=None)]


def test_delete_field():
    processor = step("delete_field", field="b")
    assert processor.apply({"a": 1, "b": 2}) == {"a": 1}
    assert processor.apply({"a": 1}) == {"a": 1}
    assert names_of(processor.fields(schema("a", "b", "c"))) == ["a", "c"]
    assert schema_error(processor, schema("a"))["reason"] == "no field 'b' at this point of the pipeline; fields: a"


# ---------------------------------------------------------------------------------------------- expression


def test_expression_documented_example():
    processor = step("expression", output_field="result", expression="{{my_column > 0 ? 'positive' : 'negative'}}")
    assert processor.apply({"my_column": "12"}) == {"my_column": "12", "result": "positive"}
    assert processor.apply({"my_column": "-1"})["result"] == "negative"
    assert processor.apply({"my_column": None})["result"] == "negative"


def test_expression_failure_names_the_output_field():
    processor = step("expression", output_field="ratio", expression="number(a) / number(b)")
    assert processor.apply({"a": "3", "b": "4"})["ratio"] == 0.75
    error = record_failure(processor, {"a": "3", "b": "0"})
    assert (error.field, error.raw_message, error.raw_params) == ("ratio", "Division by zero in the expression", {})
    error = record_failure(processor, {"a": "x", "b": "1"})
    assert (error.field, str(error)) == ("ratio", 'Cannot use "x" as a number')


def test_expression_fields():
    processor = step("expression", output_field="total", expression="number(a) + number(record['b'])")
    assert names_of(processor.fields(schema("a", "b"))) == ["a", "b", "total"]
    assert schema_error(processor, schema("a")) == {
        "processor": "expression",
        "argument": "expression",
        "reason": "no field 'b' at this point of the pipeline; fields: a",
        "processor_uid": "pr_abcdef",
    }


def test_expression_validation():
    assert_invalid("expression", {"expression": "1"}, "output_field", "this argument is required")
    assert_invalid("expression", {"output_field": "x", "expression": 1}, "expression", "must be a string")


# ---------------------------------------------------------------------------------------------- skip_record


def test_skip_record_with_a_condition():
    processor = step("skip_record", condition="{{ number(population) < 1000 or isnull(name) }}")
    assert processor.apply({"population": "500", "name": "A"}) is None
    assert processor.apply({"population": "5000", "name": ""}) is None
    assert processor.apply({"population": "5000", "name": "B"}) == {"population": "5000", "name": "B"}


def test_skip_record_condition_failure_is_a_record_failure():
    error = record_failure(step("skip_record", condition="number(a) > 1"), {"a": "x"})
    assert (error.raw_message, error.field) == ('Cannot use "{value}" as a number', None)


def test_skip_record_simple_form():
    processor = step("skip_record", field="status", value="deleted")
    assert processor.apply({"status": "deleted"}) is None
    assert processor.apply({"status": "Deleted"}) == {"status": "Deleted"}
    assert processor.apply({"status": None}) == {"status": None}


def test_skip_record_simple_form_without_value_drops_empty_values():
    assert validate_processor("skip_record", {"field": "a"}) == {"field": "a", "value": ""}
    processor = step("skip_record", field="a")
    assert processor.apply({"a": None}) is None
    assert processor.apply({"a": ""}) is None
    assert processor.apply({"a": "x"}) == {"a": "x"}


def test_skip_record_simple_form_compares_texts():
    assert step("skip_record", field="n", value="3").apply({"n": 3}) is None


@pytest.mark.parametrize(
    ("args", "argument", "reason"),
    [
        ({}, "condition", "give either 'condition' (an expression) or 'field' and 'value'"),
        ({"condition": "a", "field": "a"}, "condition", "give either 'condition' or 'field' and 'value', not both"),
        ({"condition": "a", "value": "x"}, "condition", "give either 'condition' or 'field' and 'value', not both"),
        ({"value": "x"}, "field", "this argument is required with 'value'"),
        ({"field": "a", "value": 1}, "value", "must be a string"),
    ],
)
def test_skip_record_validation(args, argument, reason):
    assert_invalid("skip_record", args, argument, reason)


def test_skip_record_fields():
    fields = schema("a", "b")
    assert step("skip_record", condition="a == b").fields(fields) == fields
    assert schema_error(step("skip_record", condition="a == c"), fields)["argument"] == "condition"
    assert schema_error(step("skip_record", field="c"), fields)["argument"] == "field"


# ---------------------------------------------------------------------------------------------- create_geopoint


def test_create_geopoint_from_two_fields():
    processor = step("create_geopoint", latitude_field="lat", longitude_field="lon")
    assert processor.apply({"lat": "48.8566", "lon": "2.3522"})["geo_point"] == [48.8566, 2.3522]
    assert processor.apply({"lat": "48,8566", "lon": " -2,35 "})["geo_point"] == [48.8566, -2.35]
    assert processor.apply({"lat": 45, "lon": -73.5})["geo_point"] == [45.0, -73.5]
    assert processor.apply({"lat": None, "lon": "2.35"})["geo_point"] is None
    assert processor.apply({"lat": "48.85", "lon": ""})["geo_point"] is None


@pytest.mark.parametrize(
    ("record", "raw_message", "raw_params"),
    [
        (
            {"lat": "95", "lon": "2"},
            "The {axis} {value} is out of range [{minimum}, {maximum}]",
            {"axis": "latitude", "value": 95.0, "minimum": -90, "maximum": 90},
        ),
        (
            {"lat": "45", "lon": "-180.5"},
            "The {axis} {value} is out of range [{minimum}, {maximum}]",
            {"axis": "longitude", "value": -180.5, "minimum": -180, "maximum": 180},
        ),
        ({"lat": "north", "lon": "2"}, 'Cannot read "{value}" as a {axis}', {"value": "north", "axis": "latitude"}),
        ({"lat": "45", "lon": "nan"}, 'Cannot read "{value}" as a {axis}', {"value": "nan", "axis": "longitude"}),
        ({"lat": True, "lon": "2"}, 'Cannot read "{value}" as a {axis}', {"value": "true", "axis": "latitude"}),
    ],
)
def test_create_geopoint_bad_coordinates(record, raw_message, raw_params):
    error = record_failure(step("create_geopoint", latitude_field="lat", longitude_field="lon"), record)
    assert (error.field, error.raw_message, error.raw_params) == ("geo_point", raw_message, raw_params)


def test_create_geopoint_out_of_range_message():
    error = record_failure(step("create_geopoint", latitude_field="lat", longitude_field="lon"), {"lat": 91, "lon": 0})
    assert str(error) == "The latitude 91.0 is out of range [-90, 90]"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("48.85,2.35", [48.85, 2.35]),
        ("48.85, 2.35", [48.85, 2.35]),
        (" 48.85 2.35 ", [48.85, 2.35]),
        ("48.85;-2.35", [48.85, -2.35]),
        ("[48.85, 2.35]", [48.85, 2.35]),
        ("(-33.9, 151.2)", [-33.9, 151.2]),
        ([48.85, 2.35], [48.85, 2.35]),
        (["48.85", "2.35"], [48.85, 2.35]),
        (None, None),
        ("", None),
    ],
)
def test_create_geopoint_from_one_field(value, expected):
    processor = step("create_geopoint", field="coords", output_field="point")
    assert processor.apply({"coords": value})["point"] == expected


@pytest.mark.parametrize(
    ("value", "raw_message", "raw_params"),
    [
        ("48.85", 'Cannot read "{value}" as a "latitude,longitude" pair', {"value": "48.85"}),
        ("Paris", 'Cannot read "{value}" as a "latitude,longitude" pair', {"value": "Paris"}),
        (
            "48.85,185",
            "The {axis} {value} is out of range [{minimum}, {maximum}]",
            {"axis": "longitude", "value": 185.0, "minimum": -180, "maximum": 180},
        ),
        (
            "148.85,2.35",
            "The {axis} {value} is out of range [{minimum}, {maximum}]",
            {"axis": "latitude", "value": 148.85, "minimum": -90, "maximum": 90},
        ),
        ({"lat": 1}, 'Cannot read "{value}" as a "latitude,longitude" pair', {"value": '{"lat": 1}'}),
    ],
)
def test_create_geopoint_bad_pairs(value, raw_message, raw_params):
    processor = step("create_geopoint", field="coords", output_field="point")
    error = record_failure(processor, {"coords": value})
    assert (error.field, error.raw_message, error.raw_params) == ("point", raw_message, raw_params)


def test_create_geopoint_fields_have_the_geo_point_type():
    processor = step("create_geopoint", latitude_field="lat", longitude_field="lon")
    result = processor.fields(schema("lat", "lon"))
    assert result[2] == Field(name="geo_point", label="geo_point", type="geo_point_2d", original_name=None)
    overwritten = step("create_geopoint", field="coords", output_field="coords").fields(schema("coords"))
    assert [(field.name, field.type, field.label) for field in overwritten] == [("coords", "geo_point_2d", "Coords")]


def test_create_geopoint_fields_need_their_inputs():
    processor = step("create_geopoint", latitude_field="lat", longitude_field="lon")
    assert schema_error(processor, schema("lat"))["argument"] == "longitude_field"
    assert schema_error(step("create_geopoint", field="c"), schema("lat"))["argument"] == "field"


@pytest.mark.parametrize(
    ("args", "argument", "reason"),
    [
        ({}, "field", "give either 'field' (one 'lat,lon' text) or 'latitude_field' and 'longitude_field'"),
        ({"latitude_field": "a"}, "longitude_field", "this argument is required with 'latitude_field'"),
        ({"longitude_field": "a"}, "latitude_field", "this argument is required with 'longitude_field'"),
        (
            {"field": "c", "latitude_field": "a", "longitude_field": "b"},
            "field",
            "give either 'field' or 'latitude_field' and 'longitude_field', not both",
        ),
    ],
)
def test_create_geopoint_validation(args, argument, reason):
    assert_invalid("create_geopoint", args, argument, reason)


def test_create_geopoint_normalised_args():
    assert validate_processor("create_geopoint", {"field": "c"}) == {"field": "c", "output_field": "geo_point"}


# ---------------------------------------------------------------------------------------------- date_normalizer


@pytest.mark.parametrize(
    ("date_format", "value", "expected"),
    [
        ("%d/%m/%Y", "14/07/1789", "1789-07-14"),
        ("%d/%m/%Y", " 01/02/2024 ", "2024-02-01"),
        ("%d/%m/%Y %H:%M", "01/02/2024 13:45", "2024-02-01T13:45:00"),
        ("%Y%m%d", 20240102, "2024-01-02"),
        ("%d %B %Y", "3 March 2021", "2021-03-03"),
        ("%Y-%m-%dT%H:%M:%S%z", "2024-01-02T10:00:00+0200", "2024-01-02T10:00:00+02:00"),
        ("%m/%d/%y", "12/31/99", "1999-12-31"),
    ],
)
def test_date_normalizer(date_format, value, expected):
    processor = step("date_normalizer", field="d", format=date_format)
    assert processor.apply({"d": value}) == {"d": expected}


def test_date_normalizer_blank_values_become_null():
    processor = step("date_normalizer", field="d", format="%d/%m/%Y", output_field="iso")
    assert processor.apply({"d": None}) == {"d": None, "iso": None}
    assert processor.apply({"d": ""}) == {"d": "", "iso": None}


def test_date_normalizer_bad_value():
    error = record_failure(
        step("date_normalizer", field="d", format="%d/%m/%Y", output_field="iso"), {"d": "31/02/2024"}
    )
    assert (error.field, error.raw_message, error.raw_params) == (
        "iso",
        'Cannot read "{value}" as a date with format "{format}"',
        {"value": "31/02/2024", "format": "%d/%m/%Y"},
    )
    assert str(error) == 'Cannot read "31/02/2024" as a date with format "%d/%m/%Y"'


def test_date_normalizer_fields_and_defaults():
    assert validate_processor("date_normalizer", {"field": "d", "format": "%Y"}) == {
        "field": "d",
        "format": "%Y",
        "output_field": "d",
    }
    processor = step("date_normalizer", field="d", format="%Y", output_field="iso")
    assert names_of(processor.fields(schema("d"))) == ["d", "iso"]
    assert schema_error(processor, schema("x"))["argument"] == "field"


def test_date_normalizer_format_is_required():
    assert_invalid("date_normalizer", {"field": "d"}, "format", "this argument is required")


# ---------------------------------------------------------------------------------------------- set_timezone


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-15T10:00:00", "2024-01-15T10:00:00+01:00"),
        ("2024-07-15 10:00", "2024-07-15T10:00:00+02:00"),
        ("2024-07-15T10:00:00+00:00", "2024-07-15T10:00:00+00:00"),
        ("2024-07-15T10:00:00Z", "2024-07-15T10:00:00+00:00"),
        ("2024-07-15", "2024-07-15"),
        ("", ""),
        (None, None),
    ],
)
def test_set_timezone(value, expected):
    processor = step("set_timezone", field="t", timezone="Europe/Paris")
    assert processor.apply({"t": value}) == {"t": expected}


def test_set_timezone_bad_value():
    error = record_failure(step("set_timezone", field="t", timezone="UTC"), {"t": "15/07/2024 10:00"})
    assert (error.field, error.raw_message, error.raw_params) == (
        "t",
        'Cannot read "{value}" as a datetime',
        {"value": "15/07/2024 10:00"},
    )


def test_set_timezone_fields():
    fields = schema("t")
    processor = step("set_timezone", field="t", timezone="America/New_York")
    assert processor.fields(fields) == fields
    assert schema_error(processor, schema("u"))["argument"] == "field"
    assert_invalid("set_timezone", {"field": "t"}, "timezone", "this argument is required")


# ------------------------------------------------------------------------------- unicode_normalize / decode_html


def test_unicode_normalize_default_form_is_nfkc():
    assert validate_processor("unicode_normalize", {"field": "a"}) == {
        "field": "a",
        "all_fields": False,
        "form": "NFKC",
    }
    assert step("unicode_normalize", field="a").apply({"a": "ﬁ ①"}) == {"a": "fi 1"}


def test_unicode_normalize_forms():
    decomposed = "e\u0301"
    assert step("unicode_normalize", field="a", form="NFC").apply({"a": decomposed}) == {"a": "é"}
    assert step("unicode_normalize", field="a", form="NFD").apply({"a": "é"}) == {"a": decomposed}
    assert step("unicode_normalize", all_fields=True, form="NFC").apply({"a": decomposed, "b": None, "c": 1}) == {
        "a": "é",
        "b": None,
        "c": 1,
    }
    assert step("unicode_normalize", field="a").apply({"a": None}) == {"a": None}


def test_unicode_normalize_validation_and_fields():
    assert_invalid("unicode_normalize", {}, "field", "this argument is required unless 'all_fields' is true")
    assert schema_error(step("unicode_normalize", field="z"), schema("a"))["argument"] == "field"


def test_decode_html():
    processor = step("decode_html", field="a")
    assert processor.apply({"a": "Caf&eacute; &amp; th&#233; &lt;b&gt;"}) == {"a": "Café & thé <b>"}
    assert processor.apply({"a": None}) == {"a": None}
    assert step("decode_html", all_fields=True).apply({"a": "&quot;x&quot;", "b": 2}) == {"a": '"x"', "b": 2}


def test_decode_html_validation_and_fields():
    assert_invalid(
        "decode_html", {"all_fields": False}, "field", "this argument is required unless 'all_fields' is true"
    )
    assert step("decode_html", all_fields=True).fields(schema("a")) == schema("a")
    assert schema_error(step("decode_html", field="z"), schema("a"))["argument"] == "field"


# ---------------------------------------------------------------------------------------------- extract_from_json


@pytest.mark.parametrize(
    ("value", "path", "expected"),
    [
        ('{"a": {"b": [{"c": 1}, {"c": 2}]}}', "a.b.1.c", 2),
        ({"a": {"b": [{"c": 1}]}}, "a.b.0.c", 1),
        ({"a": {"b": [{"c": 1}]}}, "$.a.b[0].c", 1),
        ({"a": {"b": [10, 20]}}, "a.b", [10, 20]),
        ({"a": {"0": "key"}}, "a.0", "key"),
        ('{"a": 1}', "b", None),
        ('{"a": [1]}', "a.5", None),
        ('{"a": [1]}', "a.x", None),
        ('{"a": "text"}', "a.b", None),
        ("[1, 2]", "1", 2),
        ('{"a": 1}', "$", {"a": 1}),
        (None, "a", None),
        ("", "a", None),
    ],
)
def test_extract_from_json(value, path, expected):
    processor = step("extract_from_json", field="j", path=path, output_field="v")
    assert processor.apply({"j": value})["v"] == expected


def test_extract_from_json_invalid_json():
    error = record_failure(step("extract_from_json", field="j", path="a", output_field="v"), {"j": "{'a': 1}"})
    assert (error.field, error.raw_message, error.raw_params) == (
        "v",
        'Invalid JSON "{value}": {reason}',
        {"value": "{'a': 1}", "reason": "Expecting property name enclosed in double quotes"},
    )


def test_extract_from_json_fields_and_validation():
    processor = step("extract_from_json", field="j", path="a", output_field="v")
    assert names_of(processor.fields(schema("j"))) == ["j", "v"]
    assert schema_error(processor, schema("k"))["argument"] == "field"
    assert_invalid("extract_from_json", {"field": "j", "path": "a"}, "output_field", "this argument is required")
    assert_invalid(
        "extract_from_json",
        {"field": "j", "path": "", "output_field": "v"},
        "path",
        ("'' is not a dotted path such as 'a.b.0.c'"),
    )


# ---------------------------------------------------------------------------------------------- string_extractor


def test_string_extractor_documented_example():
    processor = step("string_extractor", field="text_field", regexp="(?P<planet>^World)")
    assert processor.apply({"text_field": "World peace"}) == {"text_field": "World peace", "planet": "World"}
    assert processor.apply({"text_field": "Hello World"}) == {"text_field": "Hello World", "planet": None}
    assert processor.apply({"text_field": None}) == {"text_field": None, "planet": None}


def test_string_extractor_several_groups():
    processor = step("string_extractor", field="a", regexp=r"(?P<zip>\d{5}) (?P<city>\w+)(?: \((\w+)\))?")
    assert processor.apply({"a": "75001 Paris (FR)"}) == {"a": "75001 Paris (FR)", "zip": "75001", "city": "Paris"}
    assert names_of(processor.fields(schema("a"))) == ["a", "zip", "city"]
    assert schema_error(processor, schema("b"))["argument"] == "field"


def test_string_extractor_validation():
    reason = "must contain at least one named group such as (?P<name>…)"
    assert_invalid("string_extractor", {"field": "a", "regexp": r"(\d+)"}, "regexp", reason)
    reason = (
        "group name 'Planet' is not a valid field name; use lowercase letters, digits and underscores, e.g. 'planet'"
    )
    assert_invalid("string_extractor", {"field": "a", "regexp": "(?P<Planet>x)"}, "regexp", reason)


# ---------------------------------------------------------------------------------------------- a small pipeline


def test_steps_chain_schema_and_records():
    steps = [
        step("split", field="tags", separator=";"),
        step("create_geopoint", field="coords"),
        step("delete_field", field="coords"),
        step("expression", output_field="n_tags", expression="len(tags)"),
        step("skip_record", condition="n_tags == 0"),
    ]
    fields = schema("tags", "coords")
    for processor in steps:
        fields = processor.fields(fields)
    assert names_of(fields) == ["tags", "geo_point", "n_tags"]
    records = [{"tags": "a;b", "coords": "1,2"}, {"tags": ";", "coords": ""}]
    for processor in steps:
        records = [result for record in records if (result := processor.apply(record)) is not None]
    assert records == [{"tags": ["a", "b"], "geo_point": [1.0, 2.0], "n_tags": 2}]


# ---------------------------------------------------------------------------------------------- guess_processor_params


def test_guess_create_geopoint():
    fields = schema("lat", "lng", "count", "coords", "city", "y_wgs84")
    sample = [
        {"lat": "48.85", "lng": "2.35", "count": "3", "coords": "48.85,2.35", "city": "Paris", "y_wgs84": "45"},
        {"lat": "45.76", "lng": "4.83", "count": "12", "coords": "45.76 4.83", "city": "Lyon", "y_wgs84": None},
    ]
    guesses = guess_processor_params("create_geopoint", fields, sample)
    assert {argument: list(candidates) for argument, candidates in guesses.items()} == {
        "latitude_field": ["lat", "lng", "y_wgs84"],
        "longitude_field": ["lat", "lng"],
        "field": ["coords"],
    }
    assert guesses["field"]["coords"] == {
        "name": "coords",
        "label": "Coords",
        "type": "text",
        "original_name": "Coords",
        "description": None,
        "annotations": [],
    }


def test_guess_extract_from_json():
    fields = schema("payload", "raw", "text", "empty")
    sample = [
        {"payload": {"a": 1}, "raw": '{"b": 2}', "text": "{not json", "empty": None},
        {"payload": {"a": 2}, "raw": "[1, 2]", "text": "x", "empty": ""},
    ]
    assert list(guess_processor_params("extract_from_json", fields, sample)["field"]) == ["payload", "raw"]


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("date_normalizer", ["14/07/1789", "2024-01-02 10:00"], ["f"]),
        ("date_normalizer", ["14/07/1789", "tomorrow"], []),
        ("set_timezone", ["2024-01-02T10:00:00", "2024-01-02 11:00"], ["f"]),
        ("set_timezone", ["2024-01-02T10:00:00+01:00"], []),
        ("decode_html", ["a &amp; b", "plain"], ["f"]),
        ("decode_html", ["a & b"], []),
        ("unicode_normalize", ["ﬁ", "plain"], ["f"]),
        ("unicode_normalize", ["plain"], []),
        ("split", ["a;b", "c"], ["f"]),
        ("split", ["a, b"], []),
    ],
)
def test_guess_single_field_arguments(name, values, expected):
    guesses = guess_processor_params(name, schema("f"), [{"f": value} for value in values])
    assert list(guesses.get("field", {})) == expected


def test_guess_leaves_out_what_cannot_be_guessed():
    assert guess_processor_params("string_replace", schema("a"), [{"a": "x"}]) == {}
    assert guess_processor_params("create_geopoint", schema("a"), []) == {}
