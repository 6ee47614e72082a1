"""The Explore API's dataset object, built from the published version only."""

from __future__ import annotations

from typing import Any

from datasets.metadata_templates import TEMPLATES
from datasets.models import Dataset, PublishedVersion

GEO_TYPES = {"geo_point_2d", "geo_shape"}
TIME_TYPES = {"date", "datetime"}
NUMBER_TYPES = {"int", "double"}
# Metadata of "admin" templates never leave the back-office (reference §9.1).
PUBLIC_TEMPLATES = {name for name, template in TEMPLATES.items() if template.purpose != "admin"}


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


def features(fields: list[dict[str, Any]]) -> list[str]:
    types = {field["type"] for field in fields}
    found = []
    if types & NUMBER_TYPES:
        found.append("analyze")
    if types & GEO_TYPES:
        found.append("geo")
    if types & TIME_TYPES:
        found.append("timeserie")
    return found


def public_metas(version: PublishedVersion) -> dict[str, Any]:
    metas = {template: dict(values) for template, values in version.metadata.items() if template in PUBLIC_TEMPLATES}
    published = version.published_at.isoformat()
    metas.setdefault("default", {}).update(
        {"records_count": version.record_count, "data_processed": published, "metadata_processed": published}
    )
    return metas


def explore_dataset_repr(dataset: Dataset) -> dict[str, Any]:
    version = dataset.current_version
    return {
        "dataset_id": dataset.dataset_id,
        "dataset_uid": dataset.dataset_uid,
        "attachments": [],
        "has_records": version.record_count > 0,
        "data_visible": True,
        "features": features(version.fields),
        "fields": [field_repr(field) for field in version.fields],
        "metas": public_metas(version),
    }
