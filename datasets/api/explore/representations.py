"""The Explore API's dataset object, built from the published version only (its public metadata and visible
fields are read by ``datasets.selectors.public``, which the catalog pages share).

Decisions:

* ``metas`` holds the public templates; ``visualization`` (how the portal's views are set up) is application
  metadata and shows only with ``include_app_metas=true``. Admin templates never leave the back-office.
* ``metas.default`` always carries ``records_count``, ``modified`` (see ``datasets.selectors.catalog``),
  ``data_processed`` and ``metadata_processed``; datetimes are rendered in the request's ``timezone``.
* The caller's access (``datasets.access.visibility.DataAccess``) shapes the object: ``fields`` and ``features`` list
  the visible fields only; without visible data (``data_visible`` false) there are no fields, ``has_records``
  is false and ``records_count`` 0; with record filters, ``records_count`` counts the records the caller reads.
* ``select`` on the catalog keeps parts of the object, never renames: ``dataset_id, fields, metas`` keeps those
  keys; a metadata name (``title``, ``default.title``, ``dcat.creator``) keeps that value at its place
  inside ``metas``; ``*`` keeps everything. ``_links`` stays whatever the selection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo

from datasets.access.visibility import OPEN, DataAccess
from datasets.metadata_templates import get_field
from datasets.models import Dataset, PublishedVersion
from datasets.odsql import ast, parse_select
from datasets.selectors.catalog import (
    DEFAULT_TECHNICAL,
    PUBLIC_TEMPLATES,
    clause_error,
    features,
    item_text,
    parse_catalog_clause,
)
from datasets.selectors.public import UTC, public_metas, visible_field_specs

DATASET_KEYS = (
    "dataset_id",
    "dataset_uid",
    "attachments",
    "has_records",
    "data_visible",
    "features",
    "fields",
    "metas",
)


def field_repr(field: dict[str, Any]) -> dict[str, Any]:
    """A published field; annotations become an object ``{name: args}`` as in the reference §5.1."""
    annotations = {annotation["name"]: list(annotation.get("args") or []) for annotation in field["annotations"]}
    return {
        "name": field["name"],
        "label": field["label"],
        "type": field["type"],
        "description": field.get("description"),
        "annotations": annotations,
    }


def explore_dataset_repr(
    dataset: Dataset,
    *,
    tz: ZoneInfo = UTC,
    app_metas: bool = False,
    access: DataAccess = OPEN,
    records_count: int | None = None,
) -> dict[str, Any]:
    """The dataset object as ``access`` shows it; ``records_count`` is what the caller reads (see decisions)."""
    version = cast(PublishedVersion, dataset.current_version)
    shown = visible_field_specs(version, access)
    count = version.record_count if records_count is None else records_count
    if not access.data_visible:
        count = 0
    return {
        "dataset_id": dataset.dataset_id,
        "dataset_uid": dataset.dataset_uid,
        "attachments": [],
        "has_records": count > 0,
        "data_visible": access.data_visible,
        "features": features(shown),
        "fields": [field_repr(field) for field in shown],
        "metas": public_metas(version, tz, app_metas, count),
    }


@dataclass(frozen=True)
class CatalogSelection:
    """What ``select`` keeps of a dataset object: top-level keys and ``(template, name)`` metadata."""

    everything: bool = True
    keys: tuple[str, ...] = ()
    metas: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> CatalogSelection:
        """``ODSQLError`` naming ``select`` for anything but ``*``, object keys and metadata names."""
        if not text or not text.strip():
            return cls()
        everything, keys, metas = False, [], []
        for item in parse_catalog_clause(parse_select, text, "select"):
            if isinstance(item, ast.Star):
                everything = True
                continue
            if item.label is not None or not isinstance(item.expression, ast.Field):
                shown = item_text(text, item)
                raise clause_error(f"'{shown}': the catalog selects field names, without AS", "select")
            path = item.expression.path
            if len(path) == 1 and path[0] in DATASET_KEYS:
                keys.append(path[0])
            else:
                metas.append(metadata_name(item.expression))
        return cls(everything, tuple(keys), tuple(metas))

    def apply(self, dataset: dict[str, Any]) -> dict[str, Any]:
        if self.everything:
            return dataset
        kept = {key: dataset[key] for key in (*self.keys, "_links") if key in dataset}
        for template, name in self.metas:
            values = dataset["metas"].get(template, {})
            if name in values and "metas" not in self.keys:
                kept.setdefault("metas", {}).setdefault(template, {})[name] = values[name]
        return kept


def metadata_name(field: ast.Field) -> tuple[str, str]:
    """``title`` -> ``("default", "title")``, ``dcat.creator`` -> ``("dcat", "creator")``, if the public may see it."""
    template, name = ("default", field.path[0]) if len(field.path) == 1 else (field.path[0], ".".join(field.path[1:]))
    known = template == "default" and name in DEFAULT_TECHNICAL
    if not known and (template not in PUBLIC_TEMPLATES or get_field(template, name) is None):
        keys = ", ".join(DATASET_KEYS)
        raise clause_error(
            f"unknown field '{field.name}' at position {field.position}; select {keys} or metadata names",
            "select",
        )
    return template, name
