"""The Explore catalog: which published datasets a catalog query selects, and in which order.

Everything here reads the published snapshot -- ``PublishedVersion.metadata``, ``fields``, ``record_count`` and
``published_at`` -- never the metadata rows the management API edits (API decision 12). ``where`` is compiled
by the management API's compiler (``datasets.odsql.dataset_where.compiler``) with the catalog's own vocabulary:

* technical fields ``dataset_id`` (or ``datasetid``), ``dataset_uid``, ``has_records``, ``features``,
  ``records_count``, ``modified``, ``data_processed`` and ``metadata_processed`` (the last four are also
  shown in ``metas.default``, so ``default.records_count`` means the same);
* published metadata as ``<template>.<name>``, ``default.`` optional; admin templates never leave the
  back-office, so they cannot be queried either;
* bare full text (``where="bus"``, ``search(*, "bus")``) looks in the title, the description and the
  keywords: every word must appear in one of them, as a substring ignoring case and accents (``orleans``
  finds "Orléans"; a substring, so the start of a word finds the word: ``chica`` finds "Chicago").

Decisions:

* ``modified`` is ``default.modified`` when the publisher set it, else the time of the publish: every
  published dataset has one, and the list, ``where``, ``order_by``, the facets and the exports all read
  this same value (``published_modified`` in Python, ``MODIFIED`` in SQL).
* ``features`` come from the published field types: ``analyze`` (a number), ``geo`` (a geometry),
  ``timeserie`` (a date or datetime).
* ``features``, ``has_records`` and ``records_count`` are the caller's: on a dataset a ruleset shows in part
  (hidden fields, filtered records, metadata only) they are computed from what the caller may read and
  passed in as ``CallerValues`` (``datasets.selectors.catalog_access``), so a ``where`` or a sort cannot
  reveal a hidden geometry or how many records a filter hides.
* A dataset without a metadata value fails ``=`` and passes ``!=``, as in the management API.
* Facet refinements on ``modified`` are periods (``2019``, ``2019/08``, ``2019/08/15``) in the request's
  time zone; dates written in a ``where`` without a zone are UTC, as in the management API.
* Full text reads the description as stored, HTML included: a word inside a tag name can match.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    DateTimeField,
    ExpressionWrapper,
    F,
    OrderBy,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, StrIndex
from django.db.models.lookups import GreaterThan

from datasets.metadata_templates import TEMPLATES, get_field
from datasets.models import Dataset, PublishedVersion
from datasets.odsql import ODSQLError, ast, parse_order_by
from datasets.odsql.dataset_where.compiler import Vocabulary, dataset_where_q
from datasets.odsql.dataset_where.fields import (
    BOOLEAN,
    DATETIME,
    LIST,
    METADATA_KINDS,
    NUMBER,
    TEXT,
    InvalidWhereError,
    MetadataField,
    PlainField,
)
from datasets.odsql.dataset_where.functions import Folded, JsonText

# Templates the public sees; ``APP_TEMPLATES`` configure the portal's views and show with include_app_metas.
PUBLIC_TEMPLATES = frozenset(name for name, template in TEMPLATES.items() if template.purpose != "admin")
APP_TEMPLATES = frozenset({"visualization"})
CATALOG_FACETS = ("keyword", "theme", "publisher", "license", "language", "features", "modified")
FEATURE_TYPES = {
    "analyze": ("int", "double"),
    "geo": ("geo_point_2d", "geo_shape"),
    "timeserie": ("date", "datetime"),
}


@dataclass(frozen=True)
class CallerValues:
    """What one caller may know of a dataset it sees in part: its readable count and its visible features."""

    records_count: int
    features: frozenset[str]


MODIFIED = Coalesce(
    Cast(KeyTextTransform("modified", "current_version__metadata__default"), DateTimeField()),
    F("current_version__published_at"),
)
# Names of the annotations ``annotated`` adds; the technical fields below read them.
ANNOTATIONS = {
    "catalog_modified": MODIFIED,
    "catalog_title": KeyTextTransform("title", "current_version__metadata__default"),
}
# name -> (column or annotation, kind)
TECHNICAL_FIELDS = {
    "dataset_id": ("dataset_id", TEXT),
    "datasetid": ("dataset_id", TEXT),  # the v2.0 spelling
    "dataset_uid": ("dataset_uid", TEXT),
    "has_records": ("catalog_has_records", BOOLEAN),
    "records_count": ("catalog_records_count", NUMBER),
    "modified": ("catalog_modified", DATETIME),
    "data_processed": ("current_version__published_at", DATETIME),
    "metadata_processed": ("current_version__metadata_published_at", DATETIME),
}
# Technical values the dataset object shows inside ``metas.default``.
DEFAULT_TECHNICAL = frozenset({"records_count", "modified", "data_processed", "metadata_processed"})
ORDERS = {
    "dataset_id": "dataset_id",
    "dataset_uid": "dataset_uid",
    "modified": "catalog_modified",
    "title": "catalog_title",
    "records_count": "catalog_records_count",
}
DEFAULT_ORDER = "dataset_id"
PERIOD = re.compile(r"(\d{4})(?:/(\d{1,2})(?:/(\d{1,2}))?)?")


def features(fields: Iterable[dict[str, Any]]) -> list[str]:
    """The features of a published dataset, from the types of its fields."""
    types = {field["type"] for field in fields}
    return [name for name, kinds in FEATURE_TYPES.items() if types & set(kinds)]


def published_modified(version: PublishedVersion) -> dt.datetime:
    """``default.modified`` of the snapshot when set (stored as ISO 8601), else the publish time."""
    value = version.metadata.get("default", {}).get("modified")
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return version.published_at
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return version.published_at


def annotated(queryset: QuerySet[Dataset], partial: dict[int, CallerValues] | None = None) -> QuerySet[Dataset]:
    """The catalog's computed values on a queryset of published datasets, for filters and sorts.

    ``partial`` maps the primary keys of datasets the caller sees in part to the values it may know.
    """
    partial = partial or {}
    count = per_caller(
        partial, lambda values: values.records_count, F("current_version__record_count"), BigIntegerField()
    )
    features = {
        f"catalog_feature_{name}": per_caller(
            partial, lambda values, name=name: name in values.features, published_feature(name), BooleanField()
        )
        for name in FEATURE_TYPES
    }
    has_records = ExpressionWrapper(Q(catalog_records_count__gt=0), output_field=BooleanField())
    return queryset.annotate(**ANNOTATIONS, catalog_records_count=count, **features).annotate(
        catalog_has_records=has_records
    )


def per_caller(partial: dict[int, CallerValues], value, published: Any, output_field: Any) -> Any:
    """``published``, except on the datasets of ``partial``, where ``value(their values)`` is bound."""
    if not partial:
        return published
    by_value: dict[Any, list[int]] = {}
    for pk, values in partial.items():
        by_value.setdefault(value(values), []).append(pk)
    whens = [When(pk__in=pks, then=Value(known)) for known, pks in by_value.items()]
    return Case(*whens, default=published, output_field=output_field)


# ``where``: targets for the compiler of ``datasets.odsql.dataset_where.compiler``.


@dataclass(frozen=True)
class SnapshotField(MetadataField):
    """A metadata value of the dataset's published snapshot: a key of its own current version, no EXISTS."""

    @property
    def path(self) -> str:
        return f"current_version__metadata__{self.template}__{self.field_name}"

    def matching(self, condition: Q) -> Q:
        # A key the snapshot lacks reads as SQL NULL, which makes the condition NULL and its negation NULL too:
        # coalescing to false keeps "no value fails = and passes !=".
        return Q(Coalesce(ExpressionWrapper(condition, output_field=BooleanField()), Value(False)))

    def contains_word(self, word: str) -> Q:
        """Rows whose value, as text (a list as its JSON), contains ``word``, ignoring case and accents."""
        return Q(GreaterThan(StrIndex(Folded(JsonText(F(self.path))), Folded(Value(word))), 0))


def published_feature(name: str) -> ExpressionWrapper:
    """True when a published field has a type the feature needs (jsonb containment on the fields array)."""
    condition = reduce(or_, (Q(current_version__fields__contains=[{"type": kind}]) for kind in FEATURE_TYPES[name]))
    return ExpressionWrapper(condition, output_field=BooleanField())


def has_feature(name: str) -> Q:
    """Datasets with the feature as the caller knows it (see ``annotated``); an unknown feature matches nothing."""
    if name not in FEATURE_TYPES:
        return Q(pk__in=[])
    return Q(**{f"catalog_feature_{name}": True})


@dataclass(frozen=True)
class FeaturesField:
    """``features``, a list computed from the field types: equality, IN and membership only."""

    name: str
    kind: str = LIST

    def matching(self, condition: Q) -> Q:
        return condition

    def lookups(self, pairs: list[tuple[str, Any]]) -> Q:
        if [lookup for lookup, _ in pairs] != ["exact"]:
            known = ", ".join(FEATURE_TYPES)
            raise InvalidWhereError(reason=f"'{self.name}' only takes =, != and IN, with a feature among {known}")
        return has_feature(pairs[0][1])

    def present(self) -> Q:
        return reduce(or_, (has_feature(name) for name in FEATURE_TYPES))

    def contains_word(self, word: str) -> Q:
        return reduce(or_, (has_feature(name) for name in FEATURE_TYPES if word.lower() in name), Q(pk__in=[]))

    def stored(self, value: Any) -> Any:
        return value


def resolve_catalog_field(node: ast.Field) -> PlainField | SnapshotField | FeaturesField:
    """The catalog field ``node`` names (see the module's docstring); ``InvalidWhereError`` when none."""
    path = node.path
    if len(path) == 2 and path[0] == "default" and path[1] in DEFAULT_TECHNICAL:
        path = path[1:]
    if path == ("features",):
        return FeaturesField(node.name)
    if len(path) == 1 and path[0] in TECHNICAL_FIELDS:
        return PlainField(node.name, *TECHNICAL_FIELDS[path[0]])
    template, name = ("default", path[0]) if len(path) == 1 else (path[0], ".".join(path[1:]))
    definition = get_field(template, name) if template in PUBLIC_TEMPLATES else None
    if definition is None:
        raise InvalidWhereError(reason=f"unknown field '{node.name}' at position {node.position}; {accepted()}")
    return SnapshotField(node.name, template, name, METADATA_KINDS[definition.type])


def accepted() -> str:
    """The list unknown-field errors quote."""
    templates = ", ".join(sorted(PUBLIC_TEMPLATES))
    return (
        f"catalog fields are {', '.join(TECHNICAL_FIELDS)}, features, "
        f"and published metadata as <template>.<name> (templates {templates}; default. is optional)"
    )


FULL_TEXT_FIELDS = tuple(resolve_catalog_field(ast.Field((name,))) for name in ("title", "description", "keyword"))


def anywhere(word: str) -> Q:
    """Bare full text: the word is in the title, the description or a keyword."""
    return reduce(or_, (field.matching(field.contains_word(word)) for field in FULL_TEXT_FIELDS))


CATALOG = Vocabulary(resolve_catalog_field, anywhere)  # type: ignore[arg-type]  # FeaturesField answers as a Target does


def clause_error(reason: str, clause: str) -> ODSQLError:
    return ODSQLError(f"{reason}. Clause(s) containing the error(s): {clause}.")


def catalog_where(texts: Iterable[str]) -> Q:
    """The datasets every ``where`` text selects (several are ANDed); ``ODSQLError`` naming ``where``."""
    conditions = []
    for text in texts:
        try:
            conditions.append(dataset_where_q(text, CATALOG))
        except InvalidWhereError as error:
            raise clause_error(error.raw_params["reason"], "where") from None
    return reduce(and_, conditions, Q())


# ``refine`` / ``exclude``


def period_parts(value: str) -> tuple[int, ...]:
    """``2019/8`` -> ``(2019, 8)``: the year, then the month and the day when given; ``ValueError`` otherwise."""
    match = PERIOD.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"'{value}' is not a period; expected YYYY, YYYY/MM or YYYY/MM/DD")
    return tuple(int(part) for part in match.groups() if part)


def modified_period(value: str, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """``2019`` / ``2019/08`` / ``2019/08/15`` as a half-open period in ``tz``; ``ValueError`` otherwise."""
    year, month, day = cast(tuple[int, int | None, int | None], (*period_parts(value), None, None)[:3])
    try:
        start = dt.datetime(year, month or 1, day or 1, tzinfo=tz)
    except ValueError as error:
        raise ValueError(f"'{value}' is not a valid period ({error})") from None
    if day is not None:
        end = start + dt.timedelta(days=1)
    elif month is not None:
        end = start.replace(year=year + month // 12, month=month % 12 + 1)
    else:
        end = start.replace(year=year + 1)
    return start, end


def facet_q(name: str, value: str, tz: ZoneInfo) -> Q:
    """The datasets having ``value`` for the catalog facet ``name`` (one of ``CATALOG_FACETS``)."""
    if name == "modified":
        start, end = modified_period(value, tz)
        return Q(catalog_modified__gte=start, catalog_modified__lt=end)
    if name == "features":
        return has_feature(value)
    field = resolve_catalog_field(ast.Field((name,)))
    return field.matching(field.lookups([("exact", value)]))


def refine_exclude(refines: list[tuple[str, str]], excludes: list[tuple[str, str]], tz: ZoneInfo) -> Q:
    """Every refined value held, no excluded one; ``ValueError`` for a malformed ``modified`` period."""
    kept = [facet_q(name, value, tz) for name, value in refines]
    dropped = [~facet_q(name, value, tz) for name, value in excludes]
    return reduce(and_, kept + dropped, Q())


# ``order_by``


def catalog_ordering(text: str | None) -> list[OrderBy]:
    """``order_by`` over dataset_id, dataset_uid, modified, title, records_count (``default.`` optional).

    Nulls come last in both directions (reference §7.1); ``dataset_uid`` breaks ties so pages are stable.
    """
    items = parse_catalog_clause(parse_order_by, text or DEFAULT_ORDER, "order_by")
    terms = []
    for item in items:
        expression = item.expression
        path = expression.path if isinstance(expression, ast.Field) else ()
        name = path[-1] if len(path) == 2 and path[0] == "default" else ".".join(path)
        if name not in ORDERS:
            known = ", ".join(ORDERS)
            raise clause_error(f"the catalog sorts by {known}, not '{item_text(text, item)}'", "order_by")
        column = F(ORDERS[name])
        terms.append(column.desc(nulls_last=True) if item.descending else column.asc(nulls_last=True))
    return [*terms, F("dataset_uid").asc()]


def parse_catalog_clause(parse, text: str, clause: str) -> tuple:
    """``parse(text)`` with syntax errors naming ``clause``."""
    try:
        return parse(text)
    except ODSQLError as error:
        raise clause_error(error.message, clause) from None


def item_text(text: str | None, item: ast.Node) -> str:
    """The words of a clause item, for messages."""
    return (text or "")[item.position :].split(",")[0].strip()
