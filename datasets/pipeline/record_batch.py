"""A batch of records as columns, and the batches of a source that gives rows of values (CSV).

``RecordBatch`` is what the column path moves: the source row of each record, one list of raw
values per field, and the batch's record errors (``PendingError``), each knowing where it sorts
in the record path's order and which record's id it gets once the batch is loaded.
``positional_batches`` reads a positional source (``Source.value_rows``) without a Python step per
record; ``column_batches.record_batches`` covers every other source and datasets with processors.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any, Protocol

from datasets.pipeline.core import Field, RecordError, RecordFailure, record_error
from datasets.pipeline.specifications import FieldSpecifications


class PositionalSource(Protocol):
    """A source giving its rows as lists of values in ``fields`` order, and its reader's ``problems``."""

    @property
    def fields(self) -> list[Field]: ...

    @property
    def problems(self) -> list[RecordError]: ...

    def value_rows(self) -> Iterator[tuple[int, list[Any]]]: ...


# The stages of a record's errors, in the order the record path reports them; TRAILING: a reader's
# problems found after its last row, reported after everything else.
READ, PROCESS, CONVERT, TRAILING = 0, 1, 2, 3


@dataclass(frozen=True)
class PendingError:
    """A record error of a batch, with where it sorts and the record whose id it will get."""

    error: RecordError
    stage: int
    position: int | None  # the record's index in its batch; None: the row gave no record
    order: int = 0  # the field's index, for conversion errors

    def key(self) -> tuple[int, int, int, int]:
        row = sys.maxsize if self.stage == TRAILING else self.error.row
        return row, self.stage, self.position if self.position is not None else -1, self.order


@dataclass
class RecordBatch:
    """Records as columns: ``rows[i]`` is the source row of record ``i``, ``columns[name][i]`` its raw value."""

    rows: list[int]
    columns: dict[str, list[object]]
    errors: list[PendingError] = field(default_factory=list)
    loadable: int | None = None  # set by ``cut``: the records after the first ``loadable`` are not loaded

    def __len__(self) -> int:
        return len(self.rows)

    def conversion_errors(
        self, name: str, order: int, failures: list[tuple[int, RecordFailure]], resource_uid: str | None
    ) -> None:
        """Add the failures of field ``name`` (the ``order``-th converted field), by record position."""
        for position, failure in failures:
            error = record_error(self.rows[position], failure, name, None, resource_uid)
            self.errors.append(PendingError(error, CONVERT, position, order))

    def cut(self, count: int) -> RecordBatch:
        """The batch as the record path stops at a record limit after ``count`` records: the first record
        left out is still there to be converted (the record path converts a record before it finds no room
        for it) but not loaded (``loadable``); the errors of the rows up to its own are kept, later ones not."""
        last_row = self.rows[count]
        errors = [
            pending if pending.position is None or pending.position < count else replace(pending, position=None)
            for pending in self.errors
            if pending.error.row <= last_row and pending.stage != TRAILING
        ]
        kept = {name: values[: count + 1] for name, values in self.columns.items()}
        return RecordBatch(self.rows[: count + 1], kept, errors, loadable=count)

    @property
    def load_count(self) -> int:
        """How many of the batch's records are loaded (all but a record left out by a limit)."""
        return len(self.rows) if self.loadable is None else self.loadable

    def ordered(self) -> list[PendingError]:
        """The batch's errors in the record path's order: by row, stage, record, field."""
        return sorted(self.errors, key=PendingError.key)


def positional_batches(
    source: PositionalSource,
    specs: FieldSpecifications,
    names: list[str],
    *,
    batch_rows: int,
    resource_uid: str | None = None,
) -> Iterator[RecordBatch]:
    """``record_batches`` of a source giving rows of values (CSV) to a dataset without processors.

    Each row is one record, so a batch is ``batch_rows`` rows pulled at once and transposed (in C),
    renamed and filtered as the field specifications say: no dict, and no Python step, per record.
    The reader's problems name their row, which gives the record their error belongs to.
    """
    positions = specs.apply({field.name: index for index, field in enumerate(source.fields)})
    problems = source.problems
    value_rows = source.value_rows()
    try:
        while True:
            chunk = list(islice(value_rows, batch_rows))
            if not chunk and not problems:
                return
            numbers, values = zip(*chunk, strict=True) if chunk else ((), ())  # split in C
            rows: list[int] = list(numbers)
            errors = problem_errors(problems, rows, resource_uid, last=len(chunk) < batch_rows)
            yield transposed(rows, values, errors, names, positions)
            if len(chunk) < batch_rows:
                return
    finally:
        if hasattr(value_rows, "close"):
            value_rows.close()


def problem_errors(
    problems: list[RecordError], rows: list[int], resource_uid: str | None, *, last: bool
) -> list[PendingError]:
    """The reader's problems met while reading ``rows``, each with the position of its row's record.

    In the last batch, a problem past the last row (met at the end of the file) is reported last.
    """
    if not problems:
        return []
    position_of = {row: position for position, row in enumerate(rows)}
    end = rows[-1] if rows else 0
    errors = []
    for problem in problems:
        error = replace(problem, resource_uid=resource_uid) if resource_uid else problem
        trailing = last and error.row > end and error.row not in position_of
        errors.append(PendingError(error, TRAILING if trailing else READ, position_of.get(error.row)))
    problems.clear()
    return errors


def transposed(
    rows: list[int],
    values: Sequence[list[object]],
    errors: list[PendingError],
    names: list[str],
    positions: dict[str, int],
) -> RecordBatch:
    """A batch from rows of values: column ``name`` is the values at ``positions[name]`` (null if none)."""
    by_position = list(zip(*values, strict=True))
    columns: dict[str, list[object]] = {
        name: list(by_position[positions[name]]) if name in positions and by_position else [None] * len(rows)
        for name in names
    }
    return RecordBatch(rows, columns, errors)
