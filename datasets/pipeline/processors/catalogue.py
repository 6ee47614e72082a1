"""The processors' argument specifications: what ``GET /processors/`` lists and what validation checks.

Argument types:

* ``field``: an existing field (checked against the schema when the stack is compiled);
* ``fields``: a list of existing fields;
* ``output_field``: a technical field name the processor writes (created when missing);
* ``string``, ``boolean``, ``choice`` (one of ``choices``);
* ``regexp`` (Python syntax), ``expression`` (see ``datasets.pipeline.record_expressions``),
  ``date_format`` (strptime directives), ``timezone`` (IANA name), ``json_path`` (``a.b.0.c``),
  ``geo_point`` (a "lat,lon" text), ``epsg`` (a supported EPSG code such as 2154 or EPSG:2154),
  ``names`` (a list of field names of another dataset).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ARGUMENT_TYPES = (
    "field",
    "fields",
    "output_field",
    "string",
    "boolean",
    "choice",
    "regexp",
    "expression",
    "date_format",
    "timezone",
    "json_path",
    "geo_point",
    "epsg",
    "names",
)
UNICODE_FORMS = ("NFC", "NFD", "NFKC", "NFKD")


@dataclass(frozen=True)
class Argument:
    """One argument of a processor. Arguments required only in some combinations say so in their description."""

    name: str
    label: str
    type: str
    description: str
    required: bool = True
    default: Any = None
    choices: tuple[str, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "description": self.description,
            "required": self.required,
            "default": self.default,
        }
        if self.choices is not None:
            data["choices"] = list(self.choices)
        return data


@dataclass(frozen=True)
class ProcessorSpec:
    """A processor as the catalogue describes it."""

    name: str
    label: str
    description: str
    arguments: tuple[Argument, ...]

    def argument(self, name: str) -> Argument | None:
        return next((argument for argument in self.arguments if argument.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "arguments": [argument.as_dict() for argument in self.arguments],
        }


def field_argument(name: str = "field", label: str = "Field", description: str = "The field to process.") -> Argument:
    return Argument(name, label, "field", description)


def optional_field(description: str) -> Argument:
    """``field`` for processors that also accept ``all_fields``."""
    return Argument("field", "Field", "field", description, required=False)


def output_argument(description: str, required: bool = True) -> Argument:
    return Argument("output_field", "Output field", "output_field", description, required=required)


ALL_FIELDS = Argument(
    "all_fields",
    "All fields",
    "boolean",
    "Process every text value of the record; 'field' is then not needed.",
    required=False,
    default=False,
)
EXPRESSION_HELP = "An expression such as {{ my_column > 0 ? 'positive' : 'negative' }} (the braces are optional)."

TEXT_SPECS = (
    ProcessorSpec(
        "string_replace",
        "Replace text",
        "Replace every occurrence of a text by another one, in one field or in all fields.",
        (
            optional_field("The field to process (required unless 'all_fields' is true)."),
            ALL_FIELDS,
            Argument("old", "Old text", "string", "The text to look for (not empty)."),
            Argument("new", "New text", "string", "The replacement text.", required=False, default=""),
        ),
    ),
    ProcessorSpec(
        "regexp_replace",
        "Replace via regular expression",
        "Replace the matches of a regular expression; the replacement may use groups (\\1, \\g<name>).",
        (
            optional_field("The field to process (required unless 'all_fields' is true)."),
            ALL_FIELDS,
            Argument("regexp", "Regular expression", "regexp", "A Python regular expression."),
            Argument("new", "Replacement", "string", "The replacement; \\1 or \\g<name> insert a group.", False, ""),
        ),
    ),
    ProcessorSpec(
        "concat",
        "Concatenate text",
        "Join the values of several fields into one field; empty values are skipped.",
        (
            Argument("fields", "Fields", "fields", "The fields to join, in order (at least 2)."),
            Argument("separator", "Separator", "string", "Put between two values.", required=False, default=" "),
            output_argument("The field receiving the joined text."),
        ),
    ),
    ProcessorSpec(
        "split",
        "Split text",
        "Split a text into a list of texts (a multivalued value); parts are trimmed and empty parts dropped.",
        (
            field_argument(),
            Argument("separator", "Separator", "string", "The text between two values (not empty)."),
            output_argument("The field receiving the list; defaults to 'field'.", required=False),
        ),
    ),
    ProcessorSpec(
        "unicode_normalize",
        "Normalize Unicode values",
        "Apply a Unicode normalization form to one field or to all fields.",
        (
            optional_field("The field to process (required unless 'all_fields' is true)."),
            ALL_FIELDS,
            Argument("form", "Form", "choice", "The normalization form.", False, "NFKC", UNICODE_FORMS),
        ),
    ),
    ProcessorSpec(
        "decode_html",
        "Decode HTML entities",
        "Turn HTML entities (&amp;, &eacute;, &#233;…) into characters, in one field or in all fields.",
        (optional_field("The field to process (required unless 'all_fields' is true)."), ALL_FIELDS),
    ),
    ProcessorSpec(
        "string_extractor",
        "Extract text",
        "Search a regular expression in a field; each named group (?P<name>…) becomes a field of that name.",
        (
            field_argument(),
            Argument("regexp", "Regular expression", "regexp", "A Python regular expression with named groups."),
        ),
    ),
)

SKIP_RECORD_ARGUMENTS = (
    Argument(
        "condition",
        "Condition",
        "expression",
        f"Records where it is true are dropped. {EXPRESSION_HELP}",
        False,
    ),
    Argument("field", "Field", "field", "Simple form, instead of 'condition': the field to compare.", False),
    Argument("value", "Value", "string", "Simple form: drop records where 'field' equals this text.", False),
)

FIELD_SPECS = (
    ProcessorSpec(
        "copy_field",
        "Copy a field",
        "Copy the value of a field into another field, new or existing.",
        (
            field_argument("from_field", "From field", "The field to copy."),
            Argument("to_field", "To field", "output_field", "The field receiving the copy."),
        ),
    ),
    ProcessorSpec(
        "add_field",
        "Add a field",
        "Add a field holding the same text in every record.",
        (
            Argument("field", "Field", "output_field", "The name of the new field."),
            Argument("value", "Value", "string", "The text every record receives.", required=False, default=""),
        ),
    ),
    ProcessorSpec(
        "delete_field",
        "Delete a field",
        "Remove a field from the dataset.",
        (field_argument(description="The field to remove."),),
    ),
    ProcessorSpec(
        "expression",
        "Expression",
        "Compute a field with an expression over the record's fields.",
        (
            output_argument("The field receiving the result."),
            Argument("expression", "Expression", "expression", EXPRESSION_HELP),
        ),
    ),
    ProcessorSpec(
        "skip_record",
        "Skip records",
        "Drop the records where a condition is true, or (simple form) where a field equals a value.",
        SKIP_RECORD_ARGUMENTS,
    ),
    ProcessorSpec(
        "delete_record",
        "Delete records",
        "Delete the records where a condition is true, or where a field equals (or, without exact match, "
        "contains) a value.",
        (
            *SKIP_RECORD_ARGUMENTS,
            Argument(
                "exact_match",
                "Exact match",
                "boolean",
                "Simple form: true deletes records where 'field' equals 'value', false where it contains it.",
                required=False,
                default=True,
            ),
        ),
    ),
)

GEO_SPECS = (
    ProcessorSpec(
        "create_geopoint",
        "Create a geo point",
        "Build a [latitude, longitude] point from two fields, or from one field holding 'lat,lon' or 'lat lon'.",
        (
            Argument("latitude_field", "Latitude field", "field", "The latitude (with 'longitude_field').", False),
            Argument("longitude_field", "Longitude field", "field", "The longitude (with 'latitude_field').", False),
            Argument("field", "Field", "field", "Instead of the two fields: one 'lat,lon' or 'lat lon' text.", False),
            Argument(
                "output_field", "Output field", "output_field", "The field receiving the point.", False, "geo_point"
            ),
        ),
    ),
    ProcessorSpec(
        "geo_distance",
        "Geo distance",
        "Compute the great-circle distance between a geo point field and another geo point field or a fixed point.",
        (
            field_argument(description="The first point: a geo point or a 'lat,lon' text."),
            Argument("to_field", "To field", "field", "The second point, from a field (or give 'point').", False),
            Argument("point", "Point", "geo_point", "The second point, fixed: a 'lat,lon' text.", False),
            output_argument("The field receiving the distance."),
            Argument("unit", "Unit", "choice", "The unit of the distance.", False, "km", ("km", "m", "mi")),
        ),
    ),
    ProcessorSpec(
        "geojoin",
        "Geo join",
        "Copy the fields of the record of another published dataset whose geo shape holds the point of a field.",
        (
            field_argument(description="The point to look up: a geo point or a 'lat,lon' text."),
            Argument("dataset_id", "Dataset", "string", "The dataset_id of a published dataset open to everyone."),
            Argument("shape_field", "Shape field", "string", "Its geo_shape field; defaults to the first one.", False),
            Argument("fields", "Fields", "names", "Its fields to copy; defaults to all but geo fields.", False),
        ),
    ),
    ProcessorSpec(
        "transform_coordinates",
        "Transform coordinates",
        "Convert points projected in another coordinate system (Lambert-93 EPSG:2154, Web Mercator EPSG:3857) "
        "to WGS84 latitude and longitude.",
        (
            field_argument(description="The projected point, written 'y,x' (northing first) or as a [y, x] list."),
            Argument("epsg", "Source EPSG code", "epsg", "The code of the source system: 2154, 3857 or 4326."),
            output_argument("The field receiving the WGS84 point; defaults to 'field'.", required=False),
        ),
    ),
)

DATE_SPECS = (
    ProcessorSpec(
        "date_normalizer",
        "Normalize a date",
        "Read dates written in a given format and write them as ISO 8601 dates (datetimes if the format has a time).",
        (
            field_argument(),
            Argument("format", "Format", "date_format", "The format of the source, e.g. %d/%m/%Y or %d/%m/%Y %H:%M."),
            output_argument("The field receiving the ISO date; defaults to 'field'.", required=False),
        ),
    ),
    ProcessorSpec(
        "set_timezone",
        "Set the time zone",
        "Read datetimes without time zone in the given zone and write them with its UTC offset.",
        (
            field_argument(),
            Argument("timezone", "Time zone", "timezone", "An IANA time zone such as Europe/Paris."),
        ),
    ),
)

JSON_SPECS = (
    ProcessorSpec(
        "extract_from_json",
        "Extract from JSON",
        "Extract the value at a path of a JSON object (or JSON text) into a field.",
        (
            field_argument(description="The field holding the JSON object or text."),
            Argument("path", "Path", "json_path", "A dotted path; list indexes are numbers, e.g. a.b.0.c."),
            output_argument("The field receiving the value."),
        ),
    ),
    ProcessorSpec(
        "expand_json_array",
        "Expand JSON array",
        "Turn a record holding a JSON array into one record per element of the array.",
        (
            field_argument("json_array_field", "JSON array field", "The field holding the array (or a JSON text)."),
            Argument("path", "Path", "json_path", "Where the array is inside the field's JSON, e.g. a.b.", False),
            output_argument("The field receiving each element; defaults to 'json_array_field'.", required=False),
        ),
    ),
)

SPECS: dict[str, ProcessorSpec] = {
    spec.name: spec
    for spec in sorted(TEXT_SPECS + FIELD_SPECS + GEO_SPECS + DATE_SPECS + JSON_SPECS, key=lambda s: s.name)
}
