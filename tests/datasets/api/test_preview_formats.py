"""Previews of each supported format give the right fields, labels and types."""

import datetime
import io
import json

import openpyxl
import pytest

from tests.conftest import assert_status
from tests.datasets.api.conftest import stored_file

BASE = "/api/management/v2"


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def feature(longitude: float, latitude: float, name: str) -> dict:
    point = {"type": "Point", "coordinates": [longitude, latitude]}
    return {"type": "Feature", "geometry": point, "properties": {"name": name}}


GEOJSON = {"type": "FeatureCollection", "features": [feature(2.35, 48.85, "Paris"), feature(4.85, 45.75, "Lyon")]}

FORMATS = {
    "csv comma utf-8": (
        b"name,year,price\nOak,1990,3.5\nElm,2001,4\n",
        "csvfile",
        {},
        [("name", "name", "text"), ("year", "year", "int"), ("price", "price", "double")],
    ),
    "csv semicolon utf-8 with BOM": (
        "nom;année\nChêne;1990\nOrme;2001\n".encode("utf-8-sig"),
        "csvfile",
        {"separator": ";"},
        [("nom", "nom", "text"), ("annee", "année", "int")],
    ),
    "csv tab cp1252": (
        "ville\tprix €\nSaint-Étienne\t12\nNîmes\t15\n".encode("cp1252"),
        "csvfile",
        {"separator": "\t", "encoding": "cp1252"},
        [("ville", "ville", "text"), ("prix", "prix €", "int")],
    ),
    "json array": (
        json.dumps([{"name": "Oak", "year": 1990, "planted": "2001-03-04"}, {"name": "Elm", "year": 2001}]).encode(),
        "jsonfile",
        {},
        [("name", "name", "text"), ("year", "year", "int"), ("planted", "planted", "date")],
    ),
    "json lines": (
        b'{"name": "Oak", "ok": true}\n{"name": "Elm", "ok": false}\n',
        "jsonfile",
        {},
        [("name", "name", "text"), ("ok", "ok", "boolean")],
    ),
    "geojson": (
        json.dumps(GEOJSON).encode(),
        "geojsonfile",
        {},
        [("geometry", "Geometry", "geo_shape"), ("name", "name", "text")],
    ),
    "xlsx": (
        xlsx([["name", "year", "planted"], ["Oak", 1990, datetime.date(2001, 3, 4)], ["Elm", 2001, None]]),
        "xlsfile",
        {},
        [("name", "name", "text"), ("year", "year", "int"), ("planted", "planted", "date")],
    ),
}


@pytest.fixture
def dataset_uid(alice_api):
    return assert_status(alice_api.post(f"{BASE}/datasets/", {}, format="json"), 201)["dataset_uid"]


def preview(api, uid, url, extractor, params):
    body = {"url": url, "type": extractor, "params": params}
    return assert_status(api.post(f"{BASE}/datasets/{uid}/resource_preview", body, format="json"), 200)


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(FORMATS))
def test_each_format_previews_with_names_labels_and_types(alice_api, alice, dataset_uid, case):
    content, extractor, params, expected = FORMATS[case]
    file = stored_file(content, "upload", alice)
    shown = preview(alice_api, dataset_uid, file.url, extractor, params)
    assert [(field["name"], field["label"], field["type"]) for field in shown["fields"]] == expected
    assert len(shown["records"]) == 2


@pytest.mark.django_db
def test_a_mixed_column_explains_its_type_with_counter_examples(alice_api, alice, dataset_uid):
    rows = "".join(f"{n},{n * 10}\n" for n in range(1, 40)) + "40,unknown\n41,12.5\n42,n/a\n"
    file = stored_file(f"id,count\n{rows}".encode(), "mixed.csv", alice)
    shown = preview(alice_api, dataset_uid, file.url, "csvfile", {})
    count = next(field for field in shown["fields"] if field["name"] == "count")
    assert count["type"] == "text"
    examples = count["inference"]["counter_examples"]
    assert {"type": "int", "row": 40, "value": "unknown"} in examples
    assert {"type": "double", "row": 40, "value": "unknown"} in examples
    # "n/a" is a null marker, so it explains nothing: in a text column it stays a value.
    assert count["inference"]["null_markers"] == {}
    identifier = next(field for field in shown["fields"] if field["name"] == "id")
    assert (identifier["type"], identifier["inference"]["counter_examples"]) == ("int", [])


@pytest.mark.django_db
def test_values_that_fail_a_declared_type_become_null_with_a_record_error(alice_api, alice, dataset_uid):
    file = stored_file(b"name,year\nOak,1990\nElm,unknown\n", "years.csv", alice)
    spec = {"name": "type", "args": {"field": "year", "type": "int"}}
    assert_status(alice_api.post(f"{BASE}/datasets/{dataset_uid}/fields_specifications/", spec, format="json"), 201)
    shown = preview(alice_api, dataset_uid, file.url, "csvfile", {})
    assert [record["year"] for record in shown["records"]] == [1990, None]
    error = shown["record_errors"][0]
    assert (error["row"], error["field_uid"], error["raw_params"]) == (2, "year", {"value": "unknown", "type": "int"})
    assert error["message"] == 'Cannot convert "unknown" to "int"'
