"""Records in column batches: the publish's load pass, a batch of source rows at a time.

``record_batches`` reads a source the way ``runner.run`` does (reader problems first, then the
processors and the field specifications, record by record: a processor pays per record only
where a dataset uses one) and hands the records on as columns, one list of raw values per field.
Typing and encoding then run per column (``datasets.store.cells``), where they are vectorised.

Record errors keep the record path's order and record ids: each ``PendingError`` knows the row
it concerns and the position, in its batch, of the record whose id it gets once the batch is
loaded (the first record of its row for reader and processor errors, as the record path gives
them the id of the next record it writes; None when the row gave no record). ``ordered`` merges
the conversion failures in, so the errors come out in exactly the record path's sequence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from datasets.pipeline.core import Record, RecordError
from datasets.pipeline.record_batch import (
    PROCESS,
    READ,
    TRAILING,
    PendingError,
    PositionalSource,
    RecordBatch,
    positional_batches,
)
from datasets.pipeline.runner import ErrorHandler, SourceLike, StepLike, process, report_problems
from datasets.pipeline.specifications import FieldSpecifications


class _BatchBuilder:
    """Collects the records and errors of one batch."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.rows: list[int] = []
        self.records: list[Record] = []
        self.errors: list[PendingError] = []
        self.row_errors: list[tuple[int, RecordError]] = []  # (stage, error) of the row being processed

    def add_row(self, row: int, records: list[Record]) -> None:
        """The records of one source row; the row's pending errors get the id of its first record."""
        position = len(self.records) if records else None
        for stage, error in self.row_errors:
            self.errors.append(PendingError(error, stage, position))
        self.row_errors.clear()
        for record in records:
            self.rows.append(row)
            self.records.append(record)

    def batch(self) -> RecordBatch:
        records = self.records
        columns = {name: [record.get(name) for record in records] for name in self.names}
        batch = RecordBatch(self.rows, columns, self.errors)
        self.rows, self.records, self.errors = [], [], []
        return batch


def record_batches(
    source: SourceLike,
    steps: list[StepLike],
    specs: FieldSpecifications,
    names: list[str],
    *,
    batch_rows: int,
    resource_uid: str | None = None,
) -> Iterator[RecordBatch]:
    """Batches of at least ``batch_rows`` records (the last may be smaller), columns ``names``.

    Errors of the reader and of the processors travel with their batch (``RecordBatch.errors``); a
    source's problems found after its last row come in a final batch without records.
    """
    if not steps and getattr(source, "positional", False):
        positional = cast(PositionalSource, source)
        yield from positional_batches(positional, specs, names, batch_rows=batch_rows, resource_uid=resource_uid)
        return
    builder = _BatchBuilder(names)

    def collect(stage: int) -> ErrorHandler:
        def handle(error: RecordError) -> None:
            builder.row_errors.append((stage, error))

        return handle

    on_read, on_process, on_trailing = collect(READ), collect(PROCESS), collect(TRAILING)
    rows, problems = source.rows(), source.problems
    try:
        for row, raw in rows:
            if problems:
                report_problems(problems, resource_uid, on_read)
            processed = process(row, raw, steps, resource_uid, on_process)
            builder.add_row(row, [specs.apply(record) for record in processed])
            if len(builder.records) >= batch_rows:
                yield builder.batch()
        if problems:
            report_problems(problems, resource_uid, on_trailing)
            builder.add_row(0, [])
        if builder.records or builder.errors:
            yield builder.batch()
    finally:
        if hasattr(rows, "close"):
            rows.close()
