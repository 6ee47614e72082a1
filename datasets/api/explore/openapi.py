"""The OpenAPI 3 description of the Explore API v2.1, served at ``/api/explore/v2.1/openapi.json``.

Paths are relative to the server ``/api/explore/v2.1`` and follow Opendatasoft's own description (same
operation ids and tags), limited to what this API answers. The parameters, shapes and error answers are
in ``openapi_parts``; why the description is written rather than generated is said there.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from datasets.api.explore.openapi_parts import PARAMETERS, RESPONSES, SCHEMAS, SECURITY_SCHEMES, Schema, ref

API_ROOT = "/api/explore/v2.1"
DESCRIPTION = (
    "The public, read-only API of the catalog: published datasets, their records, facets and exports, queried "
    "with ODSQL. Follows the Opendatasoft Explore API v2.1. Anonymous calls see what the catalog shows; an API "
    "key (`Authorization: Apikey <key>`) or a logged-in session may see more. Errors answer "
    '`{"error_code", "message"}`.'
)

QUERY = ("select", "where", "group_by", "order_by", "limit", "offset", "refine", "exclude", "lang", "timezone")
CATALOG_QUERY = ("select", "where", "order_by", "catalog_limit", "offset", "refine", "exclude", "lang", "timezone")
DATASET_SHAPE = ("select", "lang", "timezone", "include_links", "include_app_metas")
EXPORT_QUERY = ("select", "where", "order_by", "group_by", "export_limit", "offset", "refine", "exclude")
CATALOG_EXPORT_QUERY = ("select", "where", "order_by", "export_limit", "offset", "refine", "exclude")
FORMAT_OPTIONS = ("delimiter", "list_separator", "quote_all", "with_bom", "parquet_compression")
FILE_TYPES = (
    "text/csv",
    "application/json",
    "application/jsonl",
    "application/geo+json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.apache.parquet",
    "application/gzip",
)
JSON_FILE_TYPES = ("application/json", "application/geo+json", "application/ld+json")
CATALOG_FILE_TYPES = (
    "text/csv",
    "application/json",
    "application/jsonl",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
FEED_TYPES = (
    "application/rdf+xml",
    "text/turtle",
    "application/ld+json",
    "application/rss+xml",
    "application/atom+xml",
)


def json_ok(description: str, schema: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref("schemas", schema)}}}


def file_ok(description: str, media_types: tuple[str, ...]) -> Schema:
    """A file: bytes, but JSON documents (a json export, GeoJSON, data.json, JSON-LD) are any JSON value."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    document = {"schema": {"description": "A JSON document"}}
    content = {media_type: document if media_type in JSON_FILE_TYPES else binary for media_type in media_types}
    return {"description": description, "content": content}


def operation(
    operation_id: str, tag: str, summary: str, parameters: tuple[str, ...], ok: Schema, *, found: bool = True
) -> dict[str, Any]:
    """A GET operation: its parameters by component name, its 200 and the error answers every endpoint may give."""
    responses: dict[str, Any] = {"200": ok, "400": ref("responses", "BadRequest")}
    if found:
        responses["404"] = ref("responses", "NotFound")
    responses |= {"429": ref("responses", "TooManyRequests"), "default": ref("responses", "Error")}
    return {
        "get": {
            "operationId": operation_id,
            "tags": [tag],
            "summary": summary,
            "parameters": [ref("parameters", name) for name in parameters],
            "responses": responses,
        }
    }


def catalog_paths() -> dict[str, Any]:
    return {
        "/catalog/datasets": operation(
            "getDatasets",
            "Catalog",
            "Query the published datasets",
            (*CATALOG_QUERY, "include_links", "include_app_metas"),
            json_ok("A page of datasets", "Datasets"),
            found=False,
        ),
        "/catalog/facets": operation(
            "getDatasetsFacets",
            "Catalog",
            "Count the datasets by metadata value",
            ("catalog_facet", "refine", "exclude", "where", "timezone"),
            json_ok("The facets", "Facets"),
            found=False,
        ),
        "/catalog/exports": operation(
            "listExportFormats", "Catalog", "List the catalog's export formats", (), json_ok("Links", "Links")
        ),
        "/catalog/exports/{format}": operation(
            "exportDatasets",
            "Catalog",
            "Export the catalog",
            ("catalog_format", *CATALOG_EXPORT_QUERY, "lang", "timezone", *FORMAT_OPTIONS[:4], "dcat_serialization"),
            file_ok("The file", (*CATALOG_FILE_TYPES, *FEED_TYPES)),
        ),
        "/catalog/datasets/{dataset_id}": operation(
            "getDataset", "Catalog", "Read one dataset", ("dataset_id", *DATASET_SHAPE), json_ok("A dataset", "Dataset")
        ),
    }


def dataset_paths() -> dict[str, Any]:
    records = "/catalog/datasets/{dataset_id}/records"
    return {
        records: operation(
            "getRecords",
            "Dataset",
            "Query a dataset's records",
            ("dataset_id", *QUERY, "include_links", "include_app_metas"),
            json_ok("Records (or groups)", "Records"),
        ),
        f"{records}/{{record_id}}": operation(
            "getRecord",
            "Dataset",
            "Read one record",
            ("dataset_id", "record_id", "select", "lang", "timezone"),
            json_ok("A record", "Record"),
        ),
        "/catalog/datasets/{dataset_id}/facets": operation(
            "getRecordsFacets",
            "Dataset",
            "Count a dataset's records by field value",
            ("dataset_id", "facet", "where", "refine", "exclude", "lang", "timezone"),
            json_ok("The facets", "Facets"),
        ),
        "/catalog/datasets/{dataset_id}/exports": operation(
            "listDatasetExportFormats",
            "Dataset",
            "List a dataset's export formats",
            ("dataset_id",),
            json_ok("Links", "Links"),
        ),
        "/catalog/datasets/{dataset_id}/exports/{format}": operation(
            "exportRecords",
            "Dataset",
            "Export a dataset's records",
            (
                "dataset_id",
                "dataset_format",
                *EXPORT_QUERY,
                "lang",
                "timezone",
                *FORMAT_OPTIONS,
                "use_labels",
                "compressed",
                "epsg",
            ),
            file_ok("The file", FILE_TYPES),
        ),
    }


def file_paths() -> dict[str, Any]:
    base = "/catalog/datasets/{dataset_id}"
    anything = ("*/*",)
    return {
        f"{base}/attachments": operation(
            "getDatasetAttachments",
            "Dataset",
            "List a dataset's attachments",
            ("dataset_id",),
            json_ok("The attachments", "Attachments"),
        ),
        f"{base}/attachments/{{attachment_uid}}": operation(
            "getDatasetAttachment",
            "Dataset",
            "Download an attachment",
            ("dataset_id", "attachment_uid"),
            file_ok("The file", anything),
        ),
        f"{base}/alternative_exports/{{export_uid}}": operation(
            "getAlternativeExport",
            "Dataset",
            "Download an alternative export (a file the publisher uploaded)",
            ("dataset_id", "export_uid"),
            file_ok("The file", anything),
        ),
        f"{base}/datapackage.json": operation(
            "getDataPackage",
            "Dataset",
            "The dataset as a Frictionless Data Package",
            ("dataset_id",),
            json_ok("The descriptor", "DataPackage"),
        ),
    }


def root_paths() -> dict[str, Any]:
    return {
        "/": operation("getRoot", "API", "Links to the API's parts", (), json_ok("Links", "Root"), found=False),
    }


@cache
def explore_openapi() -> dict[str, Any]:
    """The whole description (built once per process; callers must not change it)."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Explore API", "version": "2.1", "description": DESCRIPTION},
        "servers": [{"url": API_ROOT}],
        "tags": [
            {"name": "API", "description": "This API's root"},
            {"name": "Catalog", "description": "The published datasets"},
            {"name": "Dataset", "description": "One dataset's records, facets, exports and files"},
        ],
        "security": [{}, {"apikeyHeader": []}, {"apikeyQuery": []}, {"session": []}],
        "paths": root_paths() | catalog_paths() | dataset_paths() | file_paths(),
        "components": {
            "parameters": PARAMETERS,
            "schemas": SCHEMAS,
            "responses": RESPONSES,
            "securitySchemes": SECURITY_SCHEMES,
        },
    }
