"""The column path (``ColumnCells``) gives exactly the record path's cells and failures, value for value.

The record path is ``conversion.converter`` then ``loader.encoder``, one value at a time; the column
path proves whole columns canonical and rewrites them in C. Generated columns mix canonical values,
their near misses (``007``, ``1.50``, ``0.00001``, ``2024-02-30``), null markers and garbage, so every
tier and every fallback is compared with the record path.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datasets.pipeline.conversion import converter
from datasets.pipeline.core import Field, RecordFailure
from datasets.pipeline.formats import DEFAULT_NULL_MARKERS, PLAIN, ColumnFormat
from datasets.store.cells import ColumnCells
from datasets.store.loader import NULL, encoder

MARKED = ColumnFormat(null_markers=frozenset(DEFAULT_NULL_MARKERS))
COMMA = ColumnFormat(decimal_mark=",", null_markers=frozenset(DEFAULT_NULL_MARKERS))
PLUS_ONE = ColumnFormat(timezone=dt.timezone(dt.timedelta(hours=1)))
PARIS = ColumnFormat(timezone=ZoneInfo("Europe/Paris"))  # with its daylight saving changes


def record_path(field: Field, column: ColumnFormat, values: list[Any], separator: str | None = None):
    """Cells and failures (position, message) as the record path makes them."""
    convert, encode = converter(field.type, separator, column), encoder(field)
    cells, failures = [], []
    for index, value in enumerate(values):
        try:
            typed = convert(value)
        except RecordFailure as failure:
            failures.append((index, str(failure)))
            cells.append(NULL)
            continue
        cells.append(NULL if typed is None else encode(typed))
    return cells, failures


def column_path(field: Field, column: ColumnFormat, values: list[Any], separator: str | None = None):
    cells, failures = ColumnCells(field, separator, column).cells(list(values))
    return cells, [(index, str(failure)) for index, failure in failures]


def same(type_: str, column: ColumnFormat, values: list[Any], separator: str | None = None) -> None:
    field = Field(name="f", label="f", type=type_)
    assert column_path(field, column, values, separator) == record_path(field, column, values, separator)


digits = st.text("0123456789", min_size=1, max_size=20)
near_ints = st.sampled_from(["007", "+5", "-0", " 12", "12 ", "1 234", "1,234", "1.0", "١٢", "1_000", "", "NA", "-"])
ints = st.one_of(st.integers(-(2**63), 2**63 - 1).map(str), digits, near_ints, st.text(max_size=6))


@settings(max_examples=300, deadline=None)
@given(st.lists(ints, max_size=30), st.sampled_from([PLAIN, MARKED, COMMA]))
def test_int_columns_match_the_record_path(values, column):
    same("int", column, values)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**12).map(str), min_size=1, max_size=30))
def test_canonical_int_columns_match_the_record_path(values):
    same("int", MARKED, values)


def decimal_text(draw_digits: str, point: int, mark: str) -> str:
    point = min(point, len(draw_digits))
    return draw_digits[:point] + mark + draw_digits[point:] if point else "0" + mark + draw_digits


digit_runs = st.text("0123456789", min_size=1, max_size=19)
decimals = st.builds(decimal_text, digit_runs, st.integers(0, 19), st.just("."))
comma_decimals = st.builds(decimal_text, digit_runs, st.integers(0, 19), st.just(","))
near_doubles = st.sampled_from(
    [".5", "5.", "1e5", "1.5e-3", "0.00001", "0.0001", "-0.0", "1.50", "2.00"]
    + ["1 234,5", "1,234.5", "inf", "nan", "NA", ""]
)
doubles = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda number: f"{number:.2f}"),
    decimals,
    comma_decimals,
    near_doubles,
    st.text(max_size=6),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(doubles, max_size=30), st.sampled_from([PLAIN, MARKED, COMMA]))
def test_double_columns_match_the_record_path(values, column):
    same("double", column, values)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(decimals, comma_decimals), min_size=1, max_size=30), st.sampled_from([MARKED, COMMA]))
def test_decimal_columns_match_the_record_path(values, column):
    same("double", column, values)


dates = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat)
datetimes = st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31)).map(
    lambda moment: moment.replace(microsecond=0).isoformat(sep=" ")
)
near_dates = st.sampled_from(
    ["2024-02-30", "0000-01-01", "31/01/2024", "01/31/2024", "2024/01/31", "2024-01-31T10:00", "2024-01-31 24:00:00"]
)
t_datetimes = datetimes.map(lambda text: text.replace(" ", "T"))
moments = st.one_of(dates, datetimes, t_datetimes, near_dates, st.text(max_size=4))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(moments, max_size=20),
    st.sampled_from(["date", "datetime"]),
    st.sampled_from([PLAIN, MARKED, PLUS_ONE, PARIS]),
)
def test_date_columns_match_the_record_path(values, type_, column):
    same(type_, column, values)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(dates, datetimes), min_size=1, max_size=20),
    st.sampled_from(["date", "datetime"]),
    st.sampled_from([PLAIN, PLUS_ONE, PARIS]),
)
def test_canonical_date_columns_match_the_record_path(values, type_, column):
    same(type_, column, values)


def test_a_zoned_column_is_written_in_utc_across_a_daylight_saving_change():
    values = ["2024-03-31 01:30:00", "2024-03-31 03:30:00", "2024-10-27 02:30:00"]
    cells, failures = ColumnCells(Field(name="f", label="f", type="datetime"), None, PARIS).cells(values)
    assert (cells, failures) == (
        ["2024-03-31T00:30:00+00:00", "2024-03-31T01:30:00+00:00", "2024-10-27T00:30:00+00:00"],
        [],
    )
    same("datetime", PARIS, values)


local_dates = st.builds(
    lambda day, separator, order: day.strftime(separator.join(("%d", "%m", "%Y") if order else ("%m", "%d", "%Y"))),
    st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)),
    st.sampled_from(["/", ".", "-"]),
    st.booleans(),
)
MONTH_FIRST = ColumnFormat(date_order="mdy", null_markers=frozenset(DEFAULT_NULL_MARKERS))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(local_dates, dates, near_dates), min_size=1, max_size=20),
    st.sampled_from([PLAIN, MARKED, MONTH_FIRST]),
)
def test_day_and_month_first_date_columns_match_the_record_path(values, column):
    same("date", column, values)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.dates(dt.date(1000, 1, 1)), min_size=1, max_size=20), st.booleans())
def test_canonical_day_first_columns_are_rewritten_whole(days, day_first):
    column = PLAIN if day_first else MONTH_FIRST
    written = [day.strftime("%d/%m/%Y" if day_first else "%m/%d/%Y") for day in days]
    cells, failures = ColumnCells(Field(name="f", label="f", type="date"), None, column).cells(written)
    assert (cells, failures) == ([day.isoformat() for day in days], [])
    same("date", column, written)


words = st.sampled_from(["true", "FALSE", "Oui", "non", "0", "1", "yes", "maybe", "", " true", "NA", "null", "2"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(words, st.text(max_size=4)), max_size=20), st.sampled_from([PLAIN, MARKED]))
def test_boolean_columns_match_the_record_path(values, column):
    same("boolean", column, values)


awkward_texts = st.sampled_from(["", "a\tb", "back\\slash", "line\nbreak", "nul\x00", "\ud800"])
texts = st.one_of(st.text(max_size=12), awkward_texts)
json_values = st.one_of(st.none(), st.integers(), st.floats(), st.booleans(), st.lists(st.integers(), max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(texts, json_values), max_size=20), st.sampled_from(["text", "int", "double", "boolean"]))
def test_mixed_json_columns_match_the_record_path(values, type_):
    same(type_, MARKED, values)


@settings(max_examples=100, deadline=None)
@given(st.lists(texts, max_size=20))
def test_text_and_multivalued_columns_match_the_record_path(values):
    same("text", PLAIN, values)
    same("text", PLAIN, values, separator=";")


def test_a_marker_that_looks_like_a_number_turns_the_fast_form_off():
    column = ColumnFormat(null_markers=frozenset({"9999", "-1"}))
    assert ColumnCells(Field(name="f", label="f", type="int"), None, column).fast is None
    same("int", column, ["12", "9999", "-1", "3"])


@pytest.mark.parametrize(
    ("type_", "values", "cells"),
    [
        ("int", ["12", "0", "-7"], ["12", "0", "-7"]),
        ("double", ["1.50", "2.00", "0.25"], ["1.5", "2.0", "0.25"]),
        ("date", ["2024-01-31", "1999-12-01"], ["2024-01-31", "1999-12-01"]),
        ("datetime", ["2024-01-31 10:20:30"], ["2024-01-31T10:20:30+00:00"]),
        ("boolean", ["true", "Non", "1"], ["t", "f", "t"]),
        ("text", ["a", "", "b"], ["a", NULL, "b"]),
    ],
)
def test_canonical_columns_are_rewritten_whole(type_, values, cells):
    assert ColumnCells(Field(name="f", label="f", type=type_), None, MARKED).cells(values) == (cells, [])


def test_failures_come_back_by_position_with_the_record_path_message():
    cells, failures = ColumnCells(Field(name="f", label="f", type="int"), None, MARKED).cells(["1", "x", "NA", "3.5"])
    assert cells == ["1", NULL, NULL, NULL]
    assert [(index, str(failure)) for index, failure in failures] == [
        (1, 'Cannot convert "x" to "int"'),
        (3, 'Cannot convert "3.5" to "int"'),
    ]


@pytest.mark.parametrize(
    ("type_", "column", "values"),
    [
        ("double", ColumnFormat(null_markers=frozenset({"-99.90"})), ["1.5", "-99.90", "2.25"]),
        ("double", ColumnFormat(decimal_mark=",", null_markers=frozenset({"0,00"})), ["1,5", "0,00", "2,25"]),
        ("date", ColumnFormat(null_markers=frozenset({"01/01/1900"})), ["31/01/2024", "01/01/1900"]),
        ("date", ColumnFormat(null_markers=frozenset({"1900-01-01"})), ["2024-01-31", "1900-01-01"]),
        ("int", ColumnFormat(null_markers=frozenset({"-1"})), ["12", "-1", "7"]),
    ],
)
def test_a_marker_written_like_a_value_is_null(type_, column, values):
    cells, failures = ColumnCells(Field(name="f", label="f", type=type_), None, column).cells(values)
    assert cells[1] == NULL and failures == []
    same(type_, column, values)


markers_and_values = st.lists(st.one_of(doubles, dates, local_dates, ints), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(markers_and_values, st.sampled_from(["int", "double", "date", "datetime", "boolean"]), st.data())
def test_markers_drawn_from_the_values_match_the_record_path(values, type_, data):
    markers = frozenset(data.draw(st.lists(st.sampled_from(values), max_size=3)))
    mark = data.draw(st.sampled_from([".", ","]))
    same(type_, ColumnFormat(decimal_mark=mark, null_markers=markers), values)
