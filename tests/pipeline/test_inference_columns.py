"""Inference a column batch at a time (``observe_columns``) decides exactly what record-at-a-time inference does.

Same types, formats, null and marker counts, and the same counter-examples with the same rows, for
generated columns mixing every kind of value, in batches of every size.
"""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from datasets.pipeline.core import Field
from datasets.pipeline.formats import COMMA, DOT, ReadOptions
from datasets.pipeline.inference import FieldState, TypeInference, never

values = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda number: f"{number:.3f}"),
    st.floats().map(repr),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)).map(dt.date.isoformat),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)).map(lambda day: day.strftime("%d/%m/%Y")),
    st.datetimes(dt.datetime(1900, 1, 1)).map(lambda moment: moment.replace(microsecond=0).isoformat(sep=" ")),
    st.sampled_from(["", " ", "NA", "-", "n/a", "true", "Non", "1,5", "1 234,56", "3.14", "007", "2024-02-30"]),
    st.sampled_from(["48.85,2.35", "POINT (1 2)", "0", "1", "9999", "x", "12/13/2020", "1e5", "1,500"]),
    st.none(),
    st.text(max_size=5),
)
columns = st.lists(st.lists(values, min_size=1, max_size=60), min_size=1, max_size=4)
option_sets = st.sampled_from(
    [
        ReadOptions(),
        ReadOptions(null_markers=frozenset({"9999", "NA", "0"})),
        ReadOptions(decimal_mark=",", date_order="mdy"),
    ]
)


def by_records(fields, table, options, declared):
    inference = TypeInference(fields, options=options, declared=declared)
    for row, record in enumerate(table, start=1):
        inference.observe(row, record)
    return inference.result()


def by_columns(fields, table, options, declared, batch):
    inference = TypeInference(fields, options=options, declared=declared)
    for start in range(0, len(table), batch):
        records = table[start : start + batch]
        rows = list(range(start + 1, start + 1 + len(records)))
        inference.observe_columns(rows, {field.name: [record[field.name] for record in records] for field in fields})
    return inference.result()


def table_of(cols: list[list[object]]) -> tuple[list[Field], list[dict[str, object]]]:
    height = min(map(len, cols))
    fields = [Field(name=f"f{index}", label=f"f{index}") for index in range(len(cols))]
    return fields, [{f"f{index}": col[row] for index, col in enumerate(cols)} for row in range(height)]


@settings(max_examples=400, deadline=None)
@given(columns, option_sets, st.integers(1, 70))
def test_column_batches_infer_what_records_infer(cols, options, batch):
    fields, table = table_of(cols)
    assert by_columns(fields, table, options, {}, batch) == by_records(fields, table, options, {})


@settings(max_examples=150, deadline=None)
@given(columns, option_sets, st.integers(1, 70), st.sampled_from(["int", "double", "date", "text", "boolean"]))
def test_declared_types_infer_the_same_formats(cols, options, batch, declared):
    fields, table = table_of(cols)
    types = {"f0": declared}
    assert by_columns(fields, table, options, types, batch) == by_records(fields, table, options, types)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["12", "-3", "0", "", "4.5", "2024-01-31", "NA"]), min_size=1, max_size=200))
def test_mostly_canonical_columns_infer_the_same(col):
    fields, table = table_of([col, list(reversed(col))])
    assert by_columns(fields, table, ReadOptions(), {}, 37) == by_records(fields, table, ReadOptions(), {})


def test_counter_examples_keep_their_rows_across_batches():
    fields, table = table_of([["1", "2", "x", "3", "y", "4.5", "z"]])
    result = by_columns(fields, table, ReadOptions(), {}, 2)
    assert result == by_records(fields, table, ReadOptions(), {})
    assert result["f0"].type == "text"
    assert [(example["type"], example["row"]) for example in result["f0"].counter_examples] == [
        ("int", 3),
        ("int", 5),
        ("int", 6),  # 4.5: not an int
        ("double", 3),
        ("double", 5),
        ("double", 7),
    ]


def every_number_slow(original):
    """FieldState.check_of as it was: while the mark is undecided, every value of a double takes the slow path."""

    def check_of(self, candidate):
        if candidate == "double" and self.marks not in (DOT, COMMA):
            return never
        return original(self, candidate)

    return check_of


numbers = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["1,500", "2,250", "1.5", "1,5", "1 234", "1 234,5", "007", "NA", "", "x", "3", "-0"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(numbers, min_size=1, max_size=40), min_size=1, max_size=3), option_sets)
def test_plain_integers_in_an_undecided_double_column_decide_nothing(cols, options):
    fields, table = table_of(cols)
    declared = {"f0": "double"}
    with patch.object(FieldState, "check_of", every_number_slow(FieldState.check_of)):
        expected = by_records(fields, table, options, declared)
        expected_by_column = by_records(fields, table, options, {})
    assert by_records(fields, table, options, declared) == expected
    assert by_columns(fields, table, options, declared, 7) == expected
    assert by_records(fields, table, options, {}) == expected_by_column


def test_a_date_impossible_in_the_decided_order_is_a_counter_example_in_a_whole_column():
    # 13/01 decides day-first; 01/13 later is impossible day-first (a real date month-first only).
    col = ["13/01/2024", "14/01/2024", "15/01/2024", "01/13/2024", "16/01/2024", "17/01/2024"]
    fields, table = table_of([col])
    result = by_columns(fields, table, ReadOptions(), {}, 3)
    assert result == by_records(fields, table, ReadOptions(), {})
    assert result["f0"].type == "text"
    assert {"type": "date", "row": 4, "value": "01/13/2024"} in result["f0"].counter_examples


def test_a_marker_written_like_a_decimal_comma_number_is_counted():
    # "0,00" passes a decimal-comma column's check: unguarded, it was nulled by conversion, uncounted.
    options = ReadOptions(null_markers=frozenset({"0,00"}))
    fields, table = table_of([["1,5", "0,00", "2,25", "0,00"]])
    for result in (by_records(fields, table, options, {}), by_columns(fields, table, options, {}, 2)):
        assert (result["f0"].type, result["f0"].null_markers) == ("double", {"0,00": 2})
