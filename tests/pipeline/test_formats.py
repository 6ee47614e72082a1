"""How columns write their values: null markers, decimal marks, date orders, booleans, late JSON keys."""

import datetime as dt
import io
import json

import pytest

from datasets.pipeline.conversion import converter
from datasets.pipeline.core import Field
from datasets.pipeline.formats import ReadOptions, number_readings
from datasets.pipeline.inference import TypeInference
from datasets.pipeline.readers import open_source
from datasets.pipeline.readers.json_reader import READ_AHEAD_RECORDS
from datasets.pipeline.runner import formats_of, infer, preview, run, types_of
from datasets.pipeline.specifications import FieldSpecifications

NO_SPECS = FieldSpecifications([])


def inferred(values: list, **options):
    inference = TypeInference([Field("f", "F")], options=ReadOptions(**options))
    for row, value in enumerate(values, start=1):
        inference.observe(row, {"f": value})
    return inference.result()["f"]


def converted(values: list, **options) -> list:
    """Infer the column, then convert every value the way a publish would."""
    detail = inferred(values, **options)
    convert = converter(detail.type, None, detail.format)
    return [convert(value) for value in values]


# --- null markers ------------------------------------------------------------------------------


@pytest.mark.parametrize("marker", ["NA", "N/A", "n/a", "#N/A", "NULL", "null", "NaN", "-", "..", " NA "])
def test_a_null_marker_in_a_number_column_is_null_and_counted(marker):
    detail = inferred(["12", marker, "7", marker])
    assert detail.type == "int"
    assert (detail.null_count, detail.value_count) == (2, 2)
    assert detail.null_markers == {marker.strip(): 2}
    assert detail.counter_examples == []
    assert converted(["12", marker, "7"]) == [12, None, 7]


def test_a_text_column_keeps_its_markers_as_text():
    detail = inferred(["NA", "Paris", "-", "Lyon"])
    assert detail.type == "text"
    assert (detail.null_markers, detail.null_count, detail.value_count) == ({}, 0, 4)
    assert converted(["NA", "Paris", "-"]) == ["NA", "Paris", "-"]


def test_a_column_of_markers_only_is_text():
    assert converted(["NA", "NA"]) == ["NA", "NA"]


def test_markers_null_dates_booleans_and_decimals_too():
    assert converted(["2012-01-13", "NA"]) == [dt.date(2012, 1, 13), None]
    assert converted(["yes", "n/a", "no"]) == [True, None, False]
    assert converted(["79,97", "-", "1,5"]) == [79.97, None, 1.5]


def test_the_resource_can_choose_its_own_markers():
    assert converted(["1", "x", "NA"], null_markers=frozenset({"x"})) == ["1", "x", "NA"]
    assert converted(["1", "x", "2"], null_markers=frozenset({"x"})) == [1, None, 2]
    assert inferred(["1", "NA"], null_markers=frozenset()).type == "text"


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("79,97", (None, 79.97)),
        ("1 234,56", (None, 1234.56)),
        ("1\u00a0234,56", (None, 1234.56)),
        ("1\u202f234", (1234, 1234)),
        ("1.234.567", (None, 1234567)),
        ("1,234,567", (1234567, None)),
        ("1,234.5", (1234.5, None)),
        ("1'234.5", (1234.5, None)),
        ("1'234", (1234, 1234)),
        ("1'234,5", (None, 1234.5)),
        ("1,500", (1500, 1.5)),
        ("3.14", (3.14, None)),
        ("-0,5", (None, -0.5)),
        ("1e5", (100000.0, None)),
        ("007", (None, None)),
        ("1,23,456", (None, None)),
        ("1 234,5 6", (None, None)),
        ("1 234.567,8", (None, None)),
        ("+3", (None, None)),
        ("99999999999999999999", (None, None)),
    ],
)
def test_number_readings(text, readings):
    assert number_readings(text) == readings


def test_decimal_commas_decide_their_column():
    detail = inferred(["79,97", "1 234,56", "12", "-3,5"])
    assert (detail.type, detail.format.decimal_mark, detail.counter_examples) == ("double", ",", [])
    assert converted(["79,97", "1 234,56", "12", "-3,5"]) == [79.97, 1234.56, 12.0, -3.5]


def test_an_ambiguous_value_follows_the_column():
    assert converted(["1,500", "2,5"]) == [1.5, 2.5]
    assert converted(["1,500", "2.5"]) == [1500.0, 2.5]
    assert converted(["1.500", "2,5"]) == [1500.0, 2.5]


def test_thousands_only_columns_are_integers():
    detail = inferred(["1,500", "2,250,000", "3"])
    assert (detail.type, detail.format.decimal_mark) == ("int", ".")
    assert converted(["1,500", "2,250,000", "3"]) == [1500, 2250000, 3]


def test_an_undecided_column_takes_the_resource_parameter():
    assert converted(["1,500", "2,250"], decimal_mark=",") == [1.5, 2.25]
    assert converted(["1,500", "2,250"]) == [1500, 2250]


def test_an_undecided_column_follows_the_other_columns_of_its_resource():
    inference = TypeInference([Field("a", "A"), Field("b", "B")])
    inference.observe(1, {"a": "3,25", "b": "1,500"})
    inference.observe(2, {"a": "4,5", "b": "2,000"})
    result = inference.result()
    assert (result["b"].type, result["b"].format.decimal_mark) == ("double", ",")


def test_contradicting_marks_make_text_with_the_reason():
    detail = inferred(["3,5", "2.25", "4"])
    assert detail.type == "text"
    assert {"type": "double", "row": 2, "value": "2.25"} in detail.counter_examples


def test_leading_zeros_and_big_integers_stay_text_exactly():
    assert converted(["01000", "75001"]) == ["01000", "75001"]
    big = "123456789012345678901234"
    assert converted([big, "1"]) == [big, "1"]


def test_a_declared_double_reads_decimal_commas():
    source = CsvSource("price;n\n79,97;1\n1 234,56;2\nNA;3\n", separator=";")
    specs = FieldSpecifications([("fs_1", "type", {"field": "price", "type": "double"})])
    errors = []
    fields, details, _count = infer(source.open(), [], specs)
    records = run(source.open(), [], specs, types=types_of(fields), formats=formats_of(details), on_error=errors.append)
    assert [record["price"] for _row, record in records] == [79.97, 1234.56, None]
    assert errors == []


# --- dates and times ---------------------------------------------------------------------------


def test_day_first_dates_with_any_separator():
    values = ["13/01/2012", "14.01.2012", "15-01-2012", "2012-01-16"]
    detail = inferred(values)
    assert (detail.type, detail.format.date_order) == ("date", "dmy")
    assert converted(values) == [dt.date(2012, 1, day) for day in (13, 14, 15, 16)]


def test_month_first_dates_decide_too():
    assert converted(["01/13/2012", "02/01/2012"]) == [dt.date(2012, 1, 13), dt.date(2012, 2, 1)]


def test_undecided_dates_use_the_resource_order():
    assert converted(["01/02/2012"]) == [dt.date(2012, 2, 1)]
    assert converted(["01/02/2012"], date_order="mdy") == [dt.date(2012, 1, 2)]


def test_contradicting_orders_make_text():
    assert inferred(["13/01/2012", "01/13/2012"]).type == "text"


def test_day_first_datetimes_read_in_the_resource_zone():
    paris = ReadOptions.from_params({"timezone": "Europe/Paris"}).timezone
    values = ["13/01/2012 14:30", "14/01/2012 08:05:09", "15/01/2012T10:00Z"]
    detail = inferred(values, timezone=paris)
    assert detail.type == "datetime"
    assert converted(values, timezone=paris) == [
        dt.datetime(2012, 1, 13, 13, 30, tzinfo=dt.UTC),
        dt.datetime(2012, 1, 14, 7, 5, 9, tzinfo=dt.UTC),
        dt.datetime(2012, 1, 15, 10, 0, tzinfo=dt.UTC),
    ]


def test_naive_iso_datetimes_read_in_the_resource_zone():
    paris = ReadOptions.from_params({"timezone": "Europe/Paris"}).timezone
    assert converted(["2012-07-01 12:00"], timezone=paris) == [dt.datetime(2012, 7, 1, 10, 0, tzinfo=dt.UTC)]


def test_two_digit_years_and_impossible_dates_stay_text():
    assert inferred(["13/01/12"]).type == "text"
    assert inferred(["31/02/2012"]).type == "text"


# --- booleans ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("true", "false"),
    [
        ("yes", "no"),
        ("Oui", "Non"),
        ("vrai", "faux"),
        ("ja", "nein"),
        ("sí", "no"),
        ("vero", "falso"),
        ("waar", "onwaar"),
    ],
)
def test_booleans_in_several_languages(true, false):
    assert converted([true, false, true.upper()]) == [True, False, True]


def test_zero_and_one_stay_integers():
    assert inferred(["0", "1"]).type == "int"


# --- JSON keys met late ------------------------------------------------------------------------


def test_a_json_key_first_seen_after_the_read_ahead_is_a_field():
    rows = [{"id": n} for n in range(READ_AHEAD_RECORDS + 500)]
    rows[-1]["late"] = "3,5"
    rows[-2]["late"] = "NA"
    data = json.dumps(rows).encode()
    source = open_source("jsonfile", {}, io.BytesIO(data))
    fields, details, count = infer(source, [], NO_SPECS)
    assert [(field.name, field.type) for field in fields] == [("id", "int"), ("late", "double")]
    assert (details["late"].null_count, details["late"].value_count) == (count - 1, 1)
    source = open_source("jsonfile", {}, io.BytesIO(data))
    records = [
        record
        for _row, record in run(
            source, [], NO_SPECS, types=types_of(fields), formats=formats_of(details), on_error=print
        )
    ]
    assert records[-1] == {"id": READ_AHEAD_RECORDS + 499, "late": 3.5}
    assert records[-2]["late"] is None and records[0]["late"] is None


def test_the_preview_sees_late_keys_within_its_sample():
    rows = [{"id": n} for n in range(READ_AHEAD_RECORDS + 10)] + [{"id": 0, "late": True}]
    result = preview(open_source("jsonfile", {}, io.BytesIO(json.dumps(rows).encode())), [], NO_SPECS)
    assert [(field["name"], field["type"]) for field in result["fields"]] == [("id", "int"), ("late", "boolean")]


# --- the preview says what would be nulled -----------------------------------------------------


def test_the_preview_counts_markers_and_warns_of_a_type_that_nulls_values():
    specs = FieldSpecifications([("fs_1", "type", {"field": "code", "type": "int"})])
    source = CsvSource("code,n\nA1,NA\nB2,3\n7,4\n8,-\n").open()
    result = preview(source, [], specs)
    code, n = result["fields"]
    assert n["inference"]["null_markers"] == {"-": 1, "NA": 1}
    assert (n["inference"]["nulled"], n["inference"]["warning"]) == (2, None)
    assert (code["inference"]["unreadable"], code["inference"]["nulled"]) == (2, 2)
    assert code["inference"]["warning"].startswith("2 of 4 values (50%) of code cannot be read as int")
    assert [error["raw_params"]["value"] for error in result["record_errors"]] == ["A1", "B2"]
    assert [record["code"] for record in result["records"]] == [None, None, 7, 8]


class CsvSource:
    def __init__(self, text: str, separator: str = ",") -> None:
        self.data, self.params = text.encode(), {"separator": separator}

    def open(self):
        return open_source("csvfile", self.params, io.BytesIO(self.data))


def test_a_time_may_follow_a_slashed_iso_date():
    assert inferred(["2024/12/31 23:59", "2024-01-02T03:04"]).type == "datetime"
    assert converted(["2024/12/31 23:59"]) == [dt.datetime(2024, 12, 31, 23, 59, tzinfo=dt.UTC)]


@pytest.mark.parametrize("marker", ["9999", "-999", "0", "1.5"])
def test_a_resource_marker_that_looks_like_a_number_is_null_all_the_same(marker):
    markers = frozenset({marker})
    detail = inferred(["12", marker, "7"], null_markers=markers)
    assert (detail.type, detail.null_markers) == ("int", {marker: 1})
    assert converted(["12", marker, "7"], null_markers=markers) == [12, None, 7]
