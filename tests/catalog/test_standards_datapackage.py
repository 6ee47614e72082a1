"""The pure parts of ``datasets.formats.datapackage``: names, licences, the Table Schema of every field type and
the schema.org description of a dataset without optional metadata (no database)."""

from __future__ import annotations

import frictionless
import pytest

from datasets.formats.datapackage import data_package, package_license, package_name, schema_org_dataset, table_schema
from datasets.pipeline.core import FIELD_TYPES, Field

PAGE = "https://data.example.org/explore/dataset/x/"


@pytest.mark.parametrize(
    ("dataset_id", "name"), [("stations", "stations"), ("Air_Quality-2024", "air_quality-2024"), ("a b", "a-b")]
)
def test_package_names_follow_the_spec_pattern(dataset_id, name):
    assert package_name(dataset_id) == name


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Open Database License (ODbL)", {"name": "ODbL-1.0"}),
        ("CC BY 4.0", {"name": "CC-BY-4.0"}),
        ("CC BY-SA 4.0", {"name": "CC-BY-SA-4.0"}),
        ("Licence Ouverte v2.0 (Etalab)", {"name": "etalab-2.0"}),
        ("Our own terms", {"path": PAGE}),
    ],
)
def test_licences_are_named_when_known_else_point_at_the_page(title, expected):
    assert package_license(title, PAGE) == expected | {"title": title}


def test_every_field_type_has_a_valid_table_schema_type():
    fields = [Field(name=f"f_{kind}", label=kind, type=kind) for kind in FIELD_TYPES]
    schema = table_schema(fields)
    assert [field["type"] for field in schema["fields"]] == [
        "string",
        "integer",
        "number",
        "boolean",
        "date",
        "datetime",
        "string",
        "geojson",
        "string",
    ]
    assert "primaryKey" not in schema
    package = data_package("x", {}, fields, "https://data.example.org/api/explore/v2.1/catalog/datasets/x", PAGE)
    report = frictionless.Package.validate_descriptor(package)
    assert report.valid, report.flatten(["type", "note"])
    assert package["resources"][0]["path"].endswith("/exports/csv?delimiter=%2C&with_bom=false")


def test_a_unit_without_argument_and_several_id_fields():
    fields = [
        Field(name="a", label="A", annotations=[{"name": "id"}]),
        Field(name="b", label="B", type="int", annotations=[{"name": "id"}, {"name": "unit", "args": ["km"]}]),
        Field(name="c", label="C", type="double", annotations=[{"name": "unit"}]),
    ]
    schema = table_schema(fields)
    assert schema["primaryKey"] == ["a", "b"]
    assert [field.get("unit") for field in schema["fields"]] == [None, "km", None]


def test_schema_org_dataset_without_optional_metadata():
    described = schema_org_dataset({"default": {"title": "T"}}, PAGE, [])
    assert described == {"@context": "https://schema.org/", "@type": "Dataset", "name": "T", "url": PAGE}
    spatial = schema_org_dataset({"default": {"geographic_reference": ["fr", "be"]}}, PAGE, [])
    assert spatial["spatialCoverage"] == {"@type": "Place", "name": "fr, be"}
