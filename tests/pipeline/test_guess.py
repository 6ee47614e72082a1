"""Guessing media types, extractors and extractor params from the head of an upload."""

from __future__ import annotations

import io
import json
import zipfile

import openpyxl
import pytest

from datasets.pipeline.core import UnknownExtractorError
from datasets.pipeline.guess import (
    HEAD_BYTES,
    XLSX_MIMETYPE,
    guess_encoding,
    guess_extractor_params,
    guess_extractors,
    read_head,
    sniff_mimetype,
)
from datasets.pipeline.readers import open_source
from tests.data import late_accent_cp1252

CSV_DEFAULTS = {
    "separator": ",",
    "encoding": "utf-8",
    "headers_first_row": True,
    "first_row_no": 1,
    "doublequote": True,
    "quotechar": '"',
}
FEATURES = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None, "properties": {"a": 1}}]}


def xlsx(*sheets):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        worksheet = workbook.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plain_zip(name="readme.txt"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "hello")
    return buffer.getvalue()


def csv_params(text, encoding="utf-8"):
    return guess_extractor_params("csvfile", text.encode(encoding) if isinstance(text, str) else text)


# --- media types and extractors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "filename", "mimetype"),
    [
        (b"a;b\n1;2\n", None, "text/csv"),
        (b"id\tname\n1\tx\n", "data.txt", "text/csv"),
        (b'[{"a": 1}]', None, "application/json"),
        (b'  {"a": 1}\n{"a": 2}\n', None, "application/json"),
        (json.dumps(FEATURES).encode(), None, "application/geo+json"),
        (xlsx(("S", [["a"], [1]])), None, XLSX_MIMETYPE),
        (plain_zip(), None, "application/zip"),
        (plain_zip(), "book.xlsx", XLSX_MIMETYPE),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image.csv", "application/octet-stream"),
        (b"\x00\x01\x02\x03\xff\xfe\x00\x10" * 20, None, "application/octet-stream"),
        (b"just one line of text\n", None, "text/plain"),
        (b"[a],b\n", None, "text/csv"),
        (b"", None, "text/plain"),
    ],
)
def test_sniff_mimetype(head, filename, mimetype):
    assert sniff_mimetype(head, filename) == mimetype


@pytest.mark.parametrize(
    ("head", "filename", "mimetype", "recommended", "others"),
    [
        (b"a,b\n1,2\n", None, None, ["csvfile"], ["jsonfile", "geojsonfile", "xlsfile"]),
        (b'[{"a": 1}]', "data.json", "text/plain", ["jsonfile"], ["csvfile", "geojsonfile", "xlsfile"]),
        (json.dumps(FEATURES).encode(), None, None, ["geojsonfile", "jsonfile"], ["csvfile", "xlsfile"]),
        (b'[{"a": 1}]', "places.geojson", None, ["geojsonfile", "jsonfile"], ["csvfile", "xlsfile"]),
        (b'[{"a": 1}]', None, "application/geo+json", ["geojsonfile", "jsonfile"], ["csvfile", "xlsfile"]),
        (xlsx(("S", [["a"], [1]])), "x.bin", None, ["xlsfile"], ["csvfile", "jsonfile", "geojsonfile"]),
        (plain_zip(), None, XLSX_MIMETYPE, ["xlsfile"], ["csvfile", "jsonfile", "geojsonfile"]),
        (plain_zip(), None, None, [], ["csvfile", "jsonfile", "geojsonfile", "xlsfile"]),
        (b"hello\n", "notes.json", None, ["csvfile"], ["jsonfile", "geojsonfile", "xlsfile"]),
        (b"%PDF-1.4", "data.csv", "text/csv", [], ["csvfile", "jsonfile", "geojsonfile", "xlsfile"]),
    ],
)
def test_guess_extractors(head, filename, mimetype, recommended, others):
    assert guess_extractors(head, filename, mimetype) == {
        "recommended_extractors": recommended,
        "other_extractors": others,
    }


def test_read_head_seeks_back():
    stream = io.BytesIO(b"x" * (HEAD_BYTES + 10))
    assert read_head(stream) == b"x" * HEAD_BYTES
    assert stream.tell() == 0


# --- CSV params ------------------------------------------------------------------------------------


@pytest.mark.parametrize("separator", [",", ";", "\t", "|"])
def test_guess_separator(separator):
    text = separator.join(["id", "name", "note"]) + "\n"
    text += "\n".join(separator.join([str(i), f"name {i}", "a, b; c"]) for i in range(5)) + "\n"
    text = text.replace("a, b; c", '"a, b; c"')
    assert csv_params(text) == {**CSV_DEFAULTS, "separator": separator}


def test_guess_semicolon_with_decimal_commas():
    assert csv_params("ville;prix;poids\nA;1,5;2,25\nB;3;4,5\n")["separator"] == ";"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("a;b\nCréteil;5 €\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "a;b\nCréteil;5 €\n".encode(), "utf-8"),
        ("a;b\nCréteil;5 €\n".encode("utf-16"), "utf-16"),
        ("a;b\nCréteil;5 €\n".encode("utf-16-le"), "utf-16-le"),
        ("a;b\nCréteil;5 €\n".encode("utf-16-be"), "utf-16-be"),
        ("a;b\nCréteil;5 €\n".encode("cp1252"), "cp1252"),
        (b"a;b\nx\x81;y\xe9\n", "latin-1"),
        (b"a;b\n1;2\n", "utf-8"),
    ],
)
def test_guess_encoding(data, encoding):
    params = guess_extractor_params("csvfile", data)
    assert (params["encoding"], params["separator"]) == (encoding, ";")
    _, record = next(open_source("csvfile", params, io.BytesIO(data)).rows())
    assert record["a"] in ("Créteil", "x\x81", "1")


def test_guess_encoding_of_a_head_cut_inside_a_character():
    head = ("€" * HEAD_BYTES).encode()[:HEAD_BYTES]
    assert head.endswith(b"\xe2")  # the first of the three bytes of '€'
    assert guess_encoding(head) == "utf-8"
    assert guess_encoding(head[:100] + b"\xe2") == "cp1252"  # the whole file: a cut character is invalid


@pytest.mark.parametrize(
    ("accents", "encoding"),
    [
        ("Orléans;Besançon €".encode("cp1252"), "cp1252"),
        ("Orléans;Besançon €".encode(), "utf-8"),
        (b"x\x81;y\xe9", "latin-1"),
        (b"plain;ascii", "utf-8"),
    ],
)
def test_guess_encoding_of_a_file_whose_first_accent_comes_after_the_head(accents, encoding):
    """The head (64 KB) is ASCII: given the stream, the guess reads the rest before saying UTF-8."""
    rows = b"".join(b"%d;Paris\n" % row for row in range(HEAD_BYTES // 6))
    data = b"n;city\n" + rows + accents + b"\n"
    params = guess_extractor_params("csvfile", data[:HEAD_BYTES], io.BytesIO(data))
    assert params["encoding"] == encoding
    assert guess_extractor_params("csvfile", data[:HEAD_BYTES])["encoding"] == "utf-8"  # the head alone cannot tell
    *_, (_, last) = open_source("csvfile", params, io.BytesIO(data)).rows()
    assert last == {"n": accents.decode(encoding).split(";")[0], "city": accents.decode(encoding).split(";")[1]}


@pytest.mark.parametrize(
    ("text", "headers"),
    [
        ("name,age\nAlice,30\nBob,41\n", True),
        ("id,label\n1,one\n2,two\n", True),
        (",a,b\n0,1,2\n1,3,4\n", True),
        ("city,country\nParis,France\nLyon,France\n", True),
        ("1,2\n3,4\n", False),
        ("Alice,30\nBob,41\n", False),
        ("2024-01-01,x\n2024-01-02,y\n", False),
        ("a,a\nb,c\n", False),
        ("x,\ny,z\n", False),
    ],
)
def test_guess_headers_first_row(text, headers):
    assert csv_params(text)["headers_first_row"] is headers


def test_guess_first_row_no_after_title_lines():
    text = "Population by city\nSource: census 2020\n\ncity;population;area\nParis;2100000;105\nLyon;520000;48\n"
    params = csv_params(text)
    assert params == {**CSV_DEFAULTS, "separator": ";", "first_row_no": 4}
    source = open_source("csvfile", params, io.BytesIO(text.encode()))
    assert [field.name for field in source.fields] == ["city", "population", "area"]


def test_guess_keeps_first_row_no_with_leading_blank_lines():
    assert csv_params("\n\na,b\n1,2\n")["first_row_no"] == 1


def test_guess_single_quote_quotechar():
    assert csv_params("'a','b'\n'x, y','z'\n")["quotechar"] == "'"
    assert csv_params("a,b\n\"it's\",x\n'q',r\n")["quotechar"] == '"'


def test_guess_on_a_head_cut_mid_line():
    line = "1234567890,some name,12.5\n"
    data = ("id,name,value\n" + line * (HEAD_BYTES // len(line) + 10)).encode()
    params = guess_extractor_params("csvfile", data[:HEAD_BYTES])
    assert params == CSV_DEFAULTS


def test_guessed_params_read_the_file():
    text = "Titre du fichier\nnom|prix\ncafé|2,5\nthé|3\n"
    data = text.encode("cp1252")
    params = guess_extractor_params("csvfile", data)
    assert params == {**CSV_DEFAULTS, "separator": "|", "encoding": "cp1252", "first_row_no": 2}
    records = [record for _, record in open_source("csvfile", params, io.BytesIO(data)).rows()]
    assert records == [{"nom": "café", "prix": "2,5"}, {"nom": "thé", "prix": "3"}]


def test_guess_sees_a_late_accent_when_it_has_the_stream():
    data = late_accent_cp1252()  # its first accent 120 KB in
    assert guess_extractor_params("csvfile", read_head(io.BytesIO(data)))["encoding"] == "utf-8"  # the head only
    assert guess_extractor_params("csvfile", read_head(io.BytesIO(data)), io.BytesIO(data))["encoding"] == "cp1252"


def test_guess_on_empty_head():
    assert guess_extractor_params("csvfile", b"") == CSV_DEFAULTS


# --- JSON, GeoJSON and XLSX params ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "params"),
    [
        (b' [{"a": 1}]', {"format": "array", "json_path": None}),
        (b'{"a": 1}\n{"a": 2}\n', {"format": "jsonl", "json_path": None}),
        (
            b'{"meta": {"n": [1, 2]}, "result": {"records": [{"a": 1}]}}',
            {"format": "auto", "json_path": "result.records"},
        ),
        (b'{"items": [], "data": [ {"a": 1}]}', {"format": "auto", "json_path": "data"}),
        (b'{"a.b": [{"a": 1}], "c": 1}', {"format": "auto", "json_path": None}),
        (b'{"a": 1}', {"format": "auto", "json_path": None}),
        (b"not json", {"format": "auto", "json_path": None}),
    ],
)
def test_guess_json_params(data, params):
    assert guess_extractor_params("jsonfile", data) == params


def test_guess_json_path_in_a_head_cut_inside_the_records():
    document = {"meta": {"total": 10000}, "data": {"rows": [{"id": i, "text": "x" * 20} for i in range(10000)]}}
    data = json.dumps(document).encode()
    assert len(data) > HEAD_BYTES
    assert guess_extractor_params("jsonfile", data[:HEAD_BYTES]) == {"format": "auto", "json_path": "data.rows"}
    source = open_source("jsonfile", {"json_path": "data.rows"}, io.BytesIO(data))
    assert sum(1 for _ in source.rows()) == 10000


def test_guess_json_path_when_the_head_ends_before_any_array():
    data = b'{"meta": "' + b"x" * HEAD_BYTES + b'", "data": [{"a": 1}]}'
    assert guess_extractor_params("jsonfile", data[:HEAD_BYTES]) == {"format": "auto", "json_path": None}


def test_guess_geojson_params():
    assert guess_extractor_params("geojsonfile", json.dumps(FEATURES).encode()) == {}


def test_guess_xlsx_params():
    data = xlsx(("Empty", []), ("Data", [["Report 2024"], [], ["city", "n"], ["Paris", 3], ["Lyon", 4]]))
    params = guess_extractor_params("xlsfile", read_head(io.BytesIO(data)), io.BytesIO(data))
    assert params == {"sheet": "Data", "headers_first_row": True, "first_row_no": 3}
    records = [record for _, record in open_source("xlsfile", params, io.BytesIO(data)).rows()]
    assert records == [{"city": "Paris", "n": "3"}, {"city": "Lyon", "n": "4"}]


def test_guess_xlsx_without_header():
    data = xlsx(("S", [[1, 2], [3, 4]]))
    assert guess_extractor_params("xlsfile", data) == {"sheet": "S", "headers_first_row": False, "first_row_no": 1}


def test_guess_xlsx_needs_the_whole_file():
    head = b"PK\x03\x04" + b"\x00" * HEAD_BYTES
    assert guess_extractor_params("xlsfile", head) == {"sheet": None, "headers_first_row": True, "first_row_no": 1}


def test_guess_params_of_an_unknown_extractor():
    with pytest.raises(UnknownExtractorError):
        guess_extractor_params("pdffile", b"")
