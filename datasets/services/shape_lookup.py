"""The shapes a ``geojoin`` processor reads: published datasets open to everyone, queried with PostGIS.

A geojoin copies another dataset's values into the dataset being built, whose readers may not be
allowed to read that other dataset. Only datasets whose published data every caller may read in
full are joined with: visibility ``domain`` and no security ruleset (a ruleset could hide fields
or records). The lookup reads the dataset's current published version, one indexed query per point.
"""

from __future__ import annotations

from typing import cast

from django.db import connection
from psycopg import sql

from datasets.models import Dataset, PublishedVersion
from datasets.pipeline.conversion import json_ready
from datasets.pipeline.core import Field, Record
from datasets.pipeline.processors.geojoin import use_shape_lookup
from datasets.store import SCHEMA


def open_dataset(dataset_id: str) -> Dataset | None:
    """The published dataset ``dataset_id`` when anyone may read all of its data, else None."""
    return (
        Dataset.objects.filter(
            dataset_id=dataset_id,
            visibility=Dataset.Visibility.DOMAIN,
            current_version__isnull=False,
            rulesets__isnull=True,
        )
        .select_related("current_version")
        .first()
    )


class PublishedShapes:
    """A ``ShapeLookup`` over the published records tables."""

    def fields(self, dataset_id: str) -> list[Field] | None:
        dataset = open_dataset(dataset_id)
        if dataset is None:
            return None
        return [Field.from_dict(field) for field in cast(PublishedVersion, dataset.current_version).fields]

    def match(self, dataset_id: str, shape_field: str, names: list[str], point: list[float]) -> Record | None:
        dataset = open_dataset(dataset_id)
        if dataset is None:
            return None
        statement = sql.SQL(
            "SELECT {columns} FROM {table} WHERE ST_Intersects({shape}, ST_SetSRID(ST_MakePoint(%s, %s), 4326))"
            " ORDER BY record_id LIMIT 1"
        ).format(
            columns=sql.SQL(", ").join(map(sql.Identifier, names)) if names else sql.SQL("1"),
            table=sql.Identifier(SCHEMA, cast(PublishedVersion, dataset.current_version).table_name),
            shape=sql.Identifier(shape_field),
        )
        with connection.cursor() as cursor:
            cursor.execute(statement.as_string(cursor.connection), [point[1], point[0]])
            row = cursor.fetchone()
        if row is None:
            return None
        return {name: json_ready(value) for name, value in zip(names, row, strict=False)}


def register() -> None:
    """Make geojoin processors read published datasets (called when the application starts)."""
    use_shape_lookup(PublishedShapes())
