"""The records store: one typed PostgreSQL table per published dataset version.

Publishing creates ``records.<dataset_uid>_v<n>`` (``create_table``), streams typed records into it
with COPY (``Loader``), builds its indexes and analyzes it (``finish_table``); the caller then swaps
the dataset to it in one short transaction holding ``pg_advisory_xact_lock(advisory_lock_key(uid))``.
Leftover tables of dead workers are found with ``dataset_tables`` and removed with ``drop_table``.
"""

from datasets.store.geometry import point_ewkt, shape_ewkt, shape_wkt
from datasets.store.ids import advisory_lock_key, index_name, record_id, table_name
from datasets.store.indexes import FinishReport, finish_table
from datasets.store.loader import Loader
from datasets.store.tables import SCHEMA, RecordsTableLimitError, count_rows, create_table, dataset_tables, drop_table

__all__ = [
    "SCHEMA",
    "FinishReport",
    "Loader",
    "RecordsTableLimitError",
    "advisory_lock_key",
    "count_rows",
    "create_table",
    "dataset_tables",
    "drop_table",
    "finish_table",
    "index_name",
    "point_ewkt",
    "record_id",
    "shape_ewkt",
    "shape_wkt",
    "table_name",
]
