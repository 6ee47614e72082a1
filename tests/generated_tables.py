"""A published dataset whose records table is filled by PostgreSQL itself (``generate_series``), for tests that
need many rows without the time a publish of them takes. Row ``n`` (1..rows) is ``{"n": n, "label": "row n"}``."""

from __future__ import annotations

from django.db import connection
from psycopg import sql

from datasets.models import Dataset, PublishedVersion
from datasets.pipeline.core import Field
from datasets.store import create_table

FIELDS = [Field("n", "N", "int"), Field("label", "Label", "text")]


def publish_generated(dataset: Dataset, rows: int, number: int = 1) -> PublishedVersion:
    """Create and fill ``records.<uid>_v<number>`` and make it the dataset's served version."""
    table = f"{dataset.dataset_uid}_v{number}"
    with connection.cursor() as cursor:
        create_table(cursor.cursor, table, FIELDS)
        cursor.execute(
            sql.SQL(
                "INSERT INTO records.{} (record_id, n, label) "
                "SELECT md5(i::text), i, 'row ' || i FROM generate_series(1, %s) AS i"
            )
            .format(sql.Identifier(table))
            .as_string(cursor.connection),
            [rows],
        )
        cursor.execute(sql.SQL("ANALYZE records.{}").format(sql.Identifier(table)).as_string(cursor.connection))
    version = PublishedVersion.objects.create(
        dataset=dataset,
        number=number,
        table_name=table,
        record_count=rows,
        fields=[field.as_dict() for field in FIELDS],
        metadata={"default": {"title": dataset.dataset_id}},
    )
    Dataset.objects.filter(pk=dataset.pk).update(current_version=version, is_published=True)
    return version
