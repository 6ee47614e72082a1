"""The readers' problems (ragged rows, undecodable bytes) through run, infer and preview: reported, never fatal."""

from __future__ import annotations

import io
from collections.abc import Iterator

from datasets.pipeline.core import Field, RecordError
from datasets.pipeline.readers import open_source
from datasets.pipeline.runner import infer, preview, run, types_of
from datasets.pipeline.specifications import FieldSpecifications
from tests.data import data_file

NO_SPECS = FieldSpecifications()


def csv_source(data: bytes, **params):
    return open_source("csvfile", params, io.BytesIO(data))


def test_run_reports_the_problems_of_each_row_before_its_own_errors_and_empties_the_list():
    source = csv_source(data_file("ragged.csv"))
    errors: list[RecordError] = []
    specs = FieldSpecifications([("fs_1", "type", {"field": "height", "type": "int"})])
    records = list(run(source, [], specs, resource_uid="re_1", types={"name": "text", "height": "int", "note": "text"},
                       on_error=errors.append))  # fmt: skip
    assert records == [
        (1, {"name": "Oak", "height": 12, "note": "old"}),
        (2, {"name": "Elm", "height": 8, "note": None}),
        (3, {"name": "Ash", "height": 5, "note": "young, tall"}),
        (4, {"name": "Yew", "height": 3, "note": "ok"}),
    ]
    assert [(error.row, error.resource_uid, error.raw_params) for error in errors] == [
        (2, "re_1", {"values": 2, "columns": 3}),
        (3, "re_1", {"values": 5, "columns": 3, "extra": ["extra 1", "extra 2"]}),
    ]
    assert source.problems == []


class LateProblems:
    """A source whose reader notes a problem after its last row (as a trailing check would)."""

    fields = [Field("a", "a")]

    def __init__(self) -> None:
        self.problems: list[RecordError] = []

    def rows(self) -> Iterator[tuple[int, dict]]:
        yield 1, {"a": "x"}
        self.problems.append(RecordError(row=1, raw_message="late", raw_params={}))


def test_run_reports_problems_noted_after_the_last_row():
    errors: list[RecordError] = []
    assert list(run(LateProblems(), [], NO_SPECS, on_error=errors.append)) == [(1, {"a": "x"})]
    assert [error.raw_message for error in errors] == ["late"]


def test_ragged_rows_do_not_spoil_inference():
    fields, details, count = infer(csv_source(data_file("ragged.csv")), [], NO_SPECS)
    assert (types_of(fields), count) == ({"name": "text", "height": "int", "note": "text"}, 4)


def test_the_preview_shows_ragged_rows_and_undecodable_bytes_as_record_errors():
    shown = preview(csv_source(data_file("ragged.csv")), [], NO_SPECS, resource_uid="re_1")
    assert shown["records"][1] == {"name": "Elm", "height": 8, "note": None}
    assert [(error["row"], error["resource_uid"], error["message"]) for error in shown["record_errors"]] == [
        (2, "re_1", "Row has 2 values but the header has 3 columns: the missing values are null"),
        (3, "re_1", "Row has 5 values but the header has 3 columns: the extra values are left out of the record "
                    "(['extra 1', 'extra 2'])"),
    ]  # fmt: skip
    shown = preview(csv_source(b"a,b\n1,caf\xe9\n"), [], NO_SPECS)
    assert shown["records"] == [{"a": 1, "b": "caf\ufffd"}]
    [error] = shown["record_errors"]
    assert (error["row"], error["field_uid"], error["raw_params"]) == (
        1,
        "b",
        {"offset": 9, "bytes": "e9", "encoding": "utf-8", "value": "caf\ufffd"},
    )
