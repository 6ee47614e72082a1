"""The fields a dataset ``where`` clause may name, and how each one turns conditions into ``Q`` objects.

A field is a column of ``Dataset`` (``PlainField``) or a metadata value (``MetadataField``: one
``MetadataValue`` row per dataset, template and name). Both answer the same questions -- which rows meet some
``(lookup, value)`` pairs, which rows hold a value, which contain a word -- as row conditions, and
``matching`` turns a row condition into a condition on datasets. The compiler never asks which kind it holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, Expression, F, OuterRef, Q
from django.db.models.functions import Collate
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    In,
    IRegex,
    LessThan,
    LessThanOrEqual,
    StartsWith,
)

from core.errors import ManagementAPIError
from datasets.metadata_templates import TEMPLATES, get_field
from datasets.models import MetadataValue
from datasets.odsql import ast
from datasets.odsql.dataset_where.functions import AnyElementText, JsonText, JsonTypeOf


class InvalidWhereError(ManagementAPIError):
    """A ``where`` clause that does not parse or does not fit the dataset fields (400).

    Defined here, the lowest layer of the compiler, so fields and predicates raise the same error; import it
    from ``datasets.odsql.dataset_where.compiler``.
    """

    status_code = 400
    error_key = "InvalidWhereClauseException"
    raw_message = "Invalid where clause: {reason}"


# What a field holds, hence which literals and operators fit it.
TEXT, BOOLEAN, DATETIME, DATE, NUMBER, LIST = "text", "boolean", "datetime", "date", "number", "list"
METADATA_KINDS = {
    "text": TEXT,
    "html": TEXT,
    "multitext": LIST,
    "date": DATE,
    "datetime": DATETIME,
    "boolean": BOOLEAN,
    "int": NUMBER,
    "double": NUMBER,
}
PLAIN_FIELDS = {
    "dataset_id": ("dataset_id", TEXT),
    "datasetid": ("dataset_id", TEXT),  # the v2.0 catalog spelling, still sent by clients
    "dataset_uid": ("dataset_uid", TEXT),
    "visibility": ("visibility", TEXT),
    "status": ("status", TEXT),
    "published": ("is_published", BOOLEAN),
    "last_modified": ("last_modified", DATETIME),
    "created_at": ("created_at", DATETIME),
}
TEXT_LOOKUPS = {
    "exact": Exact,
    "lt": LessThan,
    "lte": LessThanOrEqual,
    "gt": GreaterThan,
    "gte": GreaterThanOrEqual,
    "iregex": IRegex,
    "startswith": StartsWith,
}
JSON_TYPES = {NUMBER: "number", BOOLEAN: "boolean"}
# jsonb_typeof of a stored value; 'null' (a JSON null) and SQL NULL both mean "no value".
PRESENT_JSON_TYPES = ("string", "number", "boolean", "array", "object")


@dataclass(frozen=True)
class PlainField:
    """A column of ``Dataset``; ``name`` is how the query spelled it, for messages."""

    name: str
    column: str
    kind: str

    def matching(self, condition: Q) -> Q:
        """Datasets whose own row meets ``condition``."""
        return condition

    def lookups(self, pairs: list[tuple[str, Any]]) -> Q:
        """Every ``(lookup, value)`` pair holds for the column."""
        condition = Q()
        for lookup, value in pairs:
            condition &= Q(**{f"{self.column}__{lookup}": value})
        return condition

    def present(self) -> Q:
        """Rows with a value: all of them, every column a query may name is NOT NULL."""
        return ~Q(pk__isnull=True)

    def contains_word(self, word: str) -> Q:
        """Rows whose value contains ``word``, ignoring case."""
        return Q(**{f"{self.column}__icontains": word})

    def stored(self, value: Any) -> Any:
        """Columns take Python values as they are."""
        return value


@dataclass(frozen=True)
class MetadataField:
    """One metadata field of one template; conditions apply to its ``MetadataValue`` row, through EXISTS."""

    name: str
    template: str
    field_name: str
    kind: str

    @property
    def path(self) -> str:
        """Where the JSON value sits, relative to the rows ``matching`` tests (a subclass may move it)."""
        return "value"

    def matching(self, condition: Q) -> Q:
        """Datasets with a row of this field meeting ``condition``."""
        rows = MetadataValue.objects.filter(dataset=OuterRef("pk"), template=self.template, name=self.field_name)
        return Q(Exists(rows.filter(condition)))

    def lookups(self, pairs: list[tuple[str, Any]]) -> Q:
        """Every ``(lookup, value)`` pair holds for the same value (the same element, for a list)."""
        if self.kind == LIST:
            if [lookup for lookup, _ in pairs] == ["exact"]:
                # jsonb @> '["x"]': the list holds "x"
                return Q(**{f"{self.path}__contains": [pairs[0][1]]})
            return Q(AnyElementText(F(self.path), pairs))
        if self.kind in (NUMBER, BOOLEAN):
            # jsonb compares numbers as numbers; checking the type keeps other JSON types out of the order.
            condition = Q(Exact(JsonTypeOf(F(self.path)), JSON_TYPES[self.kind]))
            for lookup, value in pairs:
                condition &= Q(**{f"{self.path}__{lookup}": value})
            return condition
        return self._text_lookups(pairs)

    def _text_lookups(self, pairs: list[tuple[str, Any]]) -> Q:
        text: Expression = JsonText(F(self.path))
        if self.kind in (DATE, DATETIME):
            # ISO 8601 texts sort chronologically byte by byte, not under a linguistic collation.
            text = Collate(text, "C")
        condition = Q()
        for lookup, value in pairs:
            condition &= Q(TEXT_LOOKUPS[lookup](text, value))
        return condition

    def present(self) -> Q:
        """Rows holding a value other than JSON null."""
        return Q(In(JsonTypeOf(F(self.path)), PRESENT_JSON_TYPES))

    def contains_word(self, word: str) -> Q:
        """Rows whose value, as text (a list as its JSON), contains ``word``, ignoring case."""
        return Q(IContains(JsonText(F(self.path)), word))

    def stored(self, value: Any) -> Any:
        """The JSON form metadata values are stored in (see ``metadata_templates.validation``)."""
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return float(value)  # JSON has no decimal type (the JSON encoder refuses Decimal)
        return value


Target = PlainField | MetadataField


def resolve_field(node: ast.Field) -> Target:
    """The field ``node`` names: a plain field, ``<template>.<name>``, or a name of the ``default`` template."""
    path = node.path
    if len(path) == 1 and path[0] in PLAIN_FIELDS:
        column, kind = PLAIN_FIELDS[path[0]]
        return PlainField(node.name, column, kind)
    template, name = ("default", path[0]) if len(path) == 1 else (path[0], ".".join(path[1:]))
    definition = get_field(template, name)
    if definition is None:
        raise InvalidWhereError(reason=f"unknown field '{node.name}' at position {node.position}; {accepted_fields()}")
    return MetadataField(node.name, template, name, METADATA_KINDS[definition.type])


def any_metadata_contains(word: str) -> Q:
    """Datasets with a metadata value of any template containing ``word``, ignoring case."""
    rows = MetadataValue.objects.filter(dataset=OuterRef("pk"))
    return Q(Exists(rows.filter(IContains(JsonText(F("value")), word))))


def accepted_fields() -> str:
    """The list unknown-field errors quote."""
    default_names = ", ".join(field.name for field in TEMPLATES["default"].fields)
    return (
        f"accepted fields are {', '.join(PLAIN_FIELDS)}, the default metadata ({default_names}) "
        f"and <template>.<name> for the metadata templates {', '.join(TEMPLATES)}"
    )
