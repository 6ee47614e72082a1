"""Field specifications: rename, type, annotate, describe, order and delete the dataset's fields.

A dataset's specifications form a stack applied in order after the processors (reference §12).
``validate_specification`` checks one item's ``args`` when it is stored; ``FieldSpecifications``
applies a whole stack to a schema (``fields``) and to records (``apply``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from datasets.pipeline.core import FIELD_TYPES, Field, InvalidFieldSpecificationError, UnknownFieldSpecificationError
from datasets.pipeline.naming import MAX_NAME_BYTES, RESERVED

TECHNICAL_NAME = re.compile(r"[a-z_][a-z0-9_]*")
FACET_TYPES = ("text", "int", "double", "boolean", "date", "datetime")
TEMPORAL_TYPES = ("date", "datetime")
# Transcribed from the reference (§12), including its two micro signs.
UNITS_TEXT = """g kg t oz lb mm cm m km in ft mi mm2 cm2 m2 km2 ha sqft acre € k€ $ SAR £ MXN seconds minutes hours days
    months years Wh kWh MWh GWh TWh Toe bar mbar Pa db W kW MW GW kVA A kA V kV m/s km/s km/h °C °F cm3 m3 l hl
    m3/s L/s m3/h L/h m3/d L/d ppm µg/L mg/L μg/m3 g/L kg/m3 % °"""
UNITS = tuple(UNITS_TEXT.split())
PRECISIONS = {"date": ("year", "month", "day"), "datetime": ("year", "month", "day", "hour", "minute")}
SEPARATOR_ARG = {"name": "separator", "type": "string", "description": "The character(s) separating the values."}


def annotation(label: str, description: str, types: tuple[str, ...], args: list[dict] | None = None) -> dict:
    return {"label": label, "description": description, "types": types, "args": args or []}


ANNOTATIONS: dict[str, dict[str, Any]] = {
    "id": annotation("Identifier", "The field is part of the record's unique id.", FIELD_TYPES),
    "facet": annotation("Facet", "The field can be used as a filter.", FACET_TYPES),
    "facetsort": annotation(
        "Facet sort",
        "How the facet's values are sorted.",
        FACET_TYPES,
        [{"name": "sort", "type": "string", "choices": ("count", "-count", "alphanum", "-alphanum", "num", "-num")}],
    ),
    "disjunctive": annotation("Disjunctive", "Several values of the facet can be selected at once.", FACET_TYPES),
    "sortable": annotation("Sortable", "Records can be sorted by this text field.", ("text",)),
    "multivalued": annotation("Multivalued", "The text holds several values.", ("text",), [SEPARATOR_ARG]),
    "hierarchical": annotation("Hierarchical", "The text is a path in a hierarchy.", ("text",), [SEPARATOR_ARG]),
    "unit": annotation(
        "Unit", "Unit of the values.", ("int", "double"), [{"name": "unit", "type": "string", "choices": UNITS}]
    ),
    "decimals": annotation(
        "Decimals", "Number of decimals shown.", ("double",), [{"name": "decimals", "type": "int", "min": 0, "max": 10}]
    ),
    "timeserie_precision": annotation(
        "Time series precision",
        "Precision of the time series: year, month or day for dates; also hour or minute for datetimes.",
        TEMPORAL_TYPES,
        [{"name": "precision", "type": "string", "choices": PRECISIONS["datetime"]}],
    ),
    "timerangeFilter": annotation("Time range filter", "Offer a time range filter on this field.", TEMPORAL_TYPES),
}


def argument(name: str, label: str, type_: str, description: str, mandatory: bool = True, **extra: Any) -> dict:
    return {"name": name, "label": label, "type": type_, "description": description, "is_mandatory": mandatory, **extra}


FIELD_ARGUMENT = argument("field", "Field", "field", "Technical name of the field (after earlier specifications).")
SPECIFICATIONS: list[dict[str, Any]] = [
    {
        "name": "rename",
        "label": "Rename",
        "description": "Change a field's technical name and, optionally, its label.",
        "arguments": [
            argument("from_name", "Field", "field", "Current technical name of the field."),
            argument("to_name", "New name", "string", "Lowercase letters, digits and '_', at most 63 bytes."),
            argument("label", "Label", "string", "New human-readable label.", mandatory=False),
        ],
    },
    {
        "name": "type",
        "label": "Type",
        "description": "Declare the field's type instead of letting it be inferred.",
        "arguments": [FIELD_ARGUMENT, argument("type", "Type", "string", "Field type.", choices=list(FIELD_TYPES))],
    },
    {
        "name": "annotate",
        "label": "Annotate",
        "description": "Add an annotation (facet, sortable, unit…) to a field; annotating again replaces its args.",
        "arguments": [
            FIELD_ARGUMENT,
            argument("annotation", "Annotation", "string", "Annotation name.", choices=list(ANNOTATIONS)),
            argument("args", "Arguments", "list", "The annotation's arguments, when it takes some.", mandatory=False),
        ],
    },
    {
        "name": "description",
        "label": "Description",
        "description": "Describe a field.",
        "arguments": [FIELD_ARGUMENT, argument("description", "Description", "string", "Text; null clears it.")],
    },
    {
        "name": "order",
        "label": "Order",
        "description": "args is a list of field names: they come first, in that order; the others follow.",
        "arguments": [argument("args", "Fields", "list", "Technical names of the fields, in order.")],
    },
    {
        "name": "delete",
        "label": "Delete",
        "description": "Discard a field from the dataset.",
        "arguments": [FIELD_ARGUMENT],
    },
]
SPECIFICATION_NAMES = tuple(spec["name"] for spec in SPECIFICATIONS)
UNIT_KEYS = {unicodedata.normalize("NFKC", unit): unit for unit in UNITS}  # "µ" and "μ", "m²" and "m2" alike


def invalid(name: str, argument: str, reason: str) -> InvalidFieldSpecificationError:
    return InvalidFieldSpecificationError(name=name, argument=argument, reason=reason)


# --- validation of one specification's args ----------------------------------------------------


def validate_specification(name: str, args: object) -> object:
    """Check one specification's ``args`` and return them normalised; raise the API error otherwise."""
    validator = VALIDATORS.get(name)
    if validator is None:
        raise UnknownFieldSpecificationError(name=name, known=", ".join(SPECIFICATION_NAMES))
    return validator(args)


def object_args(name: str, args: object, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    """``args`` as a dict with exactly the expected keys (optional ones may be absent)."""
    if not isinstance(args, dict):
        raise invalid(name, "args", "must be an object")
    expected = (*required, *optional)
    unknown = sorted(set(args) - set(expected))
    if unknown:
        raise invalid(name, str(unknown[0]), f"unknown argument; expected: {', '.join(expected)}")
    missing = [key for key in required if key not in args]
    if missing:
        raise invalid(name, missing[0], "is required")
    return args


def text_arg(name: str, args: dict, key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not value.strip():
        raise invalid(name, key, "must be a non-empty string")
    return value


def technical_name(name: str, argument: str, value: object) -> str:
    """A name a records-table column and ODSQL can use as is (the rules ``naming.slug`` follows)."""
    if not isinstance(value, str) or not TECHNICAL_NAME.fullmatch(value):
        reason = "must be lowercase ASCII letters, digits and '_', not starting with a digit"
        raise invalid(name, argument, reason)
    if len(value.encode()) > MAX_NAME_BYTES:
        raise invalid(name, argument, f"must be at most {MAX_NAME_BYTES} bytes long")
    if value in RESERVED:
        raise invalid(name, argument, f"'{value}' is a reserved word")
    return value


def validate_rename(args: object) -> dict:
    args = object_args("rename", args, ("from_name", "to_name"), ("label",))
    label = args.get("label")
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise invalid("rename", "label", "must be a non-empty string")
    from_name = text_arg("rename", args, "from_name")
    return {"from_name": from_name, "to_name": technical_name("rename", "to_name", args["to_name"]), "label": label}


def validate_type(args: object) -> dict:
    args = object_args("type", args, ("field", "type"))
    if args["type"] not in FIELD_TYPES:
        raise invalid("type", "type", f"unknown type '{args['type']}'; known: {', '.join(FIELD_TYPES)}")
    return {"field": text_arg("type", args, "field"), "type": args["type"]}


def validate_annotate(args: object) -> dict:
    args = object_args("annotate", args, ("field", "annotation"), ("args",))
    field, name = text_arg("annotate", args, "field"), args["annotation"]
    if name not in ANNOTATIONS:
        raise invalid("annotate", "annotation", f"unknown annotation '{name}'; known: {', '.join(ANNOTATIONS)}")
    return {"field": field, "annotation": name, "args": annotation_args(name, args.get("args"))}


def validate_description(args: object) -> dict:
    args = object_args("description", args, ("field", "description"))
    if args["description"] is not None and not isinstance(args["description"], str):
        raise invalid("description", "description", "must be a string or null")
    return {"field": text_arg("description", args, "field"), "description": args["description"]}


def validate_order(args: object) -> list[str]:
    if not isinstance(args, list) or not all(isinstance(name, str) and name for name in args):
        raise invalid("order", "args", "must be a list of field names")
    duplicates = sorted({name for name in args if args.count(name) > 1})
    if duplicates:
        raise invalid("order", "args", f"'{duplicates[0]}' is listed twice")
    return list(args)


def validate_delete(args: object) -> dict:
    args = object_args("delete", args, ("field",))
    return {"field": text_arg("delete", args, "field")}


VALIDATORS = {
    "rename": validate_rename,
    "type": validate_type,
    "annotate": validate_annotate,
    "description": validate_description,
    "order": validate_order,
    "delete": validate_delete,
}


def annotation_args(annotation: str, args: object) -> list[Any]:
    """An annotation's ``args`` list, checked against its declared arguments and normalised."""
    expected = ANNOTATIONS[annotation]["args"]
    values = [] if args is None else args
    if not isinstance(values, list):
        raise invalid("annotate", "args", "must be a list")
    if len(values) != len(expected):
        names = ", ".join(arg["name"] for arg in expected) or "none"
        raise invalid("annotate", "args", f"'{annotation}' takes {len(expected)} argument(s): {names}")
    return [annotation_arg(annotation, spec, value) for spec, value in zip(expected, values, strict=True)]


def annotation_arg(annotation: str, spec: dict, value: object) -> Any:
    if spec["type"] == "int":
        number = int(value) if isinstance(value, str) and value.strip().isdigit() else value
        if isinstance(number, bool) or not isinstance(number, int) or not spec["min"] <= number <= spec["max"]:
            reason = f"'{annotation}' takes an integer from {spec['min']} to {spec['max']}"
            raise invalid("annotate", "args", reason)
        return number
    if not isinstance(value, str) or not value:
        raise invalid("annotate", "args", f"'{annotation}' takes a non-empty string ({spec['name']})")
    if annotation == "unit":
        value = UNIT_KEYS.get(unicodedata.normalize("NFKC", value), value)
    if "choices" in spec and value not in spec["choices"]:
        raise invalid("annotate", "args", f"unknown {spec['name']} '{value}'; known: {', '.join(spec['choices'])}")
    return value


# --- applying a stack ------------------------------------------------------------------------


class FieldSpecifications:
    """A dataset's stack of specifications, validated once, applied to schemas and records.

    ``declared_types`` maps final field names to the type a ``type`` specification gave them:
    those fields are not inferred.
    """

    def __init__(self, specs: Iterable[tuple[str, str, object]] = ()) -> None:
        self.specs = [(uid, name, validate_specification(name, args)) for uid, name, args in specs]
        self._mapping, self._deleted, self.declared_types = record_plan(self.specs)

    def fields(self, fields: list[Field], *, check_annotations: bool = True) -> list[Field]:
        """The schema after the specifications, in order; the input fields are left untouched.

        ``check_annotations=False`` skips checking annotations against types, for a schema whose
        types are still to be inferred (then call ``check_annotations`` on the typed fields).
        """
        current = [replace(field, annotations=[dict(item) for item in field.annotations]) for field in fields]
        for _uid, name, args in self.specs:
            current = APPLIERS[name](current, args)
        if check_annotations:
            self.check_annotations(current)
        return current

    def check_annotations(self, fields: list[Field]) -> None:
        """Raise InvalidFieldSpecificationError for an annotation that does not fit its field's type."""
        for field in fields:
            for item in field.annotations:
                check_annotation(field, item)

    def apply(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record with renamed keys and without deleted fields (the same dict when nothing changes)."""
        if not self._mapping and not self._deleted:
            return record
        mapping, deleted = self._mapping, self._deleted
        return {mapping.get(key, key): value for key, value in record.items() if key not in deleted}


def record_plan(specs: list[tuple[str, str, Any]]) -> tuple[dict[str, str], frozenset[str], dict[str, str]]:
    """Follow names through the stack: (renamed key -> final name, deleted keys, final name -> declared type).

    Keys are the record's keys before the specifications. Specifications naming unknown fields
    are skipped here; ``fields`` reports them.
    """
    origin_of: dict[str, str] = {}  # current name -> record key, for renamed fields
    moved: set[str] = set()  # record keys no longer under their own name
    typed: dict[str, str] = {}
    deleted: set[str] = set()
    for _uid, name, args in specs:
        current: Any = args["from_name"] if name == "rename" else args.get("field") if isinstance(args, dict) else None
        key = origin_of.get(current, None if current in moved else current)
        if key is None or name not in ("rename", "type", "delete"):
            continue
        if name == "type":
            typed[key] = args["type"]
            continue
        origin_of.pop(current, None)
        moved.add(key)
        if name == "rename":
            origin_of[args["to_name"]] = key
        else:
            deleted.add(key)
    final = {key: current for current, key in origin_of.items()}
    mapping = {key: current for key, current in final.items() if key != current}
    declared = {final.get(key, key): type_ for key, type_ in typed.items() if key not in deleted}
    return mapping, frozenset(deleted), declared


def check_annotation(field: Field, item: dict[str, Any]) -> None:
    name, spec = item["name"], ANNOTATIONS.get(item["name"])
    if spec is None:
        return  # not one of ours (a processor's hint): nothing to check
    if field.type not in spec["types"]:
        allowed = ", ".join(spec["types"])
        reason = f"'{name}' does not apply to {field.type} field '{field.name}'; it applies to: {allowed}"
        raise invalid("annotate", "annotation", reason)
    if name == "timeserie_precision" and item["args"][0] not in PRECISIONS[field.type]:
        choices = ", ".join(PRECISIONS[field.type])
        reason = f"precision '{item['args'][0]}' does not apply to {field.type} field '{field.name}'; use {choices}"
        raise invalid("annotate", "args", reason)


def field_index(fields: list[Field], spec: str, argument: str, name: str) -> int:
    for index, field in enumerate(fields):
        if field.name == name:
            return index
    raise invalid(spec, argument, f"no field '{name}'; fields: {', '.join(field.name for field in fields)}")


def apply_rename(fields: list[Field], args: dict) -> list[Field]:
    index = field_index(fields, "rename", "from_name", args["from_name"])
    if args["to_name"] != args["from_name"] and any(field.name == args["to_name"] for field in fields):
        raise invalid("rename", "to_name", f"a field named '{args['to_name']}' already exists")
    field = fields[index]
    field.name, field.label = args["to_name"], args["label"] or field.label
    return fields


def apply_type(fields: list[Field], args: dict) -> list[Field]:
    fields[field_index(fields, "type", "field", args["field"])].type = args["type"]
    return fields


def apply_annotate(fields: list[Field], args: dict) -> list[Field]:
    field = fields[field_index(fields, "annotate", "field", args["field"])]
    # Annotating twice replaces the arguments: one annotation of each name per field.
    others = [item for item in field.annotations if item["name"] != args["annotation"]]
    field.annotations = [*others, {"name": args["annotation"], "args": list(args["args"])}]
    return fields


def apply_description(fields: list[Field], args: dict) -> list[Field]:
    fields[field_index(fields, "description", "field", args["field"])].description = args["description"]
    return fields


def apply_order(fields: list[Field], names: list[str]) -> list[Field]:
    listed = [fields[field_index(fields, "order", "field", name)] for name in names]
    return listed + [field for field in fields if field.name not in set(names)]


def apply_delete(fields: list[Field], args: dict) -> list[Field]:
    del fields[field_index(fields, "delete", "field", args["field"])]
    return fields


APPLIERS: dict[str, Callable[[list[Field], Any], list[Field]]] = {
    "rename": apply_rename,
    "type": apply_type,
    "annotate": apply_annotate,
    "description": apply_description,
    "order": apply_order,
    "delete": apply_delete,
}
