"""The runner with fake sources and steps: streaming, record errors, inference and preview."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from datasets.pipeline.core import Field, InvalidFieldSpecificationError, RecordError, RecordFailure
from datasets.pipeline.runner import (
    SourceLike,
    StepLike,
    infer,
    pipeline_fields,
    preview,
    run,
    separators_of,
    types_of,
)
from datasets.pipeline.specifications import FieldSpecifications

NO_SPECS = FieldSpecifications()


class FakeSource:
    """Rows numbered from 2 (after a header line), like a CSV reader; tracks how far it was read."""

    def __init__(self, names: list[str], rows: list[list]) -> None:
        self.fields = [Field(name, name.upper(), original_name=name.upper()) for name in names]
        self._rows = rows
        self.read = 0
        self.closed = False

    def rows(self) -> Iterator[tuple[int, dict]]:
        try:
            for index, values in enumerate(self._rows):
                self.read += 1
                yield index + 2, dict(zip([f.name for f in self.fields], values, strict=True))
        finally:
            self.closed = True


@dataclass
class FakeStep:
    uid: str
    apply: Callable[[dict], dict | None]
    adds: str | None = None

    def fields(self, fields: list[Field]) -> list[Field]:
        return [*fields, Field(self.adds, self.adds)] if self.adds else fields


def failing_on(field: str, bad: str, uid: str = "pr_fail01") -> FakeStep:
    """A processor doubling ``field``'s text, failing on the value ``bad``."""

    def apply(record: dict) -> dict:
        if record[field] == bad:
            raise RecordFailure("Cannot process {value}", field=field, value=bad)
        record[field] = record[field] * 2
        return record

    return FakeStep(uid, apply)


def collect(source, steps=(), specs=NO_SPECS, **options) -> tuple[list, list[RecordError]]:
    errors: list[RecordError] = []
    records = list(run(source, list(steps), specs, on_error=errors.append, **options))
    return records, errors


def test_fakes_satisfy_the_protocols():
    source: SourceLike = FakeSource(["a"], [])
    step: StepLike = FakeStep("pr_x", lambda record: record)
    assert source.fields[0].name == "a" and step.uid == "pr_x"


def test_pipeline_fields_go_through_steps_then_specifications():
    source = FakeSource(["a", "b"], [])
    steps = [FakeStep("pr_1", lambda r: r, adds="c")]
    specs = FieldSpecifications([("fs_1", "delete", {"field": "a"}), ("fs_2", "type", {"field": "c", "type": "int"})])
    assert [(f.name, f.type) for f in pipeline_fields(source.fields, steps, specs)] == [("b", "text"), ("c", "int")]


def test_pipeline_fields_wait_for_inference_to_check_annotations():
    specs = FieldSpecifications([("fs_1", "annotate", {"field": "a", "annotation": "decimals", "args": [2]})])
    assert pipeline_fields(FakeSource(["a"], []).fields, [], specs)[0].type == "text"


def test_run_streams_records_through_steps_and_specifications():
    source = FakeSource(["a", "b"], [["1", "x"], ["2", "y"]])
    specs = FieldSpecifications([("fs_1", "rename", {"from_name": "a", "to_name": "alpha"})])
    records, errors = collect(source, [failing_on("b", "never")], specs)
    assert records == [(2, {"alpha": "1", "b": "xx"}), (3, {"alpha": "2", "b": "yy"})]
    assert errors == []


def test_a_step_returning_none_drops_the_record():
    source = FakeSource(["a"], [["keep"], ["drop"], ["keep"]])
    drop = FakeStep("pr_drop", lambda record: None if record["a"] == "drop" else record)
    after = FakeStep("pr_after", lambda record: {**record, "seen": True})
    records, _ = collect(source, [drop, after])
    assert records == [(2, {"a": "keep", "seen": True}), (4, {"a": "keep", "seen": True})]


def test_a_failing_step_reports_nulls_the_field_and_the_record_goes_on():
    source = FakeSource(["a", "b"], [["ok", "1"], ["bad", "2"], ["ok", "3"]])
    mark = FakeStep("pr_mark", lambda record: {**record, "marked": True})
    records, errors = collect(source, [failing_on("a", "bad", uid="pr_boom"), mark], resource_uid="re_abcdef")
    assert records[1] == (3, {"a": None, "b": "2", "marked": True})
    assert [row for row, _ in records] == [2, 3, 4]
    assert errors == [
        RecordError(
            row=3,
            raw_message="Cannot process {value}",
            raw_params={"value": "bad"},
            field="a",
            processor_uid="pr_boom",
            resource_uid="re_abcdef",
        )
    ]
    assert errors[0].as_dict()["message"] == "Cannot process bad"


def test_a_failure_without_a_field_only_reports():
    def refuse(record: dict) -> dict:
        raise RecordFailure("Nothing to do")

    records, errors = collect(FakeSource(["a"], [["1"]]), [FakeStep("pr_r", refuse)])
    assert records == [(2, {"a": "1"})]
    assert (errors[0].field, errors[0].processor_uid) == (None, "pr_r")


def test_other_exceptions_are_bugs_and_propagate():
    def broken(record: dict) -> dict:
        raise KeyError("oops")

    with pytest.raises(KeyError):
        collect(FakeSource(["a"], [["1"]]), [FakeStep("pr_b", broken)])


def test_run_with_types_converts_and_reports_conversion_errors():
    source = FakeSource(["n", "when", "extra"], [["1", "2021-03-04", "x"], ["two", "2021-02-30", "y"]])
    records, errors = collect(source, types={"when": "date", "n": "int"}, resource_uid="re_1")
    assert records == [(2, {"when": dt.date(2021, 3, 4), "n": 1}), (3, {"when": None, "n": None})]
    assert [(e.row, e.field, e.processor_uid, e.resource_uid, e.message) for e in errors] == [
        (3, "when", None, "re_1", 'Cannot convert "2021-02-30" to "date"'),
        (3, "n", None, "re_1", 'Cannot convert "two" to "int"'),
    ]


def test_run_splits_multivalued_fields():
    source = FakeSource(["tags"], [["a;b"], [""]])
    records, _ = collect(source, types={"tags": "text"}, separators={"tags": ";"})
    assert records == [(2, {"tags": ["a", "b"]}), (3, {"tags": None})]


def test_types_and_separators_of_fields():
    fields = [
        Field("tags", "Tags", annotations=[{"name": "multivalued", "args": [";"]}]),
        Field("n", "N", type="int"),
    ]
    assert types_of(fields) == {"tags": "text", "n": "int"}
    assert separators_of(fields) == {"tags": ";"}


# --- infer ----------------------------------------------------------------------------------------


def test_infer_types_every_record_and_counts_them():
    rows = [[str(n), f"{n}.5", "x"] for n in range(1000)] + [["oops", "1", "x"]]
    source = FakeSource(["a", "b", "c"], rows)
    drop_first = FakeStep("pr_drop", lambda record: None if record["a"] == "0" else record)
    fields, details, count = infer(source, [drop_first], NO_SPECS)
    assert count == 1000
    assert [(f.name, f.type, f.label) for f in fields] == [("a", "text", "A"), ("b", "double", "B"), ("c", "text", "C")]
    assert details["a"].counter_examples == [
        {"type": "int", "row": 1002, "value": "oops"},
        {"type": "double", "row": 1002, "value": "oops"},
    ]


def test_infer_leaves_declared_types_alone():
    source = FakeSource(["code", "n"], [["01000", "1"], ["75001", "2"]])
    specs = FieldSpecifications([("fs_1", "type", {"field": "code", "type": "int"})])
    fields, details, _ = infer(source, [], specs)
    assert [(f.name, f.type) for f in fields] == [("code", "int"), ("n", "int")]
    # The declared type stays (its format is inferred all the same): "01000" would be text otherwise.
    assert {name: detail.type for name, detail in details.items()} == {"code": "int", "n": "int"}


def test_infer_checks_annotations_against_inferred_types():
    source = FakeSource(["a"], [["true"]])
    specs = FieldSpecifications([("fs_1", "annotate", {"field": "a", "annotation": "unit", "args": ["km"]})])
    with pytest.raises(InvalidFieldSpecificationError, match="'unit' does not apply to text field 'a'"):
        infer(source, [], specs)
    source = FakeSource(["a"], [["1"]])
    specs = FieldSpecifications([("fs_1", "annotate", {"field": "a", "annotation": "decimals", "args": [1]})])
    assert infer(source, [], specs)[0][0].type == "double"


def test_infer_reports_processor_errors_when_asked():
    errors: list[RecordError] = []
    infer(FakeSource(["a"], [["bad"]]), [failing_on("a", "bad")], NO_SPECS, on_error=errors.append)
    assert [(e.row, e.processor_uid) for e in errors] == [(2, "pr_fail01")]


# --- preview --------------------------------------------------------------------------------------


def test_preview_shape_and_json_ready_values():
    source = FakeSource(
        ["n", "day", "where", "shape", "flag"],
        [["1", "2021-03-04", "48.85,2.35", "POINT (1 2)", "oui"], ["2", "", "", "", "non"]],
    )
    result = preview(source, [], NO_SPECS)
    assert result["sampled"] is False
    assert result["record_errors"] == []
    assert result["fields"][0] == {
        "name": "n",
        "label": "N",
        "type": "int",
        "original_name": "N",
        "description": None,
        "annotations": [],
        "inference": {
            "counter_examples": [],
            "sample_rows": 2,
            "null_markers": {},
            "decimal_mark": ".",
            "date_order": None,
            "nulled": 0,
            "unreadable": 0,
            "warning": None,
        },
    }
    assert [f["type"] for f in result["fields"]] == ["int", "date", "geo_point_2d", "geo_shape", "boolean"]
    assert result["records"] == [
        {
            "n": 1,
            "day": "2021-03-04",
            "where": [48.85, 2.35],
            "shape": {"type": "Point", "coordinates": [1.0, 2.0]},
            "flag": True,
        },
        {"n": 2, "day": None, "where": None, "shape": None, "flag": False},
    ]


def test_preview_limits_records_and_samples_inference():
    source = FakeSource(["n"], [[str(n)] for n in range(100)] + [["not a number"]])
    result = preview(source, [], NO_SPECS, limit=5, inference_rows=100)
    assert result["records"] == [{"n": n} for n in range(5)]
    assert result["fields"][0]["type"] == "int"  # the bad row 102 is beyond the sample
    assert result["fields"][0]["inference"]["sample_rows"] == 100
    assert result["sampled"] is True
    assert source.read == 101  # one more row only, to know there are more
    assert source.closed


def test_preview_of_a_source_that_fits_the_sample_is_not_sampled():
    source = FakeSource(["n"], [[str(n)] for n in range(100)] + [["not a number"]])
    result = preview(source, [], NO_SPECS, limit=2, inference_rows=101)
    assert result["sampled"] is False
    assert result["fields"][0]["type"] == "text"
    assert result["fields"][0]["inference"]["counter_examples"] == [
        {"type": "int", "row": 102, "value": "not a number"},
        {"type": "double", "row": 102, "value": "not a number"},
    ]
    assert result["records"] == [{"n": "0"}, {"n": "1"}]


def test_preview_counts_records_after_processors():
    source = FakeSource(["n"], [[str(n)] for n in range(10)])
    odd_only = FakeStep("pr_odd", lambda record: record if int(record["n"]) % 2 else None)
    result = preview(source, [odd_only], NO_SPECS, limit=2, inference_rows=5)
    assert result["records"] == [{"n": 1}, {"n": 3}]
    assert result["sampled"] is False  # exactly five records after processing
    assert result["fields"][0]["inference"]["sample_rows"] == 5


def test_preview_applies_specifications_and_declared_types():
    source = FakeSource(["code", "tags", "gone"], [["01000", "a; b", "x"], ["oops", "c", "y"]])
    specs = FieldSpecifications(
        [
            ("fs_1", "type", {"field": "code", "type": "int"}),
            ("fs_2", "rename", {"from_name": "code", "to_name": "postal_code", "label": "Postal code"}),
            ("fs_3", "annotate", {"field": "tags", "annotation": "multivalued", "args": [";"]}),
            ("fs_4", "delete", {"field": "gone"}),
        ]
    )
    result = preview(source, [], specs, resource_uid="re_1")
    assert [(f["name"], f["label"], f["type"]) for f in result["fields"]] == [
        ("postal_code", "Postal code", "int"),
        ("tags", "TAGS", "text"),
    ]
    assert result["records"] == [{"postal_code": 1000, "tags": ["a", "b"]}, {"postal_code": None, "tags": ["c"]}]
    assert result["record_errors"] == [
        {
            "row": 3,
            "resource_uid": "re_1",
            "processor_uid": None,
            "field_uid": "postal_code",
            "message": 'Cannot convert "oops" to "int"',
            "raw_message": 'Cannot convert "{value}" to "{type}"',
            "raw_params": {"value": "oops", "type": "int"},
        }
    ]


def test_preview_reports_declared_type_errors_beyond_the_shown_records():
    source = FakeSource(["n"], [["1"], ["2"], ["x"]])
    specs = FieldSpecifications([("fs_1", "type", {"field": "n", "type": "int"})])
    result = preview(source, [], specs, limit=1)
    assert result["records"] == [{"n": 1}]
    assert [(e["row"], e["field_uid"]) for e in result["record_errors"]] == [(4, "n")]


def test_preview_keeps_the_first_twenty_errors_in_row_order():
    source = FakeSource(["a"], [["bad"]] * 50)
    result = preview(source, [failing_on("a", "bad")], NO_SPECS)
    assert [error["row"] for error in result["record_errors"]] == list(range(2, 22))
    assert all(error["processor_uid"] == "pr_fail01" for error in result["record_errors"])
    assert result["records"][0] == {"a": None}


EMPTY_INFERENCE = {
    "counter_examples": [],
    "sample_rows": 0,
    "null_markers": {},
    "decimal_mark": None,
    "date_order": None,
    "nulled": 0,
    "unreadable": 0,
    "warning": None,
}


def test_preview_of_an_empty_source():
    source = FakeSource(["a", "b"], [])
    result = preview(source, [], NO_SPECS)
    assert result == {
        "fields": [{**f.as_dict(), "inference": EMPTY_INFERENCE} for f in source.fields],
        "records": [],
        "record_errors": [],
        "sampled": False,
    }
