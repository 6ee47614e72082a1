"""A source that calls back every batch of rows, so a long pass can report progress and be stopped.

The runner's passes (``infer``, ``run``) read a source to its end without a pause; a caller that must
act during the pass (a job reporting progress, checking whether it was aborted) wraps the source in
a ``BatchedSource``. Its callback may raise: the exception leaves the pass at once, and the source's
rows are closed on the way out. Counting source rows (not records) keeps the callback coming when
processors drop most records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from datasets.pipeline.core import Field, Record, RecordError
from datasets.pipeline.runner import SourceLike

BatchHandler = Callable[[int], None]
T = TypeVar("T")


class BatchedSource:
    """``source``, calling ``on_batch(rows read)`` after every ``batch_rows`` rows and once when its rows end.

    The call comes when the consumer asks for the row after a batch, so the batch's rows have been
    processed by then. Fields and problems are the wrapped source's own, shared (a reader adds late
    fields to its list while reading).
    """

    def __init__(self, source: SourceLike, batch_rows: int, on_batch: BatchHandler) -> None:
        if batch_rows < 1:
            raise ValueError("batch_rows must be at least 1")
        self.source = source
        self.batch_rows = batch_rows
        self.on_batch = on_batch

    @property
    def fields(self) -> list[Field]:
        return self.source.fields

    @property
    def problems(self) -> list[RecordError]:
        return self.source.problems

    @property
    def positional(self) -> bool:
        return getattr(self.source, "positional", False)

    def rows(self) -> Iterator[tuple[int, Record]]:
        return self._counted(self.source.rows())

    def value_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """The wrapped source's rows of values (a positional source's), counted the same way."""
        return self._counted(self.source.value_rows())  # type: ignore[attr-defined]

    def _counted(self, rows: Iterator[T]) -> Iterator[T]:
        count = 0
        try:
            for item in rows:
                yield item
                count += 1
                if count % self.batch_rows == 0:
                    self.on_batch(count)
            self.on_batch(count)
        finally:
            if hasattr(rows, "close"):
                rows.close()  # stopped early (a consumer's break, the callback's exception): release the file now
