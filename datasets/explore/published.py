"""The published table behind a dataset, found cheaply on every Explore request.

A published version never changes once written (a new publish makes a new version), so its table name and
fields are kept in memory by version id; each request still asks the database which version, if any, the
caller may see right now, through the one visibility predicate (``datasets.selectors``), reading one column.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db.models import QuerySet

from datasets.models import PublishedVersion
from datasets.pipeline.core import Field

VERSIONS_KEPT = 1024


@dataclass(frozen=True)
class PublishedTable:
    """What a records query needs: the version (for ETags and caches), its table and its fields."""

    dataset_id: str
    version_id: int
    table_name: str
    fields: tuple[Field, ...]


def published_table(visible: QuerySet, dataset_id: str) -> PublishedTable | None:
    """The version of ``dataset_id`` among the ``visible`` datasets, or None when the caller cannot see it."""
    found = list(visible.filter(dataset_id=dataset_id).values_list("current_version_id", flat=True)[:1])
    if not found or found[0] is None:
        return None
    table_name, fields = version_table(found[0])
    return PublishedTable(dataset_id, found[0], table_name, fields)


@functools.lru_cache(maxsize=VERSIONS_KEPT)
def version_table(version_id: int) -> tuple[str, tuple[Field, ...]]:
    """The table name and fields of a published version (immutable, hence cached for the process's life)."""
    version = PublishedVersion.objects.only("table_name", "fields").get(pk=version_id)
    return version.table_name, tuple(field_of(spec) for spec in version.fields)


def field_of(spec: dict) -> Field:
    """A field as stored in the version's ``fields`` (the published field list)."""
    return Field(
        name=spec["name"],
        label=spec["label"],
        type=spec["type"],
        original_name=spec.get("original_name"),
        description=spec.get("description"),
        annotations=list(spec.get("annotations") or []),
    )
