"""The building blocks of the Explore API's OpenAPI description: parameters, object shapes, error answers.

Written by hand, not generated: the Explore views read their query strings themselves (no serializers, no
declared parameters), so a generator would describe nothing useful. What keeps this true to the code is
the test suite: every route of ``datasets.api.explore.urls`` must be described (and nothing else), and a
bounded schemathesis run checks every answer of a published dataset against these shapes.

Values that the code already lists (languages, export formats and their options, catalog facets, limits)
are read from the code, so that a new format or language shows up here by itself.
"""

from __future__ import annotations

from typing import Any

from datasets.api.explore.catalog_exports import DCAT_FILES, STANDARDS
from datasets.api.explore.catalog_exports import FORMATS as CATALOG_FILE_FORMATS
from datasets.api.explore.catalog_params import LANGUAGES
from datasets.api.explore.links import MAX_WINDOW
from datasets.api.explore.views import MAX_LIMIT
from datasets.formats.dcat import SERIALIZATIONS
from datasets.formats.exports import FORMATS as DATASET_FORMATS
from datasets.selectors.catalog import CATALOG_FACETS

Schema = dict[str, Any]

DATASET_EXPORT_FORMATS = list(DATASET_FORMATS)
CATALOG_EXPORT_FORMATS = [*CATALOG_FILE_FORMATS, *STANDARDS, *DCAT_FILES]
IDENTIFIER = r"^[A-Za-z0-9_-]+$"
ODSQL_HELP = "An ODSQL expression (the Opendatasoft Query Language)."


def ref(kind: str, name: str) -> Schema:
    return {"$ref": f"#/components/{kind}/{name}"}


def query(name: str, schema: Schema, description: str, *, many: bool = False) -> Schema:
    """A query parameter; a repeatable one is an array sent as ``name=a&name=b`` (form, exploded)."""
    if many:
        schema = {"type": "array", "items": schema}
    parameter: Schema = {"name": name, "in": "query", "required": False, "schema": schema, "description": description}
    if many:
        parameter |= {"style": "form", "explode": True}
    return parameter


def path(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


TEXT: Schema = {"type": "string"}
FLAG: Schema = {"type": "boolean", "default": False}

PARAMETERS: dict[str, Schema] = {
    "dataset_id": path("dataset_id", {"type": "string", "pattern": IDENTIFIER}, "The dataset's identifier."),
    "record_id": path("record_id", {"type": "string", "pattern": "^[A-Za-z0-9]+$"}, "A record's `_id`."),
    "dataset_format": path(
        "format", {"type": "string", "enum": DATASET_EXPORT_FORMATS}, "The file format of the export."
    ),
    "catalog_format": path(
        "format",
        {"type": "string", "enum": CATALOG_EXPORT_FORMATS},
        "The catalog as a table (csv, json, jsonl, xlsx), as DCAT-AP (`dcat`, `dcat.rdf`, `dcat.ttl`, "
        "`dcat.jsonld`), Project Open Data (`data.json`) or a feed of the latest publications (`rss`, `atom`). "
        "The DCAT and feed documents take no query parameter (but `dcat`'s `format`).",
    ),
    "attachment_uid": path("attachment_uid", {"type": "string", "pattern": IDENTIFIER}, "An attachment's id."),
    "export_uid": path("export_uid", {"type": "string", "pattern": IDENTIFIER}, "An alternative export's id."),
    "select": query(
        "select", TEXT, f"The fields (or expressions, aggregates) to return, e.g. `name, height * 2 as h`. {ODSQL_HELP}"
    ),
    "where": query(
        "where", TEXT, f'A filter, e.g. `height > 10 AND city = "Paris"`; several are ANDed. {ODSQL_HELP}', many=True
    ),
    "group_by": query("group_by", TEXT, f"Group results by these expressions, e.g. `city`. {ODSQL_HELP}"),
    "order_by": query("order_by", TEXT, f"Sort, e.g. `height desc, name`. {ODSQL_HELP}"),
    "limit": query(
        "limit",
        {"type": "integer", "default": 10, "minimum": -1, "maximum": 20000},
        f"How many results, 10 by default: at most {MAX_LIMIT} (offset + limit <= {MAX_WINDOW}), "
        "or 20,000 with `group_by`. Use the exports for more.",
    ),
    "catalog_limit": query(
        "limit",
        {"type": "integer", "default": 10, "minimum": 1, "maximum": MAX_LIMIT},
        f"How many datasets, 10 by default, at most {MAX_LIMIT} (offset + limit <= {MAX_WINDOW}).",
    ),
    "export_limit": query(
        "limit", {"type": "integer", "default": -1, "minimum": -1}, "How many rows; -1 (the default) for all."
    ),
    "offset": query("offset", {"type": "integer", "default": 0, "minimum": 0}, "Index of the first result, from 0."),
    "refine": query(
        "refine", TEXT, "Keep a facet value: `refine=city:Paris`; date facets by level: `modified:2019/08`.", many=True
    ),
    "exclude": query("exclude", TEXT, "Leave a facet value out: `exclude=city:Paris`.", many=True),
    "lang": query("lang", {"type": "string", "enum": list(LANGUAGES), "default": "fr"}, "The response's language."),
    "timezone": query(
        "timezone",
        {"type": "string", "default": "UTC"},
        "The time zone dates are shown and grouped in: an IANA id such as `Europe/Paris`.",
    ),
    "include_links": query("include_links", FLAG, "Add HATEOAS `_links` to the response."),
    "include_app_metas": query("include_app_metas", FLAG, "Add the application metadata to each dataset."),
    "facet": query(
        "facet",
        TEXT,
        'A field to count values of: `facet=city`, or `facet=facet(name="city", sort="-count", limit=10)`.',
        many=True,
    ),
    "catalog_facet": query(
        "facet", {"type": "string", "enum": list(CATALOG_FACETS)}, "A metadata to count values of.", many=True
    ),
    "delimiter": query(
        "delimiter", {"type": "string", "enum": [";", ",", "tab", "|"], "default": ";"}, "csv only: the delimiter."
    ),
    "list_separator": query(
        "list_separator", {"type": "string", "default": ","}, "csv only: joins the values of a multivalued field."
    ),
    "quote_all": query("quote_all", FLAG, "csv only: quote every cell."),
    "with_bom": query("with_bom", {"type": "boolean", "default": True}, "csv only: start with a UTF-8 BOM."),
    "parquet_compression": query(
        "parquet_compression",
        {"type": "string", "enum": ["snappy", "zstd"], "default": "snappy"},
        "parquet only: the compression codec.",
    ),
    "dcat_serialization": query(
        "format",
        {"type": "string", "enum": list(SERIALIZATIONS), "default": "xml"},
        "`dcat` only: the RDF serialization.",
    ),
    "use_labels": query("use_labels", FLAG, "Name columns after the fields' labels rather than their names."),
    "compressed": query("compressed", FLAG, "Gzip the file (`application/gzip`, named `.gz`)."),
    "epsg": query(
        "epsg", {"type": "integer", "default": 4326}, "The EPSG code of the projection geometries are written in."
    ),
}

LINK: Schema = {
    "type": "object",
    "properties": {"rel": TEXT, "href": {"type": "string", "format": "uri"}},
    "required": ["rel", "href"],
}
LINKS: Schema = {"type": "array", "items": ref("schemas", "Link")}

SCHEMAS: dict[str, Schema] = {
    "Error": {
        "type": "object",
        "description": "Why the request was refused; `error_code` names the kind (ODSQLError, "
        "InvalidRESTParameterError, DatasetNotFound, ...).",
        "properties": {"error_code": TEXT, "message": TEXT},
        "required": ["error_code", "message"],
    },
    "QuotaError": {
        "type": "object",
        "description": "A dataset's API call quota is spent (note `errorcode`, not `error_code`).",
        "properties": {
            "errorcode": {"type": "integer"},
            "reset_time": {"type": "string", "format": "date-time"},
            "limit_time_unit": TEXT,
            "call_limit": {"type": "integer"},
            "error": TEXT,
        },
        "required": ["errorcode", "reset_time", "limit_time_unit", "call_limit", "error"],
    },
    "Link": LINK,
    "Links": {"type": "object", "properties": {"_links": LINKS, "dataset_id": TEXT}, "required": ["_links"]},
    "Root": {
        "type": "object",
        "properties": {"api": TEXT, "version": TEXT, "links": LINKS},
        "required": ["api", "version", "links"],
    },
    "Field": {
        "type": "object",
        "properties": {
            "name": TEXT,
            "label": TEXT,
            "type": TEXT,
            "description": {"type": "string", "nullable": True},
            "annotations": {"type": "object", "additionalProperties": {"type": "array", "items": {}}},
        },
        "required": ["name", "label", "type"],
    },
    "Dataset": {
        "type": "object",
        "description": "A published dataset; `select` may keep only some of its keys.",
        "properties": {
            "dataset_id": TEXT,
            "dataset_uid": TEXT,
            "attachments": {"type": "array", "items": {"type": "object"}},
            "has_records": {"type": "boolean"},
            "data_visible": {"type": "boolean"},
            "features": {"type": "array", "items": TEXT},
            "fields": {"type": "array", "items": ref("schemas", "Field")},
            "metas": {
                "type": "object",
                "description": "Metadata by template: `default` (title, description, keyword, modified, "
                "records_count...), and others the publisher fills.",
                "additionalProperties": {"type": "object"},
            },
            "_links": LINKS,
        },
    },
    "Datasets": {
        "type": "object",
        "properties": {
            "total_count": {"type": "integer"},
            "_links": LINKS,
            "results": {"type": "array", "items": ref("schemas", "Dataset")},
        },
        "required": ["total_count", "results"],
    },
    "Record": {
        "type": "object",
        "description": "Field values by name (or a group's keys and aggregates), `_links` with include_links.",
        "additionalProperties": {},
        "example": {"name": "Tree 01", "species": "Oak", "height": 12},
    },
    "Records": {
        "type": "object",
        "properties": {
            "total_count": {"type": "integer"},
            "_links": LINKS,
            "results": {"type": "array", "items": ref("schemas", "Record")},
        },
        "required": ["total_count", "results"],
    },
    "FacetValue": {
        "type": "object",
        "properties": {
            "name": TEXT,
            "value": TEXT,
            "count": {"type": "integer", "description": "Absent for an excluded value."},
            "state": {"type": "string", "enum": ["displayed", "refined", "excluded"]},
            "facets": {"type": "array", "items": ref("schemas", "FacetValue")},
        },
        "required": ["name", "value", "state"],
    },
    "Facets": {
        "type": "object",
        "properties": {
            "_links": LINKS,
            "facets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": TEXT, "facets": {"type": "array", "items": ref("schemas", "FacetValue")}},
                    "required": ["name", "facets"],
                },
            },
        },
        "required": ["facets"],
    },
    "Attachments": {
        "type": "object",
        "properties": {
            "_links": LINKS,
            "attachments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"href": TEXT, "metas": {"type": "object"}},
                    "required": ["href", "metas"],
                },
            },
        },
        "required": ["_links", "attachments"],
    },
    "DataPackage": {"type": "object", "description": "A Frictionless Data Package descriptor.", "properties": {}},
}


def error_response(description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref("schemas", "Error")}}}


RESPONSES: dict[str, Schema] = {
    "BadRequest": error_response("A parameter or an ODSQL clause is refused (the message says which)."),
    "NotFound": error_response("No such dataset (or record, attachment) for this caller."),
    "TooManyRequests": {
        "description": "Too many requests: the API's rate limit, or the dataset's call quota (`Retry-After` says "
        "when to come back).",
        "content": {"application/json": {"schema": {"anyOf": [ref("schemas", "Error"), ref("schemas", "QuotaError")]}}},
    },
    "Error": error_response("Any other refusal (for instance 503: too many exports in flight, retry later)."),
}

SECURITY_SCHEMES: dict[str, Schema] = {
    "apikeyHeader": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Apikey <key>`"},
    "apikeyQuery": {"type": "apiKey", "in": "query", "name": "apikey"},
    "session": {"type": "apiKey", "in": "cookie", "name": "sessionid", "description": "The portal's login."},
}
