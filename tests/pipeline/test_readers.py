"""Readers and the extractor catalogue: fields, raw values and every SourceError reason, on in-memory files."""

from __future__ import annotations

import datetime
import io
import json
import tracemalloc
import zipfile

import openpyxl
import pytest

from datasets.pipeline.core import InvalidExtractorParameterError, SourceError, UnknownExtractorError
from datasets.pipeline.extractors import EXTRACTORS, extractor_types, validate_params
from datasets.pipeline.readers import NoDataRowsError, ReadLimits, json_reader, open_source
from datasets.pipeline.readers.json_scanner import JsonScanner
from datasets.pipeline.readers.text import decoded_chunks, split_lines

DEFAULT = ReadLimits()
SMALL = ReadLimits(max_record_bytes=100)


def read(extractor, data, params=None, limits=DEFAULT):
    """(fields as (name, label, original_name), records) of ``data`` read with ``extractor``."""
    source = open_source(extractor, params or {}, io.BytesIO(data), limits=limits)
    fields = [(field.name, field.label, field.original_name) for field in source.fields]
    return fields, [record for _, record in source.rows()]


def reason_of(extractor, data, params=None, limits=DEFAULT):
    """The SourceError reason reading ``data`` ends with, whether at opening or while streaming."""
    with pytest.raises(SourceError) as caught:
        read(extractor, data, params, limits)
    return caught.value.raw_params["reason"]


# --- CSV -------------------------------------------------------------------------------------------


def test_csv_fields_and_values():
    fields, records = read("csvfile", b"Name,Age ,Ville natale\r\nAlice,30,Paris\r\nBob,,\r\n")
    assert fields == [
        ("name", "Name", "Name"),
        ("age", "Age", "Age "),
        ("ville_natale", "Ville natale", "Ville natale"),
    ]
    assert records == [
        {"name": "Alice", "age": "30", "ville_natale": "Paris"},
        {"name": "Bob", "age": "", "ville_natale": ""},
    ]


def test_csv_rows_are_numbered_from_one():
    source = open_source("csvfile", {}, io.BytesIO(b"a\nx\ny\n"))
    assert list(source.rows()) == [(1, {"a": "x"}), (2, {"a": "y"})]


@pytest.mark.parametrize(("separator", "param"), [(",", ","), (";", ";"), ("\t", "\t"), ("\t", "\\t"), ("|", "|")])
def test_csv_separators(separator, param):
    data = f'code{separator}label\n75{separator}"Paris, France"\n'.encode()
    fields, records = read("csvfile", data, {"separator": param})
    assert [name for name, _, _ in fields] == ["code", "label"]
    assert records == [{"code": "75", "label": "Paris, France"}]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("ville;prix\nCréteil;5 €\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "ville;prix\nCréteil;5 €\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "ville;prix\nCréteil;5 €\n".encode(), "utf-8-sig"),
        ("ville;prix\nCréteil;5 €\n".encode("utf-16"), "utf-16"),
        ("ville;prix\nCréteil;5 €\n".encode("cp1252"), "cp1252"),
        ("ville;prix\nCréteil;5 €\n".encode("cp1252"), "windows-1252"),
    ],
)
def test_csv_encodings(data, encoding):
    fields, records = read("csvfile", data, {"separator": ";", "encoding": encoding})
    assert fields == [("ville", "ville", "ville"), ("prix", "prix", "prix")]
    assert records == [{"ville": "Créteil", "prix": "5 €"}]


def test_csv_latin1():
    fields, records = read("csvfile", "é\nà\n".encode("latin-1"), {"encoding": "latin-1"})
    assert fields == [("e", "é", "é")]
    assert records == [{"e": "à"}]


def test_csv_without_header():
    fields, records = read("csvfile", b"1,2\n3,4\n", {"headers_first_row": False})
    assert fields == [("column_1", "Column 1", "column_1"), ("column_2", "Column 2", "column_2")]
    assert records == [{"column_1": "1", "column_2": "2"}, {"column_1": "3", "column_2": "4"}]


def test_csv_first_row_no_skips_lines_above_the_table():
    data = b'Report "2024", unbalanced\nsource: INSEE\ncode,n\nA,1\n'
    fields, records = read("csvfile", data, {"first_row_no": 3})
    assert [name for name, _, _ in fields] == ["code", "n"]
    assert records == [{"code": "A", "n": "1"}]


def test_csv_quotes_embedded_newlines_and_doubled_quotes():
    data = b'id,text\n1,"line one\nline two"\n2,"say ""hi"", then go"\r\n3,"a\r\nb"\n'
    _, records = read("csvfile", data)
    assert records == [
        {"id": "1", "text": "line one\nline two"},
        {"id": "2", "text": 'say "hi", then go'},
        {"id": "3", "text": "a\r\nb"},
    ]


def test_csv_quotechar_and_doublequote():
    _, records = read("csvfile", b"a,b\n'x, y',z\n", {"quotechar": "'"})
    assert records == [{"a": "x, y", "b": "z"}]
    _, records = read("csvfile", b'a\n"x""y"\n', {"doublequote": False})
    assert records == [{"a": 'x"y"'}]


def test_csv_old_mac_line_endings_and_a_missing_final_newline():
    _, records = read("csvfile", b"a,b\r1,2\r3,4")
    assert records == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_csv_lines_split_across_chunks():
    text = "a,b\r\n1,2\r\n3,4\r5,6\n"
    stream = io.BytesIO(text.encode())
    lines = list(split_lines(decoded_chunks(stream, "utf-8", chunk_size=1), 100))
    assert lines == ["a,b\r\n", "1,2\r\n", "3,4\r", "5,6\n"]


def test_csv_other_unicode_breaks_stay_inside_values():
    _, records = read("csvfile", "a,b\nx\u2028y,z\x0cw\n".encode())
    assert records == [{"a": "x\u2028y", "b": "z\x0cw"}]


def test_csv_duplicate_and_blank_headers():
    fields, _ = read("csvfile", b"a,,a,select\n1,2,3,4\n")
    assert fields == [
        ("a", "a", "a"),
        ("column_2", "Column 2", ""),
        ("a_2", "a", "a"),
        ("select_field", "select", "select"),
    ]


def test_csv_blank_lines_are_skipped():
    _, records = read("csvfile", b"\n\na,b\n\n1,2\n\n\n3,4\n\n")
    assert records == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_csv_empty_file():
    assert reason_of("csvfile", b"") == "the file is empty"
    assert reason_of("csvfile", b"\n\r\n\n") == "the file is empty"
    assert reason_of("csvfile", b"\xef\xbb\xbf") == "the file is empty"


def test_csv_header_only_is_detected_lazily_and_by_has_rows():
    source = open_source("csvfile", {}, io.BytesIO(b"a,b\n\n"))
    assert [field.name for field in source.fields] == ["a", "b"]
    assert source.has_rows() is False
    with pytest.raises(NoDataRowsError) as caught:
        list(source.rows())
    assert caught.value.raw_params == {"reason": "the file has a header but no data rows"}
    assert str(caught.value) == "Cannot read the resource: the file has a header but no data rows"


def test_has_rows_keeps_the_row_it_read_ahead():
    source = open_source("csvfile", {}, io.BytesIO(b"a\n1\n2\n"))
    assert source.has_rows() is True
    assert list(source.rows()) == [(1, {"a": "1"}), (2, {"a": "2"})]


def read_problems(data, params=None):
    """(rows, problems as (row, field, message)) of a CSV, each problem drained as its row arrives (as run does)."""
    source = open_source("csvfile", params or {}, io.BytesIO(data))
    rows, problems = [], []
    for row, record in source.rows():
        problems += [(problem.row, problem.field, problem.message) for problem in source.problems]
        source.problems.clear()
        rows.append((row, record))
    return rows, problems


def test_csv_short_rows_are_padded_with_nulls_and_reported():
    rows, problems = read_problems(b"a,b,c\n1,2,3\n4,5\n6\n7,8,9\n")
    assert rows == [
        (1, {"a": "1", "b": "2", "c": "3"}),
        (2, {"a": "4", "b": "5", "c": None}),
        (3, {"a": "6", "b": None, "c": None}),
        (4, {"a": "7", "b": "8", "c": "9"}),
    ]
    assert problems == [
        (2, None, "Row has 2 values but the header has 3 columns: the missing values are null"),
        (3, None, "Row has 1 value but the header has 3 columns: the missing values are null"),
    ]


def test_csv_long_rows_keep_the_header_width_and_their_extra_values_in_the_problem():
    source = open_source("csvfile", {}, io.BytesIO(b"a,b\n1,2\n3,4,x,\n5,6\n"))
    rows = list(source.rows())
    assert rows == [(1, {"a": "1", "b": "2"}), (2, {"a": "3", "b": "4"}), (3, {"a": "5", "b": "6"})]
    [problem] = source.problems
    assert (problem.row, problem.raw_params) == (2, {"values": 4, "columns": 2, "extra": ["x", ""]})
    assert problem.message == (
        "Row has 4 values but the header has 2 columns: the extra values are left out of the record (['x', ''])"
    )


def test_csv_ragged_rows_without_header_and_after_blank_lines():
    rows, problems = read_problems(b"1,2\n3\n", {"headers_first_row": False})
    assert rows == [(1, {"column_1": "1", "column_2": "2"}), (2, {"column_1": "3", "column_2": None})]
    assert problems == [(2, None, "Row has 1 value but the first row has 2 values: the missing values are null")]
    rows, problems = read_problems(b"a,b\n1,2\n\n\n1\n \n")
    assert [row for row, _ in rows] == [1, 2, 3]
    assert [(row, message.split(":")[0]) for row, _, message in problems] == [
        (2, "Row has 1 value but the header has 2 columns"),
        (3, "Row has 1 value but the header has 2 columns"),
    ]


def test_csv_a_problem_is_reported_before_its_row_is_yielded():
    source = open_source("csvfile", {}, io.BytesIO(b"a,b\n1,2\n3\n4,5\n"))
    seen = [(row, [problem.row for problem in source.problems]) for row, _ in source.rows()]
    assert seen == [(1, []), (2, [2]), (3, [2])]  # nobody drained them here


def test_csv_row_numbers_do_not_count_blank_lines():
    source = open_source("csvfile", {}, io.BytesIO(b"a\n1\n\n\n2\n\n3\n"))
    assert list(source.rows()) == [(1, {"a": "1"}), (2, {"a": "2"}), (3, {"a": "3"})]
    data = b"a,b\n1,2\n\n3,4\n\n5," + b"x" * 200 + b"\n"
    assert reason_of("csvfile", data, limits=SMALL) == "row 3 is longer than 100 bytes"


def test_csv_undecodable_bytes_become_problems_with_their_offset():
    rows, problems = read_problems(b"a,b\n1,\xe9t\xe9\nok,\xc3\xa9t\xc3\xa9\n")
    assert rows == [(1, {"a": "1", "b": "\ufffdt\ufffd"}), (2, {"a": "ok", "b": "été"})]
    assert problems == [(1, "b", 'Bytes at offset 6 are not valid utf-8 (e9 e9): the value is read as "\ufffdt\ufffd"')]
    source = open_source("csvfile", {"encoding": "cp1252"}, io.BytesIO(b"a\n\x81\n"))
    assert list(source.rows()) == [(1, {"a": "\ufffd"})]
    assert source.problems[0].raw_params == {"offset": 2, "bytes": "81", "encoding": "cp1252", "value": "\ufffd"}
    # A UTF-8 sequence cut by the end of the file is undecodable too.
    source = open_source("csvfile", {}, io.BytesIO(b"a\nx\xc3"))
    assert (list(source.rows()), source.problems[0].raw_params["offset"]) == ([(1, {"a": "x\ufffd"})], 3)


def test_csv_undecodable_offsets_count_the_bom_and_earlier_chunks():
    data = b"\xef\xbb\xbfa\n" + b"x\n" * 40000 + b"\xff\n"
    rows, problems = read_problems(data)
    assert (len(rows), rows[-1]) == (40001, (40001, {"a": "\ufffd"}))
    assert problems == [
        (40001, "a", f'Bytes at offset {len(data) - 2} are not valid utf-8 (ff): the value is read as "\ufffd"')
    ]


def test_csv_undecodable_bytes_of_the_header_lines_above_and_long_rows():
    data = b'title \xff\n\xe9a,b\n1,2,\xe9\n"multi\nline \xe9",\xe0\n'
    rows, problems = read_problems(data, {"first_row_no": 2, "encoding": "utf-8"})
    assert rows == [(1, {"a": "1", "b": "2"}), (2, {"a": "multi\nline \ufffd", "b": "\ufffd"})]
    assert [(row, field, message.split(":")[0]) for row, field, message in problems] == [
        (0, None, "Bytes at offset 8 are not valid utf-8 (e9)"),  # the header: its label reads "\ufffda"
        (1, None, "Bytes at offset 17 are not valid utf-8 (e9)"),
        (1, None, "Row has 3 values but the header has 2 columns"),
        (2, "a", "Bytes at offset 31 are not valid utf-8 (e9)"),
        (2, "b", "Bytes at offset 34 are not valid utf-8 (e0)"),
    ]


def test_csv_a_genuine_replacement_character_is_no_problem():
    rows, problems = read_problems("a\n\ufffd\n".encode())
    assert (rows, problems) == ([(1, {"a": "\ufffd"})], [])


def test_strict_decoding_still_refuses_invalid_bytes_with_their_offset():
    with pytest.raises(SourceError, match="bytes at offset 6 are not valid utf-8"):
        list(decoded_chunks(io.BytesIO(b"a,b\n1,\xe9t\xe9\n"), "utf-8"))


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"a,b\n1,\x002\n", "it contains NUL bytes"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"PK\x03\x04\x14\x00\x00\x00", "a ZIP archive"),
        (b"%PDF-1.7\n", "a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "an old Office document such as an .xls workbook"),
    ],
)
def test_csv_binary_input(data, kind):
    assert reason_of("csvfile", data) == f"the file looks binary ({kind}), not CSV text"


def test_csv_record_over_the_limit():
    data = b"a,b\n1,2\n3," + b"x" * 200 + b"\n"
    assert reason_of("csvfile", data, limits=SMALL) == "row 2 is longer than 100 bytes"
    quoted = b'a,b\n1,"' + b"x\n" * 60 + b'"\n'
    assert reason_of("csvfile", quoted, limits=SMALL) == "row 1 is longer than 100 bytes"
    assert reason_of("csvfile", b"a" * 101 + b"\n1\n", limits=SMALL) == "the header row is longer than 100 bytes"


def test_csv_record_over_the_default_limit_of_10_mb():
    data = b"a\n" + b"x" * (10 * 1024 * 1024 + 1) + b"\n"
    assert reason_of("csvfile", data) == "row 1 is longer than 10 MB"


def test_csv_huge_line_without_newline_fails_without_holding_it():
    limits = ReadLimits(max_record_bytes=1024 * 1024)
    stream = io.BytesIO(b"a\n" + b"x" * (16 * 1024 * 1024))
    tracemalloc.start()
    try:
        with pytest.raises(SourceError, match="row 1 is longer than 1 MB"):
            list(open_source("csvfile", {}, stream, limits=limits).rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024  # the line held up to the limit, and a chunk or two


def test_csv_too_many_columns():
    assert reason_of("csvfile", b"a,b,c\n1,2,3\n", limits=ReadLimits(max_fields=2)) == (
        "the file has 3 columns; at most 2 are allowed"
    )


def test_csv_first_row_no_after_the_end():
    assert reason_of("csvfile", b"a\n1\n", {"first_row_no": 5}) == "the file ends before line 5 (first_row_no)"


class GeneratedCsv:
    """A seekable binary stream producing ``rows`` CSV rows on the fly, never holding the file."""

    BLOCK = b"".join(b"%d,name %d,%d.5\n" % (i, i, i) for i in range(1000))

    def __init__(self, rows):
        self.rows = rows
        self.seek(0)

    def seek(self, offset, whence=0):
        assert (offset, whence) == (0, 0)
        self._blocks = iter([b"id,name,value\n"] + [self.BLOCK] * (self.rows // 1000))
        self._pending = b""
        return 0

    def read(self, size=-1):
        pieces, total = [self._pending], len(self._pending)
        while total < size:
            block = next(self._blocks, None)
            if block is None:
                break
            pieces.append(block)
            total += len(block)
        data = b"".join(pieces)
        self._pending = data[size:]
        return data[:size]


def test_csv_streams_200000_rows_in_bounded_memory():
    tracemalloc.start()
    try:
        source = open_source("csvfile", {}, GeneratedCsv(200_000))
        count, last = 0, None
        for count, last in source.rows():  # noqa: B007
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert last == {"id": "999", "name": "name 999", "value": "999.5"}
    assert peak < 20 * 1024 * 1024


# --- JSON ------------------------------------------------------------------------------------------


def test_json_array_fields_are_the_union_of_keys_in_order():
    data = b'[{"id": 1, "name": "A", "tags": ["x"]}, {"id": 2, "geo": {"lat": 1.5}, "name": null}]'
    fields, records = read("jsonfile", data)
    assert fields == [("id", "id", "id"), ("name", "name", "name"), ("tags", "tags", "tags"), ("geo", "geo", "geo")]
    assert records == [
        {"id": 1, "name": "A", "tags": ["x"], "geo": None},
        {"id": 2, "name": None, "tags": None, "geo": {"lat": 1.5}},
    ]


def test_json_lines_auto_detected_and_explicit():
    data = b'{"a": 1}\n\n{"a": 2, "B c": true}\n'
    expected = [{"a": 1, "b_c": None}, {"a": 2, "b_c": True}]
    assert read("jsonfile", data) == ([("a", "a", "a"), ("b_c", "B c", "B c")], expected)
    assert read("jsonfile", data, {"format": "jsonl"})[1] == expected


def test_json_array_format_refuses_json_lines():
    assert reason_of("jsonfile", b'{"a": 1}\n', {"format": "array"}) == (
        "the file does not hold a JSON array: it starts with '{'"
    )
    assert reason_of("jsonfile", b'"text"') == "the file does not hold JSON objects: it starts with '\"'"


def test_json_path_streams_the_array_past_big_siblings():
    data = json.dumps(
        {
            "meta": {"note": 'a ] } [ { " tricky string', "list": [[1, 2], {"x": "]"}]},
            "data": {"n": 2, "items": [{"a": 1}, {"a": 2}]},
        }
    ).encode()
    assert read("jsonfile", data, {"json_path": "data.items"}) == ([("a", "a", "a")], [{"a": 1}, {"a": 2}])


def test_json_path_not_found():
    data = b'{"data": {"items": 3, "n": [1]}}'
    assert reason_of("jsonfile", data, {"json_path": "result"}) == (
        "the JSON path 'result' was not found: no key 'result' in the top-level value"
    )
    assert reason_of("jsonfile", data, {"json_path": "data.nope"}) == (
        "the JSON path 'data.nope' was not found: no key 'nope' in 'data'"
    )
    assert reason_of("jsonfile", data, {"json_path": "data.items.x"}) == (
        "the JSON path 'data.items.x' was not found: 'data.items' is not an object"
    )
    assert (
        reason_of("jsonfile", data, {"json_path": "data.items"})
        == "the JSON path 'data.items' does not lead to an array"
    )


def test_json_invalid_with_its_position():
    assert reason_of("jsonfile", b'[{"a": 1},\n {"a": 2,}]') == (
        "invalid JSON at line 2 column 10: Expecting property name enclosed in double quotes"
    )
    assert reason_of("jsonfile", b'{"a": 1}\n{"a": tru}\n') == "invalid JSON at line 2 column 7: Expecting value"
    assert reason_of("jsonfile", b'[{"a": 1} {"a": 2}]') == "invalid JSON at line 1 column 11: Expecting ',' or ']'"
    assert reason_of("jsonfile", b'[{"a": 1}] []') == (
        "invalid JSON at line 1 column 12: Extra data after the end of the JSON document"
    )
    assert reason_of("jsonfile", b'[{"a": 1}, ') == "invalid JSON at line 1 column 12: unexpected end of the file"


def test_json_items_that_are_not_objects():
    assert reason_of("jsonfile", b'[{"a": 1}, [1, 2]]') == "row 2 is not a JSON object (it is an array)"
    assert reason_of("jsonfile", b'[{"a": 1}, {"a": 2}, null]') == "row 3 is not a JSON object (it is null)"
    assert reason_of("jsonfile", b'{"a": 1}\n2.5\n') == "row 2 is not a JSON object (it is a number)"


def test_json_empty_and_without_records():
    assert reason_of("jsonfile", b"") == "the file is empty"
    assert reason_of("jsonfile", b" \n\t ") == "the file is empty"
    source = open_source("jsonfile", {}, io.BytesIO(b"[ ]"))
    assert source.fields == []
    assert source.has_rows() is False
    with pytest.raises(NoDataRowsError, match="the file has no records"):
        list(source.rows())


def test_json_keys_first_seen_after_the_read_ahead(monkeypatch):
    monkeypatch.setattr(json_reader, "READ_AHEAD_RECORDS", 2)
    source = open_source("jsonfile", {}, io.BytesIO(b'[{"a": 1}, {"a": 2}, {"a": 3, "A": 4}]'))
    assert [field.name for field in source.fields] == ["a"]
    assert list(source.rows()) == [(1, {"a": 1}), (2, {"a": 2}), (3, {"a": 3, "a_2": 4})]
    assert [(field.name, field.label) for field in source.fields] == [("a", "a"), ("a_2", "A")]


def test_json_record_over_the_limit():
    data = b'[{"a": 1}, {"a": "' + b"x" * 300 + b'"}]'
    assert reason_of("jsonfile", data, limits=SMALL) == "row 2 is longer than 100 bytes"


def test_json_encodings_and_invalid_bytes():
    text = '[{"ville": "Créteil"}]'
    expected = ([("ville", "ville", "ville")], [{"ville": "Créteil"}])
    assert read("jsonfile", text.encode("utf-16")) == expected
    assert read("jsonfile", text.encode("utf-16-le")) == expected
    assert read("jsonfile", b"\xef\xbb\xbf" + text.encode()) == expected
    assert reason_of("jsonfile", text.encode("cp1252")) == "bytes at offset 14 are not valid utf-8"


def test_json_scanner_across_one_character_chunks():
    text = '{"skip": [1, "]\\"", {"k": [2]}], "data": {"items": [{"n": 12345, "s": "a\\u00e9"}, {"n": -1.5e3}]}}'
    scanner = JsonScanner(iter(text), 1000)
    json_reader.goto_path(scanner, "data.items")
    assert list(scanner.iter_array()) == [{"n": 12345, "s": "aé"}, {"n": -1500.0}]


def test_json_array_streams_in_bounded_memory():
    item = b'{"id": 1, "name": "some name", "values": [1, 2, 3]}'
    data = b"[" + b",\n".join([item] * 50_000) + b"]"
    stream = io.BytesIO(data)
    tracemalloc.start()
    try:
        source = open_source("jsonfile", {}, stream)
        count = sum(1 for _ in source.rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 50_000
    assert peak < len(data) / 2


# --- GeoJSON ---------------------------------------------------------------------------------------


def feature(properties, geometry=None):
    return {"type": "Feature", "geometry": geometry, "properties": properties}


POINT = {"type": "Point", "coordinates": [2.35, 48.85]}


def test_geojson_feature_collection():
    data = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [feature({"name": "Paris", "geometry": "x"}, POINT), feature(None), feature({"pop": 3})],
        }
    ).encode()
    fields, records = read("geojsonfile", data)
    assert fields == [
        ("geometry", "Geometry", "geometry"),
        ("name", "name", "name"),
        ("geometry_2", "geometry", "geometry"),
        ("pop", "pop", "pop"),
    ]
    assert records == [
        {"geometry": POINT, "name": "Paris", "geometry_2": "x", "pop": None},
        {"geometry": None, "name": None, "geometry_2": None, "pop": None},
        {"geometry": None, "name": None, "geometry_2": None, "pop": 3},
    ]


def test_geojson_geometry_field_is_typed_geo_shape():
    source = open_source("geojsonfile", {}, io.BytesIO(json.dumps([feature({"a": 1}, POINT)]).encode()))
    assert [(field.name, field.type) for field in source.fields] == [("geometry", "geo_shape"), ("a", "text")]


def test_geojson_bare_feature_list():
    data = json.dumps([feature({"a": 1}, POINT)]).encode()
    assert read("geojsonfile", data)[1] == [{"geometry": POINT, "a": 1}]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"type": "Topology", "objects": {}}, "the file is not a GeoJSON FeatureCollection: its type is 'Topology'"),
        ({"rows": []}, "the file is not GeoJSON: the top-level object has no 'features' array"),
        (
            {"type": "FeatureCollection", "features": {}},
            "the file is not GeoJSON: the top-level object has no 'features' array",
        ),
        ("text", "the file is not GeoJSON: it starts with '\"'"),
        ([feature({}), {"type": "Point"}], "row 2 is not a GeoJSON Feature (its type is 'Point')"),
        ([{"type": "Feature", "properties": [1]}], "row 1 has properties that are not a JSON object"),
        ([3], "row 1 is not a JSON object (it is a number)"),
    ],
)
def test_geojson_refuses_what_is_not_geojson(document, reason):
    assert reason_of("geojsonfile", json.dumps(document).encode()) == reason


def test_geojson_without_features():
    data = b'{"type": "FeatureCollection", "features": []}'
    with pytest.raises(NoDataRowsError, match="the GeoJSON file has no features"):
        read("geojsonfile", data)


# --- XLSX ------------------------------------------------------------------------------------------


def xlsx(*sheets):
    """An .xlsx file with one sheet per ``(title, rows)``."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        worksheet = workbook.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_values_as_a_user_sees_them():
    rows = [
        ["Nom", "Entier", "Réel", "Rond", "Jour", "Instant", "Vrai", "Vide", "Heure"],
        [
            "Été",
            3,
            2.5,
            4.0,
            datetime.datetime(2024, 1, 31),
            datetime.datetime(2024, 1, 31, 10, 30),
            True,
            None,
            datetime.time(8, 15),
        ],
        ["x", -7, 1e20, 0.1, datetime.date(1999, 12, 1), None, False, "", None],
    ]
    fields, records = read("xlsfile", xlsx(("Data", rows)))
    assert fields[:3] == [("nom", "Nom", "Nom"), ("entier", "Entier", "Entier"), ("reel", "Réel", "Réel")]
    assert [name for name, _, _ in fields] == [
        "nom",
        "entier",
        "reel",
        "rond",
        "jour",
        "instant",
        "vrai",
        "vide",
        "heure",
    ]
    assert records == [
        {"nom": "Été", "entier": "3", "reel": "2.5", "rond": "4", "jour": "2024-01-31",
         "instant": "2024-01-31T10:30:00", "vrai": "true", "vide": "", "heure": "08:15:00"},
        {"nom": "x", "entier": "-7", "reel": "1e+20", "rond": "0.1", "jour": "1999-12-01", "instant": "",
         "vrai": "false", "vide": "", "heure": ""},
    ]  # fmt: skip


def test_xlsx_source_closes_the_workbook_when_left_early():
    data = xlsx(("S", [["a"], [1], [2]]))
    with open_source("xlsfile", {}, io.BytesIO(data)) as source:
        assert next(source.rows()) == (1, {"a": "1"})
    assert source._close is None


def test_xlsx_sheet_by_name_and_by_position():
    data = xlsx(("One", [["a"], [1]]), ("Two", [["b"], [2]]))
    assert read("xlsfile", data)[1] == [{"a": "1"}]
    assert read("xlsfile", data, {"sheet": "Two"})[1] == [{"b": "2"}]
    assert read("xlsfile", data, {"sheet": 2})[1] == [{"b": "2"}]
    assert read("xlsfile", data, {"sheet": "2"})[1] == [{"b": "2"}]


def test_xlsx_unknown_sheet():
    data = xlsx(("One", [["a"], [1]]), ("Two", [["b"], [2]]))
    with pytest.raises(InvalidExtractorParameterError) as caught:
        read("xlsfile", data, {"sheet": "Three"})
    assert caught.value.raw_params == {
        "parameter": "sheet",
        "extractor": "xlsfile",
        "reason": "the workbook has no sheet 'Three'; its sheets are 'One', 'Two'",
    }


def test_xlsx_without_header_and_first_row_no():
    data = xlsx(("S", [["Title"], [], [1, 2], [3, None]]))
    fields, records = read("xlsfile", data, {"headers_first_row": False, "first_row_no": 3})
    assert fields == [("column_1", "Column 1", "column_1"), ("column_2", "Column 2", "column_2")]
    assert records == [{"column_1": "1", "column_2": "2"}, {"column_1": "3", "column_2": ""}]


def test_xlsx_skips_empty_rows_and_trailing_empty_cells():
    data = xlsx(("S", [[None, None], ["a", "b", None], [], [1, None, None, None], ["", 2]]))
    assert read("xlsfile", data)[1] == [{"a": "1", "b": ""}, {"a": "", "b": "2"}]


def test_xlsx_value_beyond_the_header():
    data = xlsx(("S", [["a", "b", "c"], [1, 2, 3], [1, 2, 3, "note"]]))
    assert reason_of("xlsfile", data) == "row 2 (sheet row 3) has a value in column 4 but the table has 3 columns"


def test_xlsx_header_only_and_empty_sheet():
    with pytest.raises(NoDataRowsError, match="the sheet has a header but no data rows"):
        read("xlsfile", xlsx(("S", [["a", "b"]])))
    assert reason_of("xlsfile", xlsx(("S", []))) == "the sheet is empty"


def test_xlsx_row_over_the_limit():
    data = xlsx(("S", [["a", "b"], ["x" * 60, "y" * 60]]))
    assert reason_of("xlsfile", data, limits=SMALL) == "row 1 is longer than 100 bytes"


def test_xlsx_wrong_dimension_does_not_cut_rows():
    data = xlsx(("S", [["a"], [1], [2]]))
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(patched, "w") as target:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<dimension ref="A1:A3" />', b'<dimension ref="A1" />')
                assert b'<dimension ref="A1" />' in content
            target.writestr(member, content)
    assert read("xlsfile", patched.getvalue())[1] == [{"a": "1"}, {"a": "2"}]


def test_xlsx_refuses_old_xls_and_other_files():
    assert reason_of("xlsfile", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100) == (
        "the file is an old Excel 97-2003 workbook (.xls); save it as .xlsx"
    )
    assert reason_of("xlsfile", b"a,b\n1,2\n") == "the file is not an XLSX workbook (text or an unknown format)"
    assert reason_of("xlsfile", b"\x89PNG\r\n\x1a\n") == "the file is not an XLSX workbook (a PNG image)"
    assert reason_of("xlsfile", b"") == "the file is empty"


def test_xlsx_truncated_or_damaged():
    data = xlsx(("S", [["a"], [1]]))
    assert reason_of("xlsfile", data[: len(data) // 2]) == "the XLSX file is damaged or truncated"
    assert reason_of("xlsfile", data[:-30]) == "the XLSX file is damaged or truncated"
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("[Content_Types].xml", "<nope")
        archive.writestr("xl/workbook.xml", "<not xml")
    assert reason_of("xlsfile", broken.getvalue()) == "the XLSX file is damaged or truncated"


def test_xlsx_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert reason_of("xlsfile", buffer.getvalue()) == "the file is a ZIP archive but not an XLSX workbook"


def zip_with_zeros(size):
    """A workbook-looking zip whose sheet is ``size`` zero bytes, deflated (about 1000 to 1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(size // len(block)):
                member.write(block)
    return buffer.getvalue()


def test_xlsx_zip_bomb_by_compression_ratio():
    assert reason_of("xlsfile", zip_with_zeros(8 * 1024 * 1024)) == (
        "the XLSX file looks like a zip bomb: xl/worksheets/sheet1.xml is compressed 1028 to 1 "
        "(at most 200 to 1 is allowed)"
    )


def test_xlsx_zip_bomb_by_total_size():
    limits = ReadLimits(max_xlsx_uncompressed_bytes=4 * 1024 * 1024, max_xlsx_compression_ratio=10_000)
    assert reason_of("xlsfile", zip_with_zeros(8 * 1024 * 1024), limits=limits) == (
        "the XLSX file would uncompress to more than 4 MB"
    )


# --- the catalogue and params ----------------------------------------------------------------------


def test_catalogue_shape():
    assert extractor_types() == ["csvfile", "jsonfile", "geojsonfile", "xlsfile"]
    for extractor in EXTRACTORS:
        assert set(extractor) == {"type", "label", "parameters"}
        for parameter in extractor["parameters"]:
            assert {"name", "label", "type", "description", "default", "is_mandatory"} <= set(parameter)
            assert parameter["type"] in ("string", "boolean", "integer", "array")


def test_validate_params_fills_defaults():
    assert validate_params("csvfile", {}) == {
        "separator": ",",
        "encoding": "utf-8",
        "headers_first_row": True,
        "first_row_no": 1,
        "doublequote": True,
        "quotechar": '"',
    }
    assert validate_params("jsonfile", None) == {"format": "auto", "json_path": None}
    assert validate_params("geojsonfile", {}) == {}
    assert validate_params("xlsfile", {"sheet": None}) == {"sheet": None, "headers_first_row": True, "first_row_no": 1}
    assert validate_params("csvfile", {"separator": "tab", "encoding": "latin-1"})["separator"] == "\t"
    assert validate_params("jsonfile", {"json_path": " data.items "})["json_path"] == "data.items"


def test_unknown_extractor():
    with pytest.raises(UnknownExtractorError) as caught:
        open_source("pdffile", {}, io.BytesIO(b"x"))
    assert caught.value.raw_params == {"extractor": "pdffile", "known": "csvfile, jsonfile, geojsonfile, xlsfile"}


@pytest.mark.parametrize(
    ("extractor", "params", "parameter", "reason"),
    [
        ("csvfile", {"sep": ";"}, "sep", "unknown parameter; known parameters: separator, encoding, headers_first_row, "
         "first_row_no, doublequote, quotechar, null_markers, decimal_mark, date_order, timezone"),
        ("geojsonfile", {"x": 1}, "x", "unknown parameter; known parameters: null_markers, decimal_mark, date_order, "
         "timezone"),
        ("csvfile", {"null_markers": "NA"}, "null_markers", "must be a list, not str"),
        ("csvfile", {"null_markers": ["NA", " "]}, "null_markers",
         "each marker must be a non-blank string of at most 50 characters"),
        ("jsonfile", {"decimal_mark": ";"}, "decimal_mark", "must be one of auto, ., ,"),
        ("xlsfile", {"date_order": "ymd"}, "date_order", "must be one of dmy, mdy"),
        ("csvfile", {"timezone": "Mars/Olympus"}, "timezone", "unknown IANA time zone 'Mars/Olympus'"),
        ("csvfile", {"timezone": "Europe"}, "timezone", "unknown IANA time zone 'Europe'"),
        ("csvfile", {"separator": 1}, "separator", "must be a string, not int"),
        ("csvfile", {"separator": ";;"}, "separator", "must be a single character, not ';;'"),
        ("csvfile", {"separator": "\n"}, "separator", "cannot be a line break"),
        ("csvfile", {"separator": "'", "quotechar": "'"}, "quotechar", "must differ from the separator"),
        ("csvfile", {"encoding": "klingon"}, "encoding", "unknown text encoding 'klingon'"),
        ("csvfile", {"encoding": "base64"}, "encoding", "unknown text encoding 'base64'"),
        ("csvfile", {"headers_first_row": "yes"}, "headers_first_row", "must be true or false, not str"),
        ("csvfile", {"first_row_no": True}, "first_row_no", "must be an integer, not bool"),
        ("csvfile", {"first_row_no": 0}, "first_row_no", "must be 1 or more (lines are counted from 1)"),
        ("csvfile", {"doublequote": 1}, "doublequote", "must be true or false, not int"),
        ("jsonfile", {"format": "xml"}, "format", "must be one of auto, array, jsonl"),
        ("jsonfile", {"json_path": "a..b"}, "json_path", "'a..b' has an empty segment"),
        ("jsonfile", {"format": "jsonl", "json_path": "a"}, "json_path",
         "a JSON path applies to one JSON document, not to JSON Lines"),
        ("xlsfile", {"sheet": 0}, "sheet", "a sheet position counts from 1"),
        ("xlsfile", {"sheet": 1.5}, "sheet", "must be a string, not float"),
        ("xlsfile", {"first_row_no": "2"}, "first_row_no", "must be an integer, not str"),
    ],
)  # fmt: skip
def test_invalid_params_name_the_parameter(extractor, params, parameter, reason):
    with pytest.raises(InvalidExtractorParameterError) as caught:
        validate_params(extractor, params)
    assert caught.value.raw_params == {"parameter": parameter, "extractor": extractor, "reason": reason}


def test_open_source_validates_params():
    with pytest.raises(InvalidExtractorParameterError):
        open_source("csvfile", {"separator": "ab"}, io.BytesIO(b"a\n1\n"))
