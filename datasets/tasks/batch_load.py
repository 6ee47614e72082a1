"""The publish's load of one resource, a column batch at a time (``pipeline.column_batches``, ``store.cells``).

Each batch of source rows goes through the processors and specifications record by record, then
is typed and COPY-encoded column by column, sent to the COPY in one write, and its record errors are
kept in the record path's order with the ids of their records.
"""

from __future__ import annotations

from collections.abc import Iterator

from datasets.pipeline.column_batches import RecordBatch, record_batches
from datasets.pipeline.core import Field
from datasets.pipeline.formats import PLAIN, ColumnFormat
from datasets.pipeline.runner import SourceLike, StepLike
from datasets.pipeline.specifications import FieldSpecifications
from datasets.services.record_errors import RecordErrors
from datasets.store.cells import ColumnCells
from datasets.store.loader import Loader, id_field_names


class BatchWriter:
    """Types, encodes and writes the batches of one resource into ``loader``; keeps their errors in ``errors``."""

    def __init__(
        self,
        loader: Loader,
        fields: list[Field],
        *,
        formats: dict[str, ColumnFormat],
        separators: dict[str, str],
        errors: RecordErrors,
        resource_uid: str | None,
    ) -> None:
        self.loader = loader
        self.names = [field.name for field in fields]
        self.cells = [
            ColumnCells(field, separators.get(field.name), formats.get(field.name, PLAIN)) for field in fields
        ]
        by_name = dict(zip(self.names, self.cells, strict=True))
        self.id_cells = {name: by_name[name] for name in id_field_names(fields) or []}
        self.errors = errors
        self.resource_uid = resource_uid

    def batches(
        self, source: SourceLike, steps: list[StepLike], specs: FieldSpecifications, batch_rows: int
    ) -> Iterator[RecordBatch]:
        """The resource's record batches, columns in the table's field order."""
        return record_batches(source, steps, specs, self.names, batch_rows=batch_rows, resource_uid=self.resource_uid)

    def write(self, batch: RecordBatch) -> list[str]:
        """Convert and send ``batch``; its errors are kept with their records' ids. Returns the ids."""
        columns = []
        for order, (name, cells) in enumerate(zip(self.names, self.cells, strict=True)):
            column, failures = cells.cells(batch.columns[name])
            batch.conversion_errors(name, order, failures, self.resource_uid)
            columns.append(column)
        count = batch.load_count
        ids = self.loader.write_batch(count, *self.loaded(count, columns, self.id_values(batch))) if count else []
        for pending in batch.ordered():
            position = pending.position
            self.errors.add(pending.error, ids[position] if position is not None and position < count else None)
        return ids

    @staticmethod
    def loaded(
        count: int, columns: list[list[str]], id_values: dict[str, list[object]] | None
    ) -> tuple[list[list[str]], dict[str, list[object]] | None]:
        """The cells (and id values) of the first ``count`` records: a record past a limit is converted, not loaded."""
        if columns and len(columns[0]) == count:
            return columns, id_values
        cut_ids = {name: values[:count] for name, values in id_values.items()} if id_values is not None else None
        return [column[:count] for column in columns], cut_ids

    def id_values(self, batch: RecordBatch) -> dict[str, list[object]] | None:
        """The typed values of the ``id`` fields, which record ids are made of, or None without such fields."""
        if not self.id_cells:
            return None
        return {name: cells.typed(batch.columns[name]) for name, cells in self.id_cells.items()}
