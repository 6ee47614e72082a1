"""The contract of the documented normalisation, point by point: one small file per rule, published
through the API and the worker, types and values read back through the records API.

The property test (``test_round_trip.py``) mixes every rule in random tables; these name each rule, so
a failure says at once which one is broken. Params the contract adds to the extractors
(``null_markers``, ``decimal_mark``, ``date_order``, ``timezone``) are passed on top of the guess.
"""

import codecs
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from tests.fidelity.contract import NULL_MARKERS
from tests.fidelity.published import assert_published

pytestmark = pytest.mark.django_db(transaction=True)

UTC = dt.UTC


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return "".join(line + "\r\n" for line in lines).encode(encoding)


def at(*parts: int, zone: dt.tzinfo = UTC) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=zone)


# --- null markers -----------------------------------------------------------------------------------


def test_default_null_markers_are_null_in_a_number_column(publisher):
    markers = [*NULL_MARKERS, " NA ", ""]
    lines = ["n,count", "1,12", *(f'{row},"{marker}"' for row, marker in enumerate(markers, start=2))]
    expected = {"count": ("int", [12] + [None] * len(markers))}
    assert_published(publisher, csv_bytes(*lines), "markers.csv", expected)


def test_markers_are_null_in_date_boolean_and_point_columns(publisher):
    content = csv_bytes(
        "n,day,flag,place", '1,2024-05-01,yes,"48.85,2.35"', "2,NA,N/A,-", "3,..,NULL,#N/A", '4,2024-05-03,no,"1.5,2.5"'
    )
    expected = {
        "day": ("date", [dt.date(2024, 5, 1), None, None, dt.date(2024, 5, 3)]),
        "flag": ("boolean", [True, None, None, False]),
        "place": ("geo_point_2d", [(48.85, 2.35), None, None, (1.5, 2.5)]),
    }
    assert_published(publisher, content, "markers.csv", expected)


def test_a_text_column_keeps_markers_as_text(publisher):
    content = csv_bytes("n,remark", "1,fine", "2,NA", "3,-", "4,", "5, None ")
    expected = {"remark": ("text", ["fine", "NA", "-", None, " None "])}
    assert_published(publisher, content, "remarks.csv", expected)


def test_the_null_markers_parameter_replaces_the_default_set(publisher):
    content = csv_bytes("n,count,note", "1,12,5", "2,manquant,NA", "3,7,6")
    expected = {"count": ("int", [12, None, 7]), "note": ("text", ["5", "NA", "6"])}
    assert_published(publisher, content, "markers.csv", expected, params={"null_markers": ["manquant"]})


# --- integers ---------------------------------------------------------------------------------------


def test_integers_grouped_by_thousands(publisher):
    content = csv_bytes(
        "n,space,nbsp,narrow,apostrophe,comma",
        '1,1 234,1\u00a0234,1\u202f234,1\'234,"1,234"',
        "2,-12 345 678,-12\u00a0345\u00a0678,-12\u202f345\u202f678,-12'345'678,\"-12,345,678\"",
        "3,999,999,999,999,999",
    )
    values = [1234, -12345678, 999]
    expected = {name: ("int", values) for name in ("space", "nbsp", "narrow", "apostrophe", "comma")}
    assert_published(publisher, content, "grouped.csv", expected)


def test_integers_grouped_by_dots_where_the_decimal_mark_is_a_comma(publisher):
    content = csv_bytes("n;amount;rate", "1;1.234.567;79,97", "2;1.500;1,5")
    expected = {"amount": ("int", [1234567, 1500]), "rate": ("double", [79.97, 1.5])}
    assert_published(publisher, content, "grouped.csv", expected)


def test_leading_zeros_and_plus_signs_make_text_as_written(publisher):
    content = csv_bytes("n,postcode,phone", "1,01000,+33612345678", "2,75001,42", "3,007,7")
    expected = {"postcode": ("text", ["01000", "75001", "007"]), "phone": ("text", ["+33612345678", "42", "7"])}
    assert_published(publisher, content, "codes.csv", expected)


def test_integers_beyond_64_bits_make_text_with_every_digit(publisher):
    content = csv_bytes(
        "n,inside,beyond", "1,9223372036854775807,9223372036854775808", "2,-9223372036854775808,-99999999999999999999"
    )
    expected = {
        "inside": ("int", [2**63 - 1, -(2**63)]),
        "beyond": ("text", ["9223372036854775808", "-99999999999999999999"]),
    }
    assert_published(publisher, content, "ids.csv", expected)


def test_zero_and_one_stay_integers(publisher):
    assert_published(publisher, csv_bytes("n,flag", "1,0", "2,1", "3,1"), "flags.csv", {"flag": ("int", [0, 1, 1])})


# --- decimals ---------------------------------------------------------------------------------------


def test_decimal_comma_decided_by_a_value_read_one_way_only(publisher):
    content = csv_bytes("n;price;total", "1;79,97;1 234,56", "2;12;2\u00a0000", "3;-0,5;1\u202f500,25")
    expected = {"price": ("double", [79.97, 12.0, -0.5]), "total": ("double", [1234.56, 2000.0, 1500.25])}
    assert_published(publisher, content, "prices.csv", expected)


def test_decimal_point_with_grouping(publisher):
    content = csv_bytes("n,price,total", '1,3.14,"1,234.5"', "2,-2,1'234.25", "3,0.001,12")
    expected = {"price": ("double", [3.14, -2.0, 0.001]), "total": ("double", [1234.5, 1234.25, 12.0])}
    assert_published(publisher, content, "prices.csv", expected)


def test_an_undecided_column_reads_the_default_point(publisher):
    content = csv_bytes("n;amount", "1;1,500", "2;2,750")
    assert_published(publisher, content, "amounts.csv", {"amount": ("int", [1500, 2750])})


def test_an_undecided_column_follows_the_other_columns(publisher):
    content = csv_bytes("n;amount;rate", "1;1,500;79,97", "2;2,750;3,5")
    expected = {"amount": ("double", [1.5, 2.75]), "rate": ("double", [79.97, 3.5])}
    assert_published(publisher, content, "amounts.csv", expected)


def test_the_decimal_mark_parameter_decides_an_undecided_resource(publisher):
    content = csv_bytes("n;amount", "1;1,500", "2;2,750")
    expected = {"amount": ("double", [1.5, 2.75])}
    assert_published(publisher, content, "amounts.csv", expected, params={"decimal_mark": ","})


def test_contradicting_decimal_marks_make_text(publisher):
    content = csv_bytes("n;value", "1;3.14", "2;79,97", "3;NA")
    assert_published(publisher, content, "mixed.csv", {"value": ("text", ["3.14", "79,97", "NA"])})


# --- dates and date-times ---------------------------------------------------------------------------


def test_iso_dates(publisher):
    content = csv_bytes("n,dashes,slashes", "1,2024-12-31,2024/12/31", "2,1999-01-02,1999/01/02")
    days = [dt.date(2024, 12, 31), dt.date(1999, 1, 2)]
    assert_published(publisher, content, "dates.csv", {"dashes": ("date", days), "slashes": ("date", days)})


def test_day_first_dates(publisher):
    content = csv_bytes("n,slash,dot,dash", "1,31/12/2024,31.12.2024,31-12-2024", "2,01/02/2024,01.02.2024,01-02-2024")
    days = [dt.date(2024, 12, 31), dt.date(2024, 2, 1)]
    expected = {name: ("date", days) for name in ("slash", "dot", "dash")}
    assert_published(publisher, content, "dates.csv", expected)


def test_month_first_dates_decided_by_a_second_part_above_12(publisher):
    content = csv_bytes("n,day", "1,01/02/2024", "2,12/31/2024")
    expected = {"day": ("date", [dt.date(2024, 1, 2), dt.date(2024, 12, 31)])}
    assert_published(publisher, content, "dates.csv", expected)


def test_undecided_dates_are_day_first_by_default(publisher):
    content = csv_bytes("n,day", "1,01/02/2024", "2,03/04/2024")
    expected = {"day": ("date", [dt.date(2024, 2, 1), dt.date(2024, 4, 3)])}
    assert_published(publisher, content, "dates.csv", expected)


def test_the_date_order_parameter_decides_undecided_dates(publisher):
    content = csv_bytes("n,day", "1,01/02/2024", "2,03/04/2024")
    expected = {"day": ("date", [dt.date(2024, 1, 2), dt.date(2024, 3, 4)])}
    assert_published(publisher, content, "dates.csv", expected, params={"date_order": "mdy"})


def test_two_digit_years_stay_text(publisher):
    content = csv_bytes("n,day", "1,31/12/24", "2,01/02/99")
    assert_published(publisher, content, "dates.csv", {"day": ("text", ["31/12/24", "01/02/99"])})


def test_date_times_in_every_date_style_and_zone_spelling(publisher):
    content = csv_bytes(
        "n,iso,dmy,mdy",
        "1,2024-12-31T23:59:00+01:00,31/12/2024 23:59,12/31/2024T08:00Z",
        "2,2024-06-01 10:30:15.250-0500,01/06/2024T10:30:15,06/01/2024 10:30:15.123456",
        "3,2024-06-01T10:30,02/06/2024 00:00:00+02:00,06/02/2024 00:00-03:30",
    )
    expected = {
        "iso": ("datetime", [at(2024, 12, 31, 22, 59), at(2024, 6, 1, 15, 30, 15, 250000), at(2024, 6, 1, 10, 30)]),
        "dmy": ("datetime", [at(2024, 12, 31, 23, 59), at(2024, 6, 1, 10, 30, 15), at(2024, 6, 1, 22, 0)]),
        "mdy": ("datetime", [at(2024, 12, 31, 8, 0), at(2024, 6, 1, 10, 30, 15, 123456), at(2024, 6, 2, 3, 30)]),
    }
    assert_published(publisher, content, "times.csv", expected)


def test_date_times_after_an_iso_date_with_slashes(publisher):
    content = csv_bytes("n,at", "1,2024/12/31 23:59", "2,2024/06/01T10:30:15.5+02:00")
    expected = {"at": ("datetime", [at(2024, 12, 31, 23, 59), at(2024, 6, 1, 8, 30, 15, 500000)])}
    assert_published(publisher, content, "times.csv", expected)


def test_naive_date_times_are_read_in_the_resource_timezone(publisher):
    content = csv_bytes("n,at", "1,2024-07-01 12:00", "2,2024-01-01 12:00")
    expected = {"at": ("datetime", [at(2024, 7, 1, 10, 0), at(2024, 1, 1, 11, 0)])}
    assert_published(publisher, content, "times.csv", expected, params={"timezone": "Europe/Paris"})


def test_naive_date_times_default_to_the_data_time_zone_setting(publisher, settings):
    settings.DATA_TIME_ZONE = "America/New_York"
    content = csv_bytes("n,at", "1,2024-07-01 12:00", "2,2024-01-01 12:00")
    zone = ZoneInfo("America/New_York")
    expected = {"at": ("datetime", [at(2024, 7, 1, 12, 0, zone=zone), at(2024, 1, 1, 12, 0, zone=zone)])}
    assert_published(publisher, content, "times.csv", expected)


# --- booleans and geo -------------------------------------------------------------------------------

BOOLEANS = {
    "en": ("true", "FALSE", "Yes", "no"),
    "fr": ("VRAI", "faux", "oui", "Non"),
    "de": ("wahr", "Falsch", "JA", "nein"),
    "es": ("Verdadero", "falso", "sí", "NO"),
    "es2": ("si", "no", "SÍ", "No"),
    "it": ("vero", "FALSO", "sì", "no"),
    "nl": ("waar", "Onwaar", "ja", "NEE"),
}


def test_booleans_in_every_language_and_case(publisher):
    header = ",".join(["n", *BOOLEANS])
    lines = [",".join([str(row + 1), *(words[row] for words in BOOLEANS.values())]) for row in range(4)]
    expected = {name: ("boolean", [True, False, True, False]) for name in BOOLEANS}
    assert_published(publisher, csv_bytes(header, *lines), "flags.csv", expected)


def test_points_as_text_and_json_arrays_shapes_as_geojson(publisher):
    shape = {"type": "Polygon", "coordinates": [[[2.0, 48.0], [3.0, 48.0], [3.0, 49.0], [2.0, 48.0]]]}
    records = [{"n": 1, "text": "48.85,2.35", "array": [48.85, 2.35], "shape": shape}, {"n": 2, "text": "-1.5,3.25"}]
    expected = {
        "text": ("geo_point_2d", [(48.85, 2.35), (-1.5, 3.25)]),
        "array": ("geo_point_2d", [(48.85, 2.35), None]),
        "shape": ("geo_shape", [shape, None]),
    }
    assert_published(publisher, json.dumps(records).encode(), "places.json", expected)


# --- text, JSON types, XLSX cell types, encodings ---------------------------------------------------


def test_quotes_delimiters_newlines_and_unicode_come_back_exactly(publisher):
    values = ['Café "Le Zinc"; Paris', "l'été,\r\nà 10 h\nfin", "tab\there", " padded ", "日本語 😀"]
    lines = ["n,text", *(f'{row},"{value.replace(chr(34), chr(34) * 2)}"' for row, value in enumerate(values, 1))]
    assert_published(publisher, csv_bytes(*lines), "texts.csv", {"text": ("text", values)})


def test_json_numbers_and_booleans_keep_their_types(publisher):
    records = [{"n": 1, "i": 1, "f": 1.5, "b": True, "s": "12"}, {"n": 2, "i": -7, "f": 2, "b": False, "s": "x"}]
    expected = {
        "i": ("int", [1, -7]),
        "f": ("double", [1.5, 2.0]),
        "b": ("boolean", [True, False]),
        "s": ("text", ["12", "x"]),
    }
    assert_published(publisher, json.dumps(records).encode(), "types.json", expected)


def test_xlsx_cell_types_are_kept(publisher):
    workbook = openpyxl.Workbook()
    workbook.active.append(["n", "count", "ratio", "day", "at", "flag", "label"])
    workbook.active.append([1, 12, 0.5, dt.date(2024, 12, 31), dt.datetime(2024, 1, 2, 3, 4, 5), True, "007"])
    workbook.active.append([2, -3, 2.25, dt.date(1999, 1, 2), dt.datetime(2024, 1, 2, 0, 0, 1), False, "x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    expected = {
        "count": ("int", [12, -3]),
        "ratio": ("double", [0.5, 2.25]),
        "day": ("date", [dt.date(2024, 12, 31), dt.date(1999, 1, 2)]),
        "at": ("datetime", [at(2024, 1, 2, 3, 4, 5), at(2024, 1, 2, 0, 0, 1)]),
        "flag": ("boolean", [True, False]),
        "label": ("text", ["007", "x"]),
    }
    assert_published(publisher, buffer.getvalue(), "cells.xlsx", expected)


ENCODED = {
    "utf-8 with a BOM, ;": codecs.BOM_UTF8 + "n;ville;prix\r\n1;Orléans;3.5\r\n2;Besançon;4\r\n".encode(),
    "cp1252, ;": "n;ville;prix\r\n1;Orléans;3.5\r\n2;Besançon;4\r\n".encode("cp1252"),
    "utf-16 LE with a BOM, tab": codecs.BOM_UTF16_LE
    + "n\tville\tprix\r\n1\tOrléans\t3.5\r\n2\tBesançon\t4\r\n".encode("utf-16-le"),
    "utf-16 BE with a BOM, ,": codecs.BOM_UTF16_BE
    + "n,ville,prix\r\n1,Orléans,3.5\r\n2,Besançon,4\r\n".encode("utf-16-be"),
}


@pytest.mark.parametrize("content", ENCODED.values(), ids=ENCODED.keys())
def test_csv_encodings_and_separators(publisher, content):
    expected = {"ville": ("text", ["Orléans", "Besançon"]), "prix": ("double", [3.5, 4.0])}
    assert_published(publisher, content, "villes.csv", expected)
