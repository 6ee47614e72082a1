"""Standard descriptions of a published dataset: a Frictionless Data Package and a schema.org ``Dataset``.

Both are built from what the caller may see: the published metadata snapshot (``{template: {name: value}}``) and
the fields their access reads. They are plain dicts; the views serialise them.

Decisions:

* The data package has one resource, the dataset's CSV export with ``,`` as delimiter and no BOM (so any CSV
  reader, frictionless included, reads it without a dialect guess).
* Field types map to Table Schema types; ``geo_point_2d`` is a ``string`` (the CSV writes ``lat, lon``, while the
  Table Schema ``geopoint`` default is ``lon, lat``), ``geo_shape`` is ``geojson``.
* A ``unit`` annotation becomes the field's ``unit`` property (Table Schema allows custom properties); fields
  annotated ``id`` form the ``primaryKey``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from datasets.formats.plain_text import html_to_text
from datasets.pipeline.core import Field

TABLE_SCHEMA_TYPES = {
    "text": "string",
    "int": "integer",
    "double": "number",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "geo_point_2d": "string",
    "geo_shape": "geojson",
    "file": "string",
}
CSV_OPTIONS = "delimiter=%2C&with_bom=false"
# schema.org encodingFormat of each export format (the Explore export formats).
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "jsonl": "application/jsonl",
    "geojson": "application/geo+json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
# Open Definition licence ids, recognised by words of the licence title (lower case, punctuation as spaces).
KNOWN_LICENSES = {
    "ODbL-1.0": "open database license",
    "ODC-BY-1.0": "open data commons attribution",
    "PDDL-1.0": "public domain dedication and license",
    "CC0-1.0": "cc0",
    "CC-BY-4.0": "cc by 4 0",
    "CC-BY-SA-4.0": "cc by sa 4 0",
    "etalab-2.0": "licence ouverte",
}
NOT_A_NAME = re.compile(r"[^a-z0-9._-]+")
NOT_A_WORD = re.compile(r"[^a-z0-9]+")


def package_name(dataset_id: str) -> str:
    """A Data Package ``name`` (lower case, ``a-z0-9._-``) from a dataset id."""
    return NOT_A_NAME.sub("-", dataset_id.lower()) or "dataset"


def csv_export_url(api_root: str) -> str:
    """The CSV export the data package's resource reads (``api_root`` is the dataset's absolute API URL)."""
    return f"{api_root}/exports/csv?{CSV_OPTIONS}"


def annotation_value(field: Field, name: str) -> Any:
    """The first argument of a field's annotation ``name``; True when it has none; None without the annotation."""
    annotation = field.annotation(name)
    if annotation is None:
        return None
    args = annotation.get("args") or []
    return args[0] if args else True


def table_field(field: Field) -> dict[str, Any]:
    """A Table Schema field descriptor."""
    descriptor: dict[str, Any] = {"name": field.name, "title": field.label, "type": TABLE_SCHEMA_TYPES[field.type]}
    description = field.description
    if field.type == "geo_point_2d":
        note = "A point written as 'latitude, longitude'."
        description = f"{description} {note}" if description else note
    if description:
        descriptor["description"] = description
    unit = annotation_value(field, "unit")
    if isinstance(unit, str) and unit:
        descriptor["unit"] = unit
    return descriptor


def table_schema(fields: Iterable[Field]) -> dict[str, Any]:
    fields = list(fields)
    schema: dict[str, Any] = {"fields": [table_field(field) for field in fields]}
    keys = [field.name for field in fields if field.annotation("id") is not None]
    if keys:
        schema["primaryKey"] = keys
    return schema


def data_package(
    dataset_id: str, metadata: dict[str, dict[str, Any]], fields: Iterable[Field], api_root: str, page_url: str
) -> dict[str, Any]:
    """The ``datapackage.json`` of a dataset whose data the caller reads (``fields``: the fields they see)."""
    default = metadata.get("default", {})
    name = package_name(dataset_id)
    package: dict[str, Any] = {
        "name": name,
        "id": dataset_id,
        "title": default.get("title") or dataset_id,
        "homepage": page_url,
        "resources": [
            {
                "name": name,
                "path": csv_export_url(api_root),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "profile": "tabular-data-resource",
                "dialect": {"delimiter": ","},
                "schema": table_schema(fields),
            }
        ],
    }
    if default.get("description"):
        package["description"] = html_to_text(default["description"])
    if default.get("keyword"):
        package["keywords"] = list(default["keyword"])
    if default.get("license"):
        package["licenses"] = [package_license(default["license"], page_url)]
    return package


def package_license(title: str, page_url: str) -> dict[str, str]:
    """A Data Package licence: its Open Definition id when the title is a well-known licence, else a ``path`` to
    the dataset page, which shows the licence (the spec wants a ``name`` or a ``path``)."""
    key = NOT_A_WORD.sub(" ", title.lower()).strip()
    name = next((known for known, words in KNOWN_LICENSES.items() if words in key), None)
    return {"name": name, "title": title} if name else {"path": page_url, "title": title}


def without_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, "", [], {})}


def organization(name: Any) -> dict[str, Any] | None:
    return {"@type": "Organization", "name": name} if isinstance(name, str) and name else None


def schema_org_dataset(
    metadata: dict[str, dict[str, Any]], page_url: str, downloads: Iterable[tuple[str, str]]
) -> dict[str, Any]:
    """A schema.org ``Dataset`` (JSON-LD) from the published metadata; ``downloads`` are ``(format, url)``.

    Coverage comes from the ``dcat`` template (``temporal``, ``spatial``), else the spatial coverage from
    ``default.geographic_reference``; the creator is ``dcat.creator``, else the publisher.
    """
    default = metadata.get("default", {})
    dcat = metadata.get("dcat", {})
    spatial = dcat.get("spatial") or ", ".join(default.get("geographic_reference") or [])
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        **without_empty(
            {
                "name": default.get("title"),
                "description": html_to_text(default.get("description") or ""),
                "url": page_url,
                "keywords": list(default.get("keyword") or []),
                "license": default.get("license"),
                "inLanguage": default.get("language"),
                "dateModified": default.get("modified"),
                "datePublished": dcat.get("issued"),
                "dateCreated": dcat.get("created"),
                "creator": organization(dcat.get("creator") or default.get("publisher")),
                "publisher": organization(default.get("publisher")),
                "temporalCoverage": dcat.get("temporal"),
                "spatialCoverage": {"@type": "Place", "name": spatial} if spatial else None,
                "distribution": [
                    {"@type": "DataDownload", "encodingFormat": MEDIA_TYPES.get(name, name), "contentUrl": url}
                    for name, url in downloads
                ],
            }
        ),
    }
