"""Field specifications: validation of each item, schema effects, record effects."""

from __future__ import annotations

import pytest

from datasets.pipeline.core import Field, InvalidFieldSpecificationError, UnknownFieldSpecificationError
from datasets.pipeline.specifications import (
    ANNOTATIONS,
    SPECIFICATIONS,
    FieldSpecifications,
    validate_specification,
)


def fields(*names: str, type_: str = "text") -> list[Field]:
    return [Field(name, name.title(), type=type_, original_name=name.title()) for name in names]


def specs(*items: tuple[str, object]) -> FieldSpecifications:
    return FieldSpecifications([(f"fs_{index}", name, args) for index, (name, args) in enumerate(items)])


def error_of(excinfo: pytest.ExceptionInfo) -> dict:
    return excinfo.value.as_dict()


# --- catalogue ------------------------------------------------------------------------------------


def test_catalogue_lists_the_six_specifications_with_their_arguments():
    assert [spec["name"] for spec in SPECIFICATIONS] == ["rename", "type", "annotate", "description", "order", "delete"]
    for spec in SPECIFICATIONS:
        assert spec["label"] and spec["description"] and spec["arguments"]
        assert all({"name", "label", "type", "description", "is_mandatory"} <= set(arg) for arg in spec["arguments"])
    rename = SPECIFICATIONS[0]
    assert [(arg["name"], arg["is_mandatory"]) for arg in rename["arguments"]] == [
        ("from_name", True),
        ("to_name", True),
        ("label", False),
    ]


def catalogue_value(described: dict) -> object:
    """A valid value of a described argument: the forms build args from these descriptions."""
    if described.get("choices"):
        return described["choices"][0]
    return {"field": "name", "string": "new_name", "list": ["name"]}[described["type"]]


@pytest.mark.parametrize("spec", SPECIFICATIONS, ids=[spec["name"] for spec in SPECIFICATIONS])
def test_the_described_arguments_are_those_the_validator_takes(spec):
    described = {arg["name"]: arg for arg in spec["arguments"]}
    if spec["name"] == "order":  # its args are the list itself
        assert list(described) == ["args"] and described["args"]["type"] == "list"
        assert validate_specification("order", catalogue_value(described["args"])) == ["name"]
        return
    args = {name: catalogue_value(arg) for name, arg in described.items()}
    if spec["name"] == "annotate":  # its first annotation, "id", takes an empty argument list
        args["args"] = []
    assert set(validate_specification(spec["name"], args)) == set(described)  # every described one is taken
    for name, arg in described.items():
        without = {key: value for key, value in args.items() if key != name}
        if arg["is_mandatory"]:
            with pytest.raises(InvalidFieldSpecificationError) as excinfo:
                validate_specification(spec["name"], without)
            assert error_of(excinfo)["message"].startswith(f"Invalid argument '{name}'")
        else:
            validate_specification(spec["name"], without)
    with pytest.raises(InvalidFieldSpecificationError, match="unknown argument"):
        validate_specification(spec["name"], {**args, "undescribed": "x"})


def test_annotations_catalogue_and_the_types_they_apply_to():
    assert set(ANNOTATIONS) == {
        "id",
        "facet",
        "facetsort",
        "disjunctive",
        "sortable",
        "multivalued",
        "hierarchical",
        "unit",
        "decimals",
        "timeserie_precision",
        "timerangeFilter",
    }
    assert ANNOTATIONS["decimals"]["types"] == ("double",)
    assert ANNOTATIONS["sortable"]["types"] == ("text",)
    assert set(ANNOTATIONS["timerangeFilter"]["types"]) == {"date", "datetime"}
    assert "geo_shape" in ANNOTATIONS["id"]["types"]
    assert "km2" in ANNOTATIONS["unit"]["args"][0]["choices"]


# --- validation -----------------------------------------------------------------------------------


def test_validate_normalises_each_specification():
    assert validate_specification("rename", {"from_name": "a", "to_name": "b"}) == {
        "from_name": "a",
        "to_name": "b",
        "label": None,
    }
    assert validate_specification("type", {"field": "a", "type": "int"}) == {"field": "a", "type": "int"}
    assert validate_specification("annotate", {"field": "a", "annotation": "facet"}) == {
        "field": "a",
        "annotation": "facet",
        "args": [],
    }
    assert validate_specification("description", {"field": "a", "description": None})["description"] is None
    assert validate_specification("order", ["b", "a"]) == ["b", "a"]
    assert validate_specification("delete", {"field": "a"}) == {"field": "a"}


def test_annotation_args_are_normalised():
    def args(annotation: str, values: list) -> list:
        return validate_specification("annotate", {"field": "a", "annotation": annotation, "args": values})["args"]

    assert args("decimals", ["2"]) == [2]
    assert args("decimals", [0]) == [0]
    assert args("unit", ["m²"]) == ["m2"]  # NFKC: the superscript is the listed "m2"
    assert args("unit", ["µg/m3"]) == ["μg/m3"]  # either micro sign
    assert args("facetsort", ["-count"]) == ["-count"]
    assert args("multivalued", [";"]) == [";"]
    assert args("timeserie_precision", ["hour"]) == ["hour"]


def test_unknown_specification_has_the_api_envelope():
    with pytest.raises(UnknownFieldSpecificationError) as excinfo:
        validate_specification("retype", {})
    assert error_of(excinfo) == {
        "status_code": 400,
        "error_key": "UnknownFieldSpecificationException",
        "message": "Unknown field specification 'retype'; known: rename, type, annotate, description, order, delete",
        "raw_message": "Unknown field specification '{name}'; known: {known}",
        "raw_params": {"name": "retype", "known": "rename, type, annotate, description, order, delete"},
    }


@pytest.mark.parametrize(
    ("to_name", "reason"),
    [
        ("Bad Name", "must be lowercase ASCII letters, digits and '_', not starting with a digit"),
        ("1abc", "must be lowercase ASCII letters, digits and '_', not starting with a digit"),
        ("année", "must be lowercase ASCII letters, digits and '_', not starting with a digit"),
        (42, "must be lowercase ASCII letters, digits and '_', not starting with a digit"),
        ("a" * 64, "must be at most 63 bytes long"),
        ("select", "'select' is a reserved word"),
        ("record_id", "'record_id' is a reserved word"),
    ],
)
def test_rename_to_name_must_be_a_technical_name(to_name, reason):
    with pytest.raises(InvalidFieldSpecificationError) as excinfo:
        validate_specification("rename", {"from_name": "a", "to_name": to_name})
    envelope = error_of(excinfo)
    assert envelope["error_key"] == "InvalidFieldSpecificationException"
    assert envelope["raw_params"] == {"name": "rename", "argument": "to_name", "reason": reason}
    assert envelope["message"] == f"Invalid argument 'to_name' for field specification rename: {reason}"


def test_rename_accepts_the_longest_name():
    assert validate_specification("rename", {"from_name": "a", "to_name": "a" * 63})["to_name"] == "a" * 63


@pytest.mark.parametrize(
    ("name", "args", "argument", "reason"),
    [
        ("rename", ["a"], "args", "must be an object"),
        ("rename", {"from_name": "a", "to_name": "b", "colour": 1}, "colour", "unknown argument; expected: "),
        ("rename", {"to_name": "b"}, "from_name", "is required"),
        ("rename", {"from_name": "", "to_name": "b"}, "from_name", "must be a non-empty string"),
        ("rename", {"from_name": "a", "to_name": "b", "label": ""}, "label", "must be a non-empty string"),
        ("type", {"field": "a", "type": "image"}, "type", "unknown type 'image'; known: text, int, double"),
        ("type", {"field": "a"}, "type", "is required"),
        ("annotate", {"field": "a", "annotation": "colour"}, "annotation", "unknown annotation 'colour'"),
        ("annotate", {"field": "a", "annotation": "facet", "args": ["x"]}, "args", "'facet' takes 0 argument(s)"),
        ("annotate", {"field": "a", "annotation": "unit"}, "args", "'unit' takes 1 argument(s): unit"),
        ("annotate", {"field": "a", "annotation": "unit", "args": "km"}, "args", "must be a list"),
        ("annotate", {"field": "a", "annotation": "unit", "args": ["parsec"]}, "args", "unknown unit 'parsec'"),
        ("annotate", {"field": "a", "annotation": "decimals", "args": [11]}, "args", "from 0 to 10"),
        ("annotate", {"field": "a", "annotation": "decimals", "args": [True]}, "args", "from 0 to 10"),
        ("annotate", {"field": "a", "annotation": "facetsort", "args": ["up"]}, "args", "unknown sort 'up'"),
        ("annotate", {"field": "a", "annotation": "multivalued", "args": [""]}, "args", "non-empty string"),
        ("description", {"field": "a", "description": 3}, "description", "must be a string or null"),
        ("order", {"fields": ["a"]}, "args", "must be a list of field names"),
        ("order", ["a", 3], "args", "must be a list of field names"),
        ("order", ["a", "b", "a"], "args", "'a' is listed twice"),
        ("delete", {"field": None}, "field", "must be a non-empty string"),
    ],
)
def test_invalid_arguments_are_named(name, args, argument, reason):
    with pytest.raises(InvalidFieldSpecificationError) as excinfo:
        validate_specification(name, args)
    params = error_of(excinfo)["raw_params"]
    assert (params["name"], params["argument"]) == (name, argument)
    assert reason in params["reason"]


def test_construction_validates_every_item():
    with pytest.raises(InvalidFieldSpecificationError):
        specs(("delete", {"field": "a"}), ("type", {"field": "a", "type": "number"}))


# --- schema effects -------------------------------------------------------------------------------


def test_no_specification_keeps_the_schema_and_copies_it():
    source = fields("a", "b")
    result = FieldSpecifications().fields(source)
    assert result == source
    result[0].annotations.append({"name": "facet", "args": []})
    assert source[0].annotations == []


def test_rename_changes_name_and_label_and_keeps_the_original_name():
    result = specs(("rename", {"from_name": "a", "to_name": "alpha", "label": "Alpha!"})).fields(fields("a", "b"))
    assert [(f.name, f.label, f.original_name) for f in result] == [("alpha", "Alpha!", "A"), ("b", "B", "B")]
    result = specs(("rename", {"from_name": "a", "to_name": "alpha"})).fields(fields("a"))
    assert (result[0].name, result[0].label) == ("alpha", "A")


def test_rename_onto_an_existing_field_is_refused():
    with pytest.raises(InvalidFieldSpecificationError) as excinfo:
        specs(("rename", {"from_name": "a", "to_name": "b"})).fields(fields("a", "b"))
    assert excinfo.value.raw_params == {
        "name": "rename",
        "argument": "to_name",
        "reason": "a field named 'b' already exists",
    }


def test_type_description_and_annotate_set_their_attribute():
    result = specs(
        ("type", {"field": "a", "type": "double"}),
        ("description", {"field": "a", "description": "Price in euros"}),
        ("annotate", {"field": "a", "annotation": "unit", "args": ["€"]}),
        ("annotate", {"field": "a", "annotation": "decimals", "args": [2]}),
        ("annotate", {"field": "a", "annotation": "unit", "args": ["k€"]}),
    ).fields(fields("a", "b"))
    assert result[0].as_dict() == {
        "name": "a",
        "label": "A",
        "type": "double",
        "original_name": "A",
        "description": "Price in euros",
        "annotations": [{"name": "decimals", "args": [2]}, {"name": "unit", "args": ["k€"]}],
    }
    assert result[1] == fields("b")[0]


def test_order_puts_listed_fields_first_and_keeps_the_others_in_order():
    result = specs(("order", ["d", "b"])).fields(fields("a", "b", "c", "d"))
    assert [f.name for f in result] == ["d", "b", "a", "c"]


def test_delete_removes_the_field():
    result = specs(("delete", {"field": "b"})).fields(fields("a", "b", "c"))
    assert [f.name for f in result] == ["a", "c"]


def test_specifications_apply_in_order_on_current_names():
    result = specs(
        ("rename", {"from_name": "a", "to_name": "x"}),
        ("type", {"field": "x", "type": "int"}),
        ("rename", {"from_name": "b", "to_name": "a"}),
        ("order", ["a", "x"]),
        ("delete", {"field": "c"}),
    ).fields(fields("a", "b", "c"))
    assert [(f.name, f.type, f.original_name) for f in result] == [("a", "text", "B"), ("x", "int", "A")]


@pytest.mark.parametrize(
    ("name", "args", "argument"),
    [
        ("type", {"field": "x", "type": "int"}, "field"),
        ("annotate", {"field": "x", "annotation": "facet"}, "field"),
        ("description", {"field": "x", "description": "?"}, "field"),
        ("delete", {"field": "x"}, "field"),
        ("order", ["a", "x"], "field"),
        ("rename", {"from_name": "x", "to_name": "y"}, "from_name"),
    ],
)
def test_a_specification_naming_an_unknown_field_lists_the_fields(name, args, argument):
    with pytest.raises(InvalidFieldSpecificationError) as excinfo:
        specs((name, args)).fields(fields("a", "b"))
    assert excinfo.value.raw_params == {"name": name, "argument": argument, "reason": "no field 'x'; fields: a, b"}


def test_a_deleted_field_cannot_be_used_afterwards():
    with pytest.raises(InvalidFieldSpecificationError, match="no field 'a'; fields: b"):
        specs(("delete", {"field": "a"}), ("type", {"field": "a", "type": "int"})).fields(fields("a", "b"))


# --- annotations against types --------------------------------------------------------------------


def test_annotation_on_a_type_it_does_not_apply_to_is_refused():
    with pytest.raises(InvalidFieldSpecificationError) as excinfo:
        specs(("annotate", {"field": "a", "annotation": "decimals", "args": [2]})).fields(fields("a"))
    assert excinfo.value.as_dict()["raw_params"] == {
        "name": "annotate",
        "argument": "annotation",
        "reason": "'decimals' does not apply to text field 'a'; it applies to: double",
    }


def test_annotations_are_checked_against_the_final_type():
    annotate = ("annotate", {"field": "a", "annotation": "decimals", "args": [2]})
    result = specs(annotate, ("type", {"field": "a", "type": "double"})).fields(fields("a"))
    assert result[0].annotation("decimals") == {"name": "decimals", "args": [2]}
    with pytest.raises(InvalidFieldSpecificationError, match="'sortable' does not apply to int field 'a'"):
        specs(("annotate", {"field": "a", "annotation": "sortable"}), ("type", {"field": "a", "type": "int"})).fields(
            fields("a")
        )


@pytest.mark.parametrize(
    ("type_", "annotation", "args", "ok"),
    [
        ("text", "multivalued", [";"], True),
        ("int", "multivalued", [";"], False),
        ("int", "unit", ["km"], True),
        ("boolean", "unit", ["km"], False),
        ("geo_shape", "id", [], True),
        ("geo_point_2d", "facet", [], False),
        ("boolean", "facet", [], True),
        ("date", "timerangeFilter", [], True),
        ("text", "timerangeFilter", [], False),
        ("date", "timeserie_precision", ["day"], True),
        ("datetime", "timeserie_precision", ["minute"], True),
    ],
)
def test_annotation_type_compatibility(type_, annotation, args, ok):
    stack = specs(("annotate", {"field": "a", "annotation": annotation, "args": args}))
    if ok:
        assert stack.fields(fields("a", type_=type_))[0].annotation(annotation)["args"] == args
    else:
        with pytest.raises(InvalidFieldSpecificationError, match="does not apply to"):
            stack.fields(fields("a", type_=type_))


def test_timeserie_precision_hour_needs_a_datetime():
    with pytest.raises(InvalidFieldSpecificationError) as excinfo:
        specs(("annotate", {"field": "a", "annotation": "timeserie_precision", "args": ["hour"]})).fields(
            fields("a", type_="date")
        )
    assert excinfo.value.raw_params["argument"] == "args"
    assert excinfo.value.raw_params["reason"] == (
        "precision 'hour' does not apply to date field 'a'; use year, month, day"
    )


def test_annotation_check_can_wait_for_inference():
    stack = specs(("annotate", {"field": "a", "annotation": "decimals", "args": [1]}))
    untyped = stack.fields(fields("a"), check_annotations=False)
    assert untyped[0].type == "text"
    untyped[0].type = "double"
    stack.check_annotations(untyped)


# --- record effects -------------------------------------------------------------------------------


def test_apply_without_renames_or_deletes_returns_the_record_itself():
    record = {"a": 1}
    stack = specs(
        ("type", {"field": "a", "type": "int"}), ("order", ["a"]), ("description", {"field": "a", "description": "x"})
    )
    assert stack.apply(record) is record


def test_apply_renames_keys_and_drops_deleted_fields():
    stack = specs(("rename", {"from_name": "a", "to_name": "alpha"}), ("delete", {"field": "b"}))
    assert stack.apply({"a": 1, "b": 2, "c": 3}) == {"alpha": 1, "c": 3}
    assert stack.apply({"c": 3}) == {"c": 3}


def test_apply_follows_chained_renames_and_deletes():
    stack = specs(
        ("rename", {"from_name": "a", "to_name": "x"}),
        ("rename", {"from_name": "x", "to_name": "y"}),
        ("delete", {"field": "b"}),
        ("rename", {"from_name": "c", "to_name": "b"}),
        ("rename", {"from_name": "d", "to_name": "tmp"}),
        ("delete", {"field": "tmp"}),
    )
    assert stack.apply({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}) == {"y": 1, "b": 3, "e": 5}
    assert [f.name for f in stack.fields(fields("a", "b", "c", "d", "e"))] == ["y", "b", "e"]


def test_swapping_two_names_through_a_temporary_one():
    stack = specs(
        ("rename", {"from_name": "a", "to_name": "tmp"}),
        ("rename", {"from_name": "b", "to_name": "a"}),
        ("rename", {"from_name": "tmp", "to_name": "b"}),
    )
    assert stack.apply({"a": 1, "b": 2}) == {"b": 1, "a": 2}
    assert [(f.name, f.original_name) for f in stack.fields(fields("a", "b"))] == [("b", "A"), ("a", "B")]


def test_declared_types_use_final_names():
    stack = specs(
        ("type", {"field": "a", "type": "int"}),
        ("rename", {"from_name": "a", "to_name": "x"}),
        ("type", {"field": "b", "type": "date"}),
        ("delete", {"field": "b"}),
        ("type", {"field": "c", "type": "double"}),
        ("type", {"field": "c", "type": "int"}),
    )
    assert stack.declared_types == {"x": "int", "c": "int"}
